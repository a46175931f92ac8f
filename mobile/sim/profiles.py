"""Latency profiles: the kinds of device the simulated phone can stand for (scenario `latency: {profile:}`,
`sim serve --latency-profile`, `bench.py --profile`). A profile's figures replace the scenario's command and
transition latencies; `rtt_ms` is a network round trip paid by every command (half before the device acts,
half after); on `busy_screens` the app never goes idle, so every command that waits for idle costs the
session's `waitForIdleTimeout` setting. Where each figure comes from: mobile/sim/README.md (Latency profiles).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# UiAutomator's Configurator default, which uiautomator2-server keeps unless the session lowers it
# (APPIUM.md; XCUITest's own waitForIdleTimeout setting defaults to 10 s as well).
DEFAULT_WAIT_FOR_IDLE_MS = 10000.0
# Commands that never wait for the app to be idle: session management, settings, and the app-management
# calls the UiAutomator2 driver answers over adb (am start / am force-stop / dumpsys), not on the device.
NO_IDLE_WAIT = frozenset({"session", "delete_session", "status", "default", "activate_app", "terminate_app",
                          "query_app_state"})


@dataclass(frozen=True)
class Profile:
    """One kind of device: overriding latencies (ms), a round trip per command (ms), never-idle screens."""

    name: str
    description: str
    commands: dict[str, float] = field(default_factory=dict)
    transitions: dict[str, float] = field(default_factory=dict)
    rtt_ms: float = 0.0
    busy_screens: frozenset[str] = frozenset()


PROFILES: dict[str, Profile] = {p.name: p for p in (
    Profile("emulator", "a local x86_64 emulator over adb (the scenario's own figures, default.yaml)"),
    Profile("usb-phone", "a mid-range physical phone on USB: slower dumps and screenshots, a real network",
            commands={"session": 6000, "source": 600, "find": 300, "click": 150, "screenshot": 500,
                      "scroll": 700},
            transitions={"native": 300, "webview": 1200, "launch": 2500}),
    Profile("cloud", "a device in a remote lab or behind a Grid: every command pays a 250 ms round trip",
            rtt_ms=250.0),
    Profile("busy-feed", "the home feed animates and never idles: every command there waits waitForIdleTimeout",
            busy_screens=frozenset({"home"})),
)}
DEFAULT_PROFILE = "emulator"


def known_profiles() -> list[str]:
    """The profile names, in the order the bench runs them."""
    return list(PROFILES)


def get_profile(name: str) -> Profile:
    """The named profile; KeyError for an unknown name (callers turn it into a ConfigError)."""
    return PROFILES[name]
