"""The uiautomator2-server routes that differ from the phone's W3C server, and how they are translated.

- answered here: `/appium/device/{pixel_ratio,system_bars,display_density,info}`, `GET /session/:id`;
- translated: find (`{strategy, selector, context}` -> `{using, value}`, a context element scopes the search),
  `/appium/gestures/click` and `/appium/gestures/scroll` (-> `mobile: clickGesture` / `scrollGesture` with the
  server's semantics: origin + offset taps at the element's top-left + offset), element size/location;
- everything else (source, screenshot, back, element rect/attribute/click, settings, ...) as is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from mobile.sim.w3c.protocol import W3CError, element_id_of

STATUS = {"ready": True, "message": "UiAutomator2 Server is ready to accept commands",
          "build": {"versionName": "10.6.6", "versionCode": 206}}
DENSITY = 420
STATUS_BAR_PX = 63
NOT_LOCAL = object()


def _device_info(u2: Any) -> dict[str, Any]:
    # a real cycle: adb.shell -> adb.system -> u2.server -> this module
    from mobile.sim.adb.shell import properties

    phone = u2.system.phone
    props = properties(u2.system)
    return {"androidId": "5a1f2c0de1f2a3b4", "manufacturer": props["ro.product.manufacturer"],
            "model": phone.model, "brand": props["ro.product.brand"], "apiVersion": props["ro.build.version.sdk"],
            "platformVersion": phone.os_version, "carrierName": "", "realDisplaySize": f"{phone.width}x{phone.height}",
            "displayDensity": DENSITY, "networks": [], "locale": str(getattr(phone, "locale", "en")),
            "timeZone": "Europe/Amsterdam", "bluetooth": {"state": "OFF"}}


LOCAL: dict[tuple[str, str], Callable[[Any], Any]] = {
    ("GET", "/appium/device/pixel_ratio"): lambda u2: DENSITY / 160,
    ("GET", "/appium/device/display_density"): lambda u2: DENSITY,
    ("GET", "/appium/device/system_bars"): lambda u2: {"statusBar": STATUS_BAR_PX},
    ("GET", "/appium/device/info"): _device_info,
    ("GET", ""): lambda u2: u2.session.capabilities,
}


def local_answer(u2: Any, method: str, rest: str) -> Any:
    """The value of a route this module answers itself, else NOT_LOCAL."""
    answer = LOCAL.get((method, rest))
    return NOT_LOCAL if answer is None else answer(u2)


@dataclass
class Target:
    """Where a u2 request goes on the phone's W3C server, and how its answer's value is reshaped."""

    path: str
    body: Any
    convert: Callable[[Any], Any] = field(default=lambda value: value)


def _find(rest: str, body: dict) -> Target:
    many = rest.endswith("s")
    context = element_id_of(body.get("context")) if body.get("context") else None
    scope = f"/element/{context}" if context else ""
    return Target(f"{scope}/element{'s' if many else ''}",
                  {"using": body.get("strategy"), "value": body.get("selector")})


def _click(body: dict) -> Target:
    args: dict[str, Any] = {}
    origin = element_id_of(body.get("origin"))
    if origin:
        args["elementId"] = origin
    offset = body.get("offset")
    if isinstance(offset, dict):
        args.update(x=offset.get("x"), y=offset.get("y"))
    return Target("/execute/sync", {"script": "mobile: clickGesture", "args": [args]}, lambda value: None)


def _scroll(body: dict) -> Target:
    args: dict[str, Any] = {"direction": body.get("direction"), "percent": body.get("percent", 1.0)}
    origin = element_id_of(body.get("origin"))
    area = body.get("area")
    if origin:
        args["elementId"] = origin
    elif isinstance(area, dict):
        args.update({key: area.get(key) for key in ("left", "top", "width", "height")})
    else:
        raise W3CError("invalid argument", "Either the 'origin' element or the 'area' must be provided")
    return Target("/execute/sync", {"script": "mobile: scrollGesture", "args": [args]}, bool)


def translate(method: str, rest: str, body: dict) -> Target:
    """The phone-server request for one u2 request under /session/:id."""
    if method == "POST" and (rest in ("/element", "/elements") or
                             (rest.startswith("/element/") and rest.endswith(("/element", "/elements")))):
        if rest.startswith("/element/"):  # W3C form /element/:id/element: already scoped
            return Target(rest, {"using": body.get("strategy") or body.get("using"),
                                 "value": body.get("selector") or body.get("value")})
        return _find(rest, body)
    if (method, rest) == ("POST", "/appium/gestures/click"):
        return _click(body)
    if (method, rest) == ("POST", "/appium/gestures/scroll"):
        return _scroll(body)
    if method == "GET" and rest.startswith("/element/") and rest.endswith(("/size", "/location")):
        keys = ("width", "height") if rest.endswith("/size") else ("x", "y")
        return Target(rest.rsplit("/", 1)[0] + "/rect", body, lambda rect: {k: rect[k] for k in keys})
    return Target(rest, body)
