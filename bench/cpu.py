"""Per-process CPU seconds while a benchmark runs, from /proc (Linux), grouped by role and by process.

A sampler thread reads every process's utime+stime and its waited-for children's cutime+cstime every
`interval` seconds. Only this process's descendants count (other users of the machine run Appium servers
and tests too); a process once seen as one stays followed when it daemonizes (the adb server), and `keep`
admits others by command line. A process's figure is its own CPU over the sampled span plus what its reaped
children used that no sample saw (the short `adb` clients Appium spawns per command count towards that
Appium); a child that was sampled is counted once, as its own process, never again in its parent's cutime.

Roles come from the program a process runs (`role_of`, from argv, not from substrings of the command line:
every path under ci/appium/node_modules holds both "node" and "appium"): appium (each server separately in
`processes()`), adb (the adb server; adb clients count towards the process that spawned them), grid (the
Selenium JVMs), phone (`python -m mobile.sim`), tool (the linkedin-optout CLI and the phones it serves
in-process), other. On a shared 2-core machine they all compete for the same CPUs: read the figures as each
role's cost, not as the machine's capacity.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
MAIN_ROLES = ("appium", "adb", "grid", "phone", "tool")  # processes that get their own line


def role_of(argv: list[str] | str) -> str:
    """The role a process plays in a farm run, from its argv (a str is split on spaces)."""
    args = argv.split() if isinstance(argv, str) else [a for a in argv if a]
    if not args:
        return "other"
    program = os.path.basename(args[0])
    if program in ("node", "nodejs") or program.startswith("node"):
        script = next((a for a in args[1:] if not a.startswith("-")), "")
        parts = Path(script).parts
        # node .../.bin/appium, node .../node_modules/appium/index.js (or build/lib/main.js), a global `appium`
        package = any(a == "node_modules" and b == "appium" for a, b in zip(parts, parts[1:]))
        if parts and (parts[-1] == "appium" or package):
            return "appium"
        return "other"
    if program == "appium":  # a process that renamed itself, or a launcher script
        return "appium"
    if program == "java" or program.startswith("java"):
        return "grid" if any("selenium" in os.path.basename(a) for a in args) else "other"
    if program == "adb":
        return "adb" if "fork-server" in args else "adb-client"  # the server, or a client (booked to its parent)
    if program.startswith("python") or program in ("linkedin-optout",):
        if program == "linkedin-optout":
            return "tool"
        module = args[args.index("-m") + 1] if "-m" in args[:-1] else ""
        if module.startswith("mobile.sim"):
            return "phone"
        if module == "mobile" or module.startswith("mobile.cli") or any(
                os.path.basename(a) == "linkedin-optout" for a in args[1:2]):
            return "tool"
    return "other"


@dataclass
class _Proc:
    key: str  # pid:starttime (a recycled pid is another process)
    argv: list[str]
    ppid: str
    first_own: float
    first_children: float
    own: float = 0.0
    children: float = 0.0
    alive: bool = True


def _read(pid: str) -> tuple[float, float, list[str], str, str] | None:
    """(own CPU s, reaped children's CPU s, argv, parent pid, start time) of a process, or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    # after the ")": state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14) ... starttime(19)
    own = (int(fields[11]) + int(fields[12])) / CLK_TCK
    children = (int(fields[13]) + int(fields[14])) / CLK_TCK
    return own, children, [a for a in argv if a], fields[1], fields[19]


class CpuSampler:
    """Samples /proc until stopped; `by_role()` / `processes()` give CPU seconds over the sampled span."""

    def __init__(self, interval: float = 0.5, keep: Callable[[str], bool] = lambda cmd: False) -> None:
        self.interval, self.keep, self.root = interval, keep, str(os.getpid())
        self.procs: dict[str, _Proc] = {}  # by pid
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpu-sampler", daemon=True)
        self._baseline = True
        self._lock = threading.Lock()

    def _sample(self) -> None:
        table = {pid: seen for pid in os.listdir("/proc") if pid.isdigit() and (seen := _read(pid)) is not None}
        with self._lock:
            for proc in self.procs.values():
                proc.alive = False
            for pid, (own, children, argv, ppid, start) in table.items():
                known = self.procs.get(pid)
                if known is not None and known.key == f"{pid}:{start}":
                    known.own, known.children, known.ppid, known.alive = own, children, ppid, True
                    known.argv = argv or known.argv  # a zombie's cmdline is empty
                    continue
                if pid == self.root or not (self._ours(pid, table) or self.keep(" ".join(argv))):
                    continue
                if known is not None:  # the pid was recycled: keep the dead one's figure under another key
                    self.procs[known.key] = known
                base_own, base_children = (own, children) if self._baseline else (0.0, 0.0)
                self.procs[pid] = _Proc(f"{pid}:{start}", argv, ppid, base_own, base_children, own, children)

    def _ours(self, pid: str, table: dict[str, tuple[float, float, list[str], str, str]]) -> bool:
        for _ in range(64):
            if pid == self.root or pid in self.procs:
                return True
            if pid not in table:
                return False
            pid = table[pid][3]
        return False

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

    def _owner(self, proc: _Proc) -> _Proc:
        """The process a figure is booked to: itself if it has a main role, else its nearest main ancestor."""
        current = proc
        for _ in range(64):
            if role_of(current.argv) in MAIN_ROLES:
                return current
            parent = self.procs.get(current.ppid)
            if parent is None or parent is current:
                return proc
            current = parent
        return proc

    def processes(self) -> list[tuple[str, str, float]]:
        """(role, label, CPU seconds) per main process (helpers booked to their owner), largest first."""
        with self._lock:
            procs = list(self.procs.values())
            reaped = {p.key: p.children - p.first_children for p in procs}
            for p in procs:  # a dead, sampled child is in its parent's cutime if the parent reaped it: count once
                parent = self.procs.get(p.ppid)
                if not p.alive and parent is not None and parent.key in reaped:
                    reaped[parent.key] -= p.own + p.children
            # what is left of the cutime: children no sample saw (a child that outlived its parent was reaped
            # by init, so the parent's cutime never held it: never below 0)
            cpu = {p.key: (p.own - p.first_own) + max(0.0, reaped[p.key]) for p in procs}
            totals: dict[str, tuple[str, str, float]] = {}
            for p in procs:
                owner = self._owner(p)
                role = role_of(owner.argv)
                label = f"{role} {owner.key.split(':')[0]}"
                previous = totals.get(owner.key, (role, label, 0.0))[2]
                totals[owner.key] = (role, label, previous + cpu[p.key])
        return sorted(((r, lbl, round(v, 2)) for r, lbl, v in totals.values()), key=lambda t: (t[0], -t[2]))

    def by_role(self) -> dict[str, float]:
        """CPU seconds per role, rounded to 0.1 s."""
        roles: dict[str, float] = {}
        for role, _, value in self.processes():
            roles[role] = roles.get(role, 0.0) + value
        return {role: round(value, 1) for role, value in sorted(roles.items())}

    def count(self, role: str) -> int:
        """How many processes of `role` ran during the span."""
        return sum(1 for r, _, _ in self.processes() if r == role)
