"""`linkedin-optout setup` installs the pinned Appium 3 and its drivers (LinkedInSim, UiAutomator2, XCUITest)
for this user, from the lockfile shipped in the package. Running it again only checks; it says what it did."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mobile.reach.appium_server import checkout_appium, user_appium
from mobile.reach.appium_setup import SetupError, SetupReport, run_setup


def add_parser(subparsers: Any) -> None:
    """Register `setup`."""
    parser = subparsers.add_parser(
        "setup", help="install the pinned Appium 3 and its drivers for this user (no checkout needed)",
        description=__doc__ + " Folder: $LINKEDIN_OPTOUT_HOME, else the platform's user data folder "
        "(on Linux $XDG_DATA_HOME/linkedin-optout, by default ~/.local/share/linkedin-optout).")
    parser.set_defaults(run=run)


def say(line: str) -> None:
    """One progress line on stdout, at once."""
    sys.stdout.write(f"setup: {line}\n")
    sys.stdout.flush()


def setup_now() -> SetupReport | None:
    """Run setup with progress on stdout; None (after saying why) when it failed."""
    try:
        return run_setup(say)
    except SetupError as exc:
        sys.stderr.write(f"linkedin-optout setup: error: {exc}\n")
        return None


def run(args: argparse.Namespace) -> int:
    """Install or confirm; exit 0 when Appium and every driver are in place, 3 when setup cannot finish."""
    checkout = checkout_appium()
    if checkout is not None:
        say(f"note: this is a checkout; `make install` installs into {checkout.prefix} and {checkout.home}, "
            "which the tool uses first when present")
    report = setup_now()
    if report is None:
        return 3
    target = user_appium()
    if report.changed:
        say(f"done: Appium and its drivers are installed in {target.prefix.parent}")
    else:
        say(f"done: nothing to do, everything was already installed in {target.prefix.parent}")
    say("next: `linkedin-optout doctor`, then `linkedin-optout check --device auto` with a phone on USB "
        "(or `--device sim-android` for the simulated phone)")
    return 0
