"""The bench's rows, its text table and the targets (issue 15) checked on them."""

from __future__ import annotations

from dataclasses import dataclass

# What a QA engineer's script copies into its capabilities: the app and the activity its docs name.
PLAIN_PACKAGE = "com.linkedin.android"
PLAIN_ACTIVITY = "com.linkedin.android.authenticator.LaunchActivity"

MAX_APPLY_COMMANDS = 20                 # apply on emulator
MAX_RATIO = {"emulator": 1.10}          # apply wall / bound
DEFAULT_MAX_RATIO = 1.15                # every other profile
MIN_SPEEDUP = {"busy-feed": 1.5, "cloud": 1.3}  # plain-script apply wall / tool apply wall


@dataclass
class Row:
    """One measured run, as `bench.py --json` prints it."""

    tool: str          # linkedin-optout | plain-script
    driver: str        # linkedinsim | uiautomator2
    mode: str          # check | apply
    profile: str
    commands: int
    screenshots: int
    wall_s: float
    bound_s: float
    outcome: str


def table(rows: list[Row]) -> str:
    """The rows as an aligned text table (Markdown pipes, so it pastes into the README)."""
    head = ("profile", "tool", "driver", "mode", "commands", "wall s", "bound s", "wall/bound", "outcome")
    lines = [head] + [(r.profile, r.tool, r.driver, r.mode, str(r.commands), f"{r.wall_s:.2f}", f"{r.bound_s:.2f}",
                       f"{r.wall_s / r.bound_s:.2f}x" if r.bound_s else "-", r.outcome) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    text = ["| " + " | ".join(cell.ljust(w) for cell, w in zip(line, widths)) + " |" for line in lines]
    text.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(text)


def verdict(rows: list[Row]) -> list[str]:
    """Each missed target, as one line (empty when all are met)."""
    misses = []
    tool = {(r.profile, r.mode, r.driver): r for r in rows if r.tool == "linkedin-optout"}
    plain = {(r.profile, r.mode, r.driver): r for r in rows if r.tool == "plain-script"}
    for (profile, mode, driver), r in tool.items():
        if mode != "apply":
            continue
        where = f"{profile}/{driver}"
        if not r.outcome.startswith("changed"):
            misses.append(f"{where}: apply ended {r.outcome}")
        if profile == "emulator" and r.commands > MAX_APPLY_COMMANDS:
            misses.append(f"{where}: apply sent {r.commands} commands (target <= {MAX_APPLY_COMMANDS})")
        limit = MAX_RATIO.get(profile, DEFAULT_MAX_RATIO)
        if r.bound_s and r.wall_s > limit * r.bound_s:
            misses.append(f"{where}: apply took {r.wall_s / r.bound_s:.2f}x its bound (target <= {limit:.2f}x)")
        other = plain.get((profile, mode, driver))
        if profile in MIN_SPEEDUP and other is not None:
            speedup = other.wall_s / r.wall_s
            if speedup < MIN_SPEEDUP[profile]:
                misses.append(f"{where}: {speedup:.2f}x faster than the plain script "
                              f"(target >= {MIN_SPEEDUP[profile]}x)")
    return misses
