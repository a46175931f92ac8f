"""Starts a simulated phone with its W3C server: in-process (`start_phone`) or as a child process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from mobile.engine import abort as lifecycle
from mobile.sim.phone import Phone, env_latency_scale
from mobile.sim.w3c.server import SimServer
from mobile.sim.wda.server import WdaServer

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class SimHandle:
    """A running simulated phone: its server URL, the Phone object and how long it took to start."""

    url: str
    phone: Phone
    server: SimServer
    start_seconds: float = 0.0
    _stopped: bool = field(default=False, repr=False)

    @property
    def platform(self) -> str:
        """android or ios."""
        return self.phone.platform

    def stop(self) -> None:
        """Stop the server and release its port (idempotent)."""
        if not self._stopped:
            self._stopped = True
            self.server.stop()

    def __enter__(self) -> "SimHandle":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def resolve_latency_scale(latency_scale: float | None) -> float:
    """The given scale, else $LINKEDIN_SIM_LATENCY_SCALE, else 1 (the scenario's own latency)."""
    if latency_scale is not None:
        return float(latency_scale)
    return env_latency_scale()


def start_phone(platform: str = "android", scenario: Any = "default", *, latency_scale: float | None = None,
                port: int = 0, host: str = "127.0.0.1", dialect: str = "w3c",
                latency_profile: str | None = None) -> SimHandle:
    """Make a Phone for the scenario (name, file or Scenario) and serve it on host:port (0 = free port).
    `dialect`: "w3c" (what our LinkedInSim driver forwards to) or "wda" (WebDriverAgent, iOS only: what the
    real XCUITest driver talks to through appium:webDriverAgentUrl). `latency_profile` overrides the
    scenario's `latency.profile`."""
    began = time.monotonic()
    phone = Phone(platform, scenario, latency_scale=resolve_latency_scale(latency_scale),
                  latency_profile=latency_profile)
    if dialect == "wda":
        server: SimServer = WdaServer(phone, host=host, port=port).start()
    elif dialect == "w3c":
        server = SimServer(phone, host=host, port=port).start()
    else:
        raise ValueError(f"dialect must be w3c or wda, not {dialect!r}")
    return SimHandle(server.url, phone, server, time.monotonic() - began)


@dataclass
class SimProcess:
    """A phone served by `python -m mobile.sim serve` in a child process (tests kill it mid-run)."""

    process: subprocess.Popen[bytes]
    url: str

    def stop(self, grace: float = 5.0) -> None:
        """Terminate the child, killing it after `grace` seconds."""
        lifecycle.disown(self)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=grace)

    def kill(self) -> None:
        """SIGKILL the phone at once, as a crashing device would vanish."""
        lifecycle.disown(self)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def spawn_phone(platform: str = "android", scenario: str = "default", *, latency_scale: float | None = None,
                port: int = 0, ready_file: Path, timeout: float = 30.0) -> SimProcess:
    """Start a phone in a child process and wait until it wrote its URL to `ready_file`."""
    ready_file = Path(ready_file)
    ready_file.unlink(missing_ok=True)
    command = [sys.executable, "-m", "mobile.sim", "serve", "--platform", platform, "--scenario", str(scenario),
               "--port", str(port), "--ready-file", str(ready_file)]
    if latency_scale is not None:
        command += ["--latency-scale", str(latency_scale)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    handle = SimProcess(process, "")
    lifecycle.own(handle)  # whatever happens next, the way out of the tool ends it
    deadline = time.monotonic() + timeout
    while not (ready_file.exists() and ready_file.read_text().strip()):
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace") if process.stderr else ""
            lifecycle.disown(handle)
            raise RuntimeError(f"the phone process exited with {process.returncode}: {error.strip()[-2000:]}")
        if time.monotonic() > deadline:
            handle.kill()
            raise RuntimeError(f"the phone process did not become ready within {timeout:.0f} s")
        try:
            # Paces the poll of the ready file; returns early when the child exits.
            process.wait(timeout=0.02)
        except subprocess.TimeoutExpired:
            pass
    handle.url = ready_file.read_text().strip()
    return handle
