"""Installs the Appium drivers of an npm project (ci/appium, or the per-user copy) into its APPIUM_HOME.

The drivers are LinkedInSim (the project's own, `linkedinsim-driver/` beside package.json) and every
Appium driver among the project's pinned npm dependencies (UiAutomator2, XCUITest, ...), each linked from
node_modules. Idempotent. Run as `python -m mobile.reach.appium_install`; `make install` does it after `npm ci`
in ci/appium, `linkedin-optout setup` for the per-user folder.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mobile.reach.appium_server import install_hint, locate_appium

SIM_DRIVER_DIR = "linkedinsim-driver"


class InstallError(RuntimeError):
    """The Appium install is missing or a driver could not be installed."""


@dataclass(frozen=True)
class LocalDriver:
    """A driver package on disk (our own, or one npm put into node_modules) linked into APPIUM_HOME."""

    name: str
    path: Path


def project_drivers(prefix: Path) -> list[LocalDriver]:
    """LinkedInSim, then every Appium driver among the npm project's dependencies, in package.json order."""
    drivers = [LocalDriver("linkedinsim", prefix / SIM_DRIVER_DIR)]
    try:
        dependencies = json.loads((prefix / "package.json").read_text()).get("dependencies", {})
    except (OSError, ValueError) as exc:
        raise InstallError(f"cannot read {prefix / 'package.json'}: {exc}") from exc
    for package in dependencies:
        path = prefix / "node_modules" / package
        try:
            manifest = json.loads((path / "package.json").read_text())
        except (OSError, ValueError):
            raise InstallError(f"{package} is pinned in {prefix / 'package.json'} but not installed in "
                               f"{prefix / 'node_modules'}: {install_hint()}") from None
        name = (manifest.get("appium") or {}).get("driverName")
        if name and manifest["appium"].get("mainClass"):
            drivers.append(LocalDriver(name, path))
    return drivers


def _run_appium(binary: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the Appium CLI with APPIUM_HOME set; never raises on a non-zero exit."""
    env = {**os.environ, "APPIUM_HOME": str(home)}
    return subprocess.run([str(binary), *args], env=env, capture_output=True, text=True, timeout=600)


def installed_drivers(binary: Path, home: Path) -> dict[str, dict]:
    """The drivers installed in `home`, as `appium driver list --installed --json` reports them."""
    done = _run_appium(binary, home, "driver", "list", "--installed", "--json")
    if done.returncode != 0:
        raise InstallError(f"`appium driver list` failed ({done.returncode}): {done.stderr.strip()[-1000:]}")
    try:
        listed = json.loads(done.stdout or "{}")
    except ValueError as exc:
        raise InstallError(f"`appium driver list --json` printed no JSON: {done.stdout[:300]!r}") from exc
    return {name: info for name, info in listed.items() if info.get("installed", True)}


def _is_current(info: dict | None, driver: LocalDriver, home: Path) -> bool:
    """Whether `info` is our driver linked from this checkout, and the link still resolves."""
    if not info or info.get("installType") != "local":
        return False
    if Path(str(info.get("installPath", ""))).resolve() != driver.path.resolve():
        return False
    package = json.loads((driver.path / "package.json").read_text())
    link = home / "node_modules" / package["name"]
    return link.resolve() == driver.path.resolve() and info.get("version") == package["version"]


def install_local_driver(driver: LocalDriver, binary: Path, home: Path, installed: dict[str, dict]) -> str:
    """Link one local driver into `home` unless it is already there; returns what was done."""
    if not (driver.path / "package.json").is_file():
        raise InstallError(f"driver package missing: {driver.path}/package.json")
    label = f"{driver.name} {json.loads((driver.path / 'package.json').read_text()).get('version', '?')}"
    if _is_current(installed.get(driver.name), driver, home):
        return f"{label}: already installed from {driver.path}"
    if driver.name in installed:
        # Linked from another checkout or an older version: replace it rather than fail on "already installed".
        done = _run_appium(binary, home, "driver", "uninstall", driver.name)
        if done.returncode != 0:
            raise InstallError(f"could not remove the old {driver.name} driver: {done.stderr.strip()[-1000:]}")
    # npm resolves a relative source against APPIUM_HOME, so the path must be absolute.
    done = _run_appium(binary, home, "driver", "install", "--source=local", str(driver.path.resolve()))
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()[-2000:]
        raise InstallError(f"`appium driver install --source=local {driver.path}` failed:\n{output}")
    return f"{label}: installed from {driver.path}"


def ensure_drivers(binary: Path | None = None, home: Path | None = None, prefix: Path | None = None,
                   on_line: Callable[[str], None] | None = None) -> list[str]:
    """Make every driver of the npm project `prefix` installed in APPIUM_HOME; returns one line per driver
    (also passed to `on_line` as each one is done). Defaults: the Appium `locate_appium()` finds."""
    found = locate_appium()
    binary, home, prefix = binary or found.binary, home or found.home, prefix or found.prefix
    if not binary.exists():
        raise InstallError(f"Appium is not installed at {binary}: {install_hint()}")
    home.mkdir(parents=True, exist_ok=True)
    installed = installed_drivers(binary, home)
    lines = []
    for driver in project_drivers(prefix):
        lines.append(install_local_driver(driver, binary, home, installed))
        if on_line is not None:
            on_line(lines[-1])
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: install the drivers and print what was done."""
    parser = argparse.ArgumentParser(prog="python -m mobile.reach.appium_install", description=__doc__)
    parser.add_argument("--appium-home", type=Path, help="default: $APPIUM_HOME or ./.appium-home")
    parser.add_argument("--appium", type=Path, help="default: $LINKEDIN_OPTOUT_APPIUM or ci/appium's pinned one")
    args = parser.parse_args(argv)
    home = args.appium_home or locate_appium().home
    try:
        for line in ensure_drivers(args.appium, home):
            print(f"appium_install: {line} (APPIUM_HOME={home})")
    except InstallError as exc:
        print(f"appium_install: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
