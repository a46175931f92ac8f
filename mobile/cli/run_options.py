"""What `check` and `apply` share: their options, validation (all before any session), the device loop,
progress on stderr, verdicts on stdout, `--json`, `--report`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Sequence, TextIO

from mobile.engine.abort import Abort, signals_trip
from mobile.reach.appium_server import checkout_root, locate_appium
from mobile.cli.setup import setup_now
from mobile.core.flow import DEFAULT_FLOW
from mobile.core.terms import LOCALE_CHOICES, Mode
from mobile.reach.devices import Device
from mobile.errors import ConfigError, DeviceError, EnvironmentProblem, config_lines
from mobile.run.inputs import positive_seconds, validate_run
from mobile.run.parallel import run_plan, summary_table, verdict_printer
from mobile.run.plan import RunPlan
from mobile.output.report import write_report
from mobile.output.result import RunResult, document, exit_code, verdict_line

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
    parser.add_argument("--scenario", metavar="NAME|FILE",
                        help="simulated phones only: scenario to run (default: the device's simulator.scenario)")
    parser.add_argument("--locale", choices=LOCALE_CHOICES, help="app language (default: auto-detect)")
    if mode == "check":
        parser.add_argument("--expect", choices=("on", "off"), help="exit 1 (mismatch) unless the switch reads so")
    else:
        parser.add_argument("--state", choices=("off", "on"), default="off", help="wanted state (default off)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON document on stdout (default: one verdict line per device)")
    parser.add_argument("--report", metavar="DIR",
                        help="write result.json, junit.xml, report.html and evidence to this new or empty folder "
                             "(an earlier report there is replaced; default: no report)")
    parser.add_argument("--appium-url", metavar="URL",
                        help="use this Appium server instead of starting one (default: start one on 127.0.0.1 for "
                             "the run, or the devices.yaml grid/appium)")
    parser.add_argument("--timeout", type=positive_seconds, metavar="SECONDS",
                        help="per-step wait limit (default: the flow's, 20 s for linkedin-genai)")
    parser.add_argument("--appium-servers", type=_positive_int, default=1, metavar="N",
                        help="start N local Appium servers and spread the parallel sessions over them "
                             "(default 1; ignored with --appium-url or a Grid)")
    parser.add_argument("--raw-evidence", action="store_true", help="keep page sources unredacted in reports")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more detail on stderr")
    parser.add_argument("--devices-file", metavar="FILE",
                        help="devices.yaml to use (default: $LINKEDIN_OPTOUT_DEVICES, else ./devices.yaml, else the "
                             "repository's)")
    parser.add_argument("--flow", default=DEFAULT_FLOW, metavar="NAME|FILE", help="flow to run")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def build_plan(args: argparse.Namespace, mode: Mode) -> RunPlan:
    """Validate every input in the one pass (mobile.run.inputs); ConfigError(s) before anything starts."""
    p = validate_run(args, mode)
    return RunPlan(mode=mode, devices=p.devices, flow=p.flow, wanted=getattr(args, "state", None) if mode == "apply"
                   else None, expected=getattr(args, "expect", None), locale=args.locale, scenario=p.scenario,
                   appium_url=args.appium_url, timeout=args.timeout, report_dir=p.report_dir,
                   raw_evidence=args.raw_evidence, verbose=args.verbose, grid=p.config.grid if p.config else None,
                   appium_servers=args.appium_servers)


class Progress:
    """Prints one line per finished step on stderr."""

    def __init__(self, device: str, stream: TextIO | None = None, width: int = 12):
        self.device = device
        self.stream = stream or sys.stderr
        self.width = width

    def on_stage(self, text: str) -> None:
        """What the device is waiting for before its first step, e.g. `creating the Appium session`."""
        self.stream.write(f"{self.device.ljust(self.width)}  {text}\n")
        self.stream.flush()

    def on_step_end(self, name: str, status: str, ms: int, detail: str | None = None) -> None:
        """`sim-android  open settings  ok  0.4 s`."""
        line = f"{self.device.ljust(self.width)}  {name:<28} {status:<11} {ms / 1000:5.1f} s"
        if detail:
            line += f"  {detail}"
        self.stream.write(line + "\n")
        self.stream.flush()


def run_command(args: argparse.Namespace, mode: Mode) -> int:
    """The whole `check`/`apply` command: plan, run each device, print, report; returns the exit code.

    SIGINT/SIGTERM (from here on) and a safety guard trip one Abort: every device stops before its next
    tap, the results so far are still printed and written (--json, --report), and the exit code is the
    abort's (130 / 143 for a signal, 5 for a safety violation)."""
    abort = Abort()
    with signals_trip(abort):
        try:
            plan = build_plan(args, mode)
        except ConfigError as exc:
            return config_stop(exc, args.json)
        except EnvironmentProblem as problem:  # e.g. adb itself cannot be started
            return _environment_stop(problem, mode, args.json)
        try:
            ensure_local_appium(plan, interactive=not args.json and sys.stdin.isatty() and sys.stdout.isatty())
        except EnvironmentProblem as problem:  # no Appium installed: before any device is touched
            return _environment_stop(problem, mode, args.json, plan.devices)
        width = max(12, *(len(d.name) for d in plan.devices))
        # Each verdict is printed the moment its device finishes; --json prints one document at the end.
        stream = None if args.json else verdict_printer(width=width)
        began = time.monotonic()
        announce(plan)
        results = run_plan(plan, args.parallel, on_result=stream, abort=abort,
                           progress=lambda d: Progress(d.name, width=width))
        code = exit_code(results, abort)
        report_path = None
        if plan.report_dir is not None:
            report_path = write_report(plan.report_dir, results, [r.appium_log for r in results if r.appium_log],
                                       wall_s=time.monotonic() - began)
        print_results(results, mode, as_json=args.json, report_path=report_path, streamed=stream is not None,
                      code=code)
        return code


def announce(plan: RunPlan, err: TextIO | None = None) -> None:
    """The first line, at once: what runs where, and that Appium takes a few seconds to start."""
    err = err or sys.stderr
    names = ", ".join(d.name for d in plan.devices)
    local = needs_local_appium(plan)
    where = "starting Appium on 127.0.0.1 (a few seconds)" if local else f"Appium at {plan.appium_url or plan.grid}"
    err.write(f"linkedin-optout {plan.mode} on {names}: {where}...\n")
    err.flush()


def config_stop(exc: ConfigError, as_json: bool) -> int:
    """Bad input: every problem on stderr (one line each), the --json document on stdout; exit 2."""
    lines = config_lines(exc)
    for line in lines:
        sys.stderr.write(f"linkedin-optout: error: {line}\n")
    if as_json:
        sys.stdout.write(json.dumps(config_error_document("\n".join(lines)), indent=2) + "\n")
    return 2


def config_error_document(message: str) -> dict[str, Any]:
    """The --json document of a run refused before it started."""
    return {"results": [], "summary": {"total": 0, "by_status": {}},
            "error": {"status": "config_error", "message": message}}


def needs_local_appium(plan: RunPlan) -> bool:
    """Whether a device of the plan is driven through an Appium this tool starts on this machine."""
    return plan.appium_url is None and plan.grid is None and any(d.appium == "local" for d in plan.devices)


def ensure_local_appium(plan: RunPlan, interactive: bool) -> None:
    """Before any device is touched: the local Appium the plan needs is installed, or DeviceError saying
    exactly what to run. On a terminal outside a checkout it offers to run `setup` first."""
    found = locate_appium()
    if not needs_local_appium(plan) or found.installed:
        return
    command = "make install" if checkout_root() is not None else "linkedin-optout setup"
    if interactive and checkout_root() is None and _ask(f"Appium is not installed ({found.binary} is missing). "
                                                       f"Run `{command}` now? [y/N] "):
        if setup_now() is not None and locate_appium().installed:
            return
    raise DeviceError(f"Appium is not installed ({found.binary} is missing). Run `{command}` once "
                      "(it installs the pinned Appium 3 and its drivers), then this command again.")


def _ask(question: str) -> bool:
    """A yes/no question on the terminal; anything but y/yes (or end of input) is no."""
    try:
        return input(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False


def _environment_stop(problem: EnvironmentProblem, mode: str, as_json: bool,
                      devices: Sequence[Device] = ()) -> int:
    """The run cannot start (no device could be chosen, no Appium): say so (as RESULTs in --json), exit 3."""
    sys.stderr.write(f"linkedin-optout: {problem}\n")
    if as_json:
        results = [RunResult(device=d.name, platform=d.platform, mode=mode, status=problem.status, message=str(problem),
                             serial=d.serial, udid=d.udid) for d in devices] or \
                  [RunResult(device="auto", platform="android", mode=mode, status=problem.status, message=str(problem))]
        sys.stdout.write(json.dumps(document(results), indent=2) + "\n")
    return problem.exit_code


def print_results(results: list[RunResult], mode: str, as_json: bool, report_path: Path | None = None,
                  out: TextIO | None = None, err: TextIO | None = None, streamed: bool = False,
                  code: int | None = None) -> None:
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
            out.write("\n" + summary_table(results, code) + "\n")
    else:
        for result in results:
            out.write(verdict_line(result, width) + "\n")
    if mode == "apply" and any(r.wanted == "off" and r.status in ("changed", "unchanged") for r in results):
        out.write(OFF_NOTE + "\n")
    if report_path is not None:
        out.write(f"report: {report_path}\n")
