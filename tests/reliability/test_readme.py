"""The README's scenario table is the scenario list the tests run: it cannot drift."""

from __future__ import annotations

from .scenarios import SCENARIOS
from .tables import BEGIN, END, README, render


def test_readme_table_matches_the_scenarios() -> None:
    text = README.read_text()
    assert BEGIN in text and END in text
    assert text == render(text), (
        "tests/reliability/README.md is out of date: "
        "run .venv/bin/python -m tests.reliability.scenarios --write"
    )


def test_readme_lists_every_scenario_once() -> None:
    text = README.read_text()
    for s in SCENARIOS:
        assert text.count(f"`{s.id}`") == 1, s.id
    assert len({s.id for s in SCENARIOS}) == len(SCENARIOS)
