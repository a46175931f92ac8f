"""One device's run, glued end to end: simulated phone (if any) -> Appium server -> AppiumDriver -> Runner
-> RunResult, closing everything it opened whatever happens."""

from __future__ import annotations

import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, TypedDict

from mobile.engine.abort import Abort, Aborted
from mobile.core.flow_schema import App, Flow
from mobile.core.terms import Status
from mobile.reach.devices import Device
from mobile.drivers.appium import AppiumDriver
from mobile.errors import EnvironmentProblem, SafetyViolation
from mobile.run.plan import RunPlan
from mobile.reach.private_adb import PrivateAdb
from mobile.output.result import RunResult
from mobile.engine.runner import Callbacks, Runner
from mobile.run.shared import Shared
from mobile.run.xcuitest_sim import check_local_appium, close_stack, stack_for, uses_xcuitest_sim
from mobile.reach.appium_server import AppiumServer, free_port
from mobile.output.report import EvidenceRecorder
from mobile.reach.remote import appium_target, is_local, outlast_grid_queue
from mobile.reach.capabilities import IOS_SESSION_TIMEOUT_S, capabilities_for
# called as sim_launch.start_phone (looked up at call time) so tests can stand in for the phone
from mobile.sim import launch as sim_launch
from mobile.sim.adb import device as sim_adb  # sim_adb.attach_to_adb is looked up at call time, as above
from mobile.reach.adb import prepare


_APPIUM_START = threading.Lock()


def uses_private_adb(device: Device) -> bool:
    """A simulated Android phone we start (or the pytest plugin keeps) that the real UiAutomator2 driver drives
    over our own adb server."""
    ours = device.simulator is not None or device.adb_port is not None
    return ours and device.simulated and device.platform == "android" and device.driver == "uiautomator2"


def private_adb(shared: Shared) -> PrivateAdb:
    """The run's private adb server (one for every phone of the run), started on first use."""
    with _APPIUM_START:
        adb = shared.adb
        if adb is None:
            adb = shared.adb = PrivateAdb().start()
        return adb


def close_shared(shared: Shared) -> None:
    """Stop the Appium server and the private adb server a run started."""
    shared.stop_appium()
    adb, shared.adb = shared.adb, None
    if adb is not None:
        adb.stop()


def appium_url_for(plan: RunPlan, device: Device, shared: Shared, verbose: int = 0,
                   slot: int = 0) -> tuple[str, str | None]:
    """(server URL, its log file or None): --appium-url, the grid, the device's own, or our shared local one
    (with --appium-servers N, server `slot % N` of N local ones: shared.appium and shared.extra_appium).
    When the run has simulated phones for UiAutomator2, the Appium we start uses the private adb server."""
    url = plan.appium_url or plan.grid or (device.appium if device.appium != "local" else None)
    if url:
        return url.rstrip("/"), None
    env = private_adb(shared).env() if any(uses_private_adb(d) for d in (*plan.devices, device)) else {}
    index = slot % max(1, plan.appium_servers)
    with _APPIUM_START:  # parallel device threads must share the servers, never start two for one index
        server = shared.appium if index == 0 else shared.extra_appium.get(index)
        if server is None:
            # with --report the log is written there (Appium filters page sources out of it), else in a temp
            # folder that stopping the server removes
            log = plan.report_dir / (f"appium-{index}.log" if index else "appium.log") \
                if plan.report_dir is not None else None
            abort = shared.abort
            server = AppiumServer(log_path=log, env=env, cancel=(lambda: abort.tripped) if abort is not None else None)
            server.start()
            if index == 0:
                shared.appium = server
            else:
                shared.extra_appium[index] = server
            if verbose:
                sys.stderr.write(f"appium {index}: {server.url} (log {server.log_path})\n")
    return server.where


def app_for(flow: Flow, platform: str) -> App:
    """The app a session on `platform` drives: the flow's `apps:` entry (package on Android, bundle id on
    iOS), for the capabilities, adb's checks and activateApp/queryAppState."""
    return flow.apps[platform]


def keep_texts(flow: Flow) -> set[str]:
    """Every label the flow knows, in every locale: redaction keeps nodes that read one of them."""
    return {text for per_locale in flow.labels.values() for texts in per_locale.values() for text in texts}


def subscribers(plan: RunPlan, device: Device, progress: Any) -> tuple[Callbacks, Any]:
    """The run's event subscribers: CLI progress, and the evidence recorder when a report is wanted."""
    callbacks, recorder = Callbacks(), None
    if progress is not None:
        callbacks.on_step_end.append(progress.on_step_end)
    if plan.report_dir is not None:
        recorder = EvidenceRecorder(plan.report_dir, device.name, keep_texts(plan.flow), plan.raw_evidence)
        callbacks.on_screen.append(recorder.on_screen)
    return callbacks, recorder


def run_device(plan: RunPlan, device: Device, *, slot: int = 0, progress: Any = None,
               shared: Shared | None = None, clock: Callable[[], float] = time.monotonic,
               abort: Abort | None = None) -> RunResult:
    """Run the plan on one device; environment failures become statuses, never tracebacks.

    `abort` (shared by every device of the run) stops this one before its next tap: `interrupted`.
    A SafetyViolation is never a status of an ordinary run: it is raised, after everything this device
    opened is closed, with the finished result (status `safety_violation`) as its `.result`."""
    owns_shared = shared is None
    shared = shared if shared is not None else Shared()
    abort = abort or Abort()
    result = RunResult(device=device.name, platform=device.platform, mode=plan.mode, flow=plan.flow.name,
                       serial=device.serial, udid=device.udid)
    if device.absent is not None:  # `serial: auto` and no phone: this device's verdict, the others still run
        result.status, result.message = device.absent
        return result
    recorder = None
    driver: AppiumDriver | None = None
    violation: SafetyViolation | None = None
    began = clock()
    with ExitStack() as stack:
        try:
            abort.check()
            xcuitest_sim = uses_xcuitest_sim(device)
            if xcuitest_sim:
                check_local_appium(plan, device)
            sim_url, device = _start_phone(plan, device, result, stack, shared)
            local = xcuitest_sim or is_local(plan.appium_url, plan.grid, device)
            if local:  # a remote Appium or Grid has its own adb: nothing here can see its devices
                _prepare_adb_device(device, app_for(plan.flow, device.platform), result)

            mjpeg_port = None
            if xcuitest_sim:
                sim_stack = stack_for(shared, plan.verbose, plan.report_dir)
                url, log = sim_stack.appium.where
                device = replace(device, udid=result.udid)

                mjpeg_port = free_port()  # the driver's MJPEG forwarder: a free loopback port, never a fixed one
            else:
                url, log = appium_url_for(plan, device, shared, plan.verbose, slot)
            # a log outside a report folder lives in a temp folder that stopping the server removes
            result.appium_log = log if plan.report_dir is not None else None
            if progress is not None and hasattr(progress, "on_stage"):
                progress.on_stage("creating the Appium session...")
            app = app_for(plan.flow, device.platform)
            options = capabilities_for(device, app, sim_url=sim_url, slot=slot, mjpeg_port=mjpeg_port, local=local)
            through_grid = not xcuitest_sim and appium_target(plan.appium_url, plan.grid, device)[1]
            timeout = outlast_grid_queue(client_timeout(device, plan.timeout), through_grid)
            abort.check()
            driver = AppiumDriver(url, device.platform, app.app_id, timeout)
            stack.callback(driver.close)
            driver.start(options)
            _session_facts(driver, result)
            callbacks, recorder = subscribers(plan, device, progress)
            locale = plan.locale or device.locale
            Runner(plan.flow, driver, plan.mode, wanted=plan.wanted, expected=plan.expected, locale=locale,
                   timeout=plan.timeout, callbacks=callbacks, evidence=recorder is not None,
                   abort=abort).run(result)
        except EnvironmentProblem as problem:
            if abort.tripped:  # e.g. the Appium server was stopped under a session that was starting
                result.status, result.message = Aborted.status, abort.cause.message if abort.cause else "aborted"
            else:
                result.status, result.message = problem.status, str(problem)
        except Aborted as aborted:
            result.status, result.message = aborted.status, str(aborted)
        except SafetyViolation as exc:  # never an ordinary outcome: raised again below, once all is closed
            violation = exc
            result.status = exc.status
            result.message = result.message if exc.result is result else f"safety guard: {exc}"
        except Exception as exc:  # noqa: BLE001 - one device's failure must not end the other devices' runs
            result.status, result.message = Status.DEVICE_ERROR, f"internal error: {type(exc).__name__}: {exc}"
    if owns_shared:  # called alone: what this run started for simulated iPhones stops with it

        close_stack(shared)
    if driver is not None:
        result.commands = driver.commands  # after close: the session deletion counts too
        result.source_reads = driver.source_reads
        result.screenshots = driver.screenshots
    result.duration_s = clock() - began
    if recorder is not None:
        recorder.attach(result)
    if violation is not None:
        violation.result = result
        raise violation
    return result


def client_timeout(device: Device, step_timeout: float | None) -> float:
    """The Appium client's HTTP timeout: it must outlast session creation, which on a real iPhone first
    builds and signs WebDriverAgent (minutes)."""
    timeout = max(120.0, (step_timeout or 0) * 3)
    if device.platform == "ios" and not device.simulated:
        timeout = max(timeout, IOS_SESSION_TIMEOUT_S)
    return timeout


def _start_phone(plan: RunPlan, device: Device, result: RunResult, stack: ExitStack,
                 shared: Shared) -> tuple[str | None, Device]:
    """Start the simulated phone this device stands for (closed with the stack): (its URL or None, the
    device). A phone for UiAutomator2 is attached to the run's private adb server; the device gets its serial."""
    if device.simulator is None:
        return device.sim_url, device

    scenario = plan.scenario if plan.scenario is not None else device.simulator.get("scenario", "default")
    xcuitest = uses_xcuitest_sim(device)
    handle = sim_launch.start_phone(device.platform, scenario, dialect="wda" if xcuitest else "w3c")
    stack.callback(handle.stop)
    phone = handle.phone
    if xcuitest:  # the driver finds the phone's lockdownd and apps through the run's simulated usbmuxd
        usbmuxd = stack_for(shared, plan.verbose, plan.report_dir).usbmuxd
        usbmuxd.add(phone)
        stack.callback(usbmuxd.remove, phone)
    result.device_info["latency_scale"] = phone.latency_scale
    result.scenario = getattr(phone.scenario, "name", str(scenario))
    result.app_version = phone.app_version or None
    if device.platform == "ios":
        result.udid = result.udid or phone.serial
    else:
        result.serial = result.serial or phone.serial
    result.device_info.update(model=phone.model, os_version=phone.os_version, simulated=True)
    if uses_private_adb(device):
        adb = private_adb(shared)
        serial = sim_adb.attach_to_adb(handle, adb.port, driver="uiautomator2")
        stack.callback(sim_adb.detach_from_adb, serial, adb.port)
        result.serial = serial
        result.device_info["driver"] = "uiautomator2"
        device = replace(device, serial=serial, sim_url=handle.url, adb_port=adb.port)
    return handle.url, device


def _prepare_adb_device(device: Device, app: App, result: RunResult) -> None:
    """An Android device reached through adb (a simulated one for UiAutomator2 too, exactly as a USB phone):
    ready, the flow's app installed, screen woken and unlocked first."""
    if device.platform != "android" or not device.serial or (device.simulator is not None
                                                             and not uses_private_adb(device)):
        return  # a simulated phone for LinkedInSim has no adb side to check

    live = prepare(device.serial, device.adb_port, package=app.app_id)
    result.app_version = result.app_version or live.app_version
    result.device_info.update({k: v for k, v in (("model", live.model), ("os_version", live.os_version)) if v},
                              simulated=live.sim_url is not None)
    if live.sim_driver:
        result.device_info["driver"] = live.sim_driver


def _session_facts(driver: AppiumDriver, result: RunResult) -> None:
    """Device and app facts the session's capabilities reveal (when the driver reports them)."""
    caps = driver.capabilities
    for key, field in (("appium:appVersion", "app_version"), ("appVersion", "app_version")):
        if caps.get(key) and not getattr(result, field):
            setattr(result, field, str(caps[key]))
    for key, name in (("appium:deviceModel", "model"), ("deviceModel", "model"),
                      ("appium:platformVersion", "os_version"), ("platformVersion", "os_version")):
        if caps.get(key) and name not in result.device_info:
            result.device_info[name] = caps[key]
