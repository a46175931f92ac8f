"""Per-process CPU seconds while a benchmark runs, from /proc (Linux), grouped by role.

A sampler thread reads every process's utime+stime (+ the waited-for children's cutime+cstime, so the
short adb shells Appium spawns count towards Appium) every `interval` seconds; a role's CPU is the sum over
its processes of the last reading minus the first (0 for a process born during the run). Roles come from
the command line: appium (node ... appium), tool (the linkedin-optout CLI and the phones it serves
in-process), grid (java ... selenium), adb (the adb server), other. On a shared 2-core machine the other
processes compete for the same CPUs: read the figures as each role's cost, not as the machine's capacity.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def role_of(cmdline: str) -> str:
    """The role a process plays in a farm run, from its command line."""
    if cmdline.split(" ", 1)[0].endswith("java") and "selenium" in cmdline:
        return "grid"  # first: its jar lives under ci/appium/node_modules
    if "node" in cmdline and "appium" in cmdline:
        return "appium"
    if cmdline.startswith("adb") or "/adb " in cmdline or cmdline.endswith("/adb") or " fork-server " in cmdline:
        return "adb"
    if "-m mobile " in cmdline or "linkedin-optout" in cmdline:
        return "tool"
    return "other"


def _read(pid: str) -> tuple[float, str, str] | None:
    """(CPU seconds incl. waited-for children, command line, parent pid) of a process, or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    # after the ")": state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
    return ticks / CLK_TCK, cmdline, fields[1]


class CpuSampler:
    """Samples /proc until stopped; `by_role()` gives CPU seconds per role over the sampled span. Only this
    process's descendants count (other users of the machine run Appium servers and tests too); an adb
    server, which daemonizes away from its parent, is kept when `keep` says so."""

    def __init__(self, interval: float = 0.5, keep: Callable[[str], bool] = lambda cmd: False) -> None:
        self.interval, self.keep, self.root = interval, keep, str(os.getpid())
        self.first: dict[str, float] = {}
        self.last: dict[str, tuple[float, str]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpu-sampler", daemon=True)
        self._baseline = True

    def _sample(self) -> None:
        table = {pid: seen for pid in os.listdir("/proc") if pid.isdigit() and (seen := _read(pid)) is not None}

        def ours(pid: str) -> bool:
            for _ in range(64):
                if pid == self.root:
                    return True
                if pid not in table:
                    return False
                pid = table[pid][2]
            return False

        for pid, (cpu, cmdline, _) in table.items():
            if pid == self.root or not (ours(pid) or self.keep(cmdline)):
                continue
            if pid not in self.first:
                self.first[pid] = cpu if self._baseline else 0.0
            self.last[pid] = (cpu, cmdline)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> "CpuSampler":
        self._sample()
        self._baseline = False
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def by_role(self) -> dict[str, float]:
        """CPU seconds per role, rounded to 0.1 s."""
        roles: dict[str, float] = {}
        for pid, (cpu, cmdline) in self.last.items():
            role = role_of(cmdline)
            roles[role] = roles.get(role, 0.0) + max(0.0, cpu - self.first.get(pid, 0.0))
        return {role: round(value, 1) for role, value in sorted(roles.items())}
