"""The shell a simulated phone answers over adb, in the output format real Android 14 (toybox, mksh) prints.

`evaluate()` runs one command line: `a ; b` runs both, `a && b` runs b only when a exited 0, `[ -e F ]`
tests a file. Most commands answer (stdout, stderr, exit code); a few are not one-shot and answer a
Special the transport serves: a held stream (`am instrument -w`, `logcat`) or an install sink that reads
the APK from stdin. An unknown command exits 127 like Android's sh and is recorded as unanswered.
Activity/package/process commands (am, pm, cmd, dumpsys, ps) live in mobile.sim.adb.shell_am.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mobile.sim.adb.system import DRIVER_PROP, AndroidSystem

KEYCODES = {"KEYCODE_WAKEUP": 224, "KEYCODE_MENU": 82, "KEYCODE_POWER": 26, "KEYCODE_HOME": 3, "KEYCODE_BACK": 4}
SDK_BY_RELEASE = {"10": "29", "11": "30", "12": "31", "13": "33", "14": "34", "15": "35", "16": "36"}
SIM_PROP = "linkedin.sim.server"

Result = tuple[bytes, bytes, int]


@dataclass(frozen=True)
class Special:
    """A command that is not answered at once: `held` (instrument, logcat) or `sink` (install of N bytes)."""

    kind: str
    size: int = 0
    prefix: bytes = b""  # output of the parts before it (`a ; logcat`)


Answer = Result | Special
Handler = Callable[[AndroidSystem, list[str]], Answer]


def ok(text: str) -> Result:
    """Exit 0 with `text` and a newline (nothing for empty text)."""
    return (text + "\n").encode() if text else b"", b"", 0


def fail(message: str, code: int = 1) -> Result:
    """`message` on stderr with exit `code`."""
    return b"", (message + "\n").encode(), code


def properties(system: AndroidSystem) -> dict[str, str]:
    """The system properties: `linkedin.sim.server` marks the phone as ours, `linkedin.sim.driver` says
    which Appium driver takes it (LinkedInSim, or UiAutomator2 over this adb transport)."""
    phone = system.phone
    release = str(getattr(phone, "os_version", "14"))
    props = {
        "ro.product.model": str(getattr(phone, "model", "LinkedIn Sim")),
        "ro.product.manufacturer": "linkedin-optout",
        "ro.product.brand": "linkedin-optout",
        "ro.product.name": "linkedin_sim",
        "ro.product.device": "linkedin_sim",
        "ro.build.version.release": release,
        "ro.build.version.sdk": SDK_BY_RELEASE.get(release.split(".")[0], "34"),
        "ro.serialno": str(getattr(phone, "serial", "SIM0001")),
        "ro.kernel.qemu": "0",
        "sys.boot_completed": "1",
        "persist.sys.locale": str(getattr(phone, "locale", "en")),
        DRIVER_PROP: system.driver,
    }
    if system.sim_url:
        props[SIM_PROP] = system.sim_url
    return props


def _getprop(system: AndroidSystem, args: list[str]) -> Result:
    props = properties(system)
    if args:
        return ok(props.get(args[0], ""))
    return ok("\n".join(f"[{k}]: [{v}]" for k, v in sorted(props.items())))


def _wm(system: AndroidSystem, args: list[str]) -> Result:
    phone = system.phone
    if args == ["size"]:
        return ok(f"Physical size: {phone.width}x{phone.height}")
    if args == ["density"]:
        return ok("Physical density: 420")
    if args == ["dismiss-keyguard"]:
        phone.dismiss_keyguard()
        return ok("")
    return fail(f"wm: unsupported arguments: {' '.join(args)}", 255)


def _input(system: AndroidSystem, args: list[str]) -> Result:
    if len(args) == 2 and args[0] == "keyevent":
        code = KEYCODES.get(args[1]) if not args[1].isdigit() else int(args[1])
        if code is None:
            return fail(f"Unknown keycode: {args[1]}")
        system.phone.keyevent(code)
        return ok("")
    return fail(f"input: unsupported arguments: {' '.join(args)}")


def _echo(_system: AndroidSystem, args: list[str]) -> Result:
    return ok(" ".join(args))


def _test(system: AndroidSystem, args: list[str]) -> Result:
    """`[ -e FILE ]` / `test -e FILE`: only files the phone keeps (e.g. the mock-location app list)."""
    args = args[:-1] if args and args[-1] == "]" else args
    if len(args) == 2 and args[0] in ("-e", "-f"):
        return b"", b"", 0 if args[1] in system.files else 1
    return fail(f"test: unsupported expression: {' '.join(args)}", 2)


def _cat(system: AndroidSystem, args: list[str]) -> Result:
    out = b""
    for name in args:
        if name not in system.files:
            return out, f"cat: {name}: No such file or directory\n".encode(), 1
        out += system.files[name].encode()
    return out, b"", 0


def _settings(system: AndroidSystem, args: list[str]) -> Result:
    """`settings get|put|delete NAMESPACE KEY [VALUE]`, kept per namespace."""
    if len(args) >= 3 and args[0] in ("get", "put", "delete") and args[1] in ("global", "system", "secure"):
        key = f"{args[1]}/{args[2]}"
        if args[0] == "get":
            return ok(system.global_settings.get(key, "null"))
        if args[0] == "put" and len(args) >= 4:
            system.global_settings[key] = args[3]
            return ok("")
        if args[0] == "delete":
            return ok("Deleted 1 rows" if system.global_settings.pop(key, None) is not None else "Deleted 0 rows")
    return fail("Invalid command: " + " ".join(args), 255)


def _appops(system: AndroidSystem, args: list[str]) -> Result:
    if len(args) >= 4 and args[0] == "set":
        if args[1] not in system.packages():
            return fail(f"Error: No UID for {args[1]} in user 0", 255)
        return ok("")
    return fail("Error: unknown appops command: " + " ".join(args), 255)


def _logcat(_system: AndroidSystem, args: list[str]) -> Answer:
    if "-c" in args:
        return ok("")
    return Special("held")


def _exec(system: AndroidSystem, args: list[str]) -> Answer:
    """`exec CMD ...` replaces the shell: the same as running CMD."""
    return run_argv(system, args) if args else ok("")


def _mkdir(system: AndroidSystem, args: list[str]) -> Result:
    for path in (a for a in args if not a.startswith("-")):
        parts = path.rstrip("/").split("/")
        system.dirs.update("/".join(parts[:i]) or "/" for i in range(1, len(parts) + 1))
    return ok("")


def _export(_system: AndroidSystem, _args: list[str]) -> Result:
    return ok("")


COMMANDS: dict[str, Handler] = {
    "getprop": _getprop, "wm": _wm, "input": _input, "echo": _echo, "[": _test, "test": _test, "cat": _cat,
    "settings": _settings, "appops": _appops, "logcat": _logcat, "exec": _exec, "export": _export,
    "mkdir": _mkdir,
}


def run_argv(system: AndroidSystem, argv: list[str]) -> Answer:
    """One simple command; unknown ones exit 127 and are recorded as unanswered."""
    # registers am, pm, cmd, dumpsys, ps; imported here because shell_am imports this module (a real cycle)
    from mobile.sim.adb import shell_am as adb_shell_am

    handler = COMMANDS.get(argv[0]) or adb_shell_am.COMMANDS.get(argv[0])
    if handler is None:
        system.record("shell", " ".join(argv), 127, unknown=True)
        return fail(f"/system/bin/sh: {argv[0]}: inaccessible or not found", 127)
    return handler(system, argv[1:])


def _parts(command: str) -> list[tuple[str, str]]:
    """Split a command line on `;` and `&&` outside quotes: [(separator before, part)]."""
    parts, current, quote, sep, i = [], "", None, ";", 0
    while i < len(command):
        ch = command[i]
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == ";" or command.startswith("&&", i):
            parts.append((sep, current))
            sep, current = (";", "") if ch == ";" else ("&&", "")
            i += 1 if ch == ";" else 2
            continue
        current += ch
        i += 1
    parts.append((sep, current))
    return parts


def evaluate(system: AndroidSystem, command: str) -> Answer:
    """A command line -> (stdout, stderr, exit code) of its last part run, or the Special that ends it."""
    out, err, code = b"", b"", 0
    for sep, part in _parts(command):
        if sep == "&&" and code != 0:
            continue
        try:
            argv = shlex.split(part)
        except ValueError as exc:
            return out, err + f"/system/bin/sh: syntax error: {exc}\n".encode(), 2
        while argv and re.fullmatch(r"[A-Za-z_]\w*=.*", argv[0]):
            argv = argv[1:]  # `VAR=value cmd`: the assignment only changes cmd's environment
        if not argv:
            continue
        answer = run_argv(system, argv)
        if isinstance(answer, Special):
            return Special(answer.kind, answer.size, out + answer.prefix)
        part_out, part_err, code = answer
        out, err = out + part_out, err + part_err
    return out, err, code


def run_shell(target: Any, command: str, sim_url: str | None = None) -> Result:
    """One command line on a phone (or its AndroidSystem) -> (stdout, stderr, exit code)."""
    system = target if isinstance(target, AndroidSystem) else AndroidSystem(target, sim_url=sim_url)
    answer = evaluate(system, command)
    if isinstance(answer, Special):
        return answer.prefix, b"", 0
    return answer
