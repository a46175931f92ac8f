"""One abort mechanism for a whole run: a safety guard that fires, SIGINT or SIGTERM trips it, and every
device checks it right before each tap (and each page-source read), so nothing more is tapped anywhere.

The processes the tool starts (Appium server, simulated phones in child processes, an adb server) register
here too, so that the way out of a run, interrupted or not, ends every one of them.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any, Callable, Iterator, Protocol

from mobile.core.terms import Status

SIGNAL_NAMES: dict[int, str] = {int(signal.SIGINT): "SIGINT", int(signal.SIGTERM): "SIGTERM"}


class Aborted(Exception):
    """Raised in a device's run when the run was aborted: that device stops here, status `interrupted`."""

    status = Status.INTERRUPTED


@dataclass(frozen=True)
class Cause:
    """Why a run was aborted: the status the unfinished devices get, the message, the run's exit code."""

    message: str
    exit_code: int
    signum: int | None = None
    device: str | None = None  # the device whose safety guard fired


class Abort:
    """Tripped once (the first cause wins); cheap to check from any thread."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self.cause: Cause | None = None
        self.tripped_at: float | None = None

    def trip(self, cause: Cause) -> bool:
        """Abort the run; False when it was already aborted (the first cause stays)."""
        with self._lock:
            if self.cause is not None:
                return False
            self.cause, self.tripped_at = cause, time.monotonic()
        self._event.set()
        return True

    def interrupt(self, signum: int) -> bool:
        """SIGINT/SIGTERM arrived: exit 128 + the signal number."""
        name = SIGNAL_NAMES.get(signum, f"signal {signum}")
        return self.trip(Cause(f"{name} received: stopped before the next tap", 128 + signum, signum=signum))

    def safety(self, device: str, message: str) -> bool:
        """A safety guard fired on `device`: every other device stops before its next tap (exit 5)."""
        return self.trip(Cause(f"stopped: a safety guard fired on {device} ({message})", 5, device=device))

    @property
    def tripped(self) -> bool:
        return self._event.is_set()

    @property
    def signum(self) -> int | None:
        return self.cause.signum if self.cause else None

    def check(self) -> None:
        """Raise Aborted when the run was aborted (called right before every tap and read)."""
        if self._event.is_set():
            raise Aborted(self.cause.message if self.cause else "aborted")

    def wait(self, timeout: float | None = None) -> bool:
        """Block until tripped (True) or `timeout` passes (False)."""
        return self._event.wait(timeout)


@contextmanager
def signals_trip(abort: Abort, err: Any = None) -> Iterator[Abort]:
    """While inside, SIGINT and SIGTERM trip `abort` (a second one stops at once with KeyboardInterrupt).
    Only the main thread can own signal handlers; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield abort
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if not abort.interrupt(signum):
            raise KeyboardInterrupt  # a second signal: stop waiting for anything
        stream = err or sys.stderr
        stream.write(f"linkedin-optout: {SIGNAL_NAMES.get(signum, signum)}: stopping every device before its "
                     "next tap, then writing the results it has\n")
        stream.flush()

    previous = {signum: signal.signal(signum, handler) for signum in SIGNAL_NAMES}
    try:
        yield abort
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


class Stoppable(Protocol):
    def stop(self) -> None: ...


_OWNED: dict[int, tuple[int, Stoppable]] = {}
_OWNED_LOCK = threading.Lock()
_SEQUENCE = [0]


def own(process: Stoppable) -> None:
    """Register something the tool started (it has .stop()): `stop_owned()` ends it if nobody else did."""
    with _OWNED_LOCK:
        _SEQUENCE[0] += 1
        _OWNED[id(process)] = (_SEQUENCE[0], process)


def disown(process: Stoppable) -> None:
    """It was stopped the ordinary way."""
    with _OWNED_LOCK:
        _OWNED.pop(id(process), None)


def mark() -> int:
    """A point in time: `stop_owned(since=mark())` later ends only what was started after it."""
    with _OWNED_LOCK:
        return _SEQUENCE[0]


def owned(since: int = 0) -> list[Stoppable]:
    """What is still registered (started after `since`), oldest first."""
    with _OWNED_LOCK:
        return [p for seq, p in sorted(_OWNED.values(), key=lambda item: item[0]) if seq > since]


def stop_owned(since: int = 0, log: Callable[[str], None] | None = None) -> int:
    """Stop everything still registered after `since`, newest first; returns how many. Never raises."""
    stopped = 0
    for process in reversed(owned(since)):
        try:
            process.stop()
            stopped += 1
        except Exception as exc:  # noqa: BLE001 - the way out must go on to the next process
            if log is not None:
                log(f"could not stop {process!r}: {exc}")
        disown(process)
    return stopped
