"""The simulated phone's W3C server with its modelled latency on the wall clock (real sleeps on the server's
side, so not a unit test): an implicit wait re-reads the screen until a late element is there."""

from __future__ import annotations

from mobile.sim.launch import start_phone
from support import Client


def test_timeouts_and_implicit_wait_retries_until_found() -> None:
    slow = start_phone("android", "slow", latency_scale=0.02)
    try:
        client = Client(slow.url)
        client.start()
        client.ok("POST", "/session/:sid/timeouts", {"implicit": 5000})
        assert client.ok("GET", "/session/:sid/timeouts")["implicit"] == 5000
        assert client.find("accessibility id", "My Profile and Communities")
    finally:
        slow.stop()
