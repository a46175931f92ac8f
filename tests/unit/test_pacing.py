"""Pacing: when the first read after an action can show the new screen (pure: times in, times out)."""

from __future__ import annotations

import pytest

from mobile.engine.pacing import MARGIN_S, MARGIN_SHARE, Pacing

PRIOR = {"launch": 1.8, "native": 0.35, "webview": 0.9, "back": 0.3}


def paced(length: float, read: float) -> float:
    """Where a paced first read goes, after an action answered at 0."""
    return length - read + MARGIN_S + MARGIN_SHARE * length


def test_reads_go_at_once_until_the_device_has_shown_a_transition() -> None:
    pacing = Pacing(prior=PRIOR)
    pacing.record_read(0.45)
    transit = pacing.start("webview", 10.0)
    assert transit.expected is None and pacing.read_at(transit, 10.0) == 10.0


def test_a_device_that_shows_every_screen_on_the_first_read_never_waits() -> None:
    pacing = Pacing(prior=PRIOR)
    for kind in ("launch", "native", "webview", "back"):
        pacing.record_read(0.02)
        transit = pacing.start(kind, 1.0)
        transit.saw(1.02, True)
        pacing.finish(transit)
        assert pacing.learned[kind] == 0.0
    assert not pacing.slow
    assert all(pacing.read_at(pacing.start(k, 5.0), 5.0) == 5.0 for k in PRIOR)


def test_a_splash_holds_the_next_read_until_the_launch_can_be_over() -> None:
    pacing = Pacing(prior=PRIOR)
    pacing.record_read(0.45)
    transit = pacing.start("launch", 0.0)
    transit.saw(0.45, False)  # the splash
    again = pacing.read_at(transit, 0.45, pacing.after_miss(transit))
    assert again == pytest.approx(paced(1.8, 0.45))
    transit.saw(again + 0.45, True)
    pacing.finish(transit)
    assert pacing.slow and pacing.learned["launch"] == 1.8  # the flow's figure lay between the miss and the hit


def test_once_slow_the_first_web_page_is_read_when_it_can_show() -> None:
    pacing = Pacing(prior=PRIOR, slow=True)
    pacing.record_read(0.7)  # a cloud device: 450 ms dumps and a 250 ms round trip
    transit = pacing.start("webview", 20.0)
    assert pacing.read_at(transit, 20.0) == pytest.approx(20.0 + paced(0.9, 0.7))
    assert pacing.read_at(transit, 25.0) == 25.0  # never in the past


def test_a_read_too_early_is_repeated_at_once_and_the_estimate_moves_up() -> None:
    pacing = Pacing(prior=PRIOR, slow=True)
    pacing.record_read(0.6)
    transit = pacing.start("webview", 0.0)  # paced by 0.9 s: a USB phone's page takes 1.2 s
    first = pacing.read_at(transit, 0.0)
    transit.saw(first + 0.6, False)
    assert pacing.read_at(transit, first + 0.6, pacing.after_miss(transit)) == first + 0.6  # at once
    transit.saw(first + 1.2, True)
    pacing.finish(transit)
    assert pacing.learned["webview"] == pytest.approx(first + 0.9)  # the middle of the miss and the hit
    assert pacing.learned["webview"] > 0.9


def test_reading_at_once_until_shown_learns_the_flow_figure_or_the_middle() -> None:
    pacing = Pacing(prior=PRIOR)
    transit = pacing.start("webview", 0.0)
    transit.saw(0.46, False)
    transit.saw(0.92, True)
    pacing.finish(transit)
    assert pacing.learned["webview"] == 0.9  # 0.9 lies between 0.46 and 0.92
    transit = pacing.start("native", 0.0)
    transit.saw(0.5, False)
    transit.saw(1.5, True)
    pacing.finish(transit)
    assert pacing.learned["native"] == pytest.approx(1.0)  # 0.35 does not: the middle


def test_a_transition_that_never_showed_teaches_nothing() -> None:
    pacing = Pacing(prior=PRIOR)
    transit = pacing.start("native", 0.0)
    transit.saw(0.5, False)
    pacing.finish(transit)
    assert pacing.learned == {} and not pacing.slow


def test_the_read_time_is_the_median_of_the_last_reads() -> None:
    pacing = Pacing()
    assert pacing.read_time() == 0.0
    for seconds in (5.0, 0.4, 0.5, 0.45, 0.6, 0.5):  # an early slow read (a busy screen) drops out
        pacing.record_read(seconds)
    assert pacing.read_time() == 0.5


def test_another_known_screen_is_no_miss() -> None:
    """A read showing some other known screen (not the one left, not an unknown one) says nothing about
    how long the transition takes: the device is not marked slow by it."""
    pacing = Pacing(prior=PRIOR)
    transit = pacing.start("native", 0.0)
    transit.saw(0.02, False, in_transition=False)
    transit.saw(0.04, True)
    pacing.finish(transit)
    assert not pacing.slow and pacing.learned["native"] == 0.0


def test_one_slow_page_does_not_hold_every_later_screen() -> None:
    """A cold WebView took 4 s once; later pages that show on their first paced read bring the estimate
    back down, halving it while it is more than twice the flow's figure."""
    pacing = Pacing(prior=PRIOR, slow=True, learned={"webview": 4.0})
    for expected in (4.0, 2.0, 1.0, 1.0):  # within twice the figure (1.8 s) a hit changes nothing
        transit = pacing.start("webview", 0.0)
        assert transit.expected == expected
        transit.saw(expected + 0.5, True)
        pacing.finish(transit)
    assert pacing.learned["webview"] == 1.0
