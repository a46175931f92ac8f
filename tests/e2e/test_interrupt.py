"""SIGINT and SIGTERM to the real CLI in a child process, mid-run on simulated phones through a real Appium:
every device stops before its next tap (`interrupted`), the results so far are written (--json, --report),
the exit code is 130 / 143, and no process the tool started outlives it (Appium, an adb server)."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Callable

import pytest

from mobile.reach.appium_server import free_port

REPO = Path(__file__).resolve().parents[2]
EXE = Path(sys.executable).parent / "linkedin-optout"
START_S = 180.0  # Appium's start and the first session, on a loaded machine
STOP_S = 60.0


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) for every live, non-zombie process."""
    table: dict[int, tuple[int, str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            table[int(entry)] = (int(fields[1]), cmdline.strip())
    return table


def descendants(pid: int) -> dict[int, str]:
    """Every live process below `pid`: pid -> command line."""
    table = processes()
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, cmd) in table.items():
            if ppid == parent and child not in found:
                found[child] = cmd
                todo.append(child)
    return found


def survivors(snapshot: dict[int, str]) -> list[str]:
    """The processes of `snapshot` still alive with the same command line."""
    table = processes()
    return [cmd for pid, cmd in snapshot.items() if pid in table and table[pid][1] == cmd]


class Tool:
    """The CLI as a child process; its stderr is read line by line as it comes."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.proc = subprocess.Popen([str(EXE), *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.lines: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.err: list[str] = []
        self.out: list[str] = []
        assert self.proc.stderr is not None and self.proc.stdout is not None
        self.pumps = [threading.Thread(target=self._pump, args=(self.proc.stderr, self.lines.put), daemon=True),
                      threading.Thread(target=self._pump, args=(self.proc.stdout, self.out.append), daemon=True)]
        for pump in self.pumps:
            pump.start()

    @staticmethod
    def _pump(stream: IO[str], sink: Callable[[str], None]) -> None:
        for line in stream:
            sink(line)

    def wait_for_line(self, needle: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {needle!r} on stderr within {timeout:.0f} s: {''.join(self.err)}") from None
            self.err.append(line)
            if needle in line:
                return

    def finish(self, timeout: float) -> tuple[int, str, str]:
        """Exit code, all of stdout, all of stderr."""
        code = self.proc.wait(timeout=timeout)
        for pump in self.pumps:  # both pipes reach EOF once the tool and its children are gone
            pump.join(timeout)
        while not self.lines.empty():
            self.err.append(self.lines.get())
        return code, "".join(self.out), "".join(self.err)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Phones at their scenario's own (real-like) latency, so a run is mid-way when the signal comes; a
    private adb port that nothing listens on."""
    environ = {k: v for k, v in os.environ.items() if k != "LINKEDIN_SIM_LATENCY_SCALE"}
    environ["ANDROID_ADB_SERVER_PORT"] = str(free_port())
    environ["HOME"] = str(tmp_path)  # adb keeps its key under HOME
    return environ


@pytest.mark.parametrize("to_group", [False, True], ids=["to-the-tool", "ctrl-c-to-its-process-group"])
def test_sigint_stops_both_phones_before_their_next_tap_and_writes_the_results(tmp_path: Path,
                                                                                 env: dict[str, str],
                                                                                 to_group: bool) -> None:
    report = tmp_path / "report"
    tool = Tool(["apply", "--device", "sim-android", "--device", "sim-ios", "--parallel", "2", "--json",
                 "--report", str(report), "--devices-file", str(REPO / "devices.yaml")], env, tmp_path)
    tool.wait_for_line("tap profile_photo", START_S)
    started = descendants(tool.proc.pid)
    assert any("appium" in cmd for cmd in started.values()), started
    sent = time.monotonic()
    if to_group:  # a terminal's Ctrl-C: every process of the foreground group gets it at once
        os.killpg(tool.proc.pid, signal.SIGINT)
    else:
        tool.proc.send_signal(signal.SIGINT)
    code, out, err = tool.finish(STOP_S)
    took = time.monotonic() - sent
    assert code == 130, err
    doc = json.loads(out)
    assert [(r["device"], r["status"]) for r in doc["results"]] == [("sim-android", "interrupted"),
                                                                     ("sim-ios", "interrupted")], err
    # the switch was never tapped: the toggle step (the only one that may tap it) never started
    assert all(r["after"] in (None, "on") and r["verified"] is None for r in doc["results"])
    assert all("toggle genai_toggle" not in [s["name"] for s in r["steps"]] for r in doc["results"])
    assert all(not r["steps"] or r["steps"][-1]["status"] == "interrupted" for r in doc["results"])
    assert all(r["message"] == "SIGINT received: stopped before the next tap" for r in doc["results"])
    assert doc["summary"]["by_status"] == {"interrupted": 2}
    written = json.loads((report / "result.json").read_text())
    assert [r["status"] for r in written["results"]] == ["interrupted", "interrupted"]
    assert "SIGINT: stopping every device before its next tap" in err
    assert survivors(started) == []
    print(f"SIGINT -> exit {code} in {took:.1f} s")


def test_sigterm_ends_appium_and_the_adb_server_it_started(tmp_path: Path, env: dict[str, str]) -> None:
    devices = tmp_path / "devices.yaml"
    devices.write_text("devices:\n  sim-android: {platform: android, simulator: {scenario: default}}\n"
                       "  phone: {platform: android, serial: auto}\n")
    port = int(env["ANDROID_ADB_SERVER_PORT"])
    assert not _listening(port)
    tool = Tool(["check", "--all", "--json", "--devices-file", str(devices)], env, tmp_path)
    tool.wait_for_line("tap profile_photo", START_S)
    assert _listening(port), "the tool started an adb server to look for `phone`"
    started = descendants(tool.proc.pid)
    adb = {pid: cmd for pid, (_, cmd) in processes().items() if f"tcp:{port}" in cmd}
    assert adb, "the adb server the tool started"
    tool.proc.send_signal(signal.SIGTERM)
    code, out, err = tool.finish(STOP_S)
    assert code == 143, err
    doc = json.loads(out)
    assert [(r["device"], r["status"]) for r in doc["results"]] == [("sim-android", "interrupted"),
                                                                     ("phone", "no_device")], err
    assert survivors(started) == [] and survivors(adb) == []
    assert not _listening(port)


def test_sigterm_while_appium_starts_marks_every_device_and_leaves_no_server(tmp_path: Path,
                                                                              env: dict[str, str]) -> None:
    tool = Tool(["check", "--device", "sim-android", "--device", "sim-ios", "--json",
                 "--devices-file", str(REPO / "devices.yaml")], env, tmp_path)
    deadline = time.monotonic() + START_S
    while not any("appium" in cmd for cmd in descendants(tool.proc.pid).values()):
        assert tool.proc.poll() is None and time.monotonic() < deadline, "Appium never started"
        try:
            tool.proc.wait(timeout=0.05)  # paces the look at /proc; returns at once if the tool exits
        except subprocess.TimeoutExpired:
            pass
    started = descendants(tool.proc.pid)
    tool.proc.send_signal(signal.SIGTERM)
    code, out, err = tool.finish(STOP_S)
    assert code == 143, err
    doc = json.loads(out)
    assert [(r["device"], r["status"], r["steps"]) for r in doc["results"]] == [
        ("sim-android", "interrupted", []), ("sim-ios", "interrupted", [])], err
    assert survivors(started) == []
