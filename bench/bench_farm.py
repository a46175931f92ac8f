"""Benchmark: `linkedin-optout check --group farm --parallel N` on 1, 4, 8 and 16 simulated phones.

Run: .venv/bin/python bench/bench_farm.py [--phones 1,4,8,16] [--latency-scale 1] [--modes direct,grid]
                                          [--driver linkedinsim|uiautomator2] [--appium-servers N]
Each size runs twice: straight to Appium (one shared server through `--appium-url`; with --appium-servers N
the CLI starts N and spreads the sessions, their start-up included in the wall time), and through a local
Selenium Grid 4 (hub + relay node, `grid:` in devices.yaml). The phones answer with their scenario's
realistic latency. Prints the wall time of each command, its ratio to one phone, and the CPU seconds each
role used (bench/cpu.py: appium, tool = the CLI and the phones it serves in-process, grid); exits 1 when a
phone was not read or 8 phones take 4x one phone or more (the budget: well under 8x). With
`--driver uiautomator2` the phones are driven through the real UiAutomator2 driver over adb, where Appium
does real work per command; with the default LinkedInSim driver Appium only forwards.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cpu import CpuSampler  # noqa: E402  (bench/ is on sys.path as the script's folder)
from mobile.reach.appium_server import AppiumServer  # noqa: E402
from mobile.run.farm import local_farm  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
BUDGET = 4.0  # 8 phones may take at most this many times one phone


DRIVER = {"linkedinsim": "", "uiautomator2": ", driver: uiautomator2"}


def write_devices(path: Path, count: int, grid: str | None, driver: str = "linkedinsim") -> Path:
    """devices.yaml with `count` default simulated Android phones in group `farm`."""
    names = [f"sim-{i + 1}" for i in range(count)]
    lines = ["devices:"] + [f"  {name}: {{platform: android, simulator: {{scenario: default{DRIVER[driver]}}}}}"
                            for name in names]
    lines += ["groups:", f"  farm: [{', '.join(names)}]", f"grid: {grid or 'null'}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def timed_check(devices: Path, count: int, latency: float, appium_url: str | None,
                appium_servers: int = 1) -> tuple[float, dict]:
    """Wall seconds of one `check --group farm` command and its JSON summary (with `cpu_s` per role)."""
    command = [sys.executable, "-m", "mobile", "check", "--devices-file", str(devices), "--group", "farm",
               "--parallel", str(count), "--json"]
    if appium_url:
        command += ["--appium-url", appium_url]
    elif appium_servers > 1:
        command += ["--appium-servers", str(appium_servers)]
    env = {**os.environ, "LINKEDIN_SIM_LATENCY_SCALE": str(latency)}
    began = time.monotonic()
    with CpuSampler() as cpu:
        run = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, timeout=900)
    wall = time.monotonic() - began
    try:
        document = json.loads(run.stdout)
    except ValueError:
        return wall, {"error": f"exit {run.returncode}: {run.stderr.strip()[-500:]}"}
    summary = document["summary"]
    summary["cpu_s"] = cpu.by_role()
    # A timing is only worth something if every phone was really read.
    errors = {r["device"]: r["message"] for r in document["results"] if r["status"] != "unchanged"}
    if errors:
        summary["error"] = errors
    return wall, summary


def bench(sizes: list[int], modes: list[str], latency: float, work: Path, driver: str = "linkedinsim",
          appium_servers: int = 1) -> tuple[dict[str, dict[int, float]], list[str]]:
    """Run every size in every mode; print one line per run as it finishes."""
    times: dict[str, dict[int, float]] = {mode: {} for mode in modes}
    failures: list[str] = []
    if "direct" in modes:
        with AppiumServer(log_path=work / "direct" / "appium.log") as appium:
            for n in sizes:
                # phones for UiAutomator2 need the Appium the CLI starts on its private adb server
                url = appium.url if appium_servers == 1 and driver == "linkedinsim" else None
                wall, summary = timed_check(write_devices(work / f"direct-{n}.yaml", n, None, driver), n, latency,
                                            url, appium_servers)
                times["direct"][n] = wall
                failures += [f"direct {n}"] if "error" in summary else []
                print(f"direct  {n:>2} phones  {wall:6.1f} s  {summary}", flush=True)
    if "grid" in modes:
        with local_farm(0, spare_slots=max(sizes), log_dir=work / "grid") as farm:
            for n in sizes:
                wall, summary = timed_check(write_devices(work / f"grid-{n}.yaml", n, farm.url, driver), n, latency,
                                            None)
                times["grid"][n] = wall
                failures += [f"grid {n}"] if "error" in summary else []
                print(f"grid    {n:>2} phones  {wall:6.1f} s  {summary}", flush=True)
    return times, failures


def table(times: dict[str, dict[int, float]], sizes: list[int]) -> str:
    """Wall time and ratio to one phone, per size and mode."""
    lines = ["phones  " + "  ".join(f"{mode:>18}" for mode in times)]
    for n in sizes:
        cells = []
        for mode, by_size in times.items():
            one = by_size.get(1)
            ratio = f" ({by_size[n] / one:4.1f}x)" if one else ""
            cells.append(f"{by_size[n]:8.1f} s{ratio:>8}")
        lines.append(f"{n:>6}  " + "  ".join(f"{c:>18}" for c in cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse options, run, print the table and the 8-versus-1 verdict."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", default="1,4,8,16", help="comma-separated fleet sizes")
    parser.add_argument("--modes", default="direct,grid", help="direct, grid or both")
    parser.add_argument("--latency-scale", type=float, default=1.0, help="1 = the scenarios' realistic latency")
    parser.add_argument("--driver", choices=tuple(DRIVER), default="linkedinsim",
                        help="the Appium driver that reaches the phones (uiautomator2: the real one, over adb)")
    parser.add_argument("--appium-servers", type=int, default=1, metavar="N",
                        help="direct mode: the CLI starts N Appium servers and spreads the sessions")
    args = parser.parse_args(argv)
    if args.appium_servers < 1:
        parser.error("--appium-servers must be >= 1")
    sizes = sorted({int(n) for n in args.phones.split(",")})
    modes = [m for m in args.modes.split(",") if m in ("direct", "grid")]
    work = Path(tempfile.mkdtemp(prefix="bench-farm-"))
    print(f"check --group farm --parallel N, latency scale {args.latency_scale}, driver {args.driver}, "
          f"{args.appium_servers} Appium server(s), logs in {work}", flush=True)
    times, failures = bench(sizes, modes, args.latency_scale, work, args.driver, args.appium_servers)
    print("\n" + table(times, sizes))
    failed = bool(failures)
    if failures:
        print(f"runs with phones that were not read: {', '.join(failures)}")
    for mode, by_size in times.items():
        if 1 in by_size and 8 in by_size:
            ratio = by_size[8] / by_size[1]
            ok = ratio < BUDGET
            failed |= not ok
            print(f"{mode}: 8 phones take {ratio:.1f}x one phone (budget < {BUDGET:.0f}x): {'ok' if ok else 'TOO SLOW'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
