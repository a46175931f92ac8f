"""The one validation pass: every input of a run is checked before any device, server or session is touched.

`validate_run(args, mode)` runs the CHECKS in order over one `Pass`; each check records its problems
(ConfigErrors naming `file:line` or the flag) instead of stopping at the first, so the user sees every
problem at once. Devices are looked up (adb) only when everything else is clean, and the report folder is
prepared last. A new input (a simulator driver, a signing key, a new scenario kind) joins by adding one
function to CHECKS; `check_devices_config` is also what `validate`, `devices` and `doctor` use.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from mobile.core.flow import find_flow
from mobile.errors import ConfigError, ConfigErrors, Problems
from mobile.output.report import check_report_target, prepare_report_dir
from mobile.reach.devices import Device, DevicesConfig, find_devices_file, is_http_url, load_devices, resolve
from mobile.reach.remote import appium_target, auto_needs_local_adb, is_local

# The simulator is imported inside the checks that need it: the pytest plugin imports this module, and
# pytest loads the plugin in every session of an environment that has the tool installed.

MAX_TIMEOUT_S = 3600.0


@dataclass
class Pass:
    """What the pass has read so far; a check leaves a field None when its input is bad."""

    args: argparse.Namespace
    mode: str
    problems: Problems = field(default_factory=Problems)
    config: DevicesConfig | None = None
    flow: Any = None
    scenario: Any = None
    devices: list[Device] = field(default_factory=list)
    report_dir: Path | None = None


# --- flags -------------------------------------------------------------------------------------------

def positive_seconds(text: str) -> float:
    """argparse type of --timeout: a finite number of seconds, 0 < s <= MAX_TIMEOUT_S."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds, not {text!r}")
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    if value > MAX_TIMEOUT_S:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_TIMEOUT_S:.0f} seconds")
    return value


def check_url(url: str, where: str) -> str:
    """An Appium/Grid URL: http(s)://host[:port][/path]; returns it without a trailing slash."""
    if not is_http_url(url):
        raise ConfigError(f"not an http(s) URL: {url!r} (e.g. http://127.0.0.1:4723)", where=where)
    return url.rstrip("/")


def check_flags(p: Pass) -> None:
    """Options that contradict each other, and flag values argparse cannot judge alone."""
    args = p.args
    if getattr(args, "all", False) and getattr(args, "group", None):
        p.problems.add(ConfigError("cannot be combined with --group (pick one)", where="--all"))
    if getattr(args, "all", False) and getattr(args, "device", None):
        p.problems.add(ConfigError("cannot be combined with --device (pick one)", where="--all"))
    if getattr(args, "appium_url", None):
        with p.problems.each():
            args.appium_url = check_url(args.appium_url, "--appium-url")


# --- files -------------------------------------------------------------------------------------------

def check_scenarios(config: DevicesConfig) -> None:
    """Every scenario devices.yaml names (built-in or a file) loads; problems name devices.yaml's line."""
    from mobile.sim.scenario import load_scenario  # lazy: the simulator (see the top of this module)

    problems = Problems()
    for device in config.devices.values():
        if device.simulator is None:
            continue
        name = device.simulator.get("scenario", "default")
        asked_at = config.scenario_lines.get(device.name, device.where)
        try:
            load_scenario(name)
        except ConfigError as exc:
            # a missing/unknown scenario is devices.yaml's fault; a bad scenario file names its own lines
            named = exc.where or isinstance(exc, ConfigErrors)
            problems.add(exc if named else ConfigError(f"device '{device.name}': {exc.message}", asked_at))
    problems.raise_if_any()


def check_devices_config(flag: str | None) -> DevicesConfig:
    """devices.yaml (found as documented) and every scenario it names; ConfigError(s) otherwise."""
    return load_devices(find_devices_file(flag), extra_check=check_scenarios)


def check_devices_file(p: Pass) -> None:
    p.config = check_devices_config(p.args.devices_file)


def check_scenario_flag(p: Pass) -> None:
    """--scenario: simulated phones only, and the scenario loads."""
    if not getattr(p.args, "scenario", None):
        return
    from mobile.sim.scenario import load_scenario  # lazy: the simulator (see the top of this module)

    if p.config is not None:
        with p.problems.each():
            _only_simulated(p.config, p.args)
    try:
        p.scenario = load_scenario(p.args.scenario)
    except ConfigError as exc:
        if exc.where or isinstance(exc, ConfigErrors):  # problems inside the file name its own lines
            raise
        raise ConfigError(exc.message, where="--scenario") from None


def _only_simulated(config: DevicesConfig, args: argparse.Namespace) -> None:
    """--scenario is for simulated phones: every chosen devices.yaml entry must be one."""
    names = list(config.devices) if args.all else []
    names += list(config.groups.get(args.group, ())) if args.group else []
    names += args.device or ([] if names else [next(iter(config.devices))])
    real = [n for n in dict.fromkeys(names) if n not in config.devices or config.devices[n].simulator is None]
    if real:
        raise ConfigError(f"--scenario applies to simulated phones only, not {', '.join(real)}", where="--scenario")


def check_auto_is_local(p: Pass) -> None:
    """`serial: auto` / `--device auto` resolve through this machine's adb: refused behind a remote Appium or
    a Grid, whose devices this machine cannot see."""
    if p.config is None:
        return
    config, args = p.config, p.args
    names = list(config.devices) if args.all else []
    names += list(config.groups.get(args.group, ())) if args.group else []
    names += args.device or ([] if names else [next(iter(config.devices))])
    for name in dict.fromkeys(names):
        if name == "auto":
            device, where = Device(name="auto", platform="android", appium=config.default_appium), "--device"
        elif name in config.devices and config.devices[name].serial == "auto":
            device = config.devices[name]
            where = device.where or config.path
        else:
            continue
        if not is_local(args.appium_url, config.grid, device):
            url = appium_target(args.appium_url, config.grid, device)[0] or ""
            p.problems.add(ConfigError(auto_needs_local_adb(device.name, url), where=where))


def check_flow(p: Pass) -> None:
    """The flow (by name or file), and --locale against its labels."""
    p.flow = find_flow(p.args.flow)
    locale = getattr(p.args, "locale", None)
    if locale and locale != "auto" and locale not in p.flow.locales:
        raise ConfigError(f"flow '{p.flow.name}' has no labels for locale '{locale}'", where="--locale")


def check_report_dir(p: Pass) -> None:
    """--report DIR: a folder we can create, or an earlier report (emptied later), never anything else."""
    if not getattr(p.args, "report", None):
        return
    p.report_dir = check_report_target(Path(p.args.report))


def check_devices(p: Pass) -> None:
    """--device/--group/--all -> devices (asks adb only now, when every file is known to be good)."""
    if p.config is None:
        return
    group = getattr(p.args, "group", None)
    if group is not None and group not in p.config.groups:  # known without adb: report it with the rest
        raise ConfigError(f"unknown group '{group}' (known: {', '.join(p.config.groups) or 'none'})", where="--group")
    if p.problems:
        return
    # a declared device whose phone is absent gets its own `no_device` verdict; the others still run
    p.devices = resolve(p.config, p.args.device, p.args.group, p.args.all, mark_absent=True)
    for device in p.devices:
        check_simulated_iphone(p, device)
    if p.flow is None:
        return
    for device in p.devices:
        if device.platform not in p.flow.platforms:
            p.problems.add(ConfigError(f"flow '{p.flow.name}' has no steps for {device.platform} "
                                       f"(device {device.name})", where=device.where))
        if not getattr(p.args, "locale", None) and device.locale not in ("auto", *p.flow.locales):
            p.problems.add(ConfigError(f"device '{device.name}': flow '{p.flow.name}' has no labels for locale "
                                       f"'{device.locale}'", where=device.where))


def check_simulated_iphone(p: Pass, device: Device) -> None:
    """A simulated iPhone on the real XCUITest driver needs the Appium this tool starts (it is handed the
    simulated usbmuxd): --appium-url, a Grid or the device's own `appium: URL` cannot reach it."""
    from mobile.run.xcuitest_sim import uses_xcuitest_sim  # lazy: it imports the simulator (see the top)

    if not uses_xcuitest_sim(device):
        return
    why = "needs the Appium this tool starts (it is given the simulated usbmuxd)"
    if getattr(p.args, "appium_url", None):
        p.problems.add(ConfigError(f"device '{device.name}' (simulator driver xcuitest) {why}", where="--appium-url"))
    elif p.config is not None and p.config.grid:
        p.problems.add(ConfigError(f"device '{device.name}' (simulator driver xcuitest) {why}, not the grid",
                                   where=device.where))
    elif device.appium != "local":
        p.problems.add(ConfigError(f"device '{device.name}' (simulator driver xcuitest) {why}: drop its appium: URL",
                                   where=device.where))


def check_sim_latency(p: Pass) -> None:
    """$LINKEDIN_SIM_LATENCY_SCALE, read by every simulated phone the run starts."""
    from mobile.sim.phone import env_latency_scale  # lazy: the simulator (see the top of this module)

    env_latency_scale()


# The pass, in order. A new input adds its check here.
CHECKS: list[Callable[[Pass], None]] = [
    check_flags, check_devices_file, check_scenario_flag, check_auto_is_local, check_flow, check_report_dir,
    check_sim_latency,
    check_devices,
]


def validate_run(args: argparse.Namespace, mode: str) -> Pass:
    """Run every check; ConfigError/ConfigErrors listing every problem, else the filled Pass.

    EnvironmentProblem (e.g. `--device auto` and adb sees no phone) propagates: it is not bad input."""
    p = Pass(args=args, mode=mode)
    for check in CHECKS:
        with p.problems.each():
            check(p)
    p.problems.raise_if_any()
    if p.report_dir is not None:
        prepare_report_dir(p.report_dir)
    return p
