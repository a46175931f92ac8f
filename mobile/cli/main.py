"""The `linkedin-optout` command line: one module per command in mobile/cli/."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Any, NoReturn

from mobile import __version__
from mobile.engine import abort as lifecycle
from mobile.cli.run_options import config_error_document
from mobile.errors import ConfigError, config_lines

# command name -> module mobile.cli.<name> exposing add_parser(subparsers) and run(args) -> int
COMMANDS = ("check", "apply", "devices", "flows", "validate", "locate", "doctor", "setup", "sim", "cleanup")


class UsageExit(SystemExit):
    """A bad flag: argparse's one line was printed; `message` is it without the program name."""

    def __init__(self, message: str):
        super().__init__(2)
        self.message = message


class _HelpFormatter(argparse.HelpFormatter):
    """Appends `(default: X)` to an option's help when it has a default worth showing."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        shown = action.default not in (None, False, [], argparse.SUPPRESS) and "default" not in text
        if shown and action.option_strings and action.nargs != 0:
            text += " (default: %(default)s)"
        return text


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad flag as one line and exit code 2, and shows every default in --help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:  # noqa: D401 - argparse API
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise UsageExit(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every available command registered."""
    parser = _Parser(prog="linkedin-optout", description=(
        "Turn off LinkedIn's 'Data for Generative AI Improvement' on Android/iOS through Appium, and prove it "
        "from the accessibility tree. Exit codes: 0 ok, 1 mismatch/verify_failed, 2 bad input, "
        "3 environment (no device, app missing, signed out, device error), 4 ui_drift."))
    parser.add_argument("--version", action="version", version=f"linkedin-optout {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:  # a command module that cannot be imported is an error, never a silent gap in --help
        importlib.import_module(f"mobile.cli.{name}").add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = parser.parse_args(argv)
    except UsageExit as exc:
        _json_usage_error(argv, exc.message)
        raise
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    since = lifecycle.mark()
    try:
        return int(args.run(args) or 0)
    except ConfigError as exc:
        for line in config_lines(exc):
            sys.stderr.write(f"linkedin-optout: error: {line}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("linkedin-optout: interrupted\n")
        return 130
    finally:
        # every process this command started and did not stop itself (Appium, phones, an adb server)
        lifecycle.stop_owned(since, log=_say)


def _json_usage_error(argv: list[str], message: str) -> None:
    """`check`/`apply` with --json still print their one document when a flag is refused."""
    command = next((a for a in argv if not a.startswith("-")), None)
    if command in ("check", "apply") and "--json" in argv:
        sys.stdout.write(json.dumps(config_error_document(message), indent=2) + "\n")


def _say(line: str) -> None:
    """One line of what the tool did on the way out, on stderr."""
    sys.stderr.write(f"linkedin-optout: {line}\n")


if __name__ == "__main__":
    raise SystemExit(main())
