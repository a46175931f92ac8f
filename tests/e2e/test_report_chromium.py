"""report.html of a real run (CLI -> Appium -> simulated phones), opened in a real headless Chromium:
the steps render, every screenshot loads, and the page is not blank."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from mobile.cli.main import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--virtual-time-budget=5000"]


def chromium(tmp_path: Path, *args: str) -> str:
    """Run headless Chromium with a private profile; its stdout."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (the Makefile's test target needs it)")
    profile = tmp_path / "profile"
    done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture
def report(tmp_path: Path, appium_server, capsys, monkeypatch) -> Path:
    """A report of `apply` on both simulated phones."""
    monkeypatch.setenv("LINKEDIN_SIM_LATENCY_SCALE", "0")
    out = tmp_path / "report"
    code = main(["apply", "--group", "sims", "--report", str(out), "--appium-url", appium_server.url])
    printed = capsys.readouterr().out
    assert code == 0 and f"report: {out / 'report.html'}" in printed
    return out / "report.html"


def test_report_renders_steps_and_loads_every_screenshot(report: Path, tmp_path: Path) -> None:
    dom = chromium(tmp_path, "--dump-dom", report.as_uri())
    body = re.search(r"<body[^>]*>", dom).group(0)
    shots = len(re.findall(r'<img class="shot', dom))
    assert shots >= 14  # 7 steps per device, two devices
    assert f'data-images-ok="{shots}"' in body and 'data-images-broken="0"' in body
    for device in ("sim-android", "sim-ios"):
        assert f'id="{device}"' in dom
    assert dom.count('class="step"') == shots and "verify persisted" in dom and "changed" in dom


def test_report_screenshot_is_not_blank(report: Path, tmp_path: Path) -> None:
    png = tmp_path / "page.png"
    chromium(tmp_path, "--window-size=1200,1600", f"--screenshot={png}", report.as_uri())
    image = Image.open(io.BytesIO(png.read_bytes())).convert("L")
    colours = image.getcolors(maxcolors=1 << 16) or []
    assert len(colours) > 20  # text, tables and screenshots, not one flat colour
    assert image.getextrema()[0] < 100  # something dark (text) is drawn


def test_a_moved_report_flags_missing_images(report: Path, tmp_path: Path) -> None:
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(report, alone / "report.html")  # without the screenshot folders next to it
    dom = chromium(tmp_path, "--dump-dom", (alone / "report.html").as_uri())
    assert 'data-images-ok="0"' in dom and 'class="shot broken"' in dom
