"""Reports: result.json is the SPEC document, junit.xml has one testcase per device, report.html links
each step's screenshot and page source; evidence is redacted unless raw evidence is asked for."""

from __future__ import annotations

import io
import json
from pathlib import Path
from xml.etree import ElementTree as ET

from PIL import Image

from mobile.core.flow import find_flow
from mobile.core.terms import Status, StepStatus
from mobile.output.report import EvidenceRecorder, ScreenEvent, junit_xml, write_report
from mobile.output.result import RunResult, StepResult, document, exit_code, verdict_line
from mobile.run.device import keep_texts

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HOME = (FIXTURES / "android" / "en" / "home.xml").read_text(encoding="utf-8")


def _png() -> bytes:
    """A 1x1 white PNG: the screenshot is not what these tests look at."""
    out = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(out, "PNG")
    return out.getvalue()


PNG = _png()


def result(device: str = "sim-android", status: str = "changed", **kw) -> RunResult:
    base = dict(device=device, platform="android", mode="apply", serial="S1", wanted="off", status=Status(status),
                before="on", after="off", verified=True, persisted=True, commands=18, duration_s=9.84,
                steps=[StepResult("launch", StepStatus.OK, 1200), StepResult("tap settings", StepStatus.OK, 800)])
    base.update(kw)
    return RunResult(**base)


def test_json_document_has_the_spec_fields() -> None:
    doc = document([result(), result("sim-ios", "verify_failed", platform="ios", udid="U1", persisted=False)])
    first, second = doc["results"]
    for key in ("device", "platform", "serial", "app_version", "locale", "flow", "mode", "wanted", "status",
                "before", "after", "verified", "persisted", "steps", "commands", "duration_s", "evidence_dir",
                "message"):
        assert key in first, key
    assert "expected" not in first and "udid" in second and "serial" not in second
    assert first["steps"][0] == {"name": "launch", "status": "ok", "ms": 1200}
    # the enums are written as their SPEC strings
    assert json.dumps(first["steps"][0]) == '{"name": "launch", "status": "ok", "ms": 1200}'
    assert json.loads(json.dumps(doc))["results"][1]["status"] == "verify_failed"
    assert doc["summary"] == {"total": 2, "by_status": {"changed": 1, "verify_failed": 1}}
    check = document([result(mode="check", status="mismatch", expected="off", wanted=None)])["results"][0]
    assert check["expected"] == "off" and "wanted" not in check


def test_exit_code_is_the_highest_among_devices() -> None:
    assert exit_code([result(), result(status="ui_drift"), result(status="signed_out")]) == 4
    assert exit_code([result(status="not_offered"), result(status="unchanged")]) == 0
    assert exit_code([]) == 0


def test_verdict_line_reads_like_the_spec() -> None:
    assert verdict_line(result()) == "sim-android   changed        on -> off  (verified, persisted)  9.8 s"
    line = verdict_line(result(status="verify_failed", after="on", persisted=False, message="did not persist"))
    assert "on -> on" in line and "not persisted" in line and "did not persist" in line


def test_junit_has_one_testcase_per_device_with_failure_or_error() -> None:
    xml = junit_xml([result(), result("b", "ui_drift", message="drift"), result("c", "device_error")])
    suite = ET.fromstring(xml)
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["sim-android", "b", "c"]
    assert suite.get("tests") == "3" and suite.get("failures") == "1" and suite.get("errors") == "1"
    assert cases[0].find("failure") is None and cases[0].find("error") is None
    assert cases[1].find("failure").get("type") == "ui_drift"
    assert cases[2].find("error").get("type") == "device_error"


def test_recorder_redacts_by_default_and_keeps_raw_on_request(tmp_path: Path) -> None:
    labels = keep_texts(find_flow("linkedin-genai"))
    for raw, expect_name in ((False, False), (True, True)):
        out = tmp_path / ("raw" if raw else "redacted")
        recorder = EvidenceRecorder(out, "sim android", labels, raw=raw)
        recorder.on_screen(ScreenEvent("launch", "home", HOME, PNG))
        saved = (out / "sim-android" / "01-launch.xml").read_text(encoding="utf-8")
        assert ("Sam Sample" in saved) is expect_name
        assert "My Profile and Communities" in saved
        assert (out / "sim-android" / "01-launch.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_write_report_links_steps_screenshots_sources_and_the_appium_log(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text("appium log\n")
    r = result(appium_log=str(log))
    recorder = EvidenceRecorder(tmp_path / "rep", r.device)
    for step in r.steps:
        recorder.on_screen(ScreenEvent(step.name, "home", HOME, PNG))
    recorder.attach(r)
    page = write_report(tmp_path / "rep", [r], [str(log)])
    html = page.read_text(encoding="utf-8")
    assert (tmp_path / "rep" / "appium.log").read_text() == "appium log\n"
    assert 'href="appium.log"' in html and "tap settings" in html
    assert html.count('<img class="shot" src="sim-android/') == 2
    assert 'href="sim-android/02-tap-settings.xml"' in html
    doc = json.loads((tmp_path / "rep" / "result.json").read_text())
    assert doc["results"][0]["evidence_dir"].endswith("sim-android")
    assert ET.fromstring((tmp_path / "rep" / "junit.xml").read_text()).get("tests") == "1"


def test_a_log_the_server_already_writes_in_the_report_keeps_its_name_and_no_copy_overwrites_it(
        tmp_path: Path) -> None:
    """Android's Appium writes report/appium.log, the XCUITest stack's report/appium-xcuitest.log; a third
    log from elsewhere gets a free name: none overwrites another, whatever the order of the results."""
    out = tmp_path / "rep"
    out.mkdir()
    (out / "appium.log").write_text("android server\n", encoding="utf-8")
    (out / "appium-xcuitest.log").write_text("xcuitest server\n", encoding="utf-8")
    elsewhere = tmp_path / "other.log"
    elsewhere.write_text("remote server\n", encoding="utf-8")
    results = [result(appium_log=str(out / "appium-xcuitest.log")), result(appium_log=str(out / "appium.log")),
               result(appium_log=str(elsewhere))]
    write_report(out, results, [r.appium_log for r in results if r.appium_log])
    assert [r.appium_log for r in results] == ["appium-xcuitest.log", "appium.log", "appium-2.log"]
    assert (out / "appium.log").read_text(encoding="utf-8") == "android server\n"
    assert (out / "appium-xcuitest.log").read_text(encoding="utf-8") == "xcuitest server\n"
    assert (out / "appium-2.log").read_text(encoding="utf-8") == "remote server\n"
