"""Activity, package and process commands of the simulated phone's shell: am, pm / cmd package, dumpsys, ps.

Every answer is derived from the Phone (LinkedIn installed / running / in front, screen and keyguard) and
the AndroidSystem (helper packages, the uiautomator2 instrumentation, the settings helper), in the formats
the pinned appium-adb parsers read (see docs in mobile/sim/README.md).
"""

from __future__ import annotations

from mobile.sim.activities import PACKAGE
from mobile.sim.adb.shell import COMMANDS as SHELL_COMMANDS, Answer, Handler, Result, Special, fail, ok, properties
from mobile.sim.adb.system import (HELPER_PACKAGES, MAIN_ACTIVITY, SETTINGS_PKG, U2_RUNNER,
                                U2_SERVER_PKG, U2_TEST_PKG, AndroidSystem)

UIDS = {PACKAGE: ("u0_a234", 10234), U2_SERVER_PKG: ("u0_a301", 10301), SETTINGS_PKG: ("u0_a302", 10302)}
PS_HELP = ("usage: ps [-AadefLlnwZ] [-gG GROUP,] [-k FIELD,] [-o FIELD,] [-p PID,] [-t TTY,] [-uU USER,]\n\n"
           "List processes.\n\nWhich processes to show (-gGuUpPt selections may be comma separated lists):\n\n"
           "-A\tAll\t\t\t\t\t-a\tHas terminal not session leader\n"
           "-d\tAll but session leaders\t\t\t-e\tSynonym for -A")
PS_ROW = "{user:<14} {pid:>5} {ppid:>5} {vsz:>10} {rss:>6} {wchan:<16} {addr:>4} S {name}"


def unsupported(system: AndroidSystem, argv: list[str], message: str, code: int = 255) -> Result:
    """A form of a known command the phone does not model: answered as the tool would, and recorded."""
    system.record("shell", " ".join(argv), code, unknown=True)
    return fail(message, code)


def low(flag: object) -> str:
    """A Java boolean as dumpsys prints it."""
    return str(bool(flag)).lower()


def _short(activity: str) -> str:
    return activity[len(PACKAGE):] if activity.startswith(PACKAGE + ".") else activity


# ---- ps ------------------------------------------------------------------------------------------
def _ps(system: AndroidSystem, args: list[str]) -> Result:
    if args == ["--help"]:
        return ok(PS_HELP)
    rows = [PS_ROW.format(user="USER", pid="PID", ppid="PPID", vsz="VSZ", rss="RSS", wchan="WCHAN", addr="ADDR",
                          name="NAME")]
    procs = [("root", 1, 0, "init"), ("system", 612, 1, "system_server")]
    procs += [(UIDS[pkg][0], pid, 530, pkg) for pkg, pid in system.processes()]
    wanted = [a for a in args if not a.startswith("-")]
    for user, pid, ppid, name in procs:
        if not wanted or name in wanted or str(pid) in wanted:
            rows.append(PS_ROW.format(user=user, pid=pid, ppid=ppid, vsz=14000000, rss=120000,
                                      wchan="do_epoll_wait", addr=0, name=name))
    return ok("\n".join(rows))


# ---- am ------------------------------------------------------------------------------------------
def _start(system: AndroidSystem, args: list[str]) -> Result:
    """`am start[-activity] [-W] [-S] -n PKG/ACTIVITY [-a ...] [-c ...] [-f ...]`."""
    component = next((args[i + 1] for i, a in enumerate(args[:-1]) if a == "-n"), None)
    if component is None or "/" not in component:
        return unsupported(system, ["am", "start", *args], "Error: am start needs -n PACKAGE/ACTIVITY here", 255)
    package, activity = component.split("/", 1)
    intent = f"Starting: Intent {{ act=android.intent.action.MAIN cat=[android.intent.category.LAUNCHER] cmp={component} }}"
    if package == SETTINGS_PKG and SETTINGS_PKG in system.installed:
        system.settings_running = True  # its Settings activity starts the foreground service and finishes
        return ok(intent)
    full = package + activity if activity.startswith(".") else activity
    state = system.activity_state(activity) if package == PACKAGE and system.phone.app_installed else "missing"
    if state == "missing":
        return ok(f"{intent}\nError type 3\nError: Activity class {{{package}/{full}}} does not exist.")
    if state == "private":
        return b"", (f"Security exception: Permission Denial: starting Intent {{ flg=0x10000000 cmp={package}/"
                     f"{_short(full)} }} from null (pid=4242, uid=2000) not exported from uid 10234\n").encode(), 255
    was = system.phone.query_state_quietly()
    if "-S" in args:
        system.phone.terminate_app(PACKAGE)
    system.phone.activate_app(PACKAGE)
    if "-W" not in args:
        return ok(intent)
    launch = "COLD" if "-S" in args or was < 3 else "HOT"
    return ok(f"{intent}\nStatus: ok\nLaunchState: {launch}\nActivity: {PACKAGE}/{MAIN_ACTIVITY}\n"
              f"TotalTime: 812\nWaitTime: 815\nComplete")


def _force_stop(system: AndroidSystem, package: str) -> Result:
    if package == PACKAGE and system.phone.app_installed:
        system.phone.terminate_app(PACKAGE)
    elif package in (U2_SERVER_PKG, U2_TEST_PKG):
        system.u2_force_stopped()
    elif package == SETTINGS_PKG:
        system.settings_running = False
    return ok("")


def _instrument(system: AndroidSystem, args: list[str]) -> Answer:
    runner = args[-1] if args else ""
    if runner == U2_RUNNER and U2_TEST_PKG in system.installed and U2_SERVER_PKG in system.installed:
        return Special("instrument") if "-w" in args else ok("")
    return ok("INSTRUMENTATION_STATUS: id=ActivityManagerService\n"
              f"INSTRUMENTATION_STATUS: Error=Unable to find instrumentation info for: ComponentInfo{{{runner}}}\n"
              "INSTRUMENTATION_STATUS_CODE: -1\n"
              f"android.util.AndroidException: INSTRUMENTATION_FAILED: {runner}")


def _am(system: AndroidSystem, args: list[str]) -> Answer:
    if args[:1] in (["start"], ["start-activity"]):
        return _start(system, args[1:])
    if args[:1] == ["force-stop"] and len(args) >= 2:
        return _force_stop(system, args[-1])
    if args[:1] == ["instrument"]:
        return _instrument(system, args[1:])
    return unsupported(system, ["am", *args], f"am: unsupported arguments: {' '.join(args)}")


# ---- pm / cmd package ----------------------------------------------------------------------------
def _pm(system: AndroidSystem, args: list[str]) -> Answer:
    packages = system.packages()
    if args[:2] == ["list", "packages"]:
        rest = args[2:]
        system_only = set(packages) - {PACKAGE, *HELPER_PACKAGES}
        names = [p for p in packages if not ("-3" in rest and p in system_only)]
        wanted = [a for a in rest if not a.startswith("-")]
        names = [p for p in names if not wanted or wanted[0] in p]
        version = " versionCode:1" if "--show-versioncode" in rest else ""
        return ok("\n".join(f"package:{p}{version}" for p in names))
    if args[:2] == ["list", "instrumentation"]:
        if U2_TEST_PKG in system.installed:
            return ok(f"instrumentation:{U2_RUNNER} (target={U2_SERVER_PKG})")
        return ok("")
    if args[:1] == ["path"] and len(args) > 1:
        if args[1] == PACKAGE and args[1] in packages:
            return ok(f"package:/data/app/~~sim==/{PACKAGE}-sim==/base.apk")
        if args[1] in system.installed:
            return ok(f"package:/data/app/~~sim==/{args[1]}-sim==/base.apk")
        return b"", b"", 1
    if args[:1] == ["resolve-activity"]:
        package = next((a for a in args[1:] if not a.startswith("-") and "." in a), "")
        if package == PACKAGE and system.phone.app_installed:
            return ok("priority=0 preferredOrder=0 match=0x108000 specificIndex=-1 isDefault=true\n"
                      f"{PACKAGE}/{_short(system.launcher)}")
        return ok("No activity found")
    if args[:1] == ["install"] and "-S" in args:
        size = args[args.index("-S") + 1] if args.index("-S") + 1 < len(args) else ""
        return Special("sink", int(size)) if size.isdigit() else fail("Error: -S needs a size", 255)
    if args[:1] == ["uninstall"]:
        rest = args[1:]
        names = [a for i, a in enumerate(rest) if not a.startswith("-") and (i == 0 or rest[i - 1] != "--user")]
        if not names:
            return fail("Error: package name not specified", 255)
        if system.uninstall(names[-1]):
            return ok("Success")
        return ok("Failure [DELETE_FAILED_INTERNAL_ERROR]" if names[-1] in packages else "Failure [not installed for 0]")
    return unsupported(system, ["pm", *args], f"pm: unsupported arguments: {' '.join(args)}")


def _cmd(system: AndroidSystem, args: list[str]) -> Answer:
    """`cmd SERVICE ...`, the binder form newer tools use."""
    if args[:1] == ["package"]:
        return _pm(system, args[1:])
    if args[:1] == ["window"]:
        return SHELL_COMMANDS["wm"](system, args[1:])
    if args[:2] == ["notification", "allow_listener"]:
        return ok("")
    return unsupported(system, ["cmd", *args], f"cmd: Can't find service: {args[0] if args else ''}", 20)


# ---- dumpsys -------------------------------------------------------------------------------------
def _dumpsys_package(system: AndroidSystem, package: str) -> Result:
    phone = system.phone
    if package == PACKAGE and phone.app_installed:
        version = str(phone.app_version)
        code = "".join(ch for ch in version if ch.isdigit()) or "1"
        return ok(f"Packages:\n  Package [{PACKAGE}] (5a1f2c0):\n    userId=10234\n"
                  f"    versionCode={code} minSdk=28 targetSdk=35\n    versionName={version}\n")
    if package in system.installed:
        # No versionCode/versionName on purpose: the driver then neither reinstalls nor downgrades them.
        return ok(f"Packages:\n  Package [{package}] (3c2d1e0):\n    userId=10301\n"
                  f"    pkg=Package{{3c2d1e0 {package}}}\n")
    return ok(f"Dexopt state:\n  Unable to find package: {package}")


def _dumpsys_window(system: AndroidSystem, args: list[str]) -> Result:
    phone = system.phone
    focus = system.focus()
    if args[:1] == ["displays"]:
        app = f"  mFocusedApp=ActivityRecord{{7d1e2f3 u0 {focus} t12}}\n" if "/" in focus else ""
        return ok(f"WINDOW MANAGER DISPLAY CONTENTS (dumpsys window displays)\n  Display: mDisplayId=0\n"
                  f"  {app}  mCurrentFocus=Window{{5e1d2c1 u0 {focus}}}")
    # Android 10+: the keyguard state sits in KeyguardServiceDelegate and its KeyguardStateMonitor
    # (appium-adb reads mIsShowing with mInputRestricted); Android 9 and older print mShowingLockscreen.
    showing = low(bool(phone.locked))
    lines = ["WINDOW MANAGER POLICY STATE (dumpsys window policy)"]
    if int(properties(system)["ro.build.version.sdk"]) < 29:
        lines.append(f"    mShowingLockscreen={showing} mShowingDream=false mDreamingLockscreen={showing}")
    screen = "SCREEN_STATE_ON" if phone.screen_on else "SCREEN_STATE_OFF"
    lines += [f"    mScreenOnEarly={low(phone.screen_on)} mScreenOnFully={low(phone.screen_on)}",
              f"    isKeyguardShowing={showing}",
              "    KeyguardServiceDelegate", f"      showing={showing}", f"      showingAndNotOccluded={showing}",
              f"      inputRestricted={showing}", "      occluded=false",
              f"      secure={low(bool(getattr(phone, 'secure', False)))}", "      dreaming=false",
              "      systemIsReady=true", "      deviceHasKeyguard=true",
              f"      enabled={low(getattr(phone, 'lock', 'swipe') != 'none')}", f"      screenState={screen}",
              "      KeyguardStateMonitor", f"        mIsShowing={showing}", "        mSimSecure=false",
              f"        mInputRestricted={showing}", "        mTrusted=false", "        mCurrentUserId=0",
              f"  mCurrentFocus=Window{{5e1d2c1 u0 {focus}}}"]
    return ok("\n".join(lines))


def _dumpsys_activity(system: AndroidSystem, args: list[str]) -> Result:
    if args[:1] == ["processes"]:
        rows = [f"  *APP* UID {UIDS[pkg][1]} ProcessRecord{{9b2c10e1 {pid}:{pkg}/{UIDS[pkg][0]}}}"
                for pkg, pid in system.processes()]
        return ok("ACTIVITY MANAGER RUNNING PROCESSES (dumpsys activity processes)\n  All known processes:\n"
                  + "\n".join(rows))
    if args[:1] == ["services"]:
        wanted = args[1] if len(args) > 1 else ""
        header = "ACTIVITY MANAGER SERVICES (dumpsys activity services)\n"
        if system.settings_running and wanted in (SETTINGS_PKG, "", f"{SETTINGS_PKG}/.ForegroundService"):
            return ok(header + f"  User 0 active services:\n  * ServiceRecord{{1a2b3c u0 {SETTINGS_PKG}/.ForegroundService}}\n"
                      "    isForeground=true foregroundId=1 foregroundNoti=Notification(channel=main_channel)")
        return ok(header + "  (nothing)")
    return unsupported(system, ["dumpsys", "activity", *args], "dumpsys activity: not modelled", 1)


def _dumpsys(system: AndroidSystem, args: list[str]) -> Answer:
    phone = system.phone
    service = args[0] if args else ""
    if service == "package":
        return _dumpsys_package(system, args[1] if len(args) > 1 else "")
    if service == "power":
        awake = "Awake" if phone.screen_on else "Asleep"
        return ok(f"POWER MANAGER (dumpsys power)\n\nPower Manager State:\n  mWakefulness={awake}\n"
                  f"  mWakefulnessChanging=false\n  mIsPowered=true\n  mHoldingDisplaySuspendBlocker={str(phone.screen_on).lower()}")
    if service == "display":
        state = "ON" if phone.screen_on else "OFF"
        return ok(f"DISPLAY MANAGER (dumpsys display)\n  mScreenState={state}\n"
                  f"  DisplayDeviceInfo{{\"Built-in Screen\": uniqueId=\"local:0\", {phone.width} x {phone.height}, "
                  f"modeId 1, defaultModeId 1, density 420, state {state}}}")
    if service == "window":
        return _dumpsys_window(system, args[1:])
    if service == "activity":
        return _dumpsys_activity(system, args[1:])
    if service == "deviceidle" and args[1:2] == ["whitelist"]:
        return ok("\n".join(f"Added: {a[1:]}" for a in args[2:] if a.startswith("+")))
    return unsupported(system, ["dumpsys", *args], f"Can't find service: {service}", 1)


def _locksettings(system: AndroidSystem, args: list[str]) -> Result:
    """`locksettings get-disabled`: false while a lock screen is set (swipe or secure), as Android answers."""
    if args[:1] == ["get-disabled"]:
        return ok(low(getattr(system.phone, "lock", "swipe") == "none"))
    return unsupported(system, ["locksettings", *args], f"locksettings: unsupported arguments: {' '.join(args)}")


COMMANDS: dict[str, Handler] = {"ps": _ps, "am": _am, "pm": _pm, "cmd": _cmd, "dumpsys": _dumpsys,
                                "locksettings": _locksettings}
