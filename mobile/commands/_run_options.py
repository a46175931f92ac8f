"""What `check` and `apply` share: their options, validation (all before any session), the device loop,
progress on stderr, verdicts on stdout, `--json`, `--report`."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence, TextIO

from mobile.devices import LOCALES, Device, find_devices_file, load_devices, resolve
from mobile.errors import ConfigError, EnvironmentProblem
from mobile.result import RunResult, document, exit_code, verdict_line

OFF_NOTE = ("Note: turning it off stops LinkedIn from using your data to train its AI models from now on; "
            "data already used for training is not removed.")


def add_run_options(parser: argparse.ArgumentParser, mode: str) -> None:
    """The options common to `check` and `apply` (plus --expect / --state)."""
    parser.add_argument("--device", action="append", default=[], metavar="NAME|SERIAL|UDID|auto",
                        help="device to drive (repeatable; default: the first in devices.yaml)")
    parser.add_argument("--group", metavar="NAME", help="every device of a devices.yaml group")
    parser.add_argument("--all", action="store_true", help="every device in devices.yaml")
    parser.add_argument("--parallel", type=_positive_int, default=1, metavar="N",
                        help="run up to N devices at a time")
    parser.add_argument("--scenario", metavar="NAME|FILE", help="simulated phones only: scenario to run")
    parser.add_argument("--locale", choices=LOCALES, help="app language (default: auto-detect)")
    if mode == "check":
        parser.add_argument("--expect", choices=("on", "off"), help="exit 1 (mismatch) unless the switch reads so")
    else:
        parser.add_argument("--state", choices=("off", "on"), default="off", help="wanted state (default off)")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    parser.add_argument("--report", metavar="DIR", help="write result.json, junit.xml, report.html and evidence")
    parser.add_argument("--appium-url", metavar="URL", help="use this Appium server instead of starting one")
    parser.add_argument("--timeout", type=_positive_float, metavar="SECONDS", help="per-step wait limit")
    parser.add_argument("--raw-evidence", action="store_true", help="keep page sources unredacted in reports")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more detail on stderr")
    parser.add_argument("--devices-file", metavar="FILE", help="devices.yaml to use")
    parser.add_argument("--flow", default="linkedin-genai", metavar="NAME|FILE", help="flow to run")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


@dataclass
class RunPlan:
    """Everything validated up front: what to run where."""

    mode: str
    devices: list[Device]
    flow: Any
    wanted: str | None = None
    expected: str | None = None
    locale: str | None = None
    scenario: Any = None
    appium_url: str | None = None
    timeout: float | None = None
    report_dir: Path | None = None
    raw_evidence: bool = False
    verbose: int = 0
    grid: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def build_plan(args: argparse.Namespace, mode: str) -> RunPlan:
    """Validate every input (flags, devices.yaml, flow, scenario); ConfigError before anything starts."""
    from mobile.core.flow import find_flow
    from mobile.session import validate_scenario

    config = load_devices(find_devices_file(args.devices_file))
    flow = find_flow(args.flow)
    scenario = None
    if args.scenario:
        _only_simulated(config, args)  # before resolve(): a real device must not even be looked up
        scenario = validate_scenario(args.scenario)
    _auto_is_local(config, args)  # before resolve(): `auto` asks this machine's adb
    devices = resolve(config, args.device, args.group, args.all)
    for device in devices:
        if device.platform not in flow.platforms:
            raise ConfigError(f"flow '{flow.name}' has no steps for {device.platform} (device {device.name})")
    locale = args.locale
    if locale and locale != "auto" and locale not in flow.locales:
        raise ConfigError(f"flow '{flow.name}' has no labels for locale '{locale}'", where="--locale")
    report_dir = Path(args.report) if args.report else None
    if report_dir is not None and report_dir.exists() and not report_dir.is_dir():
        raise ConfigError(f"--report {report_dir} exists and is not a directory", where="--report")
    return RunPlan(mode=mode, devices=devices, flow=flow, wanted=getattr(args, "state", None) if mode == "apply"
                   else None, expected=getattr(args, "expect", None), locale=locale, scenario=scenario,
                   appium_url=args.appium_url, timeout=args.timeout, report_dir=report_dir,
                   raw_evidence=args.raw_evidence, verbose=args.verbose, grid=config.grid)


def _auto_is_local(config: Any, args: argparse.Namespace) -> None:
    """`serial: auto` / `--device auto` resolve through the local adb: refused behind a remote Appium or Grid."""
    from mobile.devices import Device
    from mobile.remote import appium_target, auto_needs_local_adb, is_local

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
            raise ConfigError(auto_needs_local_adb(device.name, url), where=where)


def _only_simulated(config: Any, args: argparse.Namespace) -> None:
    """--scenario is for simulated phones: every chosen devices.yaml entry must be one."""
    names = list(config.devices) if args.all else []
    names += list(config.groups.get(args.group, ())) if args.group else []
    names += args.device or ([] if names else [next(iter(config.devices))])
    real = [n for n in dict.fromkeys(names) if n not in config.devices or config.devices[n].simulator is None]
    if real:
        raise ConfigError(f"--scenario applies to simulated phones only, not {', '.join(real)}", where="--scenario")


def run_devices(devices: Sequence[Device], run_one: Callable[[Device, int], RunResult],
                parallel: int = 1) -> list[RunResult]:
    """Run each device, up to `parallel` at a time (see mobile.parallel)."""
    from mobile.parallel import run_devices as run_in_pool

    return run_in_pool(devices, run_one, parallel)


class Progress:
    """Prints one line per finished step on stderr."""

    def __init__(self, device: str, stream: TextIO | None = None, width: int = 12):
        self.device = device
        self.stream = stream or sys.stderr
        self.width = width

    def on_step_end(self, name: str, status: str, ms: int, detail: str | None = None) -> None:
        """`sim-android  open settings  ok  0.4 s`."""
        line = f"{self.device.ljust(self.width)}  {name:<28} {status:<7} {ms / 1000:5.1f} s"
        if detail:
            line += f"  {detail}"
        self.stream.write(line + "\n")
        self.stream.flush()


def run_command(args: argparse.Namespace, mode: str) -> int:
    """The whole `check`/`apply` command: plan, run each device, print, report; returns the exit code."""
    from mobile.parallel import run_plan, verdict_printer

    try:
        plan = build_plan(args, mode)
    except EnvironmentProblem as problem:  # e.g. `--device auto` and adb sees no phone
        return _environment_stop(problem, mode, args.json)
    width = max(12, *(len(d.name) for d in plan.devices))
    # Each verdict is printed the moment its device finishes; --json prints one document at the end.
    stream = None if args.json else verdict_printer(width=width)
    results = run_plan(plan, args.parallel, on_result=stream, progress=lambda d: Progress(d.name, width=width))
    report_path = None
    if plan.report_dir is not None:
        from mobile.report import write_report

        report_path = write_report(plan.report_dir, results, [r.appium_log for r in results if r.appium_log])
    print_results(results, mode, as_json=args.json, report_path=report_path, streamed=stream is not None)
    return exit_code(results)


def _environment_stop(problem: EnvironmentProblem, mode: str, as_json: bool) -> int:
    """No device could even be chosen: say so (as a RESULT in --json) and exit 3."""
    sys.stderr.write(f"linkedin-optout: {problem}\n")
    if as_json:
        result = RunResult(device="auto", platform="android", mode=mode, status=problem.status, message=str(problem))
        sys.stdout.write(json.dumps(document([result]), indent=2) + "\n")
    return problem.exit_code


def print_results(results: list[RunResult], mode: str, as_json: bool, report_path: Path | None = None,
                  out: TextIO | None = None, err: TextIO | None = None, streamed: bool = False) -> None:
    """Verdicts (or the JSON document) on stdout; the report location where the user sees it.

    `streamed`: the verdict lines were already printed as devices finished; several devices then get the
    summary table instead."""
    out, err = out or sys.stdout, err or sys.stderr
    if as_json:
        out.write(json.dumps(document(results), indent=2) + "\n")
        if report_path is not None:
            err.write(f"report: {report_path}\n")
        return
    width = max(12, *(len(r.device) for r in results)) if results else 12
    if streamed:
        if len(results) > 1:
            from mobile.parallel import summary_table

            out.write("\n" + summary_table(results) + "\n")
    else:
        for result in results:
            out.write(verdict_line(result, width) + "\n")
    if mode == "apply" and any(r.wanted == "off" and r.status in ("changed", "unchanged") for r in results):
        out.write(OFF_NOTE + "\n")
    if report_path is not None:
        out.write(f"report: {report_path}\n")
