"""Simulated iPhones driven by the real appium-xcuitest-driver: their usbmuxd and their own Appium server.

The driver reaches a "real" iPhone's lockdownd and installation_proxy through usbmuxd, which Appium finds
through `USBMUXD_SOCKET_ADDRESS` in its own environment. So simulated iPhones get an Appium server of
their own, started with that variable pointing at the run's simulated usbmuxd (mobile/sim/wda/usbmuxd.py):
a real iPhone in the same run keeps the system usbmuxd on the shared Appium. Both servers are started by
AppiumServer, on 127.0.0.1, with the loopback shim (ci/appium/loopback-only.cjs) that keeps the driver's
MJPEG forwarder off the other interfaces.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from dataclasses import dataclass
from typing import Any

from mobile.errors import DeviceError
from mobile.reach.appium_server import AppiumServer
from mobile.reach.devices import Device
from mobile.run.plan import RunPlan
from mobile.run.shared import Shared
from mobile.sim.wda.usbmuxd import SimUsbmuxd, UsbmuxError

_START = threading.Lock()


@dataclass
class XcuitestSimStack:
    """The run's simulated usbmuxd and the Appium server that uses it."""

    usbmuxd: SimUsbmuxd
    appium: AppiumServer

    def stop(self) -> None:
        """Stop Appium first (it holds usbmuxd connections), then usbmuxd."""
        try:
            self.appium.stop()
        finally:
            self.usbmuxd.stop()


def uses_xcuitest_sim(device: Device) -> bool:
    """A simulated iPhone that the real XCUITest driver drives (devices.yaml simulator.driver: xcuitest)."""
    return device.simulator is not None and device.sim_driver == "xcuitest"


def check_local_appium(plan: RunPlan, device: Device) -> None:
    """The mode needs the Appium this tool starts: a remote one cannot reach the simulated usbmuxd."""
    if plan.appium_url or plan.grid or device.appium != "local":
        raise DeviceError(f"device '{device.name}' (simulator driver xcuitest) runs only through the Appium this "
                          "tool starts, which is given the simulated usbmuxd; drop --appium-url/grid/appium: URL "
                          "for it")


def stack_for(shared: Shared, verbose: int = 0, report_dir: Path | None = None) -> XcuitestSimStack:
    """The run's stack, started on first use (parallel device threads share one). With a report folder its
    Appium writes its log there (appium-xcuitest.log), as the tool's other Appium servers do."""
    with _START:
        stack = shared.xcuitest
        if stack is None:
            try:
                usbmuxd = SimUsbmuxd()
            except (UsbmuxError, OSError) as exc:
                raise DeviceError(f"cannot start the simulated usbmuxd: {exc}") from exc
            try:
                log = report_dir / "appium-xcuitest.log" if report_dir is not None else None
                appium = start_appium(usbmuxd.address, log_path=log)
            except BaseException:
                usbmuxd.stop()
                raise
            stack = shared.xcuitest = XcuitestSimStack(usbmuxd, appium)
            if verbose:
                sys.stderr.write(f"appium (simulated iPhones, XCUITest): {appium.url} (log {appium.log_path}); "
                                 f"usbmuxd {usbmuxd.address}\n")
    return stack


def start_appium(usbmuxd_address: str, **kwargs: Any) -> AppiumServer:
    """An Appium that activates only the XCUITest driver and reaches iPhones through `usbmuxd_address`."""
    return AppiumServer(env={"USBMUXD_SOCKET_ADDRESS": usbmuxd_address},
                        extra_args=("--use-drivers", "xcuitest"), **kwargs).start()


def close_stack(shared: Shared) -> None:
    """Stop the run's stack if one was started."""
    stack, shared.xcuitest = shared.xcuitest, None
    if stack is not None:
        stack.stop()
