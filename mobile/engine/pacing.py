"""Pacing: when the first read after an action can show the screen the action opens.

A read shows the screen as the device had it near the end of the read, so a read sent too early after a tap
comes back with the old screen and costs one more read. A read sent at `acted + shows_after - read_time`
(the transition's expected length minus the read's own round trip) is the earliest that can show the new
screen. Pure: it decides times from what it is told; the RunContext does the reading and the waiting.

Where the expected lengths come from, per transition kind (launch, native, webview, back):
- what this session measured: a transition that showed only on a later read tells how long it took, within
  the gap between the last read that missed it and the first that showed it;
- before a kind was measured, the flow's `defaults: transition_ms` (figures for a local device, sources in
  flows/README.md), but only on a device that has shown itself slow: one where some transition (usually
  the launch) needed more than one read. A device (or simulated phone) whose screens show on the first
  read never waits at all; a device faster than the flow's figures only ever reads at once.
A read that comes too early is read again at once (as without pacing); the kind's estimate then moves to
the middle of the miss and the hit, so the next one lands. An estimate far above the flow's figure (one
slow page) is halved each time a paced read shows the screen at once, down to the figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median
from typing import Mapping

READS_KEPT = 5           # the read time is the median of the last few reads
MARGIN_S = 0.02          # a read sent this much later than the earliest moment (clock and network jitter)
MARGIN_SHARE = 0.02      # plus this share of the expected length


@dataclass
class Transit:
    """One transition being waited for: its kind, when the action's answer came, the reads' answers."""

    kind: str
    acted_at: float
    expected: float | None          # the expected length the first read was paced by (None: read at once)
    missed_at: float | None = None  # answer time (since acted_at) of the last read that did not show it
    shown_at: float | None = None   # answer time of the first read that showed it

    def saw(self, answered_at: float, shown: bool, in_transition: bool = True) -> None:
        """A read's answer (clock time): did it show the screen the action opens. A read that showed
        neither it nor the transition (the screen left, or an unknown one) but another known screen says
        nothing about the transition's length: it is no miss."""
        since = answered_at - self.acted_at
        if shown:
            if self.shown_at is None:
                self.shown_at = since
        elif self.shown_at is None and in_transition:
            self.missed_at = since


@dataclass
class Pacing:
    """Per-session transition estimates and the read round trip."""

    prior: Mapping[str, float] = field(default_factory=dict)  # the flow's transition_ms, in seconds
    learned: dict[str, float] = field(default_factory=dict)
    slow: bool = False  # some transition needed more than one read: the flow's figures apply
    reads: list[float] = field(default_factory=list)

    def record_read(self, seconds: float) -> None:
        """The round trip of one page-source read."""
        self.reads.append(max(0.0, seconds))
        del self.reads[:-READS_KEPT]

    def read_time(self) -> float:
        """A read's round trip as this session measured it (0 before any read)."""
        return median(self.reads) if self.reads else 0.0

    def expected(self, kind: str) -> float | None:
        """The expected length of a transition of `kind`, or None when the first read goes at once."""
        if kind in self.learned:
            return self.learned[kind]
        return self.prior.get(kind) if self.slow else None

    def start(self, kind: str, acted_at: float) -> Transit:
        """A transition begins (the action was answered at `acted_at`)."""
        return Transit(kind, acted_at, self.expected(kind))

    def read_at(self, transit: Transit, now: float, expected: float | None = None) -> float:
        """When to send the next read of `transit`: the earliest moment it can show the new screen, or
        now. Before the first read `transit.expected` paces it; after a miss, `expected` (if any)."""
        length = transit.expected if expected is None else expected
        if length is None:
            return now
        earliest = transit.acted_at + length - self.read_time() + MARGIN_S + MARGIN_SHARE * length
        return max(now, earliest)

    def after_miss(self, transit: Transit) -> float | None:
        """The expected length to pace the re-read of a transition whose read came too early: the flow's
        figure for a launch on a device seen slow now (a splash), else none (re-read at once)."""
        if transit.expected is None and transit.kind == "launch" and transit.kind not in self.learned:
            return self.prior.get("launch")
        return None

    def finish(self, transit: Transit) -> None:
        """Learn from a transition that ended (shown, or the wait gave up)."""
        if transit.shown_at is None:
            return  # never showed: nothing to learn about its length
        if transit.missed_at is None:
            if transit.expected is None:
                self.learned[transit.kind] = 0.0  # shown on a read sent at once: read at once next time too
                return
            figure = self.prior.get(transit.kind, 0.0)
            if transit.expected > 2 * figure:
                # shown on the first paced read, and the estimate is far above the flow's figure (one slow
                # page, e.g. a cold WebView): halve it, so one outlier does not hold every later screen
                self.learned[transit.kind] = max(figure, transit.expected / 2)
            return
        self.slow = True
        middle = (transit.missed_at + transit.shown_at) / 2
        if transit.expected is None:
            # read at once until it showed: the flow's figure when it lies between the miss and the hit
            prior = self.prior.get(transit.kind)
            inside = prior is not None and transit.missed_at <= prior <= transit.shown_at
            self.learned[transit.kind] = prior if inside and prior is not None else middle
        else:
            # paced, and still too early: the middle of the miss and the hit, never less than before
            self.learned[transit.kind] = max(transit.expected, middle)
