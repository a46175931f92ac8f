"""Runs several devices at once: up to N threads, one Appium session each, results as each one finishes.

Every device gets a slot (0..N-1) that no concurrent session holds, which keeps device-side ports
(appium:systemPort, wdaLocalPort) apart. A device whose run raises becomes a `device_error` result:
it never stops or corrupts another device's run. Results come back in the order the devices were given
(for reports), and `on_result` sees each one the moment it is done (for the verdict line).
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence, TextIO

from mobile.devices import Device
from mobile.errors import EnvironmentProblem, OptoutError
from mobile.result import RunResult, exit_code, verdict_line

RunOne = Callable[[Device, int], RunResult]
OnResult = Callable[[RunResult], None]


def failed_result(device: Device, mode: str, exc: BaseException, started: float) -> RunResult:
    """The result of a run that raised instead of returning: the environment stopped it."""
    status = getattr(exc, "status", None) if isinstance(exc, EnvironmentProblem) else None
    message = str(exc) if isinstance(exc, OptoutError) else f"{type(exc).__name__}: {exc}"
    return RunResult(device=device.name, platform=device.platform, mode=mode, serial=device.serial,
                     udid=device.udid, status=status or "device_error", message=message,
                     duration_s=time.monotonic() - started)


def run_devices(devices: Sequence[Device], run_one: RunOne, parallel: int = 1, *,
                on_result: OnResult | None = None, mode: str = "check") -> list[RunResult]:
    """Run `run_one(device, slot)` for every device, at most `parallel` at a time; never raises for one."""
    workers = max(1, min(parallel, len(devices)))
    free_slots: queue.SimpleQueue[int] = queue.SimpleQueue()
    for slot in range(workers):
        free_slots.put(slot)
    report_lock = threading.Lock()

    def run(device: Device) -> RunResult:
        slot = free_slots.get()  # never blocks: a worker only runs while it holds one of `workers` slots
        started = time.monotonic()
        try:
            result = run_one(device, slot)
        except Exception as exc:  # noqa: BLE001 - one device's crash is that device's result
            result = failed_result(device, mode, exc, started)
        finally:
            free_slots.put(slot)
        if on_result is not None:
            with report_lock:  # verdict lines from several threads must not interleave
                on_result(result)
        return result

    if workers == 1:
        return [run(device) for device in devices]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="optout-device") as pool:
        futures = [pool.submit(run, device) for device in devices]
        return [future.result() for future in futures]


def run_plan(plan: Any, parallel: int = 1, *, on_result: OnResult | None = None,
             progress: Callable[[Device], Any] | None = None, shared: dict[str, Any] | None = None) -> list[RunResult]:
    """Run a validated RunPlan on all its devices, `parallel` at a time, through one Appium or the Grid.

    Without --appium-url or a Grid, one local Appium server serves every concurrent session: it is
    started here, before any thread, so that the threads never race to start their own.
    """
    from mobile.session import appium_url_for, run_device

    shared = {} if shared is None else shared
    owned = "appium" not in shared
    try:
        local = [d for d in plan.devices if d.appium == "local"]
        if local and not (plan.appium_url or plan.grid):
            try:
                appium_url_for(plan, local[0], shared, plan.verbose)
            except OptoutError as exc:
                started = time.monotonic()
                results = [failed_result(d, plan.mode, exc, started) for d in plan.devices]
                for result in results:
                    if on_result is not None:
                        on_result(result)
                return results

        def run_one(device: Device, slot: int) -> RunResult:
            return run_device(plan, device, slot=slot, shared=shared,
                              progress=progress(device) if progress is not None else None)

        return run_devices(plan.devices, run_one, parallel, on_result=on_result, mode=plan.mode)
    finally:
        server = shared.pop("appium", None) if owned else None
        if server is not None:
            server.stop()
        for extra in (shared.pop("appium+", {}) if owned else {}).values():
            extra.stop()


def verdict_printer(stream: TextIO | None = None, width: int = 12) -> OnResult:
    """An `on_result` that prints each device's verdict line as soon as it finishes."""
    def show(result: RunResult) -> None:
        out = stream or sys.stdout
        out.write(verdict_line(result, width) + "\n")
        out.flush()
    return show


def summary_table(results: Sequence[RunResult]) -> str:
    """A table of every device's outcome, then the totals by status and the exit code."""
    header = ("device", "platform", "status", "before", "after", "time")
    rows = [(r.device, r.platform, r.status, r.before or "-", r.after or "-", f"{r.duration_s:.1f} s")
            for r in results]
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in (header, *rows)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    counts = Counter(r.status for r in results)
    totals = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    lines.append(f"{len(results)} device{'s' if len(results) != 1 else ''}: {totals}; exit code {exit_code(results)}")
    return "\n".join(lines)
