"""The W3C/Appium commands of the simulated phone's server, one small handler each.

Route specs are (method, path, command name, handler[, latency]); the command name (Appium's name, or the
`mobile:` script for execute) is what `phone.command_latency()` is asked about.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

from mobile.sim.w3c import extensions as w3c_mobile  # the `mobile:` extensions live in their own module
from mobile.sim.w3c.device import DEFAULT_SETTINGS, Device, Request
from mobile.sim.w3c.elements import parse_source
from mobile.sim.w3c.protocol import ELEMENT_KEY, W3CError, merge_capabilities, pointer_gestures

__all__ = ["DEFAULT_SETTINGS", "ROUTE_SPECS", "SCRIPT_LATENCY", "normalize_script"]
# How often a find with an implicit wait re-reads the screen (device side, like UiAutomator2's retry loop).
IMPLICIT_WAIT_POLL_S = 0.05


def normalize_script(script: Any) -> str:
    """`mobile:scrollGesture` / `MOBILE: scrollGesture` -> `mobile: scrollGesture`."""
    text = str(script or "").strip()
    match = re.match(r"(?i)^mobile:\s*(\S+)$", text)
    return f"mobile: {match.group(1)}" if match else text


def _element(ref_id: str) -> dict[str, str]:
    return {ELEMENT_KEY: ref_id, "ELEMENT": ref_id}


def _doc(device: Device) -> Any:
    return parse_source(device.phone.source())


# --- session and status -----------------------------------------------------------------------------

def status(device: Device, req: Request) -> dict:
    return {"ready": True, "message": "LinkedIn simulated phone is ready",
            "build": {"platform": device.platform, "version": "linkedinsim-1"}}


def create_session(device: Device, req: Request) -> dict:
    session = device.new_session(merge_capabilities(req.body))
    return {"sessionId": session.session_id, "capabilities": session.capabilities}


def delete_session(device: Device, req: Request) -> None:
    device.end_session(req.active_session)


def get_session(device: Device, req: Request) -> dict:
    return req.active_session.capabilities


def get_timeouts(device: Device, req: Request) -> dict:
    return dict(req.active_session.timeouts)


def set_timeouts(device: Device, req: Request) -> None:
    body = req.body if isinstance(req.body, dict) else {}
    for key in ("implicit", "pageLoad", "script"):
        if key in body:
            if not isinstance(body[key], (int, float)) or body[key] < 0:
                raise W3CError("invalid argument", f"timeout '{key}' must be a non-negative number")
            req.active_session.timeouts[key] = int(body[key])


def get_settings(device: Device, req: Request) -> dict:
    return dict(req.active_session.settings)


def update_settings(device: Device, req: Request) -> None:
    settings = req.body.get("settings") if isinstance(req.body, dict) else None
    if not isinstance(settings, dict):
        raise W3CError("invalid argument", "POST appium/settings needs a `settings` object")
    req.active_session.settings.update(settings)


# --- screen -----------------------------------------------------------------------------------------

def page_source(device: Device, req: Request) -> str:
    return device.phone.source()


def screenshot(device: Device, req: Request) -> str:
    return base64.b64encode(device.phone.screenshot()).decode("ascii")


def window_rect(device: Device, req: Request) -> dict:
    width, height = device.phone.window_size()
    return {"x": 0, "y": 0, "width": width, "height": height}


def window_size(device: Device, req: Request) -> dict:
    width, height = device.phone.window_size()
    return {"width": width, "height": height}


def orientation(device: Device, req: Request) -> str:
    return "PORTRAIT"


def back(device: Device, req: Request) -> None:
    device.phone.back()


# --- elements ---------------------------------------------------------------------------------------

def _find(device: Device, req: Request, many: bool) -> Any:
    body = req.body if isinstance(req.body, dict) else {}
    using, value = body.get("using"), body.get("value")
    scope = req.params.get("eid")
    deadline = time.monotonic() + req.active_session.timeouts.get("implicit", 0) / 1000
    while True:
        refs = req.active_session.elements.find(_doc(device), using, value, req.active_session.settings, scope)
        if refs or time.monotonic() >= deadline or device.stopping.is_set():
            break
        # The phone lock is released while waiting so the screen can change (transitions complete).
        device.wait_unlocked(IMPLICIT_WAIT_POLL_S)
    if many:
        return [_element(ref.element_id) for ref in refs]
    if not refs:
        raise W3CError("no such element", f"no element matches {using} '{value}' on the current screen")
    return _element(refs[0].element_id)


def find_element(device: Device, req: Request) -> dict:
    return _find(device, req, many=False)


def find_elements(device: Device, req: Request) -> list:
    return _find(device, req, many=True)


def _view(device: Device, req: Request) -> Any:
    return req.active_session.elements.view(_doc(device), req.params["eid"])


def click(device: Device, req: Request) -> None:
    x, y = _view(device, req).center()
    device.phone.tap(x, y)


def attribute(device: Device, req: Request) -> str | None:
    return _view(device, req).attribute(req.params["name"])


def text(device: Device, req: Request) -> str:
    return _view(device, req).text()


def rect(device: Device, req: Request) -> dict:
    return _view(device, req).rect()


def displayed(device: Device, req: Request) -> bool:
    return _view(device, req).flag("displayed")


def enabled(device: Device, req: Request) -> bool:
    return _view(device, req).flag("enabled")


def selected(device: Device, req: Request) -> bool:
    return _view(device, req).flag("selected")


def tag_name(device: Device, req: Request) -> str:
    return _view(device, req).tag_name()


# --- gestures ---------------------------------------------------------------------------------------

def perform_actions(device: Device, req: Request) -> None:
    doc = _doc(device)
    gestures = pointer_gestures(req.body, lambda eid: req.active_session.elements.view(doc, eid).center())
    for gesture in gestures:
        if gesture.kind == "tap":
            device.phone.tap(*gesture.start)
        else:
            device.phone.swipe(*gesture.start, *gesture.end, max(gesture.duration_ms, 1))


def release_actions(device: Device, req: Request) -> None:
    return None


def execute(device: Device, req: Request) -> Any:
    body = req.body if isinstance(req.body, dict) else {}
    script = normalize_script(body.get("script"))
    args = body.get("args") or [{}]
    if not isinstance(args, list):
        raise W3CError("invalid argument", "execute `args` must be a list")
    options = args[0] if args and isinstance(args[0], dict) else {}
    return w3c_mobile.run(device, req, script, options)


def sim_log(device: Device, req: Request) -> Any:
    return json.loads(device.phone.log.to_json())


def sim_state(device: Device, req: Request) -> dict:
    phone = device.phone
    # Read-only: queries that the phone would log (query_app_state) are left out on purpose.
    return {
        "platform": phone.platform, "scenario": phone.scenario.name, "screen": phone.current_screen,
        "genai": "on" if phone.genai_enabled else "off", "signed_in": phone.signed_in,
        "app_installed": phone.app_installed, "offered": phone.offered,
        "locale": phone.locale, "session": device.session.session_id if device.session else None,
        "serial": phone.serial, "model": phone.model, "os_version": phone.os_version,
    }


_E = "/session/:sid/element/:eid"
# (method, path, latency key, handler): the key is what phone.command_latency() is asked (None = no wait);
# keys follow the scenario files' `latency.commands` (session, source, find, click, actions, ...).
ROUTE_SPECS: tuple[tuple, ...] = (
    ("GET", "/status", "status", status),
    ("POST", "/session", "session", create_session),
    ("GET", "/session/:sid", "default", get_session),
    ("DELETE", "/session/:sid", "delete_session", delete_session),
    ("GET", "/session/:sid/timeouts", "default", get_timeouts),
    ("POST", "/session/:sid/timeouts", "default", set_timeouts),
    ("GET", "/session/:sid/appium/settings", "default", get_settings),
    ("POST", "/session/:sid/appium/settings", "default", update_settings),
    ("GET", "/session/:sid/source", "source", page_source),
    ("GET", "/session/:sid/screenshot", "screenshot", screenshot),
    ("GET", "/session/:sid/window/rect", "window", window_rect),
    ("GET", "/session/:sid/window/size", "window", window_size),
    ("GET", "/session/:sid/window/:handle/size", "window", window_size),
    ("GET", "/session/:sid/orientation", "default", orientation),
    ("POST", "/session/:sid/back", "back", back),
    ("POST", "/session/:sid/element", "find", find_element),
    ("POST", "/session/:sid/elements", "find", find_elements),
    ("POST", f"{_E}/element", "find", find_element),
    ("POST", f"{_E}/elements", "find", find_elements),
    ("POST", f"{_E}/click", "click", click),
    ("GET", f"{_E}/attribute/:name", "attribute", attribute),
    ("GET", f"{_E}/text", "attribute", text),
    ("GET", f"{_E}/rect", "rect", rect),
    ("GET", f"{_E}/displayed", "attribute", displayed),
    ("GET", f"{_E}/enabled", "attribute", enabled),
    ("GET", f"{_E}/selected", "attribute", selected),
    ("GET", f"{_E}/name", "attribute", tag_name),
    ("POST", "/session/:sid/actions", "actions", perform_actions),
    ("DELETE", "/session/:sid/actions", "actions", release_actions),
    ("POST", "/session/:sid/execute/sync", "execute", execute),
    ("GET", "/sim/log", None, sim_log),
    ("GET", "/sim/state", None, sim_state),
)

# `mobile:` script -> latency key; scripts not listed use "execute".
SCRIPT_LATENCY = {
    "mobile: scrollGesture": "scroll", "mobile: swipeGesture": "scroll", "mobile: scroll": "scroll",
    "mobile: swipe": "scroll", "mobile: activateApp": "activate_app", "mobile: terminateApp": "terminate_app",
    "mobile: queryAppState": "query_app_state",
    # a point tap costs what an element click costs: one injected gesture, no lookup
    "mobile: clickGesture": "click", "mobile: tap": "click",
}
