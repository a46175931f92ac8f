"""Run results: one RunResult per device, its steps, the SPEC JSON document and exit codes."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

from mobile.core.terms import Status, StepStatus, exit_code_of

STATUS_WIDTH = 13  # len("verify_failed"): verdict columns line up whatever the status
NOT_OFFERED_TEXT = ("LinkedIn does not offer this setting to this account (region or account type): "
                    "there is nothing to turn off")


@dataclass
class StepResult:
    """One step of a run: its name, how it ended, and how long it took."""

    name: str
    status: StepStatus = StepStatus.OK
    ms: int = 0
    detail: str | None = None
    screen: str | None = None
    evidence: dict[str, str] = field(default_factory=dict)  # kind ("source"/"screenshot") -> file name

    def to_json(self) -> dict[str, Any]:
        """The SPEC's `{name, status, ms}` plus optional detail."""
        out: dict[str, Any] = {"name": self.name, "status": self.status, "ms": self.ms}
        if self.detail:
            out["detail"] = self.detail
        if self.screen:
            out["screen"] = self.screen
        return out


@dataclass
class RunResult:
    """The outcome of one device's run, shaped like the SPEC's RESULT object."""

    device: str
    platform: str
    mode: str
    flow: str = "linkedin-genai"
    serial: str | None = None
    udid: str | None = None
    app_version: str | None = None
    locale: str | None = None
    wanted: str | None = None
    expected: str | None = None
    status: Status = Status.DEVICE_ERROR
    before: str | None = None
    after: str | None = None
    verified: bool | None = None
    persisted: bool | None = None
    steps: list[StepResult] = field(default_factory=list)
    commands: int = 0
    source_reads: int = 0
    screenshots: int = 0  # taken for --report evidence (included in `commands`)
    duration_s: float = 0.0
    evidence_dir: str | None = None
    message: str = ""
    scenario: str | None = None
    appium_log: str | None = None
    device_info: dict[str, Any] = field(default_factory=dict)

    @property
    def state(self) -> str | None:
        """The switch's state when the run ended ("on"/"off"; None when it was never read)."""
        return self.after

    @property
    def exit_code(self) -> int:
        """The exit code this status maps to."""
        return exit_code_of(self.status)

    @property
    def ok(self) -> bool:
        """True when the run ended in an exit-0 status."""
        return self.exit_code == 0

    def to_json(self) -> dict[str, Any]:
        """The RESULT object of the `--json` document."""
        data = asdict(self)
        data["steps"] = [s.to_json() for s in self.steps]
        data["duration_s"] = round(self.duration_s, 3)
        if self.mode == "apply":
            data.pop("expected")
        else:
            data.pop("wanted")
        if self.platform == "ios":
            data.pop("serial")
        else:
            data.pop("udid")
        for key in ("scenario", "appium_log"):
            if data[key] is None:
                data.pop(key)
        if not data["device_info"]:
            data.pop("device_info")
        return data


def summary(results: Iterable[RunResult]) -> dict[str, Any]:
    """`{"total": N, "by_status": {...}}` over the results."""
    results = list(results)
    return {"total": len(results), "by_status": dict(Counter(r.status for r in results))}


def document(results: Iterable[RunResult]) -> dict[str, Any]:
    """The whole `--json` document."""
    results = list(results)
    return {"results": [r.to_json() for r in results], "summary": summary(results)}


def exit_code(results: Iterable[RunResult], abort: Any = None) -> int:
    """The highest exit code among the devices (0 when there are none). When the run was aborted
    (`abort` tripped), its devices stopped `interrupted` count as the abort's code: 128 + the signal,
    or 5 when another device's safety guard stopped them."""
    cause = getattr(abort, "cause", None)
    if cause is None:
        return max((r.exit_code for r in results), default=0)
    return max([cause.exit_code] + [r.exit_code for r in results if r.status != Status.INTERRUPTED])


def verdict_line(result: RunResult, name_width: int = 12) -> str:
    """One human line per device, e.g. `sim-android  changed  on -> off  (verified, persisted)  9.8 s`."""
    parts = [result.device.ljust(name_width), result.status.ljust(STATUS_WIDTH)]
    if result.before or result.after:
        parts.append(_states(result))
    notes = [n for n, flag in (("verified", result.verified), ("persisted", result.persisted)) if flag]
    if result.status == Status.VERIFY_FAILED:
        notes += [f"not {n}" for n, flag in (("verified", result.verified), ("persisted", result.persisted))
                  if flag is False]
    if notes:
        parts.append(f"({', '.join(notes)})")
    parts.append(f"{result.duration_s:.1f} s")
    line = "  ".join(parts)
    if result.message and not result.ok:
        line += f"  — {result.message}"
    elif result.status == Status.NOT_OFFERED:
        line += f"  — {result.message or NOT_OFFERED_TEXT}"
    return line


def _states(result: RunResult) -> str:
    """`on -> off` when the state changed (or was meant to), else the one state read."""
    before, after = result.before or "?", result.after or "?"
    if result.mode == "apply" and (result.status in (Status.CHANGED, Status.VERIFY_FAILED) or before != after):
        return f"{before} -> {after}"
    return before if result.before else after
