"""Helpers shared by the test suites (importable as `support` thanks to tests/conftest.py)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
ANDROID_CAPS = {"platformName": "Android", "appium:appPackage": "com.linkedin.android",
                "appium:appActivity": "com.linkedin.android.authenticator.LaunchActivity"}


class FakeClock:
    """A clock that moves only when told: by `sleep` (a sleeper that costs no real time) or `advance`."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    advance = sleep


def write_file(path: Path, text: str | bytes) -> str:
    """Write `text` (UTF-8) or bytes to `path`; the path as a string, the way the CLI and the loaders take it."""
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def http_json(url: str, method: str = "GET", body: Any = None, timeout: float = 30.0) -> tuple[int, Any]:
    """One JSON-over-HTTP call as a W3C client makes it (a POST without a body sends `{}`): the status and the
    decoded document, error statuses included."""
    data = json.dumps(body).encode() if body is not None else (b"{}" if method == "POST" else None)
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


class Client:
    """A tiny W3C client over urllib for one phone."""

    def __init__(self, url: str):
        self.url = url
        self.sid = ""

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        status, document = http_json(self.url + path.replace(":sid", self.sid), method, body)
        return status, document["value"]

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, value = self.call(method, path, body)
        assert status == 200, value
        return value

    def start(self, caps: dict | None = None) -> str:
        value = self.ok("POST", "/session", {"capabilities": {"alwaysMatch": caps or ANDROID_CAPS, "firstMatch": [{}]}})
        self.sid = value["sessionId"]
        return self.sid

    def find(self, using: str, value: str) -> str:
        return self.ok("POST", "/session/:sid/element", {"using": using, "value": value})[ELEMENT]

    def finds(self, using: str, value: str) -> list[str]:
        return [e[ELEMENT] for e in self.ok("POST", "/session/:sid/elements", {"using": using, "value": value})]

    def screen(self) -> str:
        return self.ok("GET", "/sim/state")["screen"]
