"""BingX tier discovery: the pure search, and discover_tiers on the simulator (exactness,
call counts, the 5/s limit, restoring the leverage after every kind of failure, refusals).

One FakeClock drives the simulator and the client, so the 5/s limit costs no real time.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import levkit as lk
from levkit.discovery import (
    DiscoveryError,
    LadderSearch,
    RestoreError,
    join_bands,
    roundness,
    steps_of,
)
from levkit.errors import ExchangeError, RateLimitError, TransportError
from levkit.sim import DEMO_KEY, DEMO_SECRET, Simulator
from levkit.sim.testing import FakeClock
from levkit.sim.wire import json_reply

from ._ladders import BINGX_BTC

LEV = "/openApi/swap/v2/trade/leverage"
SYM = "BTC-USDT"

# Ladders of different shapes: (max leverage, cap) per tier.
SHAPES = {
    "btc-usdt-real": BINGX_BTC,
    "one-tier": [(150, 5_000_000)],
    "adjacent-150-149-148": [(150, 100_000), (149, 200_000), (148, 300_000), (1, 9_000_000)],
    "up-to-125x": [(125, 50_000), (100, 250_000), (50, 1_000_000), (20, 5_000_000), (10, 2e7)],
    "many-tiers": [(lev, 100_000.0 * (i + 1)) for i, lev in enumerate(range(150, 0, -5))],
    "odd-leverages": [(137, 1e5), (93, 2e5), (61, 3e5), (17, 4e5), (3, 5e5), (1, 6e5)],
    "top-5x": [(5, 1e5), (4, 2e5), (2, 3e5)],
}


def cap_function(ladder):
    def cap(lev):
        return float(max(c for top, c in ladder if top >= lev))

    return cap


def expected_steps(ladder, lo=1, hi=None):
    """The ladder as discovery sees it over lo..hi: (largest leverage <= hi, cap)."""
    hi = hi or max(top for top, _ in ladder)
    cap = cap_function(ladder)
    return steps_of({lev: cap(lev) for lev in range(lo, hi + 1)})


def tiers_of(ladder, symbol=SYM):
    return pd.DataFrame(
        {
            "exchange": ["bingx"] * len(ladder),
            "symbol": [symbol] * len(ladder),
            "max_notional": [float(c) for _, c in ladder],
            "max_leverage": [float(lev) for lev, _ in ladder],
        }
    )


#: The shipped snapshot's BingX BTC-USDT: the real 12-tier ladder and the margin bands
#: (read once: a simulator over the whole snapshot takes longer to build).
REAL = lk.load_snapshot("bingx", SYM)
REAL_BANDS = lk.load_snapshot("bingx", SYM, kind="margin")


class Rig:
    """A simulator and a BingX client sharing one fake clock (default: the real ladder)."""

    def __init__(self, ladder=None, *, hedge=False, also=None, **client_kw):
        self.clock = FakeClock()
        tiers, margin_tiers = (REAL, REAL_BANDS) if ladder is None else (tiers_of(ladder), None)
        if also is not None:  # more symbols
            tiers = pd.concat([tiers, also], ignore_index=True)
        self.sim = Simulator(
            tiers,
            margin_tiers=margin_tiers,
            clock=self.clock,
            sleep=self.clock.sleep,
            hedge=hedge,
        )
        self.client = lk.BingX(
            DEMO_KEY,
            DEMO_SECRET,
            session=self.sim.session(),
            clock=self.clock,
            sleep=self.clock.sleep,
            **client_kw,
        )

    def discover(self, **kw):
        kw.setdefault("progress", False)
        return self.client.discover_tiers(SYM, **kw)

    def levs(self):
        return (
            self.sim.leverage("bingx", SYM, "long"),
            self.sim.leverage("bingx", SYM, "short"),
        )

    def posts(self):
        return self.sim.count(LEV, method="POST")

    @property
    def retries(self):
        return self.client.transport.retry.max_retries


def answer_post_with(sim, k, code, msg="injected", times=1):
    """Make the k-th (1-based) leverage POST (and the next ``times - 1``) answer a BingX
    error ``code``, unapplied.  ``code=None`` raises KeyboardInterrupt there instead."""
    handle = sim.handle
    seen = [0]

    def wrapped(method, path, query="", headers=None, body=b""):
        if method == "POST" and path == LEV:
            seen[0] += 1
            if k <= seen[0] < k + times:
                if code is None:
                    raise KeyboardInterrupt
                return json_reply({"code": code, "msg": msg, "timestamp": 0, "data": {}}, code=code)
        return handle(method, path, query, headers, body)

    sim.handle = wrapped


# -- the pure search ----------------------------------------------------------------------


@pytest.mark.parametrize("strategy", ["round", "bisect", "exhaustive"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_search_finds_every_step_exactly(shape, strategy):
    ladder = SHAPES[shape]
    top = max(lev for lev, _ in ladder)
    search = LadderSearch(cap_function(ladder), 1, top, strategy=strategy)
    assert search.run() == expected_steps(ladder)
    assert search.probes == len(search.values)  # never the same leverage twice


def test_search_on_the_real_btc_ladder_needs_far_fewer_probes_than_every_leverage():
    cap = cap_function(BINGX_BTC)
    rounded = LadderSearch(cap, 1, 150)
    bisect = LadderSearch(cap, 1, 150, strategy="bisect")
    rounded.run(), bisect.run()
    # 11 breakpoints need both neighbours: 1..6 and 10,11 20,21 25,26 50,51 75,76 100,101 150
    assert rounded.probes == 19
    assert bisect.probes <= 40
    assert LadderSearch(cap, 1, 150, strategy="exhaustive").run() == rounded.steps()


@settings(max_examples=150, deadline=None)
@given(
    top=st.integers(1, 200),
    cuts=st.lists(st.integers(1, 199), max_size=15, unique=True),
    strategy=st.sampled_from(["round", "bisect"]),
    lo=st.integers(1, 30),
)
def test_search_is_exact_on_any_non_increasing_step_function(top, cuts, strategy, lo):
    lo = min(lo, top)
    levs = sorted({c for c in cuts if c < top} | {top}, reverse=True)
    ladder = [(lev, 1000.0 * (i + 1)) for i, lev in enumerate(levs)]
    calls = []

    def probe(lev):
        calls.append(lev)
        return cap_function(ladder)(lev)

    search = LadderSearch(probe, lo, top, strategy=strategy)
    assert search.run() == expected_steps(ladder, lo, top)
    assert len(calls) == len(set(calls)) <= top - lo + 1
    assert all(lo <= x <= top for x in calls)


def test_bisection_probes_at_most_log2_of_the_range_per_breakpoint():
    ladder = SHAPES["odd-leverages"]
    search = LadderSearch(cap_function(ladder), 1, 137, strategy="bisect")
    search.run()
    breakpoints = len(ladder) - 1
    assert search.probes <= 2 + breakpoints * math.ceil(math.log2(137))


def test_known_caps_are_reused_not_probed_again():
    probed = []
    cap = cap_function(BINGX_BTC)

    def probe(lev):
        probed.append(lev)
        return cap(lev)

    search = LadderSearch(probe, 1, 150, known={10: cap(10), 500: 1.0})
    assert search.run() == expected_steps(BINGX_BTC)
    assert 10 not in probed and 500 not in search.values


def test_on_probe_sees_every_probe_and_a_nan_cap_is_refused():
    seen = []
    LadderSearch(cap_function(BINGX_BTC), 1, 150, on_probe=lambda *a: seen.append(a)).run()
    assert len(seen) == 19 and seen[0] == (1, 1.8e9)
    with pytest.raises(lk.LevkitError, match="no cap"):
        LadderSearch(lambda lev: float("nan"), 1, 5).run()


def test_search_refuses_bad_ranges_and_strategies():
    with pytest.raises(ValueError, match="lo <= hi"):
        LadderSearch(float, 5, 4)
    with pytest.raises(ValueError, match="strategy"):
        LadderSearch(float, 1, 4, strategy="guess")


def test_roundness_ranks_multiples_of_50_25_10_5():
    assert [roundness(x) for x in (150, 75, 30, 15, 4, 1)] == [4, 3, 2, 1, 0, 0]


def test_join_bands_only_when_the_caps_are_the_same():
    steps = [(50, 1e6), (100, 1e5)]
    bands = pd.DataFrame(
        {
            "max_notional": [1e5, 1e6],
            "maintenance_margin_rate": [0.01, 0.02],
            "mm_deduction": [0, 1e3],
        }
    )
    cols, note = join_bands(steps, bands)
    assert note == "" and cols["maintenance_margin_rate"].tolist() == [0.02, 0.01]
    assert cols["mm_deduction"].tolist() == [1e3, 0.0]
    cols, note = join_bands(steps, bands.assign(max_notional=[1e5, 2e6]))
    assert np.isnan(cols["maintenance_margin_rate"]).all() and "do not line up" in note


# -- discover_tiers on the simulator -------------------------------------------------------


def test_real_btc_ladder_exact_within_50_calls_and_leverage_restored():
    rig = Rig()  # the shipped snapshot: BingX's real 12-tier BTC-USDT ladder
    tiers = rig.discover()
    snap = lk.load_snapshot("bingx", SYM)
    assert rig.sim.ladder("bingx", SYM).max_leverage == tuple(snap["max_leverage"])
    assert tiers["max_notional"].tolist() == snap["max_notional"].tolist()
    assert tiers["max_leverage"].tolist() == snap["max_leverage"].tolist()
    assert tiers["tier"].tolist() == list(range(1, 13))
    assert tiers["min_notional"].tolist() == [0.0, *snap["max_notional"].tolist()[:-1]]
    assert tiers.attrs["source"] == "probe"
    assert tiers.attrs["calls"] == rig.posts() <= 50
    assert tiers.attrs["calls"] == tiers.attrs["probes"] + tiers.attrs["restore_calls"]
    assert tiers.attrs["restored"] == {"long": 10.0, "short": 10.0}
    assert rig.levs() == (10.0, 10.0)


@pytest.mark.parametrize("strategy", ["round", "bisect", "exhaustive"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_discovery_is_exact_on_ladders_of_any_shape(shape, strategy):
    ladder = SHAPES[shape]
    top = max(lev for lev, _ in ladder)
    rig = Rig(ladder)
    start = rig.levs()
    tiers = rig.discover(strategy=strategy)
    got = list(zip(tiers["max_leverage"].astype(int), tiers["max_notional"], strict=True))
    assert sorted(got) == expected_steps(ladder)
    assert rig.levs() == start
    assert tiers.attrs["calls"] == rig.posts()
    if strategy == "exhaustive":
        assert tiers.attrs["probes"] == top - 1  # every leverage but the one in force
    elif top > 10:
        assert tiers.attrs["calls"] < top


def test_round_strategy_probes_the_real_ladder_in_about_20_calls_bisect_in_under_40():
    counts = {s: Rig().discover(strategy=s).attrs["calls"] for s in ("round", "bisect")}
    assert counts["round"] <= 20 and counts["bisect"] <= 40


def test_probes_respect_five_requests_per_second_without_real_sleeping():
    rig = Rig()
    start = rig.clock()
    tiers = rig.discover()
    times = [c.time for c in rig.sim.calls if c.path == LEV]
    assert max(sum(1 for t in times if s <= t < s + 1.0) for s in times) <= 5
    assert rig.sim.count(code=100410) == 0  # the simulator never had to refuse one
    # the limiter's waits are fake time: about (calls - 5) / 5 seconds
    assert rig.clock() - start >= (len(times) - 5) / 5 - 1e-9
    assert tiers.attrs["calls"] >= 15


def test_one_way_mode_probes_with_side_both():
    rig = Rig()
    rig.discover()
    sides = {c.params["side"] for c in rig.sim.calls if c.path == LEV and c.method == "POST"}
    assert sides == {"BOTH"}


def test_hedge_mode_probes_long_only_and_both_sides_keep_their_leverage():
    rig = Rig(hedge=True)
    rig.sim.set_leverage("bingx", SYM, 7, side="long")
    rig.sim.set_leverage("bingx", SYM, 12, side="short")
    tiers = rig.discover()
    sides = [c.params["side"] for c in rig.sim.calls if c.path == LEV and c.method == "POST"]
    assert set(sides) == {"LONG"}
    assert rig.levs() == (7.0, 12.0)
    assert tiers.attrs["restored"] == {"long": 7.0, "short": 12.0}
    assert tiers.attrs["position_mode"] == "hedge"
    assert tiers["max_leverage"].tolist() == [b[0] for b in BINGX_BTC]


def test_bands_that_line_up_are_joined():
    ladder = SHAPES["up-to-125x"]
    rig = Rig(ladder)  # no margin tiers given: the simulator's bands follow the ladder
    tiers = rig.discover()
    lad = rig.sim.ladder("bingx", SYM)
    assert tiers["maintenance_margin_rate"].tolist() == pytest.approx(list(lad.mmr))
    assert tiers["mm_deduction"].tolist() == pytest.approx(list(lad.deduction))
    assert "note" not in tiers.attrs


def test_bands_that_do_not_line_up_leave_rates_nan_and_say_so():
    rig = Rig()  # snapshot margin bands for BTC-USDT: two bands, 150k and 900k
    tiers = rig.discover()
    assert tiers["maintenance_margin_rate"].isna().all()
    assert "do not line up" in tiers.attrs["note"]
    bands = tiers.attrs["margin_bands"]
    assert [b["max_notional"] for b in bands] == [150_000.0, 900_000.0]


def test_a_leverage_range_gives_the_steps_seen_in_it():
    rig = Rig()
    tiers = rig.discover(min_leverage=5, max_leverage=60)
    got = list(zip(tiers["max_leverage"].astype(int), tiers["max_notional"], strict=True))
    assert sorted(got) == expected_steps(BINGX_BTC, 5, 60)
    assert got[0] == (60, 3_000_000.0) and tiers.attrs["leverage_range"] == (5, 60)
    assert rig.levs() == (10.0, 10.0)


def test_progress_bar_counts_the_probes(monkeypatch):
    import tqdm.auto

    bars = []

    class Bar:
        def __init__(self, **kw):
            self.n, self.closed, self.kw = 0, False, kw
            bars.append(self)

        def update(self, n):
            self.n += n

        def set_postfix_str(self, text):
            self.postfix = text

        def close(self):
            self.closed = True

    monkeypatch.setattr(tqdm.auto, "tqdm", Bar)
    tiers = Rig().discover(progress=True)
    assert len(bars) == 1 and bars[0].n == tiers.attrs["probes"] and bars[0].closed
    Rig().discover(progress=False)
    Rig(progress=False).discover(progress=None)
    assert len(bars) == 1


# -- refusals (nothing sent, nothing changed) ----------------------------------------------


@pytest.mark.parametrize("what", ["position", "order"])
def test_refuses_with_an_open_position_or_order(what):
    rig = Rig()
    if what == "position":
        rig.sim.open_position("bingx", SYM, "long", 50_000)
    else:
        rig.sim.open_order("bingx", SYM, "short")
    with pytest.raises(DiscoveryError, match=f"open {what}.*nothing was changed"):
        rig.discover()
    assert rig.posts() == 0 and rig.levs() == (10.0, 10.0)


def test_a_position_on_another_symbol_does_not_block():
    rig = Rig(also=tiers_of([(100, 1e6), (50, 5e6)], "ETH-USDT"))
    rig.sim.open_position("bingx", "ETH-USDT", "long", 5_000)
    rig.sim.open_order("bingx", "ETH-USDT", "short")
    assert len(rig.discover(min_leverage=140)) == 1


@pytest.mark.parametrize(
    "kw, error, words",
    [
        ({"max_leverage": 151}, DiscoveryError, "above BTC-USDT's maximum 150"),
        ({"min_leverage": 20, "max_leverage": 10}, DiscoveryError, "above max_leverage"),
        ({"min_leverage": 1.5}, ValueError, "whole number"),
        ({"max_leverage": float("nan")}, ValueError, "whole number"),
        ({"strategy": "fast"}, ValueError, "strategy"),
    ],
)
def test_bad_ranges_are_refused_before_any_leverage_is_set(kw, error, words):
    rig = Rig()
    with pytest.raises(error, match=words):
        rig.discover(**kw)
    assert rig.posts() == 0
    if error is ValueError:  # bad arguments: nothing is even read
        assert rig.sim.calls == []


def test_one_way_account_with_unequal_sides_is_refused():
    rig = Rig()
    rig.sim.set_leverage("bingx", SYM, 5, side="long")
    with pytest.raises(DiscoveryError, match="one-way"):
        rig.discover()
    assert rig.posts() == 0 and rig.levs() == (5.0, 10.0)


def test_without_keys_nothing_is_sent():
    sim = Simulator()
    with pytest.raises(lk.AuthenticationError, match="BINGX_API_KEY"):
        lk.BingX(session=sim.session()).discover_tiers(SYM, progress=False)
    assert sim.calls == []


# -- restoring after failures at every step ------------------------------------------------


def clean_probe_count(**rig_kw):
    rig = Rig(**rig_kw)
    return rig.discover().attrs["probes"]


def inject_sim_fault(kind):
    """A fault at the k-th leverage POST that outlasts the transport's retries."""

    def inject(rig, k):
        times = rig.retries + 1
        if kind == "drop":
            rig.sim.inject("drop", path=LEV, method="POST", on_call=k, times=times)
        elif kind == "drop_after":  # applied, but the answer is lost
            rig.sim.inject("drop_after", path=LEV, method="POST", on_call=k, times=times)
        elif kind == "status_503":
            rig.sim.inject("status", path=LEV, method="POST", on_call=k, times=times, status=503)
        elif kind == "malformed":  # applied, answer cut short
            rig.sim.inject("malformed", path=LEV, method="POST", on_call=k, times=times)
        elif kind == "rate_limit_429":
            rig.sim.inject("rate_limit", path=LEV, method="POST", on_call=k, times=times)
        elif kind == "rate_limit_109429":
            rig.sim.inject(
                "rate_limit", path=LEV, method="POST", on_call=k, times=times, code=109429
            )
        elif kind == "exchange_101209":
            answer_post_with(rig.sim, k, 101209, "position value above the maximum")
        elif kind == "exchange_100500_retried_out":
            answer_post_with(rig.sim, k, 100500, "internal error", times=times)

    return inject


FAULTS = {
    "drop": TransportError,
    "drop_after": TransportError,
    "status_503": TransportError,
    "malformed": TransportError,
    "rate_limit_429": RateLimitError,
    "rate_limit_109429": RateLimitError,
    "exchange_101209": ExchangeError,
    "exchange_100500_retried_out": ExchangeError,
}


@pytest.mark.parametrize("hedge", [False, True], ids=["one-way", "hedge"])
@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_a_fault_at_every_probe_raises_and_leaves_the_leverage_as_it_was(kind, hedge):
    n = clean_probe_count(hedge=hedge)
    assert n >= 15
    for k in range(1, n + 1):
        rig = Rig(hedge=hedge)
        if hedge:
            rig.sim.set_leverage("bingx", SYM, 20, side="short")
        start = rig.levs()
        inject_sim_fault(kind)(rig, k)
        with pytest.raises(FAULTS[kind]) as info:
            rig.discover()
        assert rig.levs() == start, f"{kind} at probe {k}: leverage not restored"
        assert any("put the leverage of BingX BTC-USDT back" in n for n in info.value.__notes__)


@pytest.mark.parametrize("hedge", [False, True], ids=["one-way", "hedge"])
def test_keyboard_interrupt_at_every_probe_restores_then_propagates(hedge):
    n = clean_probe_count(hedge=hedge)
    for k in range(1, n + 1):
        rig = Rig(hedge=hedge)
        answer_post_with(rig.sim, k, None)  # Ctrl-C while the k-th POST is in flight
        with pytest.raises(KeyboardInterrupt):
            rig.discover()
        assert rig.levs() == (10.0, 10.0), f"interrupt at probe {k}: leverage not restored"


def test_keyboard_interrupt_from_a_progress_callback_restores(monkeypatch):
    import tqdm.auto

    class Bar:
        def __init__(self, **kw):
            self.n = 0

        def update(self, n):
            self.n += n
            if self.n == 7:
                raise KeyboardInterrupt

        def set_postfix_str(self, text):
            pass

        def close(self):
            pass

    monkeypatch.setattr(tqdm.auto, "tqdm", Bar)
    rig = Rig()
    with pytest.raises(KeyboardInterrupt):
        rig.discover(progress=True)
    assert rig.levs() == (10.0, 10.0) and rig.posts() == 8  # 7 probes, 1 to put it back


def test_keyboard_interrupt_while_restoring_is_held_until_the_leverage_is_back():
    n = clean_probe_count()
    rig = Rig()
    answer_post_with(rig.sim, n + 1, None)  # Ctrl-C on the POST that puts the leverage back
    with pytest.raises(KeyboardInterrupt):
        rig.discover()
    assert rig.levs() == (10.0, 10.0)


def test_a_failed_restore_call_is_retried_and_discovery_still_succeeds():
    n = clean_probe_count()
    rig = Rig()
    rig.sim.inject("status", path=LEV, method="POST", on_call=n + 1, times=rig.retries + 1)
    tiers = rig.discover()
    assert rig.levs() == (10.0, 10.0) and len(tiers) == 12


def test_restore_reads_again_when_its_first_read_fails():
    rig = Rig()
    answer_post_with(rig.sim, 3, 101209)
    # GET #1 is the read before probing; #2 is the read that starts putting it back
    rig.sim.inject("drop", path=LEV, method="GET", on_call=2, times=rig.retries + 1)
    with pytest.raises(ExchangeError, match="101209"):
        rig.discover()
    assert rig.levs() == (10.0, 10.0)


def test_both_sides_are_put_back_even_when_the_untouched_side_moved_meanwhile():
    rig = Rig(hedge=True)
    handle = rig.sim.handle
    posts = [0]

    def meddle(method, path, query="", headers=None, body=b""):
        if method == "POST" and path == LEV:
            posts[0] += 1
            if posts[0] == 5:  # someone changes SHORT while LONG is being probed
                rig.sim.set_leverage("bingx", SYM, 3, side="short")
        return handle(method, path, query, headers, body)

    rig.sim.handle = meddle
    tiers = rig.discover()
    assert rig.levs() == (10.0, 10.0)
    assert tiers.attrs["restore_calls"] == 2  # LONG and SHORT


def test_restore_that_cannot_succeed_says_loudly_what_the_leverage_was(caplog):
    rig = Rig(hedge=True)
    rig.sim.set_leverage("bingx", SYM, 33, side="short")
    # the 4th probe fails, and every set-leverage call after it fails too
    rig.sim.inject("status", path=LEV, method="POST", on_call=4, times=None, status=502)
    with pytest.raises(RestoreError) as info:
        rig.discover()
    err = info.value
    assert "LEVERAGE NOT RESTORED" in str(err)
    assert "long 10x, short 33x" in str(err)
    assert err.original == {"long": 10.0, "short": 33.0} and err.symbol == SYM
    assert any("probing had stopped on: TransportError" in n for n in err.__notes__)
    assert isinstance(err.__context__, TransportError)
    assert "LEVERAGE NOT RESTORED" in caplog.text
    assert rig.levs()[1] == 33.0  # the short side was never touched in hedge mode
