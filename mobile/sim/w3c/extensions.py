"""The `mobile:` execute extensions the simulated phone understands (UiAutomator2 and XCUITest names)."""

from __future__ import annotations

from typing import Any, Callable

from mobile.sim.w3c.device import Device, Request
from mobile.sim.w3c.elements import parse_source
from mobile.sim.w3c.protocol import W3CError, element_id_of

Extension = Callable[[Device, Request, dict], Any]


def _app_id(device: Device, options: dict) -> str:
    app_id = options.get("appId") or options.get("bundleId")
    if not isinstance(app_id, str) or not app_id:
        key = "appId" if device.platform == "android" else "bundleId"
        raise W3CError("invalid argument", f"'{key}' is required")
    return app_id


def _element_rect(device: Device, req: Request, options: dict) -> dict | None:
    element_id = element_id_of(options.get("elementId") or options.get("element"))
    if element_id is None:
        return None
    doc = parse_source(device.phone.source())
    return req.active_session.elements.view(doc, element_id).rect()


def _area(device: Device, req: Request, options: dict) -> tuple[int, int, int, int]:
    """The gesture area: an element's rect, or left/top/width/height, as UiAutomator2 requires."""
    rect = _element_rect(device, req, options)
    if rect is not None:
        return rect["x"], rect["y"], rect["width"], rect["height"]
    try:
        area = tuple(int(options[key]) for key in ("left", "top", "width", "height"))
    except (KeyError, TypeError, ValueError):
        raise W3CError("invalid argument", "give either elementId or left, top, width and height") from None
    if area[2] <= 0 or area[3] <= 0:
        raise W3CError("invalid argument", f"the gesture area must not be empty, got {area}")
    return area  # type: ignore[return-value]


def _direction(options: dict, allowed: tuple[str, ...]) -> str:
    direction = str(options.get("direction", "")).lower()
    if direction not in allowed:
        raise W3CError("invalid argument", f"'direction' must be one of {', '.join(allowed)}, got {direction!r}")
    return direction


def _percent(options: dict) -> float:
    try:
        percent = float(options.get("percent", 1.0))
    except (TypeError, ValueError):
        raise W3CError("invalid argument", "'percent' must be a number") from None
    if not 0 < percent <= 1.0 + 1e-9:
        raise W3CError("invalid argument", f"'percent' must be in (0, 1], got {percent}")
    return percent


def _point(device: Device, req: Request, options: dict) -> tuple[int, int]:
    """A tap point: x/y on the screen, the element's center, or x/y relative to the element."""
    rect = _element_rect(device, req, options)
    x, y = options.get("x"), options.get("y")
    if rect is None:
        if not isinstance(x, (int, float)) or not isinstance(y, (int, float)):
            raise W3CError("invalid argument", "give elementId or numeric x and y")
        return int(x), int(y)
    if isinstance(x, (int, float)) and isinstance(y, (int, float)):
        return rect["x"] + int(x), rect["y"] + int(y)
    return rect["x"] + rect["width"] // 2, rect["y"] + rect["height"] // 2


def activate_app(device: Device, req: Request, options: dict) -> None:
    device.phone.activate_app(_app_id(device, options))


def terminate_app(device: Device, req: Request, options: dict) -> bool:
    return bool(device.phone.terminate_app(_app_id(device, options)))


def query_app_state(device: Device, req: Request, options: dict) -> int:
    return int(device.phone.query_app_state(_app_id(device, options)))


def scroll_gesture(device: Device, req: Request, options: dict) -> bool:
    """Android: scroll inside the area; True while more scrolling in that direction is possible."""
    area = _area(device, req, options)
    direction = _direction(options, ("up", "down", "left", "right"))
    return bool(device.phone.scroll(direction, area, _percent(options)))


def swipe_gesture(device: Device, req: Request, options: dict) -> None:
    """Android: a swipe of `percent` of the area in `direction`, through the area's center."""
    left, top, width, height = _area(device, req, options)
    direction = _direction(options, ("up", "down", "left", "right"))
    percent = _percent(options)
    cx, cy = left + width // 2, top + height // 2
    dx = {"left": -1, "right": 1}.get(direction, 0) * int(width * percent / 2)
    dy = {"up": -1, "down": 1}.get(direction, 0) * int(height * percent / 2)
    device.phone.swipe(cx - dx, cy - dy, cx + dx, cy + dy, 300)


def click_gesture(device: Device, req: Request, options: dict) -> None:
    device.phone.tap(*_point(device, req, options))


def ios_scroll(device: Device, req: Request, options: dict) -> None:
    """iOS `mobile: scroll`: one page in `direction` inside the element (or the main scroll view)."""
    direction = _direction(options, ("up", "down", "left", "right"))
    rect = _element_rect(device, req, options)
    area = (rect["x"], rect["y"], rect["width"], rect["height"]) if rect else None
    device.phone.scroll(direction, area, 1.0)


def ios_swipe(device: Device, req: Request, options: dict) -> None:
    """iOS `mobile: swipe`: the finger moves in `direction`, so content scrolls the other way."""
    direction = _direction(options, ("up", "down", "left", "right"))
    opposite = {"up": "down", "down": "up", "left": "right", "right": "left"}[direction]
    rect = _element_rect(device, req, options)
    area = (rect["x"], rect["y"], rect["width"], rect["height"]) if rect else None
    device.phone.scroll(opposite, area, 0.5)


def ios_tap(device: Device, req: Request, options: dict) -> None:
    device.phone.tap(*_point(device, req, options))


COMMON: dict[str, Extension] = {
    "mobile: activateApp": activate_app, "mobile: terminateApp": terminate_app,
    "mobile: queryAppState": query_app_state,
}
EXTENSIONS: dict[str, dict[str, Extension]] = {
    "android": {**COMMON, "mobile: scrollGesture": scroll_gesture, "mobile: swipeGesture": swipe_gesture,
                "mobile: clickGesture": click_gesture},
    "ios": {**COMMON, "mobile: scroll": ios_scroll, "mobile: swipe": ios_swipe, "mobile: tap": ios_tap},
}


def run(device: Device, req: Request, script: str, options: dict) -> Any:
    """Run one `mobile:` extension; anything else is an unsupported operation, as on a real driver."""
    table = EXTENSIONS.get(device.platform, {})
    extension = table.get(script)
    if extension is None:
        known = ", ".join(sorted(table))
        raise W3CError("unsupported operation",
                       f"Unsupported execute method '{script}' on the simulated {device.platform} phone. "
                       f"Available methods: {known}")
    return extension(device, req, options)
