"""Review findings in the reports: nothing of Python's own spelling leaks into junit.xml."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from mobile.output.report import junit_xml
from mobile.output.result import RunResult


def test_junit_properties_of_an_unknown_state_are_empty_not_python_none() -> None:
    r = RunResult(device="sim-android", platform="android", mode="apply", status="app_missing",
                  message="LinkedIn is not installed", commands=1, duration_s=1.7)
    props = {p.get("name"): p.get("value") for p in ET.fromstring(junit_xml([r])).iter("property")}
    assert props["before"] == "" and props["after"] == ""
    assert props["status"] == "app_missing" and props["commands"] == "1"
