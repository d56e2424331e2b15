"""Tiny timing helpers the benchmark scripts share."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], *, repeats: int = 7, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def table(rows: list[tuple[str, str]]) -> str:
    """Two aligned columns."""
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)


def interleaved_medians(
    fns: dict[str, Callable[[], object]], *, repeats: int = 9, warmup: int = 1
) -> dict[str, float]:
    """Median wall time of each function, running them in turn in every round so that
    machine load (other processes) hits every contender alike: ratios stay meaningful
    on a busy machine even when absolute times do not."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def interleaved_rounds(
    fns: dict[str, Callable[[], object]],
    *,
    repeats: int = 9,
    warmup: int = 1,
    inner: dict[str, int] | None = None,
) -> dict[str, list[float]]:
    """Per round, each function's wall time (the median of ``inner[name]`` back-to-back
    calls, default 1), the functions taking turns in every round as in
    :func:`interleaved_medians`.  A fast route timed once per round sees one scheduler
    blip as its whole sample; a few calls per round give it what one long call of the slow
    route gets by itself: an average over the round's load."""
    inner = inner or {}
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    rounds: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times = []
            for _ in range(inner.get(name, 1)):
                start = time.perf_counter()
                fn()
                times.append(time.perf_counter() - start)
            rounds[name].append(statistics.median(times))
    return rounds
