"""Benchmark: farm scaling of `linkedin-optout check --group farm --parallel N`, CPU per process.

Run: .venv/bin/python bench/bench_farm.py [--phones 1,2,4,8] [--modes direct,servers,url,grid] [--appium-servers 2]
                                          [--driver uiautomator2|linkedinsim] [--latency-scale 1] [--json]
Modes: `direct` = one Appium server, which the CLI starts (on its private adb server for UiAutomator2);
`servers` = the CLI's `--appium-servers N` (N servers, sessions spread over them); `url` = one Appium the
bench starts before the clock and reuses for every size (`--appium-url`); `grid` = a local Selenium Grid 4 with
N relay nodes, each in front of its own Appium with the uiautomator2 driver (also started before the clock).
In direct and servers the wall time includes the CLI starting its Appium servers (cold, as a user runs it);
url and grid measure warm servers, so compare direct with servers and url with grid.
By default the phones are driven through the real UiAutomator2 driver over adb, where Appium does real work
per command (with `--driver linkedinsim` Appium only forwards and the phones sleep: flat by construction).

Prints one line per run as it finishes, then a table: wall time, ratio to one phone, sessions per minute,
CPU seconds per process role over the run (bench/cpu.py: Appium servers, the adb server, the tool with the
phones it serves in-process, Grid JVMs), Appium CPU per session and the busiest Appium server's share of one
core (a Node server runs its JavaScript on one thread: near 100% it is saturated), the machine's CPU busy %
and the load average (1 min) before and after each run. `--json` prints one JSON document instead. On this
2-core machine every process shares the same CPUs (and other users' work too): read the CPU figures as each
role's cost, not as capacity. Exits 1 when a phone was not read (no timing target).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cpu import CpuSampler  # noqa: E402  (bench/ is on sys.path as the script's folder)
from mobile.reach.appium_server import AppiumServer  # noqa: E402
from mobile.run.farm import local_farm  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DRIVER = {"linkedinsim": "", "uiautomator2": ", driver: uiautomator2"}
MODES = ("direct", "servers", "url", "grid")
LABELS = {"direct": "one Appium, CLI-started", "servers": "{n} Appium, CLI-started", "url": "one Appium, pre-started",
          "grid": "Grid, {n} nodes, pre-started"}


@dataclass
class Row:
    """One `check --group farm --parallel N` run."""

    mode: str
    phones: int
    appium_servers: int
    wall_s: float
    load_before: float
    load_after: float
    machine_busy_pct: float
    cpu_s: dict[str, float]
    processes: list[tuple[str, str, float]]
    appium_cpu_per_session_s: float
    busiest_appium_core_pct: float
    errors: dict[str, str] = field(default_factory=dict)


def write_devices(path: Path, count: int, grid: str | None, driver: str = "uiautomator2") -> Path:
    """devices.yaml with `count` default simulated Android phones in group `farm`."""
    names = [f"sim-{i + 1}" for i in range(count)]
    lines = ["devices:"] + [f"  {name}: {{platform: android, simulator: {{scenario: default{DRIVER[driver]}}}}}"
                            for name in names]
    lines += ["groups:", f"  farm: [{', '.join(names)}]", f"grid: {grid or 'null'}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def _cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


def timed_check(mode: str, devices: Path, count: int, latency: float, appium_url: str | None,
                appium_servers: int) -> Row:
    """Run one `check --group farm` and measure it."""
    command = [sys.executable, "-m", "mobile", "check", "--devices-file", str(devices), "--group", "farm",
               "--parallel", str(count), "--json"]
    if appium_url:
        command += ["--appium-url", appium_url]
    elif appium_servers > 1:
        command += ["--appium-servers", str(appium_servers)]
    env = {**os.environ, "LINKEDIN_SIM_LATENCY_SCALE": str(latency)}
    load_before, (busy0, total0) = os.getloadavg()[0], _cpu_times()
    began = time.monotonic()
    with CpuSampler() as cpu:
        run = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, timeout=900)
    wall = time.monotonic() - began
    busy1, total1 = _cpu_times()
    processes = cpu.processes()
    appium = [value for role, _, value in processes if role == "appium"]
    errors: dict[str, str] = {}
    try:
        document = json.loads(run.stdout)
        errors = {r["device"]: r["message"] for r in document["results"] if r["status"] != "unchanged"}
    except (ValueError, KeyError):
        errors = {"run": f"exit {run.returncode}: {run.stderr.strip()[-500:]}"}
    return Row(mode, count, appium_servers, round(wall, 1), round(load_before, 2), round(os.getloadavg()[0], 2),
               round(100 * (busy1 - busy0) / max(1, total1 - total0), 0), cpu.by_role(), processes,
               round(sum(appium) / count, 2), round(100 * max(appium, default=0.0) / wall, 0), errors)


def bench(sizes: list[int], modes: list[str], latency: float, work: Path, driver: str, servers: int,
          say: Callable[[str], None], startup_cpu: float = 0.0) -> list[Row]:
    """Run every size in every mode; `say` one line per run as it finishes."""
    rows: list[Row] = []

    def record(row: Row) -> None:
        if row.mode in ("direct", "servers") and driver == "uiautomator2":  # the CLI started them in the clock
            started = min(row.appium_servers, row.phones)
            row.appium_cpu_per_session_s = round(max(0.0, row.cpu_s.get("appium", 0.0) - started * startup_cpu)
                                                 / row.phones, 2)
        rows.append(row)
        say(f"{row.mode:<8} {row.phones:>2} phones  {row.wall_s:6.1f} s  load {row.load_before:.1f}->"
            f"{row.load_after:.1f}  cpu {row.cpu_s}{'  ERRORS ' + str(row.errors) if row.errors else ''}")

    for mode in modes:
        if mode in ("direct", "servers", "url"):
            count = servers if mode == "servers" else 1
            # url (and LinkedInSim, whose phones need no adb): one Appium the bench starts before the clock; the
            # UiAutomator2 sessions name the private adb server's port, so any Appium of this machine serves them
            shared = AppiumServer(log_path=work / mode / "appium.log") \
                if mode == "url" or driver == "linkedinsim" and count == 1 else None
            url = shared.start().url if shared is not None else None
            try:
                for n in sizes:
                    record(timed_check(mode, write_devices(work / f"{mode}-{n}.yaml", n, None, driver), n, latency,
                                       url, count))
            finally:
                if shared is not None:
                    shared.stop()
        elif mode == "grid":
            with local_farm(0, spare_slots=max(sizes), appium_servers=servers, log_dir=work / "grid",
                            spare_driver=driver) as farm:
                for n in sizes:
                    record(timed_check(mode, write_devices(work / f"grid-{n}.yaml", n, farm.url, driver), n,
                                       latency, None, servers))
    return rows


def table(rows: list[Row]) -> str:
    """The farm table: one line per run."""
    one = {row.mode: row.wall_s for row in rows if row.phones == 1}
    head = ("| mode | phones | wall s | x 1 phone | sessions/min | Appium CPU s (per session, start-up off) | busiest Appium "
            "% of a core | adb server s | tool+phones s | Grid JVMs s | machine busy % | load 1 min before->after |")
    lines = [head, "|" + " --- |" * (head.count("|") - 1)]
    for row in rows:
        label = LABELS[row.mode].format(n=row.appium_servers)
        ratio = f"{row.wall_s / one[row.mode]:.2f}x" if one.get(row.mode) else "-"
        cpu = row.cpu_s
        lines.append(
            f"| {label} | {row.phones} | {row.wall_s:.1f}{' (errors)' if row.errors else ''} | {ratio} | "
            f"{60 * row.phones / row.wall_s:.1f} | {cpu.get('appium', 0):.1f} ({row.appium_cpu_per_session_s:.2f}) | "
            f"{row.busiest_appium_core_pct:.0f} | {cpu.get('adb', 0):.1f} | {cpu.get('tool', 0):.1f} | "
            f"{cpu.get('grid', 0):.1f} | {row.machine_busy_pct:.0f} | {row.load_before:.1f} -> {row.load_after:.1f} |")
    return "\n".join(lines)


def knees(rows: list[Row]) -> list[str]:
    """Per mode: where throughput stops growing, and whether an Appium server or the machine was the limit."""
    lines = []
    for mode in dict.fromkeys(row.mode for row in rows):
        mine = [row for row in rows if row.mode == mode and not row.errors]
        if not mine:
            continue
        rates = [(60 * row.phones / row.wall_s, row) for row in mine]
        best_rate, best = max(rates, key=lambda pair: pair[0])
        # the knee: the first size after which doubling the phones adds less than half of them in throughput
        pairs = zip(rates, rates[1:])
        knee = next((a.phones for (ra, a), (rb, b) in pairs if rb < ra * (1 + 0.5 * (b.phones / a.phones - 1))), None)
        busiest = max(row.busiest_appium_core_pct for row in mine)
        busy = max(row.machine_busy_pct for row in mine)
        limit = ("an Appium server (>= 80% of a core)" if busiest >= 80 else
                 f"not an Appium server (busiest {busiest:.0f}% of a core)" + (
                     f"; the machine's CPUs ({busy:.0f}% busy)" if busy >= 90 else ""))
        lines.append(f"{mode}: best {best_rate:.1f} sessions/min at {best.phones} phones; throughput knee "
                     f"{'after ' + str(knee) + ' phones' if knee else 'not reached'}; limit: {limit}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Parse options, run, print the table (or the JSON document)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", default="1,2,4,8", help="comma-separated fleet sizes (default 1,2,4,8)")
    parser.add_argument("--modes", default=",".join(MODES), help="any of direct, servers, url, grid (default all)")
    parser.add_argument("--appium-servers", type=int, default=2, metavar="N",
                        help="servers mode: the CLI's --appium-servers N; grid mode: N nodes (default 2)")
    parser.add_argument("--driver", choices=tuple(DRIVER), default="uiautomator2",
                        help="the Appium driver that reaches the phones (default uiautomator2: the real one)")
    parser.add_argument("--latency-scale", type=float, default=1.0, help="1 = the scenarios' realistic latency")
    parser.add_argument("--json", action="store_true", help="print one JSON document (progress on stderr)")
    args = parser.parse_args(argv)
    try:
        sizes = sorted({int(n) for n in args.phones.split(",")})
    except ValueError:
        parser.error(f"--phones: not a comma-separated list of integers: {args.phones!r}")
    modes = args.modes.split(",")
    if bad := [m for m in modes if m not in MODES]:
        parser.error(f"--modes: unknown {', '.join(bad)} (choose from {', '.join(MODES)})")
    if args.appium_servers < 1 or min(sizes) < 1:
        parser.error("--appium-servers and --phones must be >= 1")
    work = Path(tempfile.mkdtemp(prefix="bench-farm-"))
    out = sys.stderr if args.json else sys.stdout
    command = " ".join(["bench/bench_farm.py", shlex.join(sys.argv[1:] if argv is None else argv)]).strip()
    header = (f"{command}: check --group farm --parallel N, driver {args.driver}, latency scale {args.latency_scale},"
              f" {os.cpu_count()} CPUs, load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}, logs in {work}")
    print(header, file=out, flush=True)
    with CpuSampler() as probe_cpu:  # what the CLI modes pay per server inside their wall time
        probe = AppiumServer(log_path=work / "probe" / "appium.log").start()
        probe.stop()
    startup, startup_cpu = round(probe.start_seconds or 0.0, 1), probe_cpu.by_role().get("appium", 0.0)
    print(f"one Appium server starts in {startup} s, {startup_cpu} s of CPU (inside the wall time and the Appium "
          f"CPU of direct and servers, where the CLI starts them; not in the per-session figure; the Grid and "
          f"its Appium servers start before the clock)", file=out, flush=True)
    began = time.monotonic()
    rows = bench(sizes, modes, args.latency_scale, work, args.driver, args.appium_servers,
                 lambda line: print(line, file=out, flush=True), startup_cpu)
    footer = (f"all runs: {time.monotonic() - began:.0f} s, load average now "
              f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}. CPU s per role over each run, this bench's "
              f"processes only; on {os.cpu_count()} shared cores they compete with each other and with the "
              f"machine's other work (machine busy % counts everything).")
    failures = [f"{row.mode} {row.phones}" for row in rows if row.errors]
    if args.json:
        print(json.dumps({"command": command, "driver": args.driver, "cpus": os.cpu_count(), "appium_start_s": startup,
                          "appium_start_cpu_s": startup_cpu,
                          "rows": [asdict(row) for row in rows], "knees": knees(rows)}, indent=1))
    else:
        print("\n" + table(rows) + "\n" + footer + "\n" + "\n".join(knees(rows)))
    if failures:
        print(f"runs with phones that were not read: {', '.join(failures)}", file=out)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
