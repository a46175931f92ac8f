"""Build step: copies the run-time files kept at the repository's top level into the package.

`flows/`, `devices.yaml` and `ci/appium/` (lockfile, LinkedInSim driver) have their single home at the top
of the repository; a built wheel carries copies under `mobile/_bundled/` (the list is
`mobile.resources.SHIPPED`). An editable install reads the checkout directly, so nothing is copied then.
Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("_linkedin_optout_resources", ROOT / "mobile" / "resources.py")
assert _spec is not None and _spec.loader is not None
resources = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(resources)


class BuildPyWithShipped(build_py):
    """build_py, then the top-level run-time files into <build_lib>/mobile/_bundled."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "mobile" / resources.BUNDLED_DIR.name
        if target.exists():
            shutil.rmtree(target)
        for relative in resources.SHIPPED:
            source = ROOT / relative
            if source.is_dir():
                shutil.copytree(source, target / relative, ignore=shutil.ignore_patterns(*resources.SKIPPED_NAMES))
            elif source.is_file():
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / relative)
            else:
                raise FileNotFoundError(f"{relative}: listed in mobile.resources.SHIPPED but missing from {ROOT}")


setup(cmdclass={"build_py": BuildPyWithShipped})
