"""Review findings in input checking: $LINKEDIN_SIM_LATENCY_SCALE and --latency-scale are inputs too (exit 2,
naming the variable or flag, before Appium or a phone starts)."""

from __future__ import annotations

import pytest

from mobile.cli.main import main
from mobile.sim.phone import LATENCY_ENV, Phone

BAD = ["abc", "nan", "inf", "-1"]


@pytest.mark.parametrize("value", BAD)
def test_a_bad_latency_variable_is_a_config_error_before_anything_starts(
        value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(LATENCY_ENV, value)
    monkeypatch.setenv("LINKEDIN_OPTOUT_APPIUM", "/nonexistent/appium")  # were it started, it would fail loudly
    code = main(["check", "--device", "sim-android"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"${LATENCY_ENV}" in err and "starting Appium" not in err


@pytest.mark.parametrize("value", BAD)
def test_sim_serve_refuses_a_bad_latency_variable(value: str, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(LATENCY_ENV, value)
    assert main(["sim", "serve", "--port", "0"]) == 2
    assert f"${LATENCY_ENV}" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_sim_serve_refuses_a_latency_scale_that_is_no_finite_number(value: str,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "serve", "--port", "0", "--latency-scale", value]) == 2
    assert "--latency-scale" in capsys.readouterr().err


def test_a_good_latency_variable_still_scales_the_phone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LATENCY_ENV, "0.5")
    assert Phone("android", "default").latency_scale == 0.5
