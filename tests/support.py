"""Helpers shared by the test suites (importable as `support` thanks to tests/conftest.py)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
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


class Client:
    """A tiny W3C client over urllib for one phone."""

    def __init__(self, url: str):
        self.url = url
        self.sid = ""

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else (b"{}" if method == "POST" else None)
        request = urllib.request.Request(self.url + path.replace(":sid", self.sid), data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())["value"]
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())["value"]

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
