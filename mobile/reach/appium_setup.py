"""`linkedin-optout setup`: the pinned Appium 3 and every driver of the shipped lockfile, for this user.

Into the per-user folder (`mobile.reach.appium_server.user_appium()`): `appium/` gets the package's
package.json + package-lock.json and `npm ci --omit=dev` (npm's own cache is reused, `--prefer-offline`),
plus a copy of the LinkedInSim driver's source; `appium-home/` is the APPIUM_HOME the drivers are linked
into. Each part is skipped when it is already current, so running it again does nothing and says so.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from mobile.reach.appium_install import SIM_DRIVER_DIR, InstallError, ensure_drivers
from mobile.reach.appium_server import AppiumInstall, user_appium
from mobile.reach.doctor import check_node
from mobile.resources import APPIUM_LOCK_DIR, APPIUM_PACKAGE_FILES, SIM_DRIVER, SKIPPED_NAMES, shipped

STAMP = ".linkedin-optout-lock"  # in node_modules: the sha256 of the lockfile npm ci installed from
NPM_CI = ("ci", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund", "--no-update-notifier")


class SetupError(RuntimeError):
    """Setup could not finish; the message says why and what to do."""


@dataclass
class SetupReport:
    """What setup did: one line per part, and whether anything changed."""

    lines: list[str] = field(default_factory=list)
    changed: bool = False


def _tree_digest(folder: Path) -> str:
    """sha256 over the relative paths and contents of every file below `folder` (SKIPPED_NAMES left out)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        if any(part in SKIPPED_NAMES for part in relative.parts):
            continue
        digest.update(str(relative.as_posix()).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _pinned_versions(lock: Path) -> dict[str, str]:
    """package name -> version for the lockfile's direct, non-dev dependencies."""
    data = json.loads(lock.read_text())
    packages = data.get("packages", {})
    names = packages.get("", {}).get("dependencies", {})
    return {name: packages.get(f"node_modules/{name}", {}).get("version", "?") for name in names}


def _npm() -> str:
    """The npm to run; SetupError when Node or npm is missing or too old (with the fix)."""
    for check in check_node():
        if not check.ok:
            raise SetupError(f"{check.name}: {check.detail}" + (f"; fix: {check.fix}" if check.fix else ""))
    npm = shutil.which("npm")
    if npm is None:
        raise SetupError("npm not found on PATH")
    return npm


def _copy_lockfile(target: AppiumInstall) -> bool:
    """The shipped package.json + lock into the install's folder; True when a file changed."""
    source = shipped(APPIUM_LOCK_DIR)
    target.prefix.mkdir(parents=True, exist_ok=True)
    changed = False
    for name in APPIUM_PACKAGE_FILES:
        wanted = (source / name).read_bytes()
        destination = target.prefix / name
        if not destination.is_file() or destination.read_bytes() != wanted:
            destination.write_bytes(wanted)
            changed = True
    return changed


def _npm_ci(target: AppiumInstall, npm: str, say: Callable[[str], None], report: SetupReport) -> None:
    """`npm ci` from the lockfile unless node_modules was installed from this very lockfile."""
    lock = target.prefix / "package-lock.json"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    stamp = target.prefix / "node_modules" / STAMP
    pinned = ", ".join(f"{name} {version}" for name, version in _pinned_versions(lock).items())
    if target.binary.exists() and stamp.is_file() and stamp.read_text().strip() == digest:
        report.lines.append(f"npm packages: already installed from the lockfile ({pinned})")
        say(report.lines[-1])
        return
    say(f"npm ci in {target.prefix}: {pinned} (reusing npm's cache; this takes a minute or two the first time)")
    began = time.monotonic()
    try:
        done = subprocess.run([npm, *NPM_CI], cwd=target.prefix, stdin=subprocess.DEVNULL, timeout=1800)
    except (OSError, subprocess.SubprocessError) as exc:
        raise SetupError(f"npm ci could not run: {exc}") from exc
    if done.returncode != 0 or not target.binary.exists():
        raise SetupError(f"npm ci failed (exit {done.returncode}) in {target.prefix}; its output is above")
    stamp.write_text(digest + "\n")
    report.changed = True
    report.lines.append(f"npm packages: installed from the lockfile in {time.monotonic() - began:.0f} s ({pinned})")
    say(report.lines[-1])


def _copy_sim_driver(target: AppiumInstall, say: Callable[[str], None], report: SetupReport) -> None:
    """The LinkedInSim driver's source (shipped with the package) into the install's folder."""
    source, destination = shipped(SIM_DRIVER), target.prefix / SIM_DRIVER_DIR
    if destination.is_dir() and _tree_digest(destination) == _tree_digest(source):
        report.lines.append(f"LinkedInSim driver source: already current in {destination}")
    else:
        if destination.exists():
            shutil.rmtree(destination)
        shutil.copytree(source, destination, ignore=shutil.ignore_patterns(*SKIPPED_NAMES))
        report.changed = True
        report.lines.append(f"LinkedInSim driver source: copied to {destination}")
    say(report.lines[-1])


def run_setup(say: Callable[[str], None], target: AppiumInstall | None = None) -> SetupReport:
    """Install (or confirm) Appium and its drivers in `target` (default: the per-user folder)."""
    target = target or user_appium()
    report = SetupReport()
    say(f"installing the pinned Appium 3 and its drivers into {target.prefix.parent}")
    npm = _npm()
    if _copy_lockfile(target):
        report.changed = True
        say(f"lockfile: copied the package's package.json and package-lock.json to {target.prefix}")
    _npm_ci(target, npm, say, report)
    _copy_sim_driver(target, say, report)
    say(f"drivers into APPIUM_HOME {target.home}:")
    try:
        lines = ensure_drivers(target.binary, target.home, target.prefix, on_line=lambda line: say(f"  {line}"))
    except InstallError as exc:
        raise SetupError(str(exc)) from exc
    report.lines += lines
    report.changed = report.changed or any(": installed from" in line for line in lines)
    return report
