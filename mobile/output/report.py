"""Reports of a run: result.json, junit.xml, report.html, per-step screenshots and redacted page sources."""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable
from xml.etree import ElementTree as ET

from mobile.core.terms import Status
from mobile.errors import ConfigError
from mobile.output.redact import redact_screenshot, redact_source, scrub_log
from mobile.output.result import NOT_OFFERED_TEXT, RunResult, StepResult, document

FAILURE_STATUSES = tuple(s for s in Status if s.kind == "failure")  # not as wanted, or refused
ERROR_STATUSES = tuple(s for s in Status if s.kind == "error")


@dataclass(frozen=True)
class ScreenEvent:
    """What the runner saw at the end of a step: the page source, a screenshot, the nodes it relied on."""

    step: str
    screen: str | None
    source: str
    screenshot: bytes | None
    keep_nodes: frozenset[int] = frozenset()


def safe_name(text: str) -> str:
    """A file-name-safe version of a device or step name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "x"


class EvidenceRecorder:
    """Writes each step's page source (redacted unless raw) and screenshot under DIR/<device>/."""

    def __init__(self, report_dir: Path | str, device: str, keep_texts: Iterable[str] = (), raw: bool = False):
        self.report_dir = Path(report_dir)
        self.subdir = safe_name(device)
        self.dir = self.report_dir / self.subdir
        self.keep_texts = frozenset(keep_texts)
        self.raw = raw
        self.files: list[tuple[str, dict[str, str]]] = []  # (step name, kind -> path relative to report)

    def on_screen(self, event: ScreenEvent) -> None:
        """Save one step's evidence."""
        self.dir.mkdir(parents=True, exist_ok=True)
        stem = f"{len(self.files) + 1:02d}-{safe_name(event.step)}"
        saved: dict[str, str] = {}
        source = event.source if self.raw else redact_source(event.source, event.keep_nodes, self.keep_texts)
        (self.dir / f"{stem}.xml").write_text(source, encoding="utf-8")
        saved["source"] = f"{self.subdir}/{stem}.xml"
        if event.screenshot:
            png = event.screenshot
            if not self.raw:
                png = redact_screenshot(png, event.source, event.keep_nodes, self.keep_texts)
            (self.dir / f"{stem}.png").write_bytes(png)
            saved["screenshot"] = f"{self.subdir}/{stem}.png"
        self.files.append((event.step, saved))

    def attach(self, result: RunResult) -> None:
        """Link the saved files to the result's steps (by name, in order)."""
        pending = list(self.files)
        for step in result.steps:
            for k, (name, saved) in enumerate(pending):
                if name == step.name:
                    step.evidence = saved
                    del pending[k]
                    break
        result.evidence_dir = str(self.dir)


REPORT_FILES = ("result.json", "junit.xml", "report.html")
_EVIDENCE = re.compile(r"^\d{2,}-[A-Za-z0-9._-]+\.(xml|png)$")
_APPIUM_LOG = re.compile(r"^appium(-\d+)?\.log$")


def _is_report(directory: Path) -> bool:
    """An earlier linkedin-optout report: its result.json is our document, or its report.html our page
    (a junit.xml alone, e.g. pytest's, does not make a folder ours to empty)."""
    try:
        doc = json.loads((directory / "result.json").read_text(encoding="utf-8"))
        if isinstance(doc, dict) and {"results", "summary"} <= set(doc):
            return True
    except (OSError, ValueError):
        pass
    try:
        return "<title>linkedin-optout report</title>" in (directory / "report.html").read_text(encoding="utf-8")
    except (OSError, ValueError):
        return False


def check_report_target(path: Path) -> Path:
    """--report DIR before anything runs: a new folder we can create, an empty one, or an earlier report."""
    if path.exists():
        if not path.is_dir():
            raise ConfigError(f"{path} exists and is not a directory", where="--report")
        if any(path.iterdir()) and not _is_report(path):
            raise ConfigError(f"{path} is not empty and holds no earlier report: use a new or empty folder",
                              where="--report")
        if not os.access(path, os.W_OK | os.X_OK):
            raise ConfigError(f"{path} is not writable", where="--report")
        return path
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise ConfigError(f"cannot create {path}: {parent} is not a directory", where="--report")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot create {path}: {parent} is not writable", where="--report")
    return path


def prepare_report_dir(path: Path) -> None:
    """Create the folder, or empty an earlier report in it, so it will hold only this run."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create {path}: {exc.strerror or exc}", where="--report") from None
    try:
        for entry in path.iterdir():
            if entry.is_file() and (entry.name in REPORT_FILES or _APPIUM_LOG.match(entry.name)):
                entry.unlink()
            elif entry.is_dir() and not entry.is_symlink():
                for evidence in [f for f in entry.iterdir() if f.is_file() and _EVIDENCE.match(f.name)]:
                    evidence.unlink()
                if not any(entry.iterdir()):
                    entry.rmdir()
    except OSError as exc:
        raise ConfigError(f"cannot empty the earlier report in {path}: {exc.strerror or exc}",
                          where="--report") from None


def write_report(report_dir: Path | str, results: list[RunResult], appium_logs: Iterable[str] = (),
                 wall_s: float | None = None) -> Path:
    """Write result.json, junit.xml and report.html (copying the Appium logs); returns report.html.

    `wall_s`: how long the whole run took (devices may run in parallel), the JUnit suite's time."""
    out = Path(report_dir)
    out.mkdir(parents=True, exist_ok=True)
    copied: dict[str, str] = {}
    logs = [p for p in dict.fromkeys(p for p in appium_logs if p) if Path(p).is_file()]
    # logs the servers already write here keep their names; the others get a free appium[-N].log
    taken = {Path(p).name for p in logs if Path(p).resolve().parent == out.resolve()}
    free = (n for n in ("appium.log", *(f"appium-{k}.log" for k in range(2, len(logs) + 2))) if n not in taken)
    for log in logs:
        here = Path(log).resolve().parent == out.resolve()
        name = Path(log).name if here else next(free)
        # page sources and screenshots never stay in a kept log (Appium's own filter should have removed
        # them already; this covers a log another server wrote)
        text = scrub_log(Path(log).read_text(encoding="utf-8", errors="replace"))
        (out / name).write_text(text, encoding="utf-8")
        copied[log] = name
    for r in results:
        if r.appium_log in copied:
            r.appium_log = copied[r.appium_log]
    (out / "result.json").write_text(json.dumps(document(results), indent=2) + "\n", encoding="utf-8")
    (out / "junit.xml").write_text(junit_xml(results, wall_s), encoding="utf-8")
    (out / "report.html").write_text(report_html(results), encoding="utf-8")
    return out / "report.html"


def junit_xml(results: list[RunResult], wall_s: float | None = None) -> str:
    """One testsuite, one testcase per device; failure/error elements by status.

    The suite's time is the run's wall time (devices run in parallel); without it, the longest device's."""
    failures = sum(r.status in FAILURE_STATUSES for r in results)
    errors = sum(r.status in ERROR_STATUSES for r in results)
    wall = wall_s if wall_s is not None else max((r.duration_s for r in results), default=0.0)
    suite = ET.Element("testsuite", name="linkedin-optout", tests=str(len(results)), failures=str(failures),
                       errors=str(errors), skipped="0", time=f"{wall:.3f}")
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=f"{r.flow}.{r.mode}", name=r.device,
                             time=f"{r.duration_s:.3f}")
        text = _steps_text(r)
        if r.status in FAILURE_STATUSES:
            ET.SubElement(case, "failure", type=r.status, message=r.message or r.status).text = text
        elif r.status in ERROR_STATUSES:
            ET.SubElement(case, "error", type=r.status, message=r.message or r.status).text = text
        props = ET.SubElement(case, "properties")
        for key in ("status", "platform", "before", "after", "commands"):
            value = getattr(r, key)
            ET.SubElement(props, "property", name=key, value="" if value is None else str(value))
        ET.SubElement(case, "system-out").text = text
    ET.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"


def _steps_text(r: RunResult) -> str:
    return "\n".join(f"{s.name}: {s.status} ({s.ms} ms){' — ' + s.detail if s.detail else ''}" for s in r.steps)


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px} h2{font-size:17px;margin-top:32px}
.status{display:inline-block;padding:2px 8px;border-radius:4px;color:#fff;background:#666}
.ok{background:#2e7d32} .fail{background:#c62828} .env{background:#ef6c00}
table{border-collapse:collapse;margin:8px 0} td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px} dt{font-weight:600}
img.shot{max-width:180px;max-height:360px;border:1px solid #999}
img.broken{outline:3px solid #c62828}
"""
# Marks screenshots that failed to load (a report moved without its folder) and counts them on <body>.
_SCRIPT = """
window.addEventListener('load', function () {
  var ok = 0, broken = 0;
  document.querySelectorAll('img.shot').forEach(function (img) {
    if (img.complete && img.naturalWidth > 0) { ok++; } else { broken++; img.classList.add('broken'); }
  });
  document.body.dataset.imagesOk = ok;
  document.body.dataset.imagesBroken = broken;
});
"""


def report_html(results: list[RunResult]) -> str:
    """A self-contained page (images and sources are files next to it)."""
    sections = "\n".join(_device_html(r) for r in results)
    summary = ", ".join(f"{r.device}: {r.status}" for r in results)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>linkedin-optout report</title><style>{_CSS}</style><script>{_SCRIPT}</script></head><body>\n"
            f"<h1>linkedin-optout report</h1><p id=\"summary\">{html.escape(summary)}</p>\n{sections}\n"
            f"</body></html>\n")


def _status_class(status: str) -> str:
    if status in FAILURE_STATUSES:
        return "fail"
    return "env" if status in ERROR_STATUSES else "ok"


def _device_html(r: RunResult) -> str:
    e = html.escape
    info = [("platform", r.platform), ("serial" if r.platform != "ios" else "udid", r.serial or r.udid),
            ("scenario", r.scenario), ("app version", r.app_version), ("locale", r.locale), ("flow", r.flow),
            ("mode", r.mode), ("wanted" if r.mode == "apply" else "expected", r.wanted or r.expected),
            ("before", r.before), ("after", r.after), ("verified", r.verified), ("persisted", r.persisted),
            ("Appium commands", r.commands), ("page-source reads", r.source_reads),
            ("screenshots", r.screenshots),
            ("duration", f"{r.duration_s:.1f} s"), ("message", r.message)]
    info += [(k, v) for k, v in sorted(r.device_info.items())]
    if r.status == "not_offered":
        info.append(("explanation", NOT_OFFERED_TEXT))
    rows = "".join(f"<dt>{e(k)}</dt><dd>{e(_shown(v))}</dd>" for k, v in info if v not in (None, ""))
    log = (f'<p><a href="{e(r.appium_log)}">Appium server log</a></p>' if r.appium_log else "")
    if r.steps:
        steps = "".join(_step_row(i, s) for i, s in enumerate(r.steps, 1))
        table = (f"<table class=\"steps\"><tr><th>#</th><th>step</th><th>result</th><th>ms</th><th>detail</th>"
                 f"<th>screenshot</th><th>page source</th></tr>{steps}</table>")
    else:  # stopped before the first step (app missing, no device, ...): say so instead of an empty table
        table = '<p class="no-steps">No step ran: the run stopped before the flow started.</p>'
    return (f'<section class="device" id="{e(safe_name(r.device))}"><h2>{e(r.device)} '
            f'<span class="status {_status_class(r.status)}">{e(r.status)}</span></h2>'
            f"<dl>{rows}</dl>{log}{table}</section>")


def _shown(value: object) -> str:
    """A value as a reader expects it: yes/no rather than True/False."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _step_row(number: int, s: StepResult) -> str:
    e = html.escape
    shot = s.evidence.get("screenshot")
    src = s.evidence.get("source")
    img = f'<a href="{e(shot)}"><img class="shot" src="{e(shot)}" alt="{e(s.name)}"></a>' if shot else ""
    link = f'<a href="{e(src)}">source</a>' if src else ""
    return (f'<tr class="step"><td>{number}</td><td>{e(s.name)}</td><td>{e(s.status)}</td><td>{s.ms}</td>'
            f"<td>{e(s.detail or '')}</td><td>{img}</td><td>{link}</td></tr>")
