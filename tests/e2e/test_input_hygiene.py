"""Whole runs through the installed script: nothing left in the temp folder, no page-source text in the
Appium log kept with a report, a reused report folder holds only the new run, the first line comes at once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
SCRIPT = Path(sys.executable).parent / "linkedin-optout"
MARKER = "Zanzibar Quokka-Marker"
# The home screen's first node carries the marker, so it sits in the first bytes of every page source of
# home, the part Appium would log; the flow then finds no profile photo (ui_drift), which is fine here.
MARKED_SCENARIO = f"""\
description: home shows a marker text first
screens:
  home:
    kind: native
    nodes:
      - {{role: text, text: "{MARKER}", box: [0, 84, 1080, 240]}}
"""


def run_timed(argv: list[str], tmpdir: Path, timeout: float = 300) -> tuple[int, list[tuple[float, str]], str]:
    """Run the script; (exit code, [(seconds since start, stderr line)], stdout)."""
    env = {**os.environ, "TMPDIR": str(tmpdir), "LINKEDIN_SIM_LATENCY_SCALE": "0"}
    began = time.monotonic()
    proc = subprocess.Popen([str(SCRIPT), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lines: list[tuple[float, str]] = []

    def read_err() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append((time.monotonic() - began, line.rstrip("\n")))

    reader = threading.Thread(target=read_err)
    reader.start()
    assert proc.stdout is not None
    out = proc.stdout.read()  # stderr is the reader's alone (communicate() would read it too)
    code = proc.wait(timeout=timeout)
    reader.join(timeout=30)
    return code, lines, out


def test_report_run_leaves_no_temp_folder_and_no_page_source_in_the_kept_log(tmp_path: Path) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    scenario = tmp_path / "marked.yaml"
    scenario.write_text(MARKED_SCENARIO)
    report = tmp_path / "report"
    code, err, out = run_timed(["check", "--device", "sim-android", "--scenario", str(scenario), "--report",
                                str(report), "--raw-evidence", "--timeout", "2"], tmpdir)
    assert code == 4, (out, err)  # ui_drift: the marked home has no profile photo
    # the first line says what is happening, before Appium answers and long before the first step
    first_at, first = err[0]
    assert first == "linkedin-optout check on sim-android: starting Appium on 127.0.0.1 (a few seconds)..."
    session_at = next(at for at, line in err if "creating the Appium session" in line)
    assert first_at < session_at and first_at < 5.0, err
    # the marker went through Appium (raw evidence keeps it) but its log kept with the report has none of it
    sources = list((report / "sim-android").glob("*.xml"))
    assert sources and any(MARKER in p.read_text() for p in sources)
    log = (report / "appium.log").read_text()
    assert "getPageSource" in log and "[page source removed]" in log
    assert MARKER not in log and "<hierarchy" not in log and "iVBORw0KGgo" not in log
    assert [p.name for p in tmpdir.iterdir() if p.name.startswith("linkedin-optout-appium-")] == []

    # the same folder again, another device: only the new run is in it
    code, err, out = run_timed(["check", "--device", "sim-ios", "--report", str(report)], tmpdir)
    assert code == 0, (out, err)
    assert sorted(p.name for p in report.iterdir()) == ["appium.log", "junit.xml", "report.html", "result.json",
                                                        "sim-ios"]
    assert MARKER not in (report / "appium.log").read_text()
    assert [p.name for p in tmpdir.iterdir() if p.name.startswith("linkedin-optout-appium-")] == []


def test_a_run_without_report_leaves_nothing_in_the_temp_folder(tmp_path: Path) -> None:
    code, err, out = run_timed(["apply", "--device", "sim-android", "--device", "sim-ios", "--parallel", "2",
                                "--json"], tmp_path)
    assert code == 0, (out, err)
    assert list(tmp_path.iterdir()) == []  # no Appium folder, nothing else either


def test_kept_behaviour_unknown_adhoc_device_is_config_error_absent_phone_is_no_device(tmp_path: Path) -> None:
    """Through a private adb server that sees no phone (killed at the end)."""
    import json
    import socket

    from mobile.reach.adb import adb_binary

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "ANDROID_ADB_SERVER_PORT": str(port), "HOME": str(tmp_path),
           "ADB_LOCAL_TRANSPORT_MAX_PORT": "5553"}
    devices = tmp_path / "devices.yaml"
    devices.write_text("devices:\n  phone: {platform: android, serial: auto}\n")
    try:
        unknown = subprocess.run([str(SCRIPT), "check", "--devices-file", str(devices), "--device", "XYZ123",
                                  "--json"], capture_output=True, text=True, env=env, timeout=120)
        absent = subprocess.run([str(SCRIPT), "check", "--devices-file", str(devices), "--device", "phone",
                                 "--json"], capture_output=True, text=True, env=env, timeout=120)
    finally:
        subprocess.run([adb_binary(), "-P", str(port), "kill-server"], capture_output=True, timeout=30)
    assert unknown.returncode == 2 and "--device: unknown device 'XYZ123'" in unknown.stderr
    assert json.loads(unknown.stdout)["error"]["status"] == "config_error"
    assert absent.returncode == 3, absent.stderr
    assert [r["status"] for r in json.loads(absent.stdout)["results"]] == ["no_device"]
