"""Runs several devices at once: up to N threads, one Appium session each, results as each one finishes.

Every device gets a slot (0..N-1) that no concurrent session holds, which keeps device-side ports
(appium:systemPort, wdaLocalPort) apart. A device whose run raises becomes a `device_error` result:
it never stops or corrupts another device's run. The one exception is a SafetyViolation: that device
gets `safety_violation` and the run's Abort is tripped, so every other device stops before its next tap
(`interrupted`). SIGINT/SIGTERM trip the same Abort. After an abort, devices still running get GRACE_S
to reach their next check; any that does not is reported `interrupted` without waiting longer (the
threads are daemons: a device stuck in a network call never holds the process). Results come back in the
order the devices were given (for reports), and `on_result` sees each one the moment it is done.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections import Counter
from typing import Any, Callable, Sequence, TextIO

from mobile.core.terms import Status
from mobile.engine.abort import Abort, Aborted
from mobile.reach.devices import Device
from mobile.errors import EnvironmentProblem, OptoutError, SafetyViolation
from mobile.run.plan import RunPlan
from mobile.run.shared import Shared
from mobile.run.xcuitest_sim import close_stack, stack_for, uses_xcuitest_sim
from mobile.output.result import RunResult, exit_code, verdict_line
from mobile.run.device import appium_url_for, close_shared, run_device

RunOne = Callable[[Device, int], RunResult]
OnResult = Callable[[RunResult], None]
GRACE_S = 3.0  # after an abort: how long running devices get to reach their next tap or read


def failed_result(device: Device, mode: str, exc: BaseException, started: float) -> RunResult:
    """The result of a run that raised instead of returning: the environment stopped it."""
    status = exc.status if isinstance(exc, EnvironmentProblem) else Status.DEVICE_ERROR
    message = str(exc) if isinstance(exc, OptoutError) else f"{type(exc).__name__}: {exc}"
    return RunResult(device=device.name, platform=device.platform, mode=mode, serial=device.serial,
                     udid=device.udid, status=status, message=message,
                     duration_s=time.monotonic() - started)


def stopped_result(device: Device, mode: str, abort: Abort, started: float | None = None) -> RunResult:
    """A device the abort stopped before it finished (or before it started): `interrupted`."""
    return RunResult(device=device.name, platform=device.platform, mode=mode, serial=device.serial,
                     udid=device.udid, status=Aborted.status,
                     message=abort.cause.message if abort.cause else "interrupted",
                     duration_s=time.monotonic() - started if started is not None else 0.0)


def violation_result(device: Device, mode: str, exc: SafetyViolation, started: float) -> RunResult:
    """The result a SafetyViolation carries, or one made for it: `safety_violation`, never an outcome."""
    result = exc.result if isinstance(exc.result, RunResult) else failed_result(device, mode, exc, started)
    result.status = SafetyViolation.status
    result.message = result.message if result.message.startswith("safety guard") else f"safety guard: {exc}"
    return result


def run_devices(devices: Sequence[Device], run_one: RunOne, parallel: int = 1, *,
                on_result: OnResult | None = None, mode: str = "check", abort: Abort | None = None,
                grace: float = GRACE_S) -> list[RunResult]:
    """Run `run_one(device, slot)` for every device, at most `parallel` at a time; one result per device,
    never an exception for one device (a SafetyViolation trips `abort` for all of them)."""
    abort = abort if abort is not None else Abort()
    count = len(devices)
    if count == 0:
        return []
    results: list[RunResult | None] = [None] * count
    pending: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(count):
        pending.put(index)
    lock = threading.Lock()  # verdict lines from several threads must not interleave
    finished = threading.Event()
    state = {"left": count, "closed": False}

    def record(index: int, result: RunResult) -> None:
        with lock:
            if state["closed"] or results[index] is not None:
                return  # the run was already reported without this late device
            results[index] = result
            if on_result is not None:
                on_result(result)
            state["left"] -= 1
            if state["left"] == 0:
                finished.set()

    def run(index: int, slot: int) -> None:
        device, started = devices[index], time.monotonic()
        if abort.tripped and device.absent is None:  # an absent phone's verdict is known without a tap
            record(index, stopped_result(device, mode, abort))
            return
        try:
            result = run_one(device, slot)
        except SafetyViolation as exc:
            abort.safety(device.name, str(exc))
            result = violation_result(device, mode, exc, started)
        except Aborted:
            result = stopped_result(device, mode, abort, started)
        except Exception as exc:  # noqa: BLE001 - one device's crash is that device's result
            result = stopped_result(device, mode, abort, started) if abort.tripped else \
                failed_result(device, mode, exc, started)
        record(index, result)

    def worker(slot: int) -> None:  # each worker holds one slot for its whole life
        while True:
            try:
                index = pending.get_nowait()
            except queue.Empty:
                return
            run(index, slot)

    for slot in range(max(1, min(parallel, count))):
        threading.Thread(target=worker, args=(slot,), name=f"optout-device-{slot}", daemon=True).start()
    # The main thread only waits (signal handlers run here); after an abort it waits `grace` at most.
    while not finished.wait(0.1 if abort.tripped else 0.5):
        if abort.tripped and time.monotonic() - (abort.tripped_at or 0.0) >= grace:
            break
    with lock:
        state["closed"] = True
        late = [i for i in range(count) if results[i] is None]
    for index in late:
        result = stopped_result(devices[index], mode, abort)
        results[index] = result
        if on_result is not None:
            on_result(result)
    return [r for r in results if r is not None]


def run_plan(plan: RunPlan, parallel: int = 1, *, on_result: OnResult | None = None,
             progress: Callable[[Device], Any] | None = None, shared: Shared | None = None,
             abort: Abort | None = None) -> list[RunResult]:
    """Run a validated RunPlan on all its devices, `parallel` at a time, through one Appium or the Grid.

    Without --appium-url or a Grid, one local Appium server serves every concurrent session: it is
    started here, before any thread, so that the threads never race to start their own. `abort` stops
    every device before its next tap (signals, a safety guard).
    """
    abort = abort if abort is not None else Abort()
    shared = Shared() if shared is None else shared
    shared.abort = shared.abort or abort
    owned = shared.appium is None
    owned_sim_stack = shared.xcuitest is None
    try:
        # simulated iPhones on the real XCUITest driver get their own Appium (mobile/run/xcuitest_sim.py)
        local = [d for d in plan.devices if d.appium == "local" and d.absent is None and not uses_xcuitest_sim(d)]
        sim_iphones = [d for d in plan.devices if uses_xcuitest_sim(d) and d.appium == "local" and d.absent is None]
        if (local or sim_iphones) and not (plan.appium_url or plan.grid) and not abort.tripped:
            try:
                if local:
                    appium_url_for(plan, local[0], shared, plan.verbose)
                if sim_iphones:
                    stack_for(shared, plan.verbose, plan.report_dir)
            except OptoutError as exc:
                started = time.monotonic()
                results = [stopped_result(d, plan.mode, abort) if abort.tripped else
                           failed_result(d, plan.mode, exc, started) for d in plan.devices]
                for result in results:
                    if on_result is not None:
                        on_result(result)
                return results

        def run_one(device: Device, slot: int) -> RunResult:
            return run_device(plan, device, slot=slot, shared=shared, abort=abort,
                              progress=progress(device) if progress is not None else None)

        return run_devices(plan.devices, run_one, parallel, on_result=on_result, mode=plan.mode, abort=abort)
    finally:
        if owned:
            close_shared(shared)  # Appium, and the private adb server of phones for UiAutomator2
        if owned_sim_stack:
            close_stack(shared)


def verdict_printer(stream: TextIO | None = None, width: int = 12) -> OnResult:
    """An `on_result` that prints each device's verdict line as soon as it finishes."""
    def show(result: RunResult) -> None:
        out = stream or sys.stdout
        out.write(verdict_line(result, width) + "\n")
        out.flush()
    return show


def summary_table(results: Sequence[RunResult], code: int | None = None) -> str:
    """A table of every device's outcome, then the totals by status and the exit code."""
    header = ("device", "platform", "status", "before", "after", "time")
    rows = [(r.device, r.platform, r.status, r.before or "-", r.after or "-", f"{r.duration_s:.1f} s")
            for r in results]
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in (header, *rows)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    counts = Counter(r.status for r in results)
    totals = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    lines.append(f"{len(results)} device{'s' if len(results) != 1 else ''}: {totals}; exit code {exit_code(results) if code is None else code}")
    return "\n".join(lines)
