"""W3C WebDriver pieces of the simulated phone's server: errors, capabilities, pointer actions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"
LEGACY_ELEMENT_KEY = "ELEMENT"

# W3C error code -> HTTP status (WebDriver spec, "Errors" table).
ERROR_STATUS = {
    "element click intercepted": 400, "element not interactable": 400, "insecure certificate": 400,
    "invalid argument": 400, "invalid cookie domain": 400, "invalid element state": 400,
    "invalid selector": 400, "invalid session id": 404, "javascript error": 500,
    "move target out of bounds": 500, "no such alert": 404, "no such cookie": 404,
    "no such element": 404, "no such frame": 404, "no such window": 404, "script timeout": 500,
    "session not created": 500, "stale element reference": 404, "timeout": 500,
    "unable to set cookie": 500, "unable to capture screen": 500, "unexpected alert open": 500,
    "unknown command": 404, "unknown error": 500, "unknown method": 405, "unsupported operation": 500,
}

# A pointer that travels less than this between down and up is a tap, as Android's touch slop.
TOUCH_SLOP_PX = 10


class W3CError(Exception):
    """An error answered as W3C JSON: `error` is the spec's code, `message` says what happened."""

    def __init__(self, error: str, message: str):
        if error not in ERROR_STATUS:
            error, message = "unknown error", f"{error}: {message}"
        self.error = error
        self.message = message
        super().__init__(f"{error}: {message}")

    @property
    def status(self) -> int:
        """The HTTP status the spec assigns to this error code."""
        return ERROR_STATUS[self.error]

    def body(self) -> dict[str, Any]:
        """The JSON body of the error response."""
        return {"value": {"error": self.error, "message": self.message, "stacktrace": ""}}


def merge_capabilities(body: Any) -> dict[str, Any]:
    """W3C capability processing: alwaysMatch merged with the first firstMatch entry."""
    if not isinstance(body, dict) or not isinstance(body.get("capabilities"), dict):
        raise W3CError("invalid argument", "POST /session needs a W3C `capabilities` object")
    caps = body["capabilities"]
    always = caps.get("alwaysMatch") or {}
    first = caps.get("firstMatch") or [{}]
    if not isinstance(always, dict) or not isinstance(first, list) or not all(isinstance(f, dict) for f in first):
        raise W3CError("invalid argument", "alwaysMatch must be an object and firstMatch a list of objects")
    for entry in first:
        clash = set(entry) & set(always)
        if clash:
            raise W3CError("invalid argument", f"firstMatch repeats alwaysMatch keys: {sorted(clash)}")
    return {**always, **(first[0] if first else {})}


def element_id_of(value: Any) -> str | None:
    """The element id inside a W3C element reference (or a bare id string), else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        found = value.get(ELEMENT_KEY) or value.get(LEGACY_ELEMENT_KEY)
        return str(found) if found else None
    return None


@dataclass(frozen=True)
class Gesture:
    """What one W3C pointer sequence amounts to on a touch screen."""

    kind: str  # "tap" | "swipe"
    start: tuple[int, int]
    end: tuple[int, int]
    duration_ms: int


def _number(action: dict, key: str, default: float = 0.0) -> float:
    value = action.get(key, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise W3CError("invalid argument", f"pointer action `{key}` must be a number, got {value!r}")
    return float(value)


def pointer_gestures(body: Any, element_center: Any) -> list[Gesture]:
    """Turn a W3C `actions` body into taps and swipes; `element_center(id)` resolves element origins."""
    if not isinstance(body, dict) or not isinstance(body.get("actions"), list):
        raise W3CError("invalid argument", "POST actions needs an `actions` list")
    pointers = [source for source in body["actions"] if isinstance(source, dict) and source.get("type") == "pointer"]
    touching = [source for source in pointers if any(a.get("type") == "pointerDown" for a in source.get("actions", []))]
    if len(touching) > 1:
        raise W3CError("unsupported operation", "multi-touch gestures are not supported by the simulated phone")
    gestures: list[Gesture] = []
    for source in touching:
        gestures.extend(_gestures_of(source.get("actions") or [], element_center))
    return gestures


def _gestures_of(actions: list, element_center: Any) -> list[Gesture]:
    """Walk one pointer's actions, tracking its position, and cut it into gestures at each pointerUp."""
    x = y = 0.0
    down: tuple[float, float] | None = None
    travelled = 0.0
    elapsed = 0.0
    gestures: list[Gesture] = []
    for action in actions:
        if not isinstance(action, dict):
            raise W3CError("invalid argument", f"pointer action must be an object, got {action!r}")
        kind = action.get("type")
        if kind == "pointerMove":
            origin = action.get("origin", "viewport")
            dx, dy = _number(action, "x"), _number(action, "y")
            if origin == "pointer":
                nx, ny = x + dx, y + dy
            elif origin == "viewport":
                nx, ny = dx, dy
            else:
                element_id = element_id_of(origin)
                if element_id is None:
                    raise W3CError("invalid argument", f"unknown pointerMove origin {origin!r}")
                cx, cy = element_center(element_id)
                nx, ny = cx + dx, cy + dy
            if down is not None:
                travelled += math.hypot(nx - x, ny - y)
                elapsed += _number(action, "duration")
            x, y = nx, ny
        elif kind == "pointerDown":
            down, travelled, elapsed = (x, y), 0.0, 0.0
        elif kind == "pause":
            if down is not None:
                elapsed += _number(action, "duration")
        elif kind == "pointerUp":
            if down is None:
                continue
            start = (round(down[0]), round(down[1]))
            end = (round(x), round(y))
            moved = travelled > TOUCH_SLOP_PX or math.hypot(x - down[0], y - down[1]) > TOUCH_SLOP_PX
            gestures.append(Gesture("swipe" if moved else "tap", start, end, int(elapsed)))
            down = None
        elif kind in ("pointerCancel",):
            down = None
        else:
            raise W3CError("invalid argument", f"unknown pointer action type {kind!r}")
    return gestures
