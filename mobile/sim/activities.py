"""LinkedIn as the simulated phone installs it: its ids (named here once for the whole simulator; the tool
reads its own from the flow's `apps:`), its Android activities, which `am start -n` may start from outside
(exported), and the errors appium-adb reports when a session names one it cannot start."""

from __future__ import annotations

from collections.abc import Iterable

from mobile.sim.log import SimError

PACKAGE = "com.linkedin.android"
BUNDLE_ID = "com.linkedin.LinkedIn"
APP_IDS = {"android": PACKAGE, "ios": BUNDLE_ID}
LAUNCH_ACTIVITY = f"{PACKAGE}.authenticator.LaunchActivity"  # the launcher, unless a scenario says otherwise
# both entry activities the LinkedIn manifest exports with the LAUNCHER category
KNOWN = (LAUNCH_ACTIVITY, f"{PACKAGE}.splash.SplashActivity")


def check_activity(activity: str, launcher: str, exported: Iterable[str]) -> None:
    """`am start -n PKG/ACTIVITY` as appium-adb runs it: the activity must exist and be exported."""
    exported = tuple(exported)
    full = PACKAGE + activity if activity.startswith(".") else activity
    if full not in {*KNOWN, launcher, *exported}:
        raise SimError("session not created", f"Activity class {{{PACKAGE}/{full}}} does not exist")
    if full not in exported:
        short = full[len(PACKAGE):] if full.startswith(PACKAGE) else full
        raise SimError("session not created", (
            f"Cannot start the '{PACKAGE}' application. Original error: Error executing adbExec. "
            f"Original error: 'Command 'adb shell am start -W -n {PACKAGE}/{full} -S' exited with code 255'; "
            f"Command output: Security exception: Permission Denial: starting Intent "
            f"{{ flg=0x10000000 cmp={PACKAGE}/{short} }} from null (pid=4242, uid=2000) not exported "
            f"from uid 10234"))
