"""`linkedin-optout sim serve`: run a simulated phone in the foreground and print how to reach it."""

from __future__ import annotations

import argparse
from typing import Any

from mobile.errors import ConfigError
from mobile.sim.__main__ import add_serve_arguments, check_profile, serve
from mobile.sim.scenario import load_scenario


def add_parser(subparsers: Any) -> None:
    """Register `sim` with its `serve` sub-command."""
    parser = subparsers.add_parser("sim", help="run a simulated phone (for Appium's LinkedInSim driver)",
                                   description=__doc__)
    sub = parser.add_subparsers(dest="sim_command", metavar="SUBCOMMAND")
    serve = sub.add_parser("serve", help="serve one simulated phone on 127.0.0.1 until Ctrl-C",
                           description="Serve one simulated phone on 127.0.0.1 until Ctrl-C; prints its URL "
                                       "and the Appium capabilities that reach it.")
    add_serve_arguments(serve)
    serve.set_defaults(run=run)
    parser.set_defaults(run=_usage(parser))


def _usage(parser: argparse.ArgumentParser) -> Any:
    def show(args: argparse.Namespace) -> int:
        parser.print_help()
        return 2
    return show


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; a bad scenario is a config_error (exit 2)."""
    load_scenario(args.scenario)  # ConfigError (exit 2) before anything starts listening
    check_profile(args.latency_profile)
    if args.port is not None and not 0 <= args.port <= 65535:
        raise ConfigError(f"--port must be 0..65535, got {args.port}", "--port")
    return serve(args)
