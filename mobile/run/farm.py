"""A local farm: simulated phones and Appium servers behind a Selenium Grid 4 (mobile/reach/grid.py).

It lives on the run side because it uses both the simulator and the means of reaching devices; the
simulator's adb side uses mobile/reach/adb.py, so reach must not import the simulator.
`python -m mobile.run.farm up --phones N` runs such a farm in the foreground for demos.
"""

from __future__ import annotations

import argparse
import signal
import tempfile
import threading
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from mobile.reach.appium_server import AppiumServer
from mobile.reach.devices import Device
from mobile.reach.grid import Grid, sim_stereotype, u2_stereotype
from mobile.sim.launch import spawn_phone, start_phone


@dataclass
class Farm:
    """Simulated phones behind Appium servers, optionally behind a Grid; `url` is where sessions go."""

    platform: str
    phones: list[Any]  # SimHandle (in-process) or SimProcess (child process): both have .url and .stop()
    appium: list[AppiumServer]
    grid: Grid | None = None
    log_dir: Path | None = None
    spare_slots: int = 0

    @property
    def url(self) -> str:
        """The Grid's URL, else the first Appium server's."""
        return self.grid.url if self.grid is not None else self.appium[0].url  # type: ignore[return-value]

    def devices(self, prefix: str = "farm") -> list[Device]:
        """One Device per phone, reaching it by URL (no phone is started for these)."""
        return [Device(name=f"{prefix}-{i + 1}", platform=self.platform, sim_url=phone.url, where="farm")
                for i, phone in enumerate(self.phones)]


def _start_phone(platform: str, scenario: str, latency_scale: float | None, subprocess_form: bool,
                 log_dir: Path, index: int) -> Any:
    """One phone: on a thread of this process, or as `python -m mobile.sim serve` (killable)."""
    if subprocess_form:
        return spawn_phone(platform, scenario, latency_scale=latency_scale,
                           ready_file=log_dir / f"phone-{index}.url")
    return start_phone(platform, scenario, latency_scale=latency_scale)


@contextmanager
def local_farm(phones: int = 4, *, platform: str = "android", scenario: str = "default",
               latency_scale: float | None = None, appium_servers: int = 1, grid: bool = True,
               spare_slots: int = 0, subprocess_phones: bool = False, log_dir: Path | None = None,
               session_request_timeout: int | None = None, spare_driver: str = "linkedinsim") -> Iterator[Farm]:
    """Start phones, Appium servers (phones shared round-robin) and a Grid; stop all of it on exit.

    Each phone gets a Grid slot pinned to it (its appium:simServer and its own systemPort);
    `spare_slots` adds slots that take any LinkedInSim session (`spare_driver="uiautomator2"`: any
    UiAutomator2 session on an Android phone), for phones the tool starts itself; they are spread over the
    Appium servers too, one Grid node each.
    """
    log_dir = Path(log_dir) if log_dir else Path(tempfile.mkdtemp(prefix="linkedin-optout-farm-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    servers = max(1, min(appium_servers, max(phones, spare_slots) or 1))
    with ExitStack() as stack:
        handles = []
        for i in range(phones):
            handle = _start_phone(platform, scenario, latency_scale, subprocess_phones, log_dir, i)
            stack.callback(handle.stop)
            handles.append(handle)
        appium = []
        for i in range(servers):
            server = AppiumServer(log_path=log_dir / f"appium-{i}.log").start()
            stack.callback(server.stop)
            appium.append(server)
        farm = Farm(platform, handles, appium, log_dir=log_dir, spare_slots=spare_slots)
        if grid:
            farm.grid = stack.enter_context(Grid(log_dir / "grid", session_request_timeout))
            for i, server in enumerate(appium):
                mine = [sim_stereotype(platform, h.url, slot=n) for n, h in enumerate(handles) if n % servers == i]
                spare = [u2_stereotype() if spare_driver == "uiautomator2" else sim_stereotype(platform, slot=phones + n)
                         for n in range(spare_slots) if n % servers == i]
                if mine or spare:
                    farm.grid.add_node(server.url or "", mine + spare)
            farm.grid.wait_ready()
        yield farm


def farm_devices_yaml(farm: Farm, count: int, group: str = "farm") -> str:
    """A devices.yaml with `count` simulated phones (started by the tool) routed through the farm's Grid."""
    lines = ["defaults: {locale: auto, appium: local}", "devices:"]
    names = [f"{group}-{i + 1}" for i in range(count)]
    lines += [f"  {name}: {{platform: {farm.platform}, simulator: {{scenario: default}}}}" for name in names]
    lines += ["groups:", f"  {group}: [{', '.join(names)}]", f"grid: {farm.url}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """`python -m mobile.run.farm up --phones N`: a local farm in the foreground until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m mobile.run.farm", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start phones, Appium and a Selenium Grid until interrupted")
    up.add_argument("--phones", type=int, default=4, help="simulated phones (default 4)")
    up.add_argument("--platform", choices=("android", "ios"), default="android")
    up.add_argument("--scenario", default="default")
    up.add_argument("--appium-servers", type=int, default=1)
    up.add_argument("--latency-scale", type=float, default=None)
    up.add_argument("--log-dir", type=Path, default=None, help="where the Grid, Appium and phone logs go")
    up.add_argument("--devices-out", type=Path, default=Path("farm-devices.yaml"),
                    help="write a devices.yaml for the tool's own phones through this Grid here")
    args = parser.parse_args(argv)
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    with local_farm(args.phones, platform=args.platform, scenario=args.scenario, spare_slots=args.phones,
                    latency_scale=args.latency_scale, appium_servers=args.appium_servers,
                    log_dir=args.log_dir) as farm:
        args.devices_out.write_text(farm_devices_yaml(farm, args.phones))
        print(f"Selenium Grid ready at {farm.url} ({farm.grid.slots if farm.grid else 0} slots; logs in {farm.log_dir})")
        for phone in farm.phones:
            print(f"  phone {phone.url}  -> new session at {farm.url} with appium:automationName=LinkedInSim, "
                  f"appium:simServer={phone.url}")
        print(f"devices file: {args.devices_out}\n  linkedin-optout check --devices-file {args.devices_out} "
              f"--group farm --parallel {args.phones}\nCtrl-C stops everything.", flush=True)
        done.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
