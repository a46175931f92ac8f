"""The one validation pass: every bad input is refused with `file:line: message` (or the flag), exit 2,
before any Appium server, simulated phone or session is started; --json still prints its document."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from mobile.cli.main import main
from mobile.reach.devices import load_devices
from mobile.errors import ConfigError, ConfigErrors
from mobile.run.inputs import CHECKS, check_devices_config
from mobile.sim.scenario import load_scenario

SIM = "devices:\n  sim: {platform: android, simulator: {scenario: default}}\n"


@pytest.fixture(autouse=True)
def nothing_starts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fails the test if anything would start Appium or a simulated phone."""
    started: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        started.append("started")
        raise AssertionError("bad input must be refused before anything starts")

    monkeypatch.setattr("mobile.reach.appium_server.AppiumServer.start", refuse)
    monkeypatch.setattr("mobile.sim.launch.start_phone", refuse)
    yield started
    assert started == []


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, text: str | bytes) -> str:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def bomb(levels: int = 9) -> str:
    """A billion-laughs YAML: 9 aliases per level, 9 levels."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


# --- devices.yaml --------------------------------------------------------------------------------------

def test_unknown_scenario_in_devices_yaml_is_refused_by_validate_and_check(capsys, tmp_path) -> None:
    devices = write(tmp_path / "d.yaml", "devices:\n  a: {platform: android,\n      simulator: {scenario: nosuch}}\n"
                                         "  b: {platform: ios, simulator: {scenario: gone.yaml}}\n")
    code, out, _ = run(capsys, "validate", devices)
    assert code == 2
    assert out.splitlines()[0].startswith(f"{devices}:3: device 'a': unknown scenario 'nosuch'; known: ")
    assert out.splitlines()[1] == f"{devices}:4: device 'b': scenario file not found: gone.yaml"
    code, _, err = run(capsys, "check", "--devices-file", devices, "--device", "a")
    assert code == 2 and f"{devices}:3: device 'a': unknown scenario 'nosuch'" in err


def test_a_bad_scenario_file_named_by_devices_yaml_names_its_own_lines(capsys, tmp_path) -> None:
    scenario = write(tmp_path / "s.yaml", "latency: {scale: -1}\n")
    devices = write(tmp_path / "d.yaml", f"devices:\n  a: {{platform: android, simulator: {{scenario: {scenario}}}}}\n")
    code, _, err = run(capsys, "check", "--devices-file", devices)
    assert (code, err) == (2, f"linkedin-optout: error: {scenario}:1: latency.scale must be >= 0, got -1\n")


def test_every_problem_of_a_devices_file_is_listed(tmp_path) -> None:
    path = write(tmp_path / "d.yaml", "defaults: {locale: xx}\ndevices:\n"
                                      "  a: {platform: android, simulator: {scenario: default, driver: xcuitest}}\n"
                                      "  b: {platform: windows, serial: x}\n"
                                      "  c: {platform: ios, simulator: {driver: bogus}}\n"
                                      "  ok: {platform: ios, simulator: {driver: xcuitest}}\n"
                                      "groups:\n  g: []\n  h: [a, zz]\n")
    with pytest.raises(ConfigErrors) as caught:
        load_devices(path)
    assert caught.value.lines == [
        f"{path}:1: defaults.locale 'xx' is not one of: auto, en, nl, de, fr, es, pt-BR, it",
        f"{path}:3: device 'a': simulator.driver xcuitest drives ios only, not android",
        f"{path}:4: device 'b': platform 'windows' is not one of: android, ios",
        f"{path}:5: device 'c': simulator.driver 'bogus' is not one of: linkedinsim, uiautomator2, xcuitest",
        f"{path}:8: group 'g' is empty: list at least one device",
        f"{path}:9: group 'h': unknown device 'zz' (known: a, b, c, ok)",
    ]


def test_simulator_drivers_per_platform(tmp_path) -> None:
    good = write(tmp_path / "good.yaml", "devices:\n"
                                         "  a: {platform: android, simulator: {driver: uiautomator2}}\n"
                                         "  b: {platform: ios, simulator: {driver: xcuitest, scenario: dutch}}\n"
                                         "  c: {platform: ios, simulator: {driver: linkedinsim}}\n")
    config = check_devices_config(good)
    assert [d.simulator for d in config.devices.values()] == [
        {"scenario": "default", "driver": "uiautomator2"}, {"scenario": "dutch", "driver": "xcuitest"},
        {"scenario": "default", "driver": "linkedinsim"}]
    bad = write(tmp_path / "bad.yaml", "devices:\n  a: {platform: ios, simulator: {driver: uiautomator2}}\n")
    with pytest.raises(ConfigError, match=r"bad.yaml:2: device 'a': simulator.driver uiautomator2 drives android "
                                          r"only, not ios$"):
        load_devices(bad)


def test_empty_group_is_refused_not_run_on_the_first_device(capsys, tmp_path) -> None:
    devices = write(tmp_path / "d.yaml", SIM + "groups:\n  g: []\n")
    for argv in (["validate", devices], ["check", "--devices-file", devices, "--group", "g"]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and f"{devices}:4: group 'g' is empty: list at least one device" in out + err


def test_directory_and_binary_devices_files(capsys, tmp_path) -> None:
    binary = write(tmp_path / "bin.yaml", bytes(range(256)) * 4)
    for command in (["check"], ["devices"], ["doctor"]):
        code, _, err = run(capsys, *command, "--devices-file", str(tmp_path))
        assert (code, err) == (2, f"linkedin-optout: error: --devices-file: {tmp_path} is a directory, "
                                  "not a devices file\n")
        code, _, err = run(capsys, *command, "--devices-file", binary)
        assert (code, err) == (2, f"linkedin-optout: error: {binary}: not a UTF-8 text file "
                                  "(a devices.yaml is YAML text)\n")
    code, out, _ = run(capsys, "validate", str(tmp_path), binary)
    assert code == 2 and out.splitlines() == [f"{tmp_path}: is a directory, not a YAML file",
                                              f"{binary}: not a UTF-8 text file"]


# --- flags ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("argv", "message"), [
    (["--timeout", "inf"], "argument --timeout: must be a finite number of seconds, not 'inf'"),
    (["--timeout", "nan"], "argument --timeout: must be a finite number of seconds, not 'nan'"),
    (["--timeout", "-1"], "argument --timeout: must be greater than 0"),
    (["--timeout", "1e9"], "argument --timeout: must be at most 3600 seconds"),
])
def test_timeouts_must_be_finite(capsys, argv: list[str], message: str) -> None:
    code, out, err = run(capsys, "check", "--device", "sim-android", *argv, "--json")
    assert code == 2 and err == f"linkedin-optout check: error: {message} (see --help)\n"
    assert json.loads(out)["error"] == {"status": "config_error", "message": f"linkedin-optout check: {message}"}


@pytest.mark.parametrize(("argv", "lines"), [
    (["--all", "--group", "sims"], ["--all: cannot be combined with --group (pick one)"]),
    (["--all", "--device", "sim-ios"], ["--all: cannot be combined with --device (pick one)"]),
    (["--appium-url", "notaurl"], ["--appium-url: not an http(s) URL: 'notaurl' (e.g. http://127.0.0.1:4723)"]),
    (["--appium-url", "http://127.0.0.1:99999"],
     ["--appium-url: not an http(s) URL: 'http://127.0.0.1:99999' (e.g. http://127.0.0.1:4723)"]),
    (["--device", "sim-ios-xcuitest", "--appium-url", "http://127.0.0.1:4723"],
     ["--appium-url: device 'sim-ios-xcuitest' (simulator driver xcuitest) needs the Appium this tool starts "
      "(it is given the simulated usbmuxd)"]),
    (["--device", "nosuch"], ["--device: unknown device 'nosuch' (known: sim-android, sim-ios, "
                              "sim-android-u2, sim-ios-xcuitest, phone, auto, or a serial adb lists)"]),
])
def test_flags_are_checked_in_the_pass(capsys, monkeypatch, argv: list[str], lines: list[str]) -> None:
    monkeypatch.setattr("mobile.reach.adb.discover", lambda *a, **k: [])
    code, out, err = run(capsys, "apply", *argv, "--json")
    assert code == 2 and err.splitlines() == [f"linkedin-optout: error: {line}" for line in lines]
    assert json.loads(out) == {"results": [], "summary": {"total": 0, "by_status": {}},
                               "error": {"status": "config_error", "message": "\n".join(lines)}}


def test_several_problems_of_different_inputs_at_once(capsys, tmp_path) -> None:
    devices = write(tmp_path / "d.yaml", SIM + "  b: {platform: android, serial: x, colour: red}\n")
    code, _, err = run(capsys, "check", "--all", "--group", "g", "--devices-file", devices,
                       "--appium-url", "ftp://x", "--flow", str(tmp_path / "nosuch.yaml"))
    assert code == 2
    assert err.splitlines() == [
        "linkedin-optout: error: --all: cannot be combined with --group (pick one)",
        "linkedin-optout: error: --appium-url: not an http(s) URL: 'ftp://x' (e.g. http://127.0.0.1:4723)",
        f"linkedin-optout: error: {devices}:3: unknown key 'colour' in device 'b' (allowed: platform, serial, udid, "
        "simulator, appium, capabilities, locale)",
        f"linkedin-optout: error: {tmp_path / 'nosuch.yaml'}: cannot read flow file: No such file or directory",
    ]


def test_report_folder_that_cannot_be_created(capsys, tmp_path) -> None:
    a_file = write(tmp_path / "file.txt", "x")
    code, _, err = run(capsys, "check", "--device", "sim-android", "--report", f"{a_file}/sub")
    assert (code, err) == (2, f"linkedin-optout: error: --report: cannot create {a_file}/sub: {a_file} is not a "
                              "directory\n")
    code, _, err = run(capsys, "check", "--device", "sim-android", "--report", a_file)
    assert (code, err) == (2, f"linkedin-optout: error: --report: {a_file} exists and is not a directory\n")
    code, _, err = run(capsys, "check", "--device", "sim-android", "--report", "/proc/linkedin-optout-x")
    assert (code, err) == (2, "linkedin-optout: error: --report: cannot create /proc/linkedin-optout-x: No such file "
                              "or directory\n")
    code, _, err = run(capsys, "check", "--device", "sim-android", "--report", str(tmp_path))
    assert (code, err) == (2, f"linkedin-optout: error: --report: {tmp_path} is not empty and holds no earlier "
                              "report: use a new or empty folder\n")
    assert (tmp_path / "file.txt").read_text() == "x"


def test_the_pass_is_one_list_of_checks() -> None:
    names = [check.__name__ for check in CHECKS]
    assert names[0] == "check_flags" and names[-1] == "check_devices"  # adb is asked last, after every file


# --- scenario files ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "line", "message"), [
    ("vars: {extra_rows: many}\n", 1, "vars.extra_rows must be a whole number >= 0, got 'many'"),
    ("vars:\n  switch_class: 3\n", 2, "vars.switch_class must be a string, got 3"),
    ("latency: {scale: fast}\n", 1, "latency.scale must be a number, got 'fast'"),
    ("latency:\n  scale: -1\n", 2, "latency.scale must be >= 0, got -1"),
    ("latency:\n  late: {genai_toggle: -5}\n", 2, "latency.late.genai_toggle must be >= 0, got -5"),
    ("latency:\n  late:\n    nothing_here: 5\n", 3, "latency.late: no screen node has key 'nothing_here'"),
    ("latency:\n  commands: {click: .inf}\n", 2, "latency.commands.click must be a number, got inf"),
    ("labels:\n  xx: {settings: X}\n", 2, "labels: unknown locale 'xx'; known: de, en, es, fr, it, nl, pt-BR"),
    ("labels:\n  nl:\n    no_such_label: X\n", 3, "labels.nl: unknown label key 'no_such_label'"),
    ("screens:\n  extra:\n    nodes:\n      - {role: button, text: Go, on_tap: {goto: nowhere}}\n", 4,
     "screen 'extra': on_tap goto 'nowhere' is not a known screen"),
    ("description: a\ndescription: b\n", 2, "duplicate key 'description' (first at line 1)"),
    ("\n\nextends: nosuch\n", 3, "unknown scenario 'nosuch'; known: already-off"),
])
def test_scenario_file_defects_name_file_and_line(tmp_path, text: str, line: int, message: str) -> None:
    path = write(tmp_path / "custom.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    assert str(caught.value).startswith(f"{path}:{line}: {message}")


def test_every_problem_of_a_scenario_file_listed_through_check(capsys, tmp_path) -> None:
    path = write(tmp_path / "custom.yaml", "vars: {extra_rows: many}\nlatency: {scale: fast}\n"
                                           "labels: {xx: {a: b}}\n")
    code, _, err = run(capsys, "check", "--device", "sim-android", "--scenario", path)
    assert code == 2 and err.splitlines() == [
        f"linkedin-optout: error: {path}:1: vars.extra_rows must be a whole number >= 0, got 'many'",
        f"linkedin-optout: error: {path}:2: latency.scale must be a number, got 'fast'",
        f"linkedin-optout: error: {path}:3: labels: unknown locale 'xx'; known: de, en, es, fr, it, nl, pt-BR",
    ]
    code, out, _ = run(capsys, "validate", path)
    assert code == 2 and len(out.splitlines()) == 3


def test_binary_scenario_file(capsys, tmp_path) -> None:
    binary = write(tmp_path / "bin.yaml", b"\xff\xfe\x00garbage\x89PNG")
    for argv in (["check", "--device", "sim-android", "--scenario", binary], ["sim", "serve", "--scenario", binary]):
        code, _, err = run(capsys, *argv)
        assert (code, err) == (2, f"linkedin-optout: error: {binary}: not a UTF-8 text file\n")


# --- bounded YAML --------------------------------------------------------------------------------------

def test_alias_bomb_is_refused_fast_everywhere(capsys, tmp_path) -> None:
    flow = write(tmp_path / "flow.yaml", "steps: [launch]\n" + bomb())
    devices = write(tmp_path / "devices.yaml", SIM + bomb())
    scenario = write(tmp_path / "scenario.yaml", "vars:\n" + "".join("  " + line + "\n" for line in bomb().splitlines()))
    began = time.monotonic()
    for argv, where in ((["validate", flow], f"{flow}:6"), (["validate", devices], f"{devices}:7"),
                        (["check", "--devices-file", devices], f"{devices}:7"),
                        (["check", "--flow", flow], f"{flow}:6"),
                        (["check", "--device", "sim-android", "--scenario", scenario], f"{scenario}:6")):
        code, out, err = run(capsys, *argv)
        assert code == 2 and f"{where}: YAML aliases expand to more than 50000 values" in out + err, (argv, out, err)
    assert time.monotonic() - began < 5.0


def test_recursive_alias_and_oversized_file(tmp_path) -> None:
    with pytest.raises(ConfigError, match="recursive YAML alias"):
        load_devices(write(tmp_path / "r.yaml", "devices: &d\n  a: *d\n"))
    with pytest.raises(ConfigError, match=r"big.yaml:1: file too large"):
        load_devices(write(tmp_path / "big.yaml", "# " + "x" * 1_100_000 + "\n" + SIM))


def test_ordinary_aliases_still_work(tmp_path) -> None:
    path = write(tmp_path / "d.yaml", "x: &sim {platform: android, simulator: {scenario: default}}\n"
                                      "devices:\n  a: *sim\n  b: *sim\n")
    with pytest.raises(ConfigError, match="unknown key 'x'"):
        load_devices(path)  # the anchor holder is an unknown key, but the aliases themselves are fine
    ok = write(tmp_path / "ok.yaml", "devices:\n  a: &sim {platform: android, simulator: {scenario: default}}\n"
                                     "  b: *sim\n")
    assert list(load_devices(ok).devices) == ["a", "b"]


def test_appium_urls_in_devices_yaml_are_checked_like_the_flag(tmp_path) -> None:
    path = write(tmp_path / "d.yaml", "defaults: {appium: 'http://:4723'}\ndevices:\n"
                                      "  a: {platform: android, serial: x, appium: 'http://host:99999'}\n"
                                      "  b: {platform: android, serial: y, appium: 'http://grid.lan:4444/wd/hub'}\n")
    with pytest.raises(ConfigErrors) as caught:
        load_devices(path)
    assert caught.value.lines == [
        f"{path}:1: defaults.appium must be 'local' or an http(s) URL, not 'http://:4723'",
        f"{path}:3: device 'a': appium must be 'local' or an http(s) URL, not 'http://host:99999'",
    ]


def test_more_scenario_and_device_values_are_typed(tmp_path) -> None:
    scenario = write(tmp_path / "s.yaml", "faults: {no_persist: 'yes'}\n"
                                          "interruptions:\n  - {screen: home, popup: permission_notifications, "
                                          "once: 1}\n")
    with pytest.raises(ConfigErrors) as caught:
        load_scenario(scenario)
    assert caught.value.lines == [f"{scenario}:1: faults.no_persist must be true or false",
                                  f"{scenario}:3: interruption once must be true or false"]
    devices = write(tmp_path / "d.yaml", "devices:\n  a: {platform: android, serial: x,\n"
                                         "      capabilities: {'appium:when': 2024-01-01}}\n")
    with pytest.raises(ConfigError, match=r"d.yaml:3: device 'a': capability 'appium:when' must be a string"):
        load_devices(devices)


def test_device_locale_missing_from_the_flow(capsys, tmp_path) -> None:
    flow = Path(__file__).resolve().parents[2] / "flows" / "linkedin-genai.yaml"
    small = write(tmp_path / "en-only.yaml", _only_english(flow.read_text()))
    devices = write(tmp_path / "d.yaml", "devices:\n  a: {platform: android, simulator: {}, locale: nl}\n")
    code, _, err = run(capsys, "check", "--devices-file", devices, "--flow", small)
    assert (code, err) == (2, f"linkedin-optout: error: {devices}:2: device 'a': flow 'en-only' has no labels for "
                              "locale 'nl'\n")


def _only_english(text: str) -> str:
    """The shipped flow with `locales: [en]` and every label's other locales dropped."""
    import yaml

    from mobile.core.yaml_lines import parse_yaml, plain

    data = plain(parse_yaml(text, "flow", booleans="1.2"), "flow")  # the flow dialect: only true/false are booleans
    data["locales"] = ["en"]
    data["labels"] = {key: {"en": value["en"]} for key, value in data["labels"].items()}
    return yaml.safe_dump(data, allow_unicode=True)


def test_every_bad_key_of_one_mapping_is_listed(tmp_path) -> None:
    devices = write(tmp_path / "d.yaml", "devices:\n  a:\n    platform: android\n    serial: x\n    colour: red\n"
                                         "    size: 3\n    serial: y\n")
    with pytest.raises(ConfigErrors) as caught:
        load_devices(devices)
    assert [line.split(": ", 1)[0] for line in caught.value.lines] == [f"{devices}:5", f"{devices}:6", f"{devices}:7"]
    scenario = write(tmp_path / "s.yaml", "state:\n  genai: true\n  signed: true\n")
    with pytest.raises(ConfigErrors) as caught:
        load_scenario(scenario)
    assert [line.split(": ", 1)[0] for line in caught.value.lines] == [f"{scenario}:2", f"{scenario}:3"]
    flow_text = (Path(__file__).resolve().parents[2] / "flows" / "linkedin-genai.yaml").read_text()
    flow = write(tmp_path / "f.yaml", "colour: red\nsize: 3\n" + flow_text)
    from mobile.core.flow import load_flow

    with pytest.raises(ConfigErrors) as caught:
        load_flow(flow)
    assert [line.split(": ", 1)[0] for line in caught.value.lines] == [f"{flow}:1", f"{flow}:2"]


def test_extends_cycle_names_the_line(tmp_path) -> None:
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    write(a, f"description: a\nextends: {b}\n")
    write(b, f"extends: {a}\n")
    with pytest.raises(ConfigError, match=rf"^{b}:1: scenario extends itself \(cycle through {a}\)$"):
        load_scenario(a)


def test_unknown_group_is_reported_with_other_problems(capsys) -> None:
    code, _, err = run(capsys, "check", "--group", "nosuch", "--appium-url", "x")
    assert code == 2 and err.splitlines() == [
        "linkedin-optout: error: --appium-url: not an http(s) URL: 'x' (e.g. http://127.0.0.1:4723)",
        "linkedin-optout: error: --group: unknown group 'nosuch' (known: sims)",
    ]


def test_every_shipped_yaml_file_validates(capsys) -> None:
    root = Path(__file__).resolve().parents[2]
    files = [root / "devices.yaml", *sorted((root / "flows").glob("*.yaml")),
             *sorted((root / "mobile" / "sim" / "data" / "scenarios").glob("*.yaml"))]
    code, out, _ = run(capsys, "validate", *map(str, files))
    assert code == 0 and out.splitlines() == [f"ok  {f}" for f in files]
