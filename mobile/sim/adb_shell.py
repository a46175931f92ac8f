"""The shell commands a simulated phone answers over adb, in the output format real Android prints.

Only what discovery, wake/unlock and common tooling ask: getprop, pm, dumpsys (package, power, display,
window), wm, input keyevent, echo. Anything else exits 127 like Android's sh. Pure but for the phone's
own wake/unlock methods.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

APP_PACKAGE = "com.linkedin.android"
SYSTEM_PACKAGES = ("android", "com.android.settings", "com.android.systemui", "com.google.android.webview")
KEYCODES = {"KEYCODE_WAKEUP": 224, "KEYCODE_MENU": 82, "KEYCODE_POWER": 26, "KEYCODE_HOME": 3, "KEYCODE_BACK": 4}
SDK_BY_RELEASE = {"10": "29", "11": "30", "12": "31", "13": "33", "14": "34", "15": "35", "16": "36"}

Result = tuple[bytes, bytes, int]


def _ok(text: str) -> Result:
    return (text + "\n").encode() if text else b"", b"", 0


def _fail(message: str, code: int = 1) -> Result:
    return b"", (message + "\n").encode(), code


def properties(phone: Any, sim_url: str | None) -> dict[str, str]:
    """The system properties the phone reports; `linkedin.sim.server` marks it as ours."""
    release = str(getattr(phone, "os_version", "14"))
    props = {
        "ro.product.model": str(getattr(phone, "model", "LinkedIn Sim")),
        "ro.product.manufacturer": "linkedin-optout",
        "ro.product.name": "linkedin_sim",
        "ro.product.device": "linkedin_sim",
        "ro.build.version.release": release,
        "ro.build.version.sdk": SDK_BY_RELEASE.get(release.split(".")[0], "34"),
        "ro.serialno": str(getattr(phone, "serial", "SIM0001")),
        "ro.kernel.qemu": "0",
        "sys.boot_completed": "1",
    }
    if sim_url:
        props["linkedin.sim.server"] = sim_url
    return props


def _getprop(phone: Any, args: list[str], sim_url: str | None) -> Result:
    props = properties(phone, sim_url)
    if args:
        return _ok(props.get(args[0], ""))
    return _ok("\n".join(f"[{k}]: [{v}]" for k, v in sorted(props.items())))


def _packages(phone: Any) -> list[str]:
    extra = list(getattr(phone, "packages", []))
    return list(SYSTEM_PACKAGES) + ([APP_PACKAGE] if phone.app_installed else []) + extra


def _uninstall(phone: Any, args: list[str]) -> Result:
    """`pm uninstall [-k] [--user N] PKG`: removes one of the extra packages (Appium's helpers)."""
    names = [a for i, a in enumerate(args) if not a.startswith("-") and (i == 0 or args[i - 1] != "--user")]
    if not names:
        return _fail("Error: package name not specified", 255)
    package = names[-1]
    if package in getattr(phone, "packages", []):
        phone.packages.remove(package)
        return _ok("Success")
    return _ok("Failure [DELETE_FAILED_INTERNAL_ERROR]") if package in SYSTEM_PACKAGES else \
        _ok("Failure [not installed for 0]")


def _resolve_activity(phone: Any, args: list[str]) -> Result:
    """`cmd package resolve-activity --brief PKG`: the launcher entry (an activity-alias on newer builds)."""
    package = next((a for a in args if not a.startswith("-") and "." in a), "")
    if package != APP_PACKAGE or not phone.app_installed:
        return _ok("No activity found")
    launcher = str(getattr(phone, "launcher_activity", f"{APP_PACKAGE}.authenticator.LaunchActivity"))
    short = launcher[len(APP_PACKAGE):] if launcher.startswith(APP_PACKAGE + ".") else launcher
    return _ok(f"priority=0 preferredOrder=0 match=0x108000 specificIndex=-1 isDefault=true\n{APP_PACKAGE}/{short}")


def _pm(phone: Any, args: list[str], _sim_url: str | None) -> Result:
    if args[:2] == ["list", "packages"]:
        rest = args[2:]
        third_party = "-3" in rest
        wanted = [a for a in rest if not a.startswith("-")]
        names = [p for p in _packages(phone) if not (third_party and p in SYSTEM_PACKAGES)]
        names = [p for p in names if not wanted or wanted[0] in p]
        return _ok("\n".join(f"package:{p}" for p in names))
    if args[:1] == ["path"] and len(args) > 1:
        if args[1] in _packages(phone) and args[1] not in SYSTEM_PACKAGES:
            return _ok(f"package:/data/app/~~sim==/{args[1]}-sim==/base.apk")
        return b"", b"", 1
    if args[:1] == ["uninstall"]:
        return _uninstall(phone, args[1:])
    if args[:1] == ["resolve-activity"]:
        return _resolve_activity(phone, args[1:])
    return _fail(f"pm: unsupported arguments: {' '.join(args)}", 255)


def _dumpsys(phone: Any, args: list[str], _sim_url: str | None) -> Result:
    service = args[0] if args else ""
    if service == "package":
        if len(args) > 1 and args[1] == APP_PACKAGE and phone.app_installed:
            version = str(phone.app_version)
            code = "".join(ch for ch in version if ch.isdigit()) or "1"
            return _ok(f"Packages:\n  Package [{APP_PACKAGE}] (5a1f2c0):\n    userId=10234\n"
                       f"    versionCode={code} minSdk=28 targetSdk=35\n    versionName={version}\n")
        return _ok("Dexopt state:\n  Unable to find package: " + (args[1] if len(args) > 1 else ""))
    if service == "power":
        awake = "Awake" if phone.screen_on else "Asleep"
        return _ok(f"POWER MANAGER (dumpsys power)\n\nPower Manager State:\n  mWakefulness={awake}\n"
                   f"  mWakefulnessChanging=false\n  mIsPowered=true\n  mHoldingDisplaySuspendBlocker={str(phone.screen_on).lower()}")
    if service == "display":
        state = "ON" if phone.screen_on else "OFF"
        return _ok(f"DISPLAY MANAGER (dumpsys display)\n  mScreenState={state}\n"
                   f"  DisplayDeviceInfo{{\"Built-in Screen\": uniqueId=\"local:0\", {phone.width} x {phone.height}, "
                   f"modeId 1, defaultModeId 1, density 420, state {state}}}")
    if service == "window":
        return _ok(_window_dump(phone))
    return _fail(f"Can't find service: {service}")


def _window_dump(phone: Any) -> str:
    """`dumpsys window` as Android 10+ prints it: the keyguard state sits in KeyguardServiceDelegate and
    its KeyguardStateMonitor (mIsShowing, mInputRestricted); Android 9 and older print mShowingLockscreen."""
    showing = bool(phone.locked)
    secure = bool(getattr(phone, "secure", False))
    low = lambda flag: str(flag).lower()  # noqa: E731
    focus = ("NotificationShade" if showing else
             f"{APP_PACKAGE}/{APP_PACKAGE}.infra.navigation.MainActivity")
    screen = "SCREEN_STATE_ON" if phone.screen_on else "SCREEN_STATE_OFF"
    lines = ["WINDOW MANAGER POLICY STATE (dumpsys window policy)"]
    if int(SDK_BY_RELEASE.get(str(phone.os_version).split(".")[0], "34")) < 29:
        lines.append(f"    mShowingLockscreen={low(showing)} mShowingDream=false mDreamingLockscreen={low(showing)}")
    lines += [f"    mScreenOnEarly={low(phone.screen_on)} mScreenOnFully={low(phone.screen_on)}",
              "    KeyguardServiceDelegate",
              f"      showing={low(showing)}", f"      showingAndNotOccluded={low(showing)}",
              f"      inputRestricted={low(showing)}", "      occluded=false", f"      secure={low(secure)}",
              "      dreaming=false", "      systemIsReady=true", "      deviceHasKeyguard=true",
              f"      enabled={low(phone.lock != 'none' if hasattr(phone, 'lock') else True)}",
              f"      screenState={screen}",
              "      KeyguardStateMonitor", f"        mIsShowing={low(showing)}", "        mSimSecure=false",
              f"        mInputRestricted={low(showing)}", "        mTrusted=false", "        mCurrentUserId=0",
              f"  mCurrentFocus=Window{{5e1d2c1 u0 {focus}}}"]
    return "\n".join(lines)


def _locksettings(phone: Any, args: list[str], _sim_url: str | None) -> Result:
    """`locksettings get-disabled`: false while a lock screen is set (swipe or secure), as Android answers."""
    if args[:1] == ["get-disabled"]:
        return _ok(str(getattr(phone, "lock", "swipe") == "none").lower())
    if args[:1] == ["help"]:
        return _ok("Lock settings service commands: ...")
    return _fail(f"locksettings: unsupported arguments: {' '.join(args)}", 255)


def _wm(phone: Any, args: list[str], _sim_url: str | None) -> Result:
    if args == ["size"]:
        return _ok(f"Physical size: {phone.width}x{phone.height}")
    if args == ["density"]:
        return _ok("Physical density: 420")
    if args == ["dismiss-keyguard"]:
        phone.dismiss_keyguard()
        return _ok("")
    return _fail(f"wm: unsupported arguments: {' '.join(args)}", 255)


def _input(phone: Any, args: list[str], _sim_url: str | None) -> Result:
    if len(args) == 2 and args[0] == "keyevent":
        code = KEYCODES.get(args[1]) if not args[1].isdigit() else int(args[1])
        if code is None:
            return _fail(f"Unknown keycode: {args[1]}")
        phone.keyevent(code)
        return _ok("")
    return _fail(f"input: unsupported arguments: {' '.join(args)}")


def _echo(_phone: Any, args: list[str], _sim_url: str | None) -> Result:
    return _ok(" ".join(args))


def _cmd(phone: Any, args: list[str], sim_url: str | None) -> Result:
    """`cmd package ...` / `cmd window ...`, the binder forms newer tools use."""
    aliases = {"package": _pm, "window": _wm}
    if args and args[0] in aliases:
        return aliases[args[0]](phone, args[1:], sim_url)
    return _fail(f"cmd: Can't find service: {args[0] if args else ''}", 20)


COMMANDS: dict[str, Callable[[Any, list[str], str | None], Result]] = {
    "getprop": _getprop, "pm": _pm, "dumpsys": _dumpsys, "wm": _wm, "input": _input, "echo": _echo, "cmd": _cmd,
    "locksettings": _locksettings,
}


def run_shell(phone: Any, command: str, sim_url: str | None = None) -> Result:
    """One shell command line -> (stdout, stderr, exit code); `a ; b` and `a && b` run in turn."""
    out, err, code = b"", b"", 0
    for part in command.replace("&&", ";").split(";"):
        try:
            argv = shlex.split(part)
        except ValueError as exc:
            return out, err + f"/system/bin/sh: syntax error: {exc}\n".encode(), 2
        if not argv:
            continue
        handler = COMMANDS.get(argv[0])
        if handler is None:
            part_out, part_err, code = b"", f"/system/bin/sh: {argv[0]}: inaccessible or not found\n".encode(), 127
        else:
            part_out, part_err, code = handler(phone, argv[1:], sim_url)
        out, err = out + part_out, err + part_err
    return out, err, code
