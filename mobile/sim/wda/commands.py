"""WebDriverAgent's routes over the simulated iPhone, one small handler each.

Shapes follow WDA's ObjC handlers (appium-webdriveragent 16.12.9, the one appium-xcuitest-driver 12.13.1
uses): FBSessionCommands, FBElementCommands, FBFindElementCommands, FBDebugCommands, FBScreenshotCommands,
FBCustomCommands. Route specs are (method, path, latency key, handler) as in mobile/sim/w3c/commands.py.
"""

from __future__ import annotations

import math
from mobile.sim.w3c import commands as w3c
from mobile.sim.w3c.device import Request
from mobile.sim.w3c.elements import parse_source
from mobile.sim.w3c.protocol import W3CError
from mobile.sim.wda.device import WDA_BUNDLE, WDA_VERSION, WdaDevice

SCROLL_DIRECTIONS = ("up", "down", "left", "right")


def status(device: WdaDevice, req: Request) -> dict:
    phone = device.phone
    return {
        "ready": True, "message": "WebDriverAgent is ready to accept commands", "state": "success",
        "os": {"name": "iOS", "version": phone.os_version, "sdkVersion": phone.os_version,
               "testmanagerdVersion": 28},
        "ios": {"ip": "127.0.0.1"},
        "build": {"time": "Nov 29 2026 00:00:00", "productBundleIdentifier": WDA_BUNDLE, "version": WDA_VERSION},
        "device": "iphone",
    }


def create_session(device: WdaDevice, req: Request) -> dict:
    session = device.new_wda_session(req.body)
    # FBSessionCommands.sessionInformation: the id and currentCapabilities (device kind and SDK version)
    return {"sessionId": session.session_id,
            "capabilities": {"device": "iphone", "sdkVersion": device.phone.os_version}}


def session_info(device: WdaDevice, req: Request) -> dict:
    return {"sessionId": req.active_session.session_id,
            "capabilities": {"device": "iphone", "sdkVersion": device.phone.os_version}}


def delete_session(device: WdaDevice, req: Request) -> None:
    device.end_wda_session(req.active_session)


def page_source(device: WdaDevice, req: Request) -> str:
    """GET /source?format=xml: the XCUITest XML (scope=AppiumAUT roots it at <AppiumAUT>, as ours always is)."""
    fmt = req.query.get("format", "xml")
    if fmt != "xml":
        raise W3CError("invalid argument", f"the simulated WebDriverAgent serves format=xml only, not {fmt!r}")
    return device.phone.source()


def _number(body: dict, key: str) -> float:
    value = body.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise W3CError("invalid argument", f"'{key}' must be a number, got {value!r}")
    return float(value)


def tap(device: WdaDevice, req: Request) -> None:
    """POST /wda/tap {x, y}: a tap at screen coordinates (points)."""
    body = req.body if isinstance(req.body, dict) else {}
    x, y = _number(body, "x"), _number(body, "y")
    if not (0 <= x < device.phone.width and 0 <= y < device.phone.height):
        raise W3CError("invalid argument", f"the point ({x:g}, {y:g}) is outside the screen")
    device.phone.tap(round(x), round(y))


def element_tap(device: WdaDevice, req: Request) -> None:
    """POST /wda/element/:uuid/tap {x, y}: coordinates relative to the element's top left."""
    body = req.body if isinstance(req.body, dict) else {}
    rect = w3c._view(device, req).rect()
    x = rect["x"] + (_number(body, "x") if "x" in body else rect["width"] / 2)
    y = rect["y"] + (_number(body, "y") if "y" in body else rect["height"] / 2)
    device.phone.tap(round(x), round(y))


def scroll(device: WdaDevice, req: Request) -> None:
    """POST /wda/scroll (and /wda/element/:uuid/scroll): direction[, distance], or name / predicateString /
    toVisible, which need the element on screen (404 no such element otherwise)."""
    body = req.body if isinstance(req.body, dict) else {}
    area = None
    if "eid" in req.params:
        rect = w3c._view(device, req).rect()
        area = (rect["x"], rect["y"], rect["width"], rect["height"])
    if "direction" in body:
        direction = str(body["direction"]).lower()
        if direction not in SCROLL_DIRECTIONS:
            raise W3CError("invalid argument", f"direction must be one of {', '.join(SCROLL_DIRECTIONS)}")
        distance = _number(body, "distance") if "distance" in body else 1.0
        if distance <= 0:
            raise W3CError("invalid argument", "distance must be positive")
        device.phone.scroll(direction, area, min(distance, 1.0))
        return
    for key, using in (("name", "name"), ("predicateString", "predicate string")):
        if key in body:
            refs = req.active_session.elements.find(parse_source(device.phone.source()), using, str(body[key]), {})
            if not refs:
                raise W3CError("no such element", f"no element matches {key} '{body[key]}' to scroll to")
            return
    if body.get("toVisible"):
        return  # an element we could read is already visible
    raise W3CError("invalid argument", "give direction, name, predicateString or toVisible")


def _bundle(req: Request) -> str:
    body = req.body if isinstance(req.body, dict) else {}
    bundle_id = body.get("bundleId")
    if not isinstance(bundle_id, str) or not bundle_id:
        raise W3CError("invalid argument", "'bundleId' is required")
    return bundle_id


def app_launch(device: WdaDevice, req: Request) -> None:
    device.phone.activate_app(_bundle(req))


def app_activate(device: WdaDevice, req: Request) -> None:
    device.phone.activate_app(_bundle(req))


def app_terminate(device: WdaDevice, req: Request) -> bool:
    return device.phone.terminate_app(_bundle(req))


def app_state(device: WdaDevice, req: Request) -> int:
    return device.phone.query_app_state(_bundle(req))


def screen_info(device: WdaDevice, req: Request) -> dict:
    width, height = device.phone.window_size()
    return {"statusBarSize": {"width": width, "height": 47}, "scale": 3,
            "screenSize": {"width": width, "height": height}}


def device_info(device: WdaDevice, req: Request) -> dict:
    phone = device.phone
    return {"currentLocale": phone.locale, "timeZone": "UTC", "name": phone.model, "model": "iPhone",
            "uuid": phone.serial, "userInterfaceIdiom": 0, "userInterfaceStyle": "light", "isSimulator": False}


_E = "/session/:sid/element/:eid"
ROUTE_SPECS: tuple[tuple, ...] = (
    ("GET", "/status", "status", status),
    ("POST", "/session", "session", create_session),
    ("GET", "/session/:sid", "default", session_info),
    ("DELETE", "/session/:sid", "delete_session", delete_session),
    ("POST", "/session/:sid/timeouts", "default", w3c.set_timeouts),
    ("GET", "/session/:sid/appium/settings", "default", w3c.get_settings),
    ("POST", "/session/:sid/appium/settings", "default", w3c.update_settings),
    ("GET", "/session/:sid/source", "source", page_source),
    ("GET", "/source", "source", page_source),
    ("GET", "/session/:sid/screenshot", "screenshot", w3c.screenshot),
    ("GET", "/screenshot", "screenshot", w3c.screenshot),
    ("GET", "/session/:sid/window/rect", "window", w3c.window_rect),
    ("GET", "/session/:sid/window/size", "window", w3c.window_size),
    ("GET", "/session/:sid/wda/screen", "window", screen_info),
    ("GET", "/wda/screen", "window", screen_info),
    ("GET", "/session/:sid/orientation", "default", w3c.orientation),
    ("GET", "/session/:sid/wda/device/info", "default", device_info),
    ("GET", "/wda/device/info", "default", device_info),
    ("POST", "/session/:sid/element", "find", w3c.find_element),
    ("POST", "/session/:sid/elements", "find", w3c.find_elements),
    ("POST", f"{_E}/element", "find", w3c.find_element),
    ("POST", f"{_E}/elements", "find", w3c.find_elements),
    ("POST", f"{_E}/click", "click", w3c.click),
    ("GET", f"{_E}/attribute/:name", "attribute", w3c.attribute),
    ("GET", f"{_E}/text", "attribute", w3c.text),
    ("GET", f"{_E}/rect", "rect", w3c.rect),
    ("GET", f"{_E}/displayed", "attribute", w3c.displayed),
    ("GET", f"{_E}/enabled", "attribute", w3c.enabled),
    ("GET", f"{_E}/selected", "attribute", w3c.selected),
    ("GET", f"{_E}/name", "attribute", w3c.tag_name),
    ("POST", "/session/:sid/wda/tap", "click", tap),
    ("POST", "/session/:sid/wda/element/:eid/tap", "click", element_tap),
    ("POST", "/session/:sid/wda/scroll", "scroll", scroll),
    ("POST", "/session/:sid/wda/element/:eid/scroll", "scroll", scroll),
    ("POST", "/session/:sid/wda/apps/launch", "activate_app", app_launch),
    ("POST", "/session/:sid/wda/apps/activate", "activate_app", app_activate),
    ("POST", "/session/:sid/wda/apps/terminate", "terminate_app", app_terminate),
    ("POST", "/session/:sid/wda/apps/state", "query_app_state", app_state),
    ("GET", "/sim/log", None, w3c.sim_log),
    ("GET", "/sim/state", None, w3c.sim_state),
)
