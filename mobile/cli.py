"""The `linkedin-optout` command line: one module per command under mobile/commands/."""

from __future__ import annotations

import argparse
import importlib
import sys

from mobile import __version__
from mobile.errors import ConfigError

# command name -> module under mobile.commands exposing add_parser(subparsers) and run(args) -> int
COMMANDS = ("check", "apply", "devices", "flows", "validate", "locate", "doctor", "sim", "cleanup")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad flag as one line and exit code 2."""

    def error(self, message: str) -> None:  # noqa: D401 - argparse API
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every available command registered."""
    parser = _Parser(prog="linkedin-optout", description=(
        "Turn off LinkedIn's 'Data for Generative AI Improvement' on Android/iOS through Appium, and prove it "
        "from the accessibility tree. Exit codes: 0 ok, 1 mismatch/verify_failed, 2 bad input, "
        "3 environment (no device, app missing, signed out, device error), 4 ui_drift."))
    parser.add_argument("--version", action="version", version=f"linkedin-optout {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"mobile.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"mobile.commands.{name}":
                raise
            continue
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except ConfigError as exc:
        sys.stderr.write(f"linkedin-optout: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("linkedin-optout: interrupted\n")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
