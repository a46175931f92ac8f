"""Evidence hygiene and report details: the kept Appium log holds no page source, a reused report folder
holds only the new run, the Appium temp folder goes away, and the report reads well (yes/no, wall time,
no empty steps table, not_offered explained, aligned columns)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from mobile.output.redact import LOG_FILTERS, scrub_log
from mobile.reach.appium_server import TEMP_PREFIX, AppiumServer
from mobile.cli.main import build_parser
from mobile.cli.run_options import Progress
from mobile.errors import ConfigError
from mobile.output.report import check_report_target, junit_xml, prepare_report_dir, report_html, write_report
from mobile.output.result import NOT_OFFERED_TEXT, RunResult, StepResult, verdict_line

MARKER = "Zanzibar Quokka-Marker"
LOG = (
    "2026-11-29 10:00:00:001 [HTTP] --> GET /session/1/source\n"
    "2026-11-29 10:00:00:002 [LinkedInSimDriver@1] Got response with status 200: {\"value\":\"<?xml version='1.0' "
    f"?>\\n<hierarchy><node text=\\\"{MARKER}\\\"/>\n"
    f"  continuation of the same message {MARKER}\n"
    "2026-11-29 10:00:00:003 [Appium] Responding to client with driver.getPageSource() result: "
    f"\"<XCUIElementTypeApplication name=\\\"{MARKER}\\\"\"\n"
    "2026-11-29 10:00:00:004 [LinkedInSimDriver@1] Got response with status 200: {\"value\":\"iVBORw0KGgoAAAANSUhEUg+/=\"}\n"
    "2026-11-29 10:00:00:005 [HTTP] <-- GET /session/1/source 200 40 ms - 12400\n"
)


def test_scrub_log_drops_page_sources_and_screenshots_keeps_the_rest() -> None:
    out = scrub_log(LOG)
    assert MARKER not in out and "<hierarchy" not in out and "iVBOR" not in out
    assert out.count("[page source removed]") == 2 and "[screenshot removed]" in out
    assert "<-- GET /session/1/source 200 40 ms" in out and "--> GET /session/1/source" in out


def test_appium_filters_are_valid_javascript_regexes_of_the_same_markers() -> None:
    """The same patterns Appium gets through --log-filters (checked here with Python's re, a subset)."""
    import re

    for rule in LOG_FILTERS:
        assert set(rule) == {"pattern", "replacer"}
        assert re.search(rule["pattern"], LOG)


def test_the_kept_log_in_a_report_is_scrubbed(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text(LOG)
    write_report(tmp_path / "rep", [RunResult("a", "android", "check", status="unchanged", appium_log=str(log))],
                 [str(log)])
    kept = (tmp_path / "rep" / "appium.log").read_text()
    assert MARKER not in kept and "<-- GET /session/1/source" in kept


def test_appium_gets_the_filters_and_its_temp_folder_is_removed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    fake = tmp_path / "appium"
    fake.write_text("#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/args.txt\"\nexit 3\n")
    fake.chmod(0o755)
    server = AppiumServer(binary=fake, start_timeout=30)
    with pytest.raises(Exception, match="exited with code 3"):
        server.start()
    args = (tmp_path / "args.txt").read_text().split()
    filters = args[args.index("--log-filters") + 1]
    assert Path(filters).name == "log-filters.json"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)] == []  # removed by stop()


def test_reused_report_folder_holds_only_the_new_run(tmp_path: Path) -> None:
    rep = tmp_path / "rep"
    (rep / "old-device").mkdir(parents=True)
    for name in ("junit.xml", "report.html", "appium.log", "appium-2.log"):
        (rep / name).write_text("old")
    (rep / "result.json").write_text('{"results": [], "summary": {"total": 0, "by_status": {}}}')
    (rep / "old-device" / "01-launch.xml").write_text("old")
    (rep / "old-device" / "01-launch.png").write_bytes(b"old")
    (rep / "notes.txt").write_text("mine")  # the user's own file is left alone
    assert check_report_target(rep) == rep
    prepare_report_dir(rep)
    assert sorted(p.name for p in rep.iterdir()) == ["notes.txt"]


def test_report_target_refuses_a_folder_that_is_not_a_report(tmp_path: Path) -> None:
    (tmp_path / "thesis.tex").write_text("mine")
    (tmp_path / "junit.xml").write_text("<testsuite/>")  # pytest's, say: not ours to delete
    (tmp_path / "result.json").write_text('{"other": "tool"}')
    with pytest.raises(ConfigError, match="not empty and holds no earlier report"):
        check_report_target(tmp_path)
    assert check_report_target(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    assert not (tmp_path / "new").exists()  # checking creates nothing


def test_report_html_reads_well() -> None:
    missing = RunResult("phone", "android", "check", status="app_missing", message="LinkedIn is not installed")
    done = RunResult("sim", "android", "apply", status="changed", before="on", after="off", verified=True,
                     persisted=False, steps=[StepResult("launch", "ok", 5)])
    absent = RunResult("region", "ios", "check", status="not_offered", steps=[StepResult("launch", "ok", 5)])
    page = report_html([missing, done, absent])
    sections = page.split('<section class="device"')[1:]
    assert "<table" not in sections[0] and "No step ran" in sections[0]
    assert "<table" in sections[1]
    assert "<dd>yes</dd>" in sections[1] and "<dd>no</dd>" in sections[1] and "True" not in page
    assert NOT_OFFERED_TEXT in sections[2]


def test_junit_suite_time_is_the_wall_time() -> None:
    results = [RunResult(d, "android", "check", status="unchanged", duration_s=10.0) for d in ("a", "b")]
    assert ET.fromstring(junit_xml(results, wall_s=10.5)).get("time") == "10.500"
    assert ET.fromstring(junit_xml(results)).get("time") == "10.000"  # parallel: never the sum


def test_verdicts_and_progress_columns_line_up() -> None:
    results = [RunResult("a", "android", "check", status=s, before="on", duration_s=1.0)
               for s in ("not_offered", "unchanged", "verify_failed", "device_error")]
    lines = [verdict_line(r) for r in results]
    assert len({line.index(" on ") if " on " in line else line.index("1.0 s") for line in lines[1:3]}) == 1
    assert lines[0].endswith(f"— {NOT_OFFERED_TEXT}")
    out = io.StringIO()
    progress = Progress("sim", stream=out)
    for status in ("ok", "recovered", "not_offered", "failed"):
        progress.on_step_end("tap settings", status, 1200)
    assert len({line.index("1.2 s") for line in out.getvalue().splitlines()}) == 1


def _actions(parser):
    for action in parser._actions:  # noqa: SLF001 - walking argparse's own tree
        if action.choices and isinstance(action.choices, dict):
            for name, sub in action.choices.items():
                yield name, sub
                for deeper in _actions(sub):
                    yield (f"{name} {deeper[0]}", deeper[1])


def test_every_command_has_a_description_and_shows_its_defaults() -> None:
    commands = dict(_actions(build_parser()))
    assert {"check", "apply", "devices", "flows", "flows show", "validate", "locate", "doctor", "sim",
            "sim serve"} <= set(commands)
    for name, parser in commands.items():
        assert parser.description, name
        text = parser.format_help()
        for action in parser._actions:  # noqa: SLF001
            if action.option_strings and action.default not in (None, False, [], "==SUPPRESS=="):
                assert f"default: {action.default}" in " ".join(text.split()) or "default" in (action.help or ""), \
                    (name, action.option_strings)
    assert "(default: 1)" in commands["check"].format_help() and "None" not in commands["check"].format_help()
