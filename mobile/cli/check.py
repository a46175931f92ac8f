"""`linkedin-optout check`: go to the setting and report its state; never taps the switch."""

from __future__ import annotations

import argparse

from mobile.cli.run_options import add_run_options, run_command


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `check`."""
    parser = subparsers.add_parser("check", help="read the setting's state (never taps the switch)",
                                   description=__doc__)
    add_run_options(parser, "check")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run `check` on the chosen devices."""
    return run_command(args, "check")
