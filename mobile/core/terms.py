"""The run's vocabulary, defined once: modes, platforms, the app languages, every SPEC status with its
exit code and report class, and the words a step entry ends with.

`Status` and `StepStatus` are str-valued enums: a status compares equal to its SPEC string and is written to
JSON as it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

Mode = Literal["check", "apply"]
Platform = Literal["android", "ios"]
MODES: tuple[Mode, ...] = ("check", "apply")
PLATFORMS: tuple[Platform, ...] = ("android", "ios")
LOCALES = ("en", "nl", "de", "fr", "es", "pt-BR", "it")  # the languages the shipped flow reads
LOCALE_CHOICES = ("auto", *LOCALES)  # what --locale and devices.yaml accept ("auto": detect from the screen)


class Status(StrEnum):
    """A device's outcome (SPEC table); `exit_code` and `kind` derive from it."""

    CHANGED = "changed"
    UNCHANGED = "unchanged"
    NOT_OFFERED = "not_offered"
    MISMATCH = "mismatch"
    VERIFY_FAILED = "verify_failed"
    CONFIG_ERROR = "config_error"
    NO_DEVICE = "no_device"
    APP_MISSING = "app_missing"
    SIGNED_OUT = "signed_out"
    DEVICE_ERROR = "device_error"
    UI_DRIFT = "ui_drift"
    SAFETY_VIOLATION = "safety_violation"
    INTERRUPTED = "interrupted"  # 143 when SIGTERM stopped the run: the run's exit code comes from its Abort

    @property
    def exit_code(self) -> int:
        """The exit code this status maps to (SPEC table)."""
        return _EXIT_CODES[self]

    @property
    def kind(self) -> Literal["ok", "failure", "error"]:
        """`failure`: not as wanted, or refused; `error`: the input or the environment stopped the run."""
        code = _EXIT_CODES[self]
        if code == 0:
            return "ok"
        return "failure" if code in (1, 4, 5) else "error"


class StepStatus(StrEnum):
    """How one step entry of a run ended: the `status` of the SPEC's `{name, status, ms}`."""

    OK = "ok"
    RETRY = "retry"  # it missed its screen; the run went on at the step that starts on the screen shown
    RECOVERED = "recovered"  # it missed its screen once and reached it on the retry
    FAILED = "failed"
    NOT_OFFERED = "not_offered"  # the app does not offer the setting: the run ends here, exit 0
    INTERRUPTED = "interrupted"  # the run was aborted before this step's next tap or read
    SAFETY_VIOLATION = "safety_violation"  # a safety guard refused a tap here


_EXIT_CODES: dict[Status, int] = {
    Status.CHANGED: 0, Status.UNCHANGED: 0, Status.NOT_OFFERED: 0,
    Status.MISMATCH: 1, Status.VERIFY_FAILED: 1,
    Status.CONFIG_ERROR: 2,
    Status.NO_DEVICE: 3, Status.APP_MISSING: 3, Status.SIGNED_OUT: 3, Status.DEVICE_ERROR: 3,
    Status.UI_DRIFT: 4,
    Status.SAFETY_VIOLATION: 5,
    Status.INTERRUPTED: 130,
}


def exit_code_of(status: str) -> int:
    """The exit code of a status string (3, an environment problem, for one the SPEC does not list)."""
    try:
        return Status(status).exit_code
    except ValueError:
        return 3
