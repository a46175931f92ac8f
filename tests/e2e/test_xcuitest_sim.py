"""The simulated iPhone driven by the REAL appium-xcuitest-driver (pinned in ci/appium), not LinkedInSim.

`check`/`apply --device sim-ios-xcuitest` go CLI -> Appium 3 -> XCUITestDriver -> the phone's WebDriverAgent
surface (appium:webDriverAgentUrl) and, for lockdownd/installation_proxy, the simulated usbmuxd
(USBMUXD_SOCKET_ADDRESS). One Appium + usbmuxd serve the whole module (as one run shares them); the phones'
own logs prove what was tapped, which WDA routes went unanswered, and which sockets listened meanwhile.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

import mobile.run.device
import mobile.sim.launch as launch
from mobile.reach.appium_install import ensure_drivers
from mobile.reach.appium_server import LOOPBACK_SHIM
from mobile.cli.main import main
from mobile.sim.wda.usbmuxd import SimUsbmuxd
from mobile.run.xcuitest_sim import XcuitestSimStack, start_appium
from test_check_apply import EXIT, EXPECTED, LATENCY, switch_taps

DEVICE = "sim-ios-xcuitest"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[XcuitestSimStack]:
    """The run's simulated usbmuxd and the XCUITest-only Appium that uses it."""
    ensure_drivers()
    usbmuxd = SimUsbmuxd()
    try:
        appium = start_appium(usbmuxd.address, log_path=tmp_path_factory.mktemp("appium-xcuitest") / "appium.log",
                              start_timeout=120.0)
    except BaseException:
        usbmuxd.stop()
        raise
    both = XcuitestSimStack(usbmuxd, appium)
    yield both
    both.stop()


def listening_sockets(pids: set[int]) -> list[tuple[str, int]]:
    """(address, port) of every TCP socket in LISTEN state owned by one of `pids` (IPv4 and IPv6)."""
    inodes: set[str] = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] != "0A" or fields[9] not in inodes:
                continue
            raw, port = fields[1].split(":")
            if width == 8:
                address = ".".join(str(b) for b in reversed(bytes.fromhex(raw)))
            else:
                address = "ipv6:" + raw
            found.append((address, int(port, 16)))
    return found


def process_tree(root: int) -> set[int]:
    """`root` and all its descendants."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return tree


@pytest.fixture
def runs(stack: XcuitestSimStack, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Each phone the CLI starts: its log (taken as it stops) and the listening sockets of this process and
    of Appium (taken at every tap the phone receives, i.e. while the XCUITest session is open)."""
    monkeypatch.setattr(mobile.run.device, "stack_for", lambda shared, verbose=0, report_dir=None: stack)
    records: list[dict[str, Any]] = []
    real_start = launch.start_phone
    pids = {os.getpid(), *process_tree(stack.appium._process.pid)}

    def start(*args: Any, **kwargs: Any) -> launch.SimHandle:
        handle = real_start(*args, **kwargs)
        record: dict[str, Any] = {"listeners": set(), "dialect": kwargs.get("dialect")}
        records.append(record)
        real_tap, real_stop = handle.phone.tap, handle.stop

        def tap(x: int, y: int) -> Any:
            record["listeners"].update(listening_sockets(pids))
            return real_tap(x, y)

        def stop() -> None:
            record["log"] = json.loads(handle.phone.log.to_json())
            real_stop()
        handle.phone.tap = tap  # type: ignore[method-assign]
        handle.stop = stop  # type: ignore[method-assign]
        return handle

    monkeypatch.setattr(launch, "start_phone", start)
    return records


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(list(argv))
    out, _ = capsys.readouterr()
    return code, json.loads(out)


def events(log: list[dict[str, Any]], cmd: str) -> list[dict[str, Any]]:
    return [e for e in log if e.get("cmd") == cmd]


def test_check_and_apply_through_the_real_xcuitest_driver(stack, runs, capsys, monkeypatch):
    monkeypatch.setenv("LINKEDIN_SIM_LATENCY_SCALE", "0")
    code, doc = run_cli(capsys, "check", "--device", DEVICE, "--json")
    result = doc["results"][0]
    assert (code, result["status"], result["before"]) == (0, "unchanged", "on"), result
    assert switch_taps(runs[-1]["log"]) == []

    code, doc = run_cli(capsys, "apply", "--device", DEVICE, "--json")
    result = doc["results"][0]
    assert (code, result["status"], result["before"], result["after"]) == (0, "changed", "on", "off"), result
    assert (result["verified"], result["persisted"]) == (True, True)
    log = runs[-1]["log"]
    assert [(e["before"], e["after"], e["persisted"]) for e in events(log, "switch")] == [("on", "off", True)]
    assert len(switch_taps(log)) == 2  # the one tap on the switch and the change it made
    # the page was left through the navigation bar's declared Back button, never the driver's own back
    assert [e["node"]["id"] for e in events(log, "tap") if e["screen"] == "genai"][-1] == "BackButton"
    assert events(log, "back") == []
    # the session came through the simulated usbmuxd: lockdownd (TLS session) and installation_proxy
    assert {"request": "StartSession", "cmd": "lockdown"}.items() <= next(
        e for e in events(log, "lockdown") if e["request"] == "StartSession").items()
    assert any(e["command"] == "Lookup" for e in events(log, "installation_proxy"))
    assert events(log, "unknown_route") == []

    appium_log = Path(stack.appium.log_path).read_text()
    assert "New XCUITestDriver session created successfully" in appium_log
    assert "xcuitest@12.13.1" in appium_log and "XCUITestDriver has been successfully loaded" in appium_log
    # LinkedInSim appears only in Appium's inventory of installed drivers: never loaded, never a session
    assert [line for line in appium_log.splitlines() if "LinkedInSim" in line and "  - linkedinsim@" not in line] == []
    assert "Using USBMUXD_SOCKET_ADDRESS environment variable" in appium_log


def test_nothing_listens_beyond_loopback_during_a_run(stack, runs, capsys, monkeypatch):
    monkeypatch.setenv("LINKEDIN_SIM_LATENCY_SCALE", "0")
    code, _ = run_cli(capsys, "check", "--device", DEVICE, "--json")
    assert code == 0
    listeners = runs[-1]["listeners"]
    mjpeg = [int(p) for p in re.findall(r"Forwarding MJPEG server port (\d+)", Path(stack.appium.log_path).read_text())]
    assert mjpeg, "the driver opened no MJPEG forwarder"
    # the driver's forwarder (listen(port) without a host) was there during the session, on loopback
    assert ("127.0.0.1", mjpeg[-1]) in listeners
    assert {address for address, _ in listeners} == {"127.0.0.1"}, sorted(listeners)
    assert f"listen({mjpeg[-1]}) -> 127.0.0.1" in stack.appium.console_tail(100_000)


@pytest.mark.parametrize("scenario", list(EXPECTED))
def test_every_scenario_has_the_same_outcome_as_through_linkedinsim(scenario, stack, runs, capsys, monkeypatch):
    """EXPECTED is what tests/e2e/test_check_apply.py asserts for sim-ios (LinkedInSim) per scenario."""
    monkeypatch.setenv("LINKEDIN_SIM_LATENCY_SCALE", LATENCY.get(scenario, "0"))
    check_status, state, apply_status, before, after = EXPECTED[scenario]
    common = ("--device", DEVICE, "--scenario", scenario, "--json")
    code, doc = run_cli(capsys, "check", *common)
    result = doc["results"][0]
    assert (result["status"], result["before"], code) == (check_status, state, EXIT[check_status]), result
    assert switch_taps(runs[-1]["log"]) == []
    assert events(runs[-1]["log"], "unknown_route") == []

    code, doc = run_cli(capsys, "apply", *common)
    result = doc["results"][0]
    assert (result["status"], result["before"], result["after"], code) == (apply_status, before, after,
                                                                          EXIT[apply_status]), result
    log = runs[-1]["log"]
    assert len(events(log, "switch")) == (1 if apply_status in ("changed", "verify_failed") else 0)
    assert len(switch_taps(log)) == 2 * len(events(log, "switch"))
    assert events(log, "unknown_route") == [] and events(log, "back") == []
    assert runs[-1]["dialect"] == "wda"
    if apply_status == "changed":
        assert (result["verified"], result["persisted"]) == (True, True)


def test_loopback_shim_rewrites_only_unnamed_and_wildcard_hosts(tmp_path):
    script = tmp_path / "listen.js"
    script.write_text(
        "const net = require('net'); const out = []; const servers = [];\n"
        "const cases = [[0], [{port: 0}], [0, '0.0.0.0'], [0, '::'], [0, '127.0.0.1']];\n"
        "let left = cases.length + 1;\n"
        "const done = () => { if (--left === 0) { console.log(JSON.stringify(out)); servers.forEach(s => s.close()); } };\n"
        "for (const args of cases) { const s = net.createServer(); servers.push(s);\n"
        "  s.listen(...args, () => { out.push(typeof s.address() === 'string' ? s.address() : s.address().address); done(); }); }\n"
        f"const u = net.createServer(); servers.push(u); u.listen({json.dumps(str(tmp_path / 'u.sock'))}, () => {{ out.push('unix'); done(); }});\n")
    env = {**os.environ, "NODE_OPTIONS": f'--require "{LOOPBACK_SHIM}"'}
    done = subprocess.run(["node", str(script)], env=env, capture_output=True, text=True, timeout=60, check=True)
    assert sorted(json.loads(done.stdout)) == sorted(["127.0.0.1"] * 5 + ["unix"])
    assert done.stderr.count("[loopback-only]") == 4
    plain = subprocess.run(["node", str(script)], env={k: v for k, v in os.environ.items() if k != "NODE_OPTIONS"},
                           capture_output=True, text=True, timeout=60, check=True)
    assert "0.0.0.0" in plain.stdout or "::" in plain.stdout  # without the shim Node binds every interface


def test_two_simulated_iphones_in_parallel_share_one_usbmuxd(stack, runs, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("LINKEDIN_SIM_LATENCY_SCALE", "0")
    devices = tmp_path / "devices.yaml"
    devices.write_text("devices:\n"
                       "  a: {platform: ios, simulator: {scenario: default, driver: xcuitest}}\n"
                       "  b: {platform: ios, simulator: {scenario: french, driver: xcuitest}}\n")
    code, doc = run_cli(capsys, "apply", "--devices-file", str(devices), "--all", "--parallel", "2", "--json")
    statuses = {r["device"]: (r["status"], r["locale"], r["persisted"]) for r in doc["results"]}
    assert (code, statuses) == (0, {"a": ("changed", "en", True), "b": ("changed", "fr", True)}), doc
    udids = {r["udid"] for r in doc["results"]}
    assert len(udids) == 2  # the second phone got its own UDID, so the driver never mixes them up
    for record in runs[-2:]:
        assert [(e["before"], e["after"]) for e in events(record["log"], "switch")] == [("on", "off")]
        assert events(record["log"], "unknown_route") == []


def test_a_run_of_its_own_stops_its_appium_and_usbmuxd_and_leaves_no_temp_files(tmp_path, tmp_path_factory):
    """Without the module's stack: the CLI starts the XCUITest Appium and the usbmuxd itself, and removes both;
    with --report that Appium's log is kept in the report folder (as the Android servers' logs are)."""
    script = Path(sys.executable).parent / "linkedin-optout"
    env = {**os.environ, "TMPDIR": str(tmp_path), "LINKEDIN_SIM_LATENCY_SCALE": "0"}
    report = tmp_path_factory.mktemp("report")
    done = subprocess.run([str(script), "check", "--device", DEVICE, "--json", "--report", str(report)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)["results"][0]
    assert result["status"] == "unchanged"
    assert list(tmp_path.iterdir()) == []  # no Appium folder, no usbmuxd socket or certificate
    assert result["appium_log"] == "appium-xcuitest.log"
    assert "XCUITestDriver" in (report / "appium-xcuitest.log").read_text(encoding="utf-8")
    saved = json.loads((report / "result.json").read_text(encoding="utf-8"))["results"][0]
    assert saved["appium_log"] == "appium-xcuitest.log"
