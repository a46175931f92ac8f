"""pytest plugin: QA tests that read `assert optout.check(device).state == "off"` on every chosen device.

Loaded through the `pytest11` entry point `linkedin_optout`. Options pick devices from devices.yaml
(`--optout-device`, `--optout-group`, `--optout-devices-file`); every test that takes a `device`
argument runs once per chosen device. The `optout` fixture runs check/apply and attaches each result to
the test's JUnit entry. Under pytest-xdist each worker has its own Appium server and its own slot, so
device-side ports never clash. A simulated phone lives as long as the worker: like a real phone, it
keeps the switch's state from one test to the next. A safety guard that fires is never a result: the
test fails with the SafetyViolation and the test session stops after it.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any, Iterator

import pytest

from mobile.core.flow import DEFAULT_FLOW, find_flow
from mobile.core.terms import Mode, Status
from mobile.errors import ConfigError, EnvironmentProblem, SafetyViolation, config_lines
from mobile.reach.devices import Device, resolve
from mobile.run.inputs import check_devices_config, check_url, positive_seconds
from mobile.run.plan import RunPlan
from mobile.run.shared import Shared
from mobile.output.result import RunResult, verdict_line

# The simulator, the Appium client and the run glue are imported inside the functions on purpose: pytest
# loads this plugin in every session of an environment that has the tool installed.

_CONFIG_KEY = pytest.StashKey[Any]()
_ABSENT_KEY = pytest.StashKey[dict[str, EnvironmentProblem]]()  # device name -> why it cannot be reached
# the CLI's flag -> this plugin's option, so errors name what the user typed
_OPTIONS = {"--device": "--optout-device", "--group": "--optout-group", "--devices-file": "--optout-devices-file",
            "--appium-url": "--optout-appium-url", "--timeout": "--optout-timeout"}


def pytest_addoption(parser: pytest.Parser) -> None:
    """The --optout-* options."""
    group = parser.getgroup("linkedin-optout", "linkedin-optout devices")
    group.addoption("--optout-device", action="append", default=[], metavar="NAME|SERIAL|UDID|auto",
                    help="device from devices.yaml to run `device` tests on (repeatable)")
    group.addoption("--optout-group", metavar="NAME", help="every device of this devices.yaml group")
    group.addoption("--optout-devices-file", metavar="FILE", help="devices.yaml to use")
    group.addoption("--optout-appium-url", metavar="URL", help="Appium server or Grid to use instead of a local one")
    group.addoption("--optout-timeout", type=positive_seconds, metavar="SECONDS", help="per-step wait limit")


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker; check the chosen devices now, so a typo is a usage error, not a collection error."""
    config.addinivalue_line("markers", "optout: a test that drives LinkedIn through linkedin-optout")
    url = config.getoption("optout_appium_url")
    if url:
        try:
            check_url(url, "--appium-url")
        except ConfigError as exc:
            raise usage_error(exc) from None
    if any(config.getoption(name) for name in ("optout_device", "optout_group", "optout_devices_file")):
        selected_devices(config)


def usage_error(exc: ConfigError) -> pytest.UsageError:
    """A ConfigError as pytest's usage error, naming this plugin's options instead of the CLI's flags."""
    lines = []
    for line in config_lines(exc):
        for flag, option in _OPTIONS.items():
            if line.startswith(f"{flag}:"):
                line = option + line[len(flag):]
        lines.append(f"linkedin-optout: {line}")
    return pytest.UsageError("\n".join(lines))


def devices_config(config: pytest.Config) -> Any:
    """devices.yaml (and the scenarios it names), read once; a bad file stops the run as a usage error."""
    if _CONFIG_KEY not in config.stash:
        try:
            config.stash[_CONFIG_KEY] = check_devices_config(config.getoption("optout_devices_file"))
        except ConfigError as exc:
            raise usage_error(exc) from None
    return config.stash[_CONFIG_KEY]


def selected_devices(config: pytest.Config) -> list[Device]:
    """The devices --optout-device/--optout-group choose (default: the first in devices.yaml).

    A declared device whose phone cannot be reached now (`serial: auto` and no phone) still gets its test
    items: each one reports that device's `no_device` result instead of ending pytest with a traceback."""
    devices_yaml = devices_config(config)
    names = list(config.getoption("optout_device"))
    group = config.getoption("optout_group")
    try:
        if group is not None and group not in devices_yaml.groups:
            known = ", ".join(devices_yaml.groups) or "none"
            raise ConfigError(f"unknown group '{group}' (known: {known})", where="--group")
        wanted = [*(devices_yaml.groups[group] if group else ()), *names] or [next(iter(devices_yaml.devices))]
        absent = config.stash.setdefault(_ABSENT_KEY, {})
        chosen: list[Device] = []
        for name in dict.fromkeys(wanted):
            try:
                chosen.extend(resolve(devices_yaml, [name]))
            except EnvironmentProblem as problem:
                if name not in devices_yaml.devices:
                    raise
                absent[name] = problem
                chosen.append(devices_yaml.devices[name])
        return chosen
    except ConfigError as exc:
        raise usage_error(exc) from None
    except EnvironmentProblem as problem:  # `--optout-device auto` and no phone: nothing to run on
        raise pytest.UsageError(f"linkedin-optout: --optout-device: {problem}") from None


def _parametrized_by_test(metafunc: pytest.Metafunc, name: str) -> bool:
    """True when the test or a fixture of its own already provides `name`."""
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0] if marker.args else marker.kwargs.get("argnames", "")
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        if name in names:
            return True
    return name in getattr(metafunc, "_arg2fixturedefs", {})


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One item per chosen device for every test that takes `device`."""
    if "device" in metafunc.fixturenames and not _parametrized_by_test(metafunc, "device"):
        devices = selected_devices(metafunc.config)
        metafunc.parametrize("device", devices, ids=[d.name for d in devices])


def worker_slot() -> int:
    """gw0 -> 0, gw1 -> 1, ...; 0 without xdist: parallel workers never share device-side ports."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker[2:]) if worker[2:].isdigit() else 0


class _Resources:
    """What a worker keeps for its whole session: the Appium server and the simulated phones."""

    def __init__(self) -> None:
        self.shared = Shared()
        self.phones: dict[tuple[str, str], Any] = {}

    def reachable(self, device: Device, scenario: str | None) -> Device:
        """A simulated device pointed at this worker's phone for it (started on first use)."""
        if device.simulator is None or device.sim_driver is not None:
            return device  # a phone behind a real driver is started per run (its WDA and usbmuxd go with it)
        from mobile.sim.launch import start_phone  # lazy: the simulator (see the top of this module)

        name = scenario or device.simulator.get("scenario", "default")
        key = (device.name, name)
        if key not in self.phones:
            self.phones[key] = start_phone(device.platform, name)
        return replace(device, simulator=None, sim_url=self.phones[key].url)

    def close(self) -> None:
        from mobile.run.device import close_shared  # lazy: the Appium client and the run glue (see the top)
        from mobile.run.xcuitest_sim import close_stack  # lazy: it imports the simulator (see the top)

        close_shared(self.shared)  # Appium, and the private adb server of phones for UiAutomator2
        close_stack(self.shared)
        for handle in self.phones.values():
            handle.stop()


class Optout:
    """The `optout` fixture: `check(device)` and `apply(device)` return a RunResult."""

    def __init__(self, request: pytest.FixtureRequest, resources: _Resources):
        self.request = request
        self.resources = resources

    def check(self, device: Device | str, *, expect: str | None = None, **options: Any) -> RunResult:
        """Read the setting's state on `device` (never taps the switch)."""
        return self._run("check", device, expected=expect, **options)

    def apply(self, device: Device | str, *, state: str = "off", **options: Any) -> RunResult:
        """Make the switch read `state`, verified and persisted."""
        return self._run("apply", device, wanted=state, **options)

    def _device(self, device: Device | str) -> Device:
        """A Device; a declared name whose phone is absent now is recorded as absent (its result says so)."""
        if isinstance(device, Device):
            return device
        config = devices_config(self.request.config)
        try:
            return resolve(config, [device])[0]
        except EnvironmentProblem as problem:
            if device not in config.devices:
                raise
            self.request.config.stash.setdefault(_ABSENT_KEY, {})[device] = problem
            return config.devices[device]

    def _run(self, mode: Mode, device: Device | str, *, wanted: str | None = None, expected: str | None = None,
             locale: str | None = None, scenario: str | None = None, timeout: float | None = None,
             flow: str = DEFAULT_FLOW) -> RunResult:
        from mobile.run.device import run_device  # lazy: the Appium client and the run glue (see the top)

        config = self.request.config
        chosen = self._device(device)
        absent = config.stash.get(_ABSENT_KEY, {}).get(chosen.name)
        if absent is not None:  # its phone was not there when the run started: that is its result
            result = RunResult(device=chosen.name, platform=chosen.platform, mode=mode, flow=flow, wanted=wanted,
                               expected=expected, status=absent.status, message=str(absent))
            self._record(result)
            return result
        plan = RunPlan(mode=mode, devices=[chosen], flow=find_flow(flow), wanted=wanted, expected=expected,
                       locale=locale, appium_url=config.getoption("optout_appium_url"),
                       timeout=timeout or config.getoption("optout_timeout"), grid=devices_config(config).grid)
        target = self.resources.reachable(chosen, scenario)
        try:
            result = run_device(plan, target, slot=worker_slot(), shared=self.resources.shared)
        except SafetyViolation as violation:
            # never an ordinary outcome: this test fails with it, and the test session stops after it
            if isinstance(violation.result, RunResult):
                self._record(violation.result)
            self.request.session.shouldstop = f"linkedin-optout: safety violation on {chosen.name}: {violation}"
            raise
        if chosen.simulator is not None:
            result.scenario = scenario or chosen.simulator.get("scenario", "default")
        self._record(result)
        return result

    def _record(self, result: RunResult) -> None:
        """The result as JUnit <property> entries of this test (xdist carries them to the controller)."""
        props = self.request.node.user_properties
        for key in ("device", "mode", "status", "before", "after", "verified", "persisted", "duration_s", "message"):
            value = getattr(result, key)
            if isinstance(value, Status):  # xdist's wire format carries plain values only
                value = value.value
            if value not in (None, ""):
                props.append((f"optout.{key}", round(value, 3) if isinstance(value, float) else value))
        props.append(("optout.verdict", verdict_line(result)))


@pytest.fixture(scope="session")
def _optout_resources() -> Iterator[_Resources]:
    resources = _Resources()
    yield resources
    resources.close()


@pytest.fixture
def optout(request: pytest.FixtureRequest, _optout_resources: _Resources) -> Optout:
    """Runs linkedin-optout check/apply from a test; results land in the JUnit report."""
    return Optout(request, _optout_resources)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """A `linkedin-optout` section with one verdict line per run."""
    lines = [value for kind in ("passed", "failed", "error") for report in terminalreporter.stats.get(kind, [])
             if getattr(report, "when", "call") == "call"
             for key, value in getattr(report, "user_properties", []) if key == "optout.verdict"]
    if lines:
        terminalreporter.write_sep("-", "linkedin-optout")
        for line in lines:
            terminalreporter.write_line(str(line))
