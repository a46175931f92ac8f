"""The exception tree of linkedin-optout, in one place.

OptoutError                     base of everything the tool raises on purpose
├── ConfigError                 bad input: flag, flow file, devices.yaml, scenario  -> exit 2
│   │ (carries `where`, e.g. "flows/x.yaml:12", put in front of the message)
│   └── ConfigErrors            several problems at once, one `file:line: message` each
├── PageSourceError             malformed or truncated page-source XML (also a ValueError)
├── AmbiguousMatch              two candidates qualify where one is required (never guessed)
└── EnvironmentProblem          the environment stops the run                         -> exit 3
    ├── NoDevice, AppMissing, SignedOut
    └── DeviceError             Appium or the device failed

SafetyViolation (an AssertionError, deliberately outside OptoutError: nothing may catch it as an outcome)
                                a safety guard refused a tap; aborts the whole run            -> exit 5
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterable, Iterator

from mobile.core.terms import Status


class OptoutError(Exception):
    """Base class of every error the tool raises on purpose."""


class ConfigError(OptoutError):
    """Bad user input; `where` names the file:line or the flag."""

    exit_code = 2

    def __init__(self, message: str, where: str | None = None):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


class ConfigErrors(ConfigError):
    """Every problem found in the inputs, each a ConfigError naming its own file:line or flag."""

    def __init__(self, problems: Iterable[ConfigError]):
        self.problems: list[ConfigError] = []
        for problem in problems:
            self.problems.extend(problem.problems if isinstance(problem, ConfigErrors) else [problem])
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def lines(self) -> list[str]:
        """One `file:line: message` per problem."""
        return [str(p) for p in self.problems]


class Problems:
    """Collects ConfigErrors so that every problem is reported, not only the first."""

    def __init__(self) -> None:
        self.found: list[ConfigError] = []

    @contextmanager
    def each(self) -> Iterator[None]:
        """Run the block; a ConfigError it raises is recorded instead of propagating."""
        try:
            yield
        except ConfigError as exc:
            self.add(exc)

    def add(self, exc: ConfigError) -> None:
        """Record one problem (or all of a ConfigErrors)."""
        self.found.extend(exc.problems if isinstance(exc, ConfigErrors) else [exc])

    def __bool__(self) -> bool:
        return bool(self.found)

    def raise_if_any(self) -> None:
        """ConfigError for one problem, ConfigErrors for several; nothing when clean."""
        if len(self.found) == 1:
            raise self.found[0]
        if self.found:
            files: dict[str, int] = {}
            for problem in self.found:
                files.setdefault(_place(problem)[0], len(files))
            raise ConfigErrors(sorted(self.found, key=lambda p: (files[_place(p)[0]], _place(p)[1])))


def _place(problem: ConfigError) -> tuple[str, int]:
    """(file, line) of a problem, for listing each file's problems in line order."""
    file, _, line = (problem.where or "").rpartition(":")
    return (file, int(line)) if line.isdigit() else (problem.where or "", 0)


def config_lines(exc: ConfigError) -> list[str]:
    """The lines to print for a ConfigError (several for ConfigErrors)."""
    return exc.lines if isinstance(exc, ConfigErrors) else [str(exc)]


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
    status = Status.DEVICE_ERROR


class NoDevice(EnvironmentProblem):
    status = Status.NO_DEVICE


class AppMissing(EnvironmentProblem):
    status = Status.APP_MISSING


class SignedOut(EnvironmentProblem):
    status = Status.SIGNED_OUT


class DeviceError(EnvironmentProblem):
    status = Status.DEVICE_ERROR


class SafetyViolation(AssertionError):
    """A tap the safety rules forbid was about to happen (a bug, or a flow that asks for it): never an
    outcome. It aborts the whole run; `result` is the device's RunResult once the run has recorded it."""

    status = Status.SAFETY_VIOLATION
    exit_code = Status.SAFETY_VIOLATION.exit_code

    def __init__(self, message: str, result: Any = None):
        self.result = result
        super().__init__(message)
