"""The exception tree of linkedin-optout, in one place.

OptoutError                     base of everything the tool raises on purpose
├── ConfigError                 bad input: flag, flow file, devices.yaml, scenario  -> exit 2
│   (carries `where`, e.g. "flows/x.yaml:12", put in front of the message)
├── PageSourceError             malformed or truncated page-source XML (also a ValueError)
├── AmbiguousMatch              two candidates qualify where one is required (never guessed)
└── EnvironmentProblem          the environment stops the run                         -> exit 3
    ├── NoDevice, AppMissing, SignedOut
    └── DeviceError             Appium or the device failed

SafetyViolation (an AssertionError, deliberately outside OptoutError: nothing may catch it as an outcome)
                                a safety guard refused a tap; aborts the whole run            -> exit 5
"""

from __future__ import annotations

from typing import Any


class OptoutError(Exception):
    """Base class of every error the tool raises on purpose."""


class ConfigError(OptoutError):
    """Bad user input; `where` names the file:line or the flag."""

    exit_code = 2

    def __init__(self, message: str, where: str | None = None):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


class PageSourceError(OptoutError, ValueError):
    """A page source that is not well-formed UiAutomator2/XCUITest XML."""


class AmbiguousMatch(OptoutError):
    """More than one node qualifies where exactly one is required."""

    def __init__(self, message: str, candidates: tuple = ()):
        self.candidates = candidates
        super().__init__(message)


class EnvironmentProblem(OptoutError):
    """The environment stops the run (exit 3)."""

    exit_code = 3
    status = "device_error"


class NoDevice(EnvironmentProblem):
    status = "no_device"


class AppMissing(EnvironmentProblem):
    status = "app_missing"


class SignedOut(EnvironmentProblem):
    status = "signed_out"


class DeviceError(EnvironmentProblem):
    status = "device_error"


class SafetyViolation(AssertionError):
    """A tap the safety rules forbid was about to happen (a bug, or a flow that asks for it): never an
    outcome. It aborts the whole run; `result` is the device's RunResult once the run has recorded it."""

    status = "safety_violation"
    exit_code = 5

    def __init__(self, message: str, result: Any = None):
        self.result = result
        super().__init__(message)
