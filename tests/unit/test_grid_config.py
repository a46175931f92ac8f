"""The Selenium Grid configs in ci/grid and what mobile/reach/grid.py derives from them (no Java started)."""

from __future__ import annotations

import json
import tomllib

import pytest

from mobile.reach.capabilities import NEW_COMMAND_TIMEOUT
from mobile.reach.grid import (hub_config, load_template, node_config, ready_slots,
                         sim_stereotype, to_toml, u2_stereotype)


def test_templates_are_valid_toml_bound_to_loopback() -> None:
    for name in ("hub.toml", "node-appium.toml"):
        config = load_template(name)
        assert config["server"]["host"] == "127.0.0.1"
        assert all(url.startswith("tcp://127.0.0.1:") for url in config["events"].values() if isinstance(url, str))


def test_node_template_is_a_relay_to_appium_3() -> None:
    node = load_template("node-appium.toml")
    assert node["node"]["detect-drivers"] is False
    assert node["node"]["override-max-sessions"] is True
    assert node["relay"]["status-endpoint"] == "/status"
    assert not node["relay"]["url"].endswith("/wd/hub")  # Appium 3 serves at /
    configs = node["relay"]["configs"]
    # The flat list: a session count then a stereotype JSON, repeated.
    assert all(isinstance(item, str) for item in configs) and len(configs) % 2 == 0
    assert json.loads(configs[1])["appium:automationName"] == "LinkedInSim"
    assert node["node"]["session-timeout"] == NEW_COMMAND_TIMEOUT


def test_node_config_has_one_slot_per_stereotype() -> None:
    hub = hub_config(4000, 4001, 4002, session_request_timeout=15)
    phones = [sim_stereotype("android", f"http://127.0.0.1:{7000 + i}", slot=i) for i in range(3)]
    node = node_config(5000, hub, "http://127.0.0.1:4723/", phones)
    assert node["node"]["max-sessions"] == 3
    assert node["node"]["grid-url"] == "http://127.0.0.1:4000"
    assert node["events"] == {"publish": "tcp://127.0.0.1:4001", "subscribe": "tcp://127.0.0.1:4002"}
    assert node["relay"]["url"] == "http://127.0.0.1:4723"
    counts, stereotypes = node["relay"]["configs"][0::2], [json.loads(s) for s in node["relay"]["configs"][1::2]]
    assert counts == ["1", "1", "1"]
    assert [s["appium:simServer"] for s in stereotypes] == [f"http://127.0.0.1:{7000 + i}" for i in range(3)]
    assert len({s["appium:systemPort"] for s in stereotypes}) == 3  # distinct UiAutomator2 ports
    assert hub["sessionqueue"]["session-request-timeout"] == 15


def test_node_config_needs_a_stereotype() -> None:
    with pytest.raises(ValueError):
        node_config(5000, hub_config(4000, 4001, 4002), "http://127.0.0.1:4723", [])


def test_written_toml_reads_back_identically() -> None:
    hub = hub_config(4000, 4001, 4002)
    node = node_config(5000, hub, "http://127.0.0.1:4723", [sim_stereotype("ios", "http://x/\"q\"")])
    for config in (hub, node):
        assert tomllib.loads(to_toml(config)) == config


def test_generic_sim_slot_takes_any_phone() -> None:
    stereotype = sim_stereotype("ios")
    assert stereotype == {"platformName": "iOS", "appium:automationName": "LinkedInSim"}


def test_ready_slots_counts_only_up_nodes() -> None:
    status = {"nodes": [{"availability": "UP", "slots": [{}, {}]}, {"availability": "DOWN", "slots": [{}]}]}
    assert ready_slots(status) == 2



def test_hub_starts_a_whole_farm_of_sessions_at_once() -> None:
    # Grid's default is the CPU count: on a 2-core runner 16 phones would start two at a time.
    assert load_template("hub.toml")["distributor"]["newsession-threadpool-size"] >= 16


def test_identical_stereotypes_are_one_entry_with_that_many_sessions() -> None:
    """Grid keeps one slot per distinct relay entry: four UiAutomator2 slots are ("4", stereotype)."""
    node = node_config(5000, hub_config(4000, 4001, 4002), "http://127.0.0.1:4723", [u2_stereotype()] * 4)
    assert node["node"]["max-sessions"] == 4
    assert node["relay"]["configs"] == ["4", json.dumps(u2_stereotype(), sort_keys=True)]
    assert "appium:systemPort" not in u2_stereotype()  # the request names a free port of its own
