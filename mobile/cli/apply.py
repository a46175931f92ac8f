"""`linkedin-optout apply`: make the switch read the wanted state (default off), verified and persisted."""

from __future__ import annotations

import argparse

from mobile.cli.run_options import add_run_options, run_command


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `apply`."""
    parser = subparsers.add_parser("apply", help="set the switch (default off) and prove it",
                                   description=__doc__)
    add_run_options(parser, "apply")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run `apply` on the chosen devices."""
    return run_command(args, "apply")
