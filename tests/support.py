"""Helpers shared by the test suites (importable as `support` thanks to tests/conftest.py)."""

from __future__ import annotations


class FakeClock:
    """A clock that moves only when told: by `sleep` (a sleeper that costs no real time) or `advance`."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    advance = sleep
