"""The bench scripts: every bench/*.py module imports (a removed constant once broke the bench silently), and
the targets (bench_targets.verdict) and the table are checked on hand-made rows, no Appium."""

from __future__ import annotations

import importlib
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
MODULES = sorted(p.stem for p in BENCH.glob("*.py"))
ROW_KEYS = ["tool", "driver", "mode", "profile", "commands", "screenshots", "wall_s", "bound_s", "outcome"]


@pytest.fixture
def bench_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """bench/ on sys.path, as when a script there runs (its modules import each other by bare name)."""
    monkeypatch.syspath_prepend(str(BENCH))


def test_bench_folder_has_the_scripts() -> None:
    assert {"bench", "bench_core", "bench_farm", "bench_targets", "bench_u2", "bench_u2rows"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_every_bench_module_imports(name: str, bench_path: None) -> None:
    sys.modules.pop(name, None)  # a fresh import: every name it takes from a sibling or the package must exist
    module = importlib.import_module(name)
    assert module.__doc__, f"bench/{name}.py has no docstring saying what it measures"
    if name != "bench_targets" and hasattr(module, "main"):
        assert callable(module.main)


@pytest.fixture
def targets(bench_path: None) -> ModuleType:
    return importlib.import_module("bench_targets")


def row(targets: ModuleType, tool: str = "linkedin-optout", mode: str = "apply", profile: str = "busy-feed",
        driver: str = "uiautomator2", commands: int = 25, wall: float = 12.0, bound: float = 11.0,
        outcome: str = "changed on->off") -> Any:
    return targets.Row(tool, driver, mode, profile, commands, 0, wall, bound, outcome)


def test_row_json_shape_is_the_issues(targets: ModuleType) -> None:
    document = json.loads(json.dumps({"rows": [asdict(row(targets))]}))
    assert list(document) == ["rows"]
    assert list(document["rows"][0]) == ROW_KEYS
    assert document["rows"][0]["wall_s"] == 12.0 and document["rows"][0]["driver"] == "uiautomator2"


def test_verdict_all_met(targets: ModuleType) -> None:
    rows = [row(targets, wall=12.0, bound=11.0),                                   # 1.09x <= 1.15x
            row(targets, tool="plain-script", wall=40.0, outcome="on->off"),      # 3.3x slower
            row(targets, profile="emulator", driver="linkedinsim", commands=20, wall=11.0, bound=10.5),
            row(targets, mode="check", wall=99.0, outcome="unchanged on->on")]    # check rows have no target
    assert targets.verdict(rows) == []


def test_verdict_ratio_missed_names_profile_driver_and_figures(targets: ModuleType) -> None:
    misses = targets.verdict([row(targets, wall=13.5, bound=11.0)])              # 1.23x
    assert misses == ["busy-feed/uiautomator2: apply took 1.23x its bound (target <= 1.15x)"]


def test_verdict_emulator_is_stricter_and_counts_commands(targets: ModuleType) -> None:
    base = row(targets, profile="emulator", driver="linkedinsim", wall=11.3, bound=10.0, commands=21)
    misses = targets.verdict([base])
    assert misses == ["emulator/linkedinsim: apply sent 21 commands (target <= 20)",
                      "emulator/linkedinsim: apply took 1.13x its bound (target <= 1.10x)"]
    assert targets.verdict([replace(base, commands=20, wall_s=11.0)]) == []


def test_verdict_speedup_against_the_same_drivers_plain_script(targets: ModuleType) -> None:
    tool = row(targets, wall=12.0, bound=11.0)
    slow_enough = row(targets, tool="plain-script", wall=18.0)                   # 1.50x: met
    too_fast = row(targets, tool="plain-script", wall=17.9)                      # 1.49x: missed
    other_driver = row(targets, tool="plain-script", driver="linkedinsim", wall=12.0)
    assert targets.verdict([tool, slow_enough, other_driver]) == []
    assert targets.verdict([tool, too_fast]) == ["busy-feed/uiautomator2: 1.49x faster than the plain script "
                                                 "(target >= 1.5x)"]
    cloud = row(targets, profile="cloud", driver="linkedinsim", wall=10.0, bound=9.0)
    assert targets.verdict([cloud, row(targets, tool="plain-script", profile="cloud", driver="linkedinsim",
                                       wall=12.0)]) == ["cloud/linkedinsim: 1.20x faster than the plain script "
                                                        "(target >= 1.3x)"]
    # no speedup target on usb-phone, and none without a plain-script row
    assert targets.verdict([replace(cloud, profile="usb-phone")]) == []
    assert targets.verdict([tool]) == []


def test_verdict_failed_apply_is_a_miss(targets: ModuleType) -> None:
    assert targets.verdict([row(targets, outcome="device_error on->None")]) == [
        "busy-feed/uiautomator2: apply ended device_error on->None"]


def test_table_is_markdown_with_ratio(targets: ModuleType) -> None:
    text = targets.table([row(targets, wall=12.0, bound=10.0), row(targets, mode="check", bound=0.0)])
    lines = text.splitlines()
    assert len(lines) == 4 and all(line.startswith("|") and line.endswith("|") for line in lines)
    assert [c.strip() for c in lines[0].strip("|").split("|")] == [
        "profile", "tool", "driver", "mode", "commands", "wall s", "bound s", "wall/bound", "outcome"]
    assert set(lines[1]) == {"|", "-"}
    assert [c.strip() for c in lines[2].strip("|").split("|")] == [
        "busy-feed", "linkedin-optout", "uiautomator2", "apply", "25", "12.00", "10.00", "1.20x", "changed on->off"]
    assert lines[3].split("|")[8].strip() == "-"  # no bound: no ratio
    assert len({len(line) for line in lines}) == 1  # aligned
