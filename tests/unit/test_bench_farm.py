"""bench/bench_farm.py: the farm table, the knee it reports and its options (no phone or Appium started)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import bench_farm  # noqa: E402
from bench_farm import Row, knees, table  # noqa: E402


def row(mode: str, phones: int, wall: float, appium: float = 1.0, busiest: float = 10.0, busy: float = 50.0) -> Row:
    return Row(mode, phones, 2, wall, 1.0, 2.0, busy, {"appium": appium, "tool": 0.5}, [], appium / phones, busiest)


def test_knee_is_the_last_size_that_still_scaled() -> None:
    rows = [row("direct", 1, 20.0), row("direct", 2, 21.0), row("direct", 4, 22.0), row("direct", 8, 40.0, busy=100)]
    (line,) = knees(rows)
    # 4 -> 8 phones: 10.9 -> 12.0 sessions/min, less than 1.5x: the knee is after 4
    assert "knee after 4 phones" in line and "best 12.0 sessions/min at 8 phones" in line
    assert "not an Appium server" in line and "the machine's CPUs (100% busy)" in line


def test_a_saturated_appium_server_is_named() -> None:
    rows = [row("grid", 1, 10.0), row("grid", 2, 10.0, busiest=85.0)]
    (line,) = knees(rows)
    assert "knee not reached" in line and "limit: an Appium server" in line


def test_table_has_one_line_per_run_with_the_load_average() -> None:
    lines = table([row("direct", 1, 20.0), row("servers", 2, 30.0)]).splitlines()
    assert len(lines) == 4 and lines[0].count("|") == lines[1].count("|") == lines[2].count("|")
    assert "| one Appium, CLI-started | 1 | 20.0 | 1.00x | 3.0 |" in lines[2]
    assert "| 2 Appium, CLI-started | 2 | 30.0 | - |" in lines[3]  # no 1-phone run in that mode: no ratio
    assert lines[3].endswith("| 1.0 -> 2.0 |")


@pytest.mark.parametrize("argv", [["--modes", "direct,cloud"], ["--phones", "1,x"], ["--appium-servers", "0"]])
def test_bad_options_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        bench_farm.main(argv)
    assert exit_.value.code == 2
    assert "--" in capsys.readouterr().err.splitlines()[-1]
