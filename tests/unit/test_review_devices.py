"""Review finding: one physical phone is driven once per run, whatever names reach it. Two sessions on one
phone at once could each tap the switch (on -> off -> on)."""

from __future__ import annotations

from mobile.reach.adb import LiveDevice
from mobile.reach.devices import parse_devices, resolve

YAML = """\
devices:
  phone: {platform: android, serial: auto}
  pixel: {platform: android, serial: R58M123}
  sim-android: {platform: android, simulator: {scenario: default}}
  sim-android-fr: {platform: android, simulator: {scenario: french}}
"""
LIVE = [LiveDevice(serial="R58M123", state="device", model="Pixel 8", os_version="14")]


def config():  # type: ignore[no-untyped-def]
    return parse_devices(YAML, "devices.yaml")


def test_the_same_phone_by_two_names_is_driven_once() -> None:
    for names in (["phone", "R58M123"], ["auto", "pixel"], ["phone", "pixel", "auto"]):
        devices = resolve(config(), names, live=LIVE)
        assert [d.serial for d in devices] == ["R58M123"], names


def test_all_keeps_one_entry_per_phone_and_every_simulated_phone() -> None:
    devices = resolve(config(), all=True, live=LIVE)
    assert [d.name for d in devices] == ["phone", "sim-android", "sim-android-fr"]
