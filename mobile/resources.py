"""Where the files the tool reads at run time live: in a checkout, the repository's own; in an installed
package, the copies the build put under `mobile/_bundled/` (setup.py's build step copies SHIPPED there).

One source of truth each: `flows/`, `devices.yaml` (the built-in devices) and `ci/appium/` (the pinned
Appium lockfile, the LinkedInSim driver's source; not node_modules) live at the repository's top level
only; the wheel carries copies made at build time. The simulated phone's screens and scenarios are package data of
`mobile/sim/` already. Standard library only: setup.py loads this file before anything is installed.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_DIR = PACKAGE_DIR / "_bundled"
CHECKOUT_DIR = PACKAGE_DIR.parent

FLOWS = "flows"
BUILTIN_DEVICES = "devices.yaml"
APPIUM_LOCK_DIR = "ci/appium"
APPIUM_PACKAGE_FILES = ("package.json", "package-lock.json")
SIM_DRIVER = "ci/appium/linkedinsim-driver"

# Paths relative to the repository root that the package carries (files, or folders copied whole).
# ci/appium goes whole (lockfile, LinkedInSim source, any helper Appium is started with), without node_modules.
SHIPPED = (FLOWS, BUILTIN_DEVICES, APPIUM_LOCK_DIR)
# Never copied from a shipped folder (npm installs, caches).
SKIPPED_NAMES = ("node_modules", "__pycache__", ".DS_Store")


def checkout_root() -> Path | None:
    """The repository this code runs from (editable install or PYTHONPATH), or None for an installed package."""
    if BUNDLED_DIR.is_dir():
        return None
    if (CHECKOUT_DIR / "pyproject.toml").is_file() and (CHECKOUT_DIR / FLOWS).is_dir():
        return CHECKOUT_DIR
    return None


def shipped(relative: str) -> Path:
    """The run-time path of one of SHIPPED (or a path below one): the checkout's, else the package's copy."""
    root = checkout_root()
    return (root if root is not None else BUNDLED_DIR) / relative
