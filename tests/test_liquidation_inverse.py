"""Coin-margined (inverse) liquidation: each venue's published worked example, issue 22's
OKX figures, and a brute-force check (the price where equity equals maintenance margin,
found by bisection) over generated ladders and positions, linear and inverse.

Sources and figures: ``docs/instruments.md`` §4 (formulas, with their sources) and §4.7
(the numbers, computed there with a scratch script and the published answers quoted).
Expected values are written as the published figure or the published formula's
arithmetic, never copied from levkit's output.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import levkit as lk
from levkit.frames import tiers_frame
from levkit.venues import venue, venues

INVERSE = sorted(v.name for v in venues() if v.liquidation_rule("inverse"))
LINEAR = sorted(v.name for v in venues() if v.liquidation_rule("linear"))


def ladder(exchange, symbol, rows, *, kind="inverse", unit=None):
    """rows: (cap, max leverage, MMR, deduction)."""
    cols = {
        "exchange": exchange,
        "symbol": symbol,
        "max_notional": [float(r[0]) for r in rows],
        "max_leverage": [float(r[1]) for r in rows],
        "maintenance_margin_rate": [r[2] for r in rows],
        "mm_deduction": [r[3] for r in rows],
        "category": kind,
    }
    if unit is not None:
        cols["notional_unit"] = unit
    return tiers_frame(cols, source="api")


# OKX BTC-USD-SWAP: caps in USD (contracts x ctVal 100).  Tier 1's mmr 0.004 is the rate of
# the real BTC-USDT ladder of 2025-12-29 (docs/instruments.md §4.4): the issue's figures.
OKX_USD = [(50_000, 100, 0.004, 0), (100_000, 75, 0.005, 0)]
OKX_USDT = OKX_USD  # the linear sibling, same rates, caps in USDT


def okx_inverse():
    return ladder("okx", "BTC-USD-SWAP", OKX_USD, unit="USD")


# -- issue 22: the OKX figures ------------------------------------------------------------


@pytest.mark.parametrize("contracts", [1, 3, 250])
def test_okx_coin_margined_20x_at_100000_gives_the_issues_figures(contracts):
    # Issue 22: 20x at 100,000 -> coin-margined 95,619.05 long, 104,842.11 short
    # (docs/instruments.md §4.7: EP(1 + 0.004)/(1 + 1/20), EP(1 - 0.004)/(1 - 1/20)).
    usd = contracts * 100.0
    kw = dict(entry_price=100_000, leverage=20, notional=usd)
    assert lk.liquidation_price(okx_inverse(), **kw) == pytest.approx(95_619.05, abs=0.005)
    short = lk.liquidation_price(okx_inverse(), side="short", **kw)
    assert short == pytest.approx(104_842.11, abs=0.005)
    # size= is coins at entry: the same position
    coins = usd / 100_000
    same = lk.liquidation_price(okx_inverse(), entry_price=100_000, leverage=20, size=coins)
    assert same == pytest.approx(95_619.05, abs=0.005)


def test_okx_linear_sibling_keeps_the_linear_figures():
    # The linear formula on the USDT ladder: 95,381.53 / 104,581.67 (issue 22), never the
    # coin-margined answer, and the coin ladder never the linear one.
    t = ladder("okx", "BTC-USDT-SWAP", OKX_USDT, kind="linear", unit="USDT")
    kw = dict(entry_price=100_000, leverage=20, notional=300.0)
    assert lk.liquidation_price(t, **kw) == pytest.approx(95_381.53, abs=0.005)
    assert lk.liquidation_price(t, side="short", **kw) == pytest.approx(104_581.67, abs=0.005)


def test_okx_coin_margined_fee_sits_next_to_the_rate():
    # mmr 0.0035 + fee 0.0005 gives the same figures as mmr 0.004 (§4.7)
    t = ladder("okx", "BTC-USD-SWAP", [(50_000, 100, 0.0035, 0)], unit="USD")
    kw = dict(entry_price=100_000, leverage=20, notional=300.0, fee_rate=0.0005)
    assert lk.liquidation_price(t, **kw) == pytest.approx(95_619.05, abs=0.005)
    assert lk.liquidation_price(t, side="short", **kw) == pytest.approx(104_842.11, abs=0.005)


def test_bankruptcy_price_of_bybits_old_inverse_cross_example():
    # help.bybit.com/hc/en-us/articles/360039261334 (pre-UTA, cross): "Bankruptcy Price =
    # 1.00075 x 10000 / (10000/8000 + (0.5 - 0)) = 5718.57": 10,000 contracts (USD) long at
    # 8,000 with 0.5 BTC of margin, fee 0.075 % to close.  The closed form with r = 0 and
    # the fee next to it (OKX's rule) is that bankruptcy price.  (Its liquidation price,
    # 5739.50 published, does not reproduce: 5739.08, docs/instruments.md §4.2 (c).)
    t = ladder("okx", "BTC-USD-SWAP", [(1e6, 100, 0.0, 0)], unit="USD")
    coins = 10_000 / 8_000
    got = lk.liquidation_price(
        t, entry_price=8_000, leverage=coins / 0.5, notional=10_000.0, fee_rate=0.00075
    )
    assert got == pytest.approx(5_718.57, abs=0.005)


# -- Bybit inverse: the help-centre example -------------------------------------------------


def bybit_inverse():
    # one tier at MMR 0.5 % holding the example (the rate the example assumes)
    return ladder("bybit", "BTCUSD", [(150, 100, 0.005, 0), (300, 50, 0.01, 0.75)])


def test_bybit_inverse_example_by_the_2026_text():
    # "60,000 USD of BTCUSD at 50,000 USD with 10x leverage, MMR 0.5 %, no extra margin":
    # Position Value 1.2 BTC, IM 0.12 BTC.  2026 text: long Q(1 + MMR)/(Q/EP + Q/EP/L + X/(1+f)
    # + D) = 60,000 x 1.005 / (1.2 + 0.12) = 45,681.82; short 60,000 x 0.995 / (1.2 - 0.12)
    # = 55,277.78 (docs/instruments.md §4.2 (b), §4.7; the published answer was cut in every
    # stored copy, so these are the text's arithmetic).
    kw = dict(entry_price=50_000, leverage=10, notional=1.2)  # notional in BTC, the ladder's unit
    assert lk.liquidation_price(bybit_inverse(), **kw) == pytest.approx(60_000 * 1.005 / 1.32)
    assert lk.liquidation_price(bybit_inverse(), **kw) == pytest.approx(45_681.82, abs=0.005)
    short = lk.liquidation_price(bybit_inverse(), side="short", **kw)
    assert short == pytest.approx(55_277.78, abs=0.005)


def test_bybit_inverse_fee_divides_only_the_extra_margin():
    # 2026 text: "+ (Extra Margin Added / (1 + Taker Fee Rate))" (long), "(1 - ...)" (short)
    q, ep, x, f = 60_000.0, 50_000.0, 0.05, 0.00055
    kw = dict(entry_price=ep, leverage=10, notional=1.2, extra_margin=x, fee_rate=f)
    long = lk.liquidation_price(bybit_inverse(), **kw)
    assert long == pytest.approx(q * 1.005 / (q / ep + q / ep / 10 + x / (1 + f)), rel=1e-12)
    short = lk.liquidation_price(bybit_inverse(), side="short", **kw)
    assert short == pytest.approx(q * 0.995 / (q / ep - q / ep / 10 - x / (1 - f)), rel=1e-12)


def test_bybit_legacy_v2_inverse_uses_bybits_inverse_formula():
    legacy = bybit_inverse().assign(exchange="bybit-legacy")
    kw = dict(entry_price=50_000, leverage=10, notional=1.2)
    assert lk.liquidation_price(legacy, **kw) == lk.liquidation_price(bybit_inverse(), **kw)


# -- Binance COIN-M: the FAQ's figures and Binance's calculator ---------------------------------

BINANCE_FAQ = "https://www.binance.com/en/support/faq/ceccfcfb4e3a45e3b48b0b1bb1a8ae46"
# Brackets of BTCUSD as the COIN-M FAQ states them from 50 BTC up: 5 % from 50 BTC after
# 2.5 %, 10 % from 100, 12.5 % from 200 ("if the position of BTCUSD Contract is 300BTC,
# then the maintenance amount would be 11.605 BTC"; 11.605 - 100 x 5 % - 200 x 2.5 % =
# 1.605 at 5 %, 1.605 - 50 x 2.5 % = 0.355 below).  The leverages are illustrative (the
# FAQ gives none); the rates and maintenance amounts are the FAQ's.
BTCUSD = [(50, 20, 0.025, 0.355), (100, 10, 0.05, 1.605), (200, 5, 0.10, 6.605),
          (400, 4, 0.125, 11.605)]  # fmt: skip


def coinm(rows=BTCUSD, symbol="BTCUSD_PERP"):
    return ladder("binance-coinm", symbol, rows)


def test_binance_coinm_matches_binances_calculator():
    # dev.binance.vision/t/coin-margined-futures-liquidation-price-calculation-help-cm-variable/6292:
    # "Wallet Balance = 101 BTC; Entry Price = $45,000; Quantity = Long $10,000,000 or
    # 100,000 in contract terms; The Binance Calculator is calculating the Liquidation Price
    # as $33,599.40".  Cross with one position = isolated with WB = the wallet: margin
    # 101 BTC = coin value at entry / L.  (docs/instruments.md §4.3: 33,599.42 with the
    # FAQ's 11.605; the calculator shows 33,599.40.)
    coins = 10_000_000 / 45_000
    got = lk.liquidation_price(coinm(), entry_price=45_000, leverage=coins / 101, notional=coins)
    assert got == pytest.approx(33_599.40, abs=0.05)
    # the same with the margin given as extra margin on a 4x position
    extra = 101 - coins / 4
    again = lk.liquidation_price(
        coinm(), entry_price=45_000, leverage=4, notional=coins, extra_margin=extra
    )
    assert again == pytest.approx(got, rel=1e-12)
    # its coin notional at LP (297.6 BTC) lies in the 12.5 % bracket it used
    assert 200 < 10_000_000 / got <= 400


def test_binance_coinm_maintenance_margin_of_the_faqs_example():
    # BINANCE_FAQ: "100 BTCUSD Perpetual contracts ... Mark Price 25,000 ... notional value
    # 100 * 100 / 25,000 = 0.4 BTC, which is in margin level 1 ... Maintenance Margin =
    # 100 * 100 / 25,000 * 0.4% - 0 = 0.0016 BTC" (level 1: the docs' bracket, 0.4 %).
    t = coinm([(50, 125, 0.004, 0.0)])
    assert lk.margin(t, 0.4)["maintenance_margin"] == pytest.approx(0.0016, abs=1e-12)
    # "Maintenance Amount on Level 5 = 50 BTC * (5% -2.5%) + 0.56 BTC = 1.81 BTC": a
    # ladder stating level 4's amount only derives level 5's by the recursion
    t = coinm([(50, 20, 0.025, 0.56), (100, 10, 0.05, None)])
    out = lk.margin(t, 75.0)
    assert out["mm_deduction"] == pytest.approx(1.81, abs=1e-12) and out["mm_deduction_derived"]


def test_binance_coinm_closed_form_vectors():
    # docs/instruments.md §4.7 "test vectors": 10 contracts x 100 USD at 50,000, 20x, MMR
    # 0.4 %, cum 0 -> 47,809.5238 long, 52,421.0526 short (closed form and bisection)
    t = coinm([(50, 125, 0.004, 0.0)])
    kw = dict(entry_price=50_000, leverage=20, notional=1_000 / 50_000)
    assert lk.liquidation_price(t, **kw) == pytest.approx(47_809.5238, abs=1e-4)
    assert lk.liquidation_price(t, side="short", **kw) == pytest.approx(52_421.0526, abs=1e-4)
    # ccxt binance.py L10853-10867's inverse form: 10,000 USD at 45,000, wallet 0.05 BTC,
    # MMR 0.4 % -> 36,881.6327 long, 57,832.2581 short
    coins = 10_000 / 45_000
    kw = dict(entry_price=45_000, leverage=coins / 0.05, notional=coins)
    assert lk.liquidation_price(t, **kw) == pytest.approx(36_881.6327, abs=1e-4)
    assert lk.liquidation_price(t, side="short", **kw) == pytest.approx(57_832.2581, abs=1e-4)


# -- shapes, edges ------------------------------------------------------------------------------


def test_an_inverse_short_whose_loss_is_bounded_has_no_liquidation_price():
    # 1x short: margin = its coin value, so no price rises far enough: inf (a long at 1x
    # is still liquidated, near half the entry: EP(1 + r)/2).
    kw = dict(entry_price=40_000, leverage=1, notional=1.0)
    assert lk.liquidation_price(bybit_inverse(), side="short", **kw) == math.inf
    assert lk.liquidation_price(bybit_inverse(), **kw) == pytest.approx(40_000 * 1.005 / 2)


def test_inverse_answers_are_vectorised_like_linear_ones():
    levs = pd.Series([2.0, 10.0, 120.0], index=["a", "b", "c"])
    out = lk.liquidation_price(bybit_inverse(), entry_price=50_000, leverage=levs, notional=1.2)
    assert list(out.index) == ["a", "b", "c"]
    for key in ("a", "b"):
        one = lk.liquidation_price(
            bybit_inverse(), entry_price=50_000, leverage=levs[key], notional=1.2
        )
        assert out[key] == one
    assert np.isnan(out["c"])  # 1.2 BTC is in tier 1 (100x): 120x is forbidden
    assert out["a"] < out["b"] < 50_000


def test_linear_and_inverse_ladders_in_one_call_by_size():
    both = pd.concat([bybit_inverse(), ladder("bybit", "BTCUSDT", [(3e5, 150, 0.0033, 0)],
                                              kind="linear")], ignore_index=True)  # fmt: skip
    out = lk.liquidation_price(both, entry_price=50_000, leverage=10, size=1.2)
    assert out[("bybit", "BTCUSD")] == pytest.approx(45_681.82, abs=0.005)
    # linear: (60,000 - 6,000) / (1.2 x (1 - 0.0033))
    assert out[("bybit", "BTCUSDT")] == pytest.approx(54_000 / (1.2 * 0.9967), rel=1e-12)


def test_notional_across_coin_and_usdt_ladders_is_refused():
    both = pd.concat([bybit_inverse(), ladder("bybit", "BTCUSDT", [(3e5, 150, 0.0033, 0)],
                                              kind="linear")], ignore_index=True)  # fmt: skip
    with pytest.raises(lk.InvalidPositionError, match="BTC, USDT.*size="):
        lk.liquidation_price(both, entry_price=50_000, leverage=10, notional=1.2)


def test_an_inverse_position_past_maintenance_names_the_coin():
    # 1.2 BTC at 100x: margin 0.012; MM at entry 0.006; taking 0.007 leaves 0.005 <= 0.006
    with pytest.raises(lk.InvalidPositionError, match=r"margin 0\.005 .*0\.006.*in BTC"):
        lk.liquidation_price(
            bybit_inverse(), entry_price=50_000, leverage=100, notional=1.2, extra_margin=-0.007
        )


def test_a_venue_without_an_inverse_formula_raises_and_borrows_none():
    for name in sorted(set(LINEAR) - set(INVERSE)):
        t = ladder(name, "BTCUSD", [(150, 100, 0.005, 0)])
        with pytest.raises(lk.InvalidPositionError, match=f"inverse contracts on {name}"):
            lk.liquidation_price(t, entry_price=50_000, leverage=10, notional=1.0)


# -- brute force: equity = maintenance margin, by bisection ------------------------------------


def _tier(caps, value):
    """Index of the first cap >= value (the top tier above the last cap)."""
    return min(int(np.searchsorted(caps, value, side="left")), len(caps) - 1)


def brute(exchange, kind, caps, rates, deds, *, ep, lev, amount, side, extra, fee, face=False):
    """The liquidation price as the root of ``equity(P) = MM(P)``, by bisection, from the
    venue's declared rule only (where the fee goes, which tier counts, whether a deduction
    exists): an independent check of the closed form and its tier iteration."""
    v = venue(exchange)
    rule = v.liquidation_rule(kind)
    s = 1.0 if side == "long" else -1.0
    deds = np.zeros(len(caps)) if v.maintenance.deduction == "none" else np.asarray(deds)
    f_den = fee if rule.fee == "denominator" else 0.0
    f_extra = fee if rule.fee == "extra_margin" else 0.0
    if kind == "linear":  # amount: notional in quote
        q = amount / ep
        m = amount / lev + extra / (1 - s * f_extra)
        look = amount

        def value(p):
            return q * p

        def equity(p):
            return m + s * q * (p - ep)

    else:  # amount: the ladder's unit (coins, or USD face)
        usd = amount if face else amount * ep
        coins = usd / ep
        m = coins / lev + extra / (1 + s * f_extra)
        look = usd if face else coins

        def value(p):
            return usd / p

        def equity(p):
            return m + s * usd * (1 / ep - 1 / p)

    at_entry = _tier(caps, look)

    def gap(p):
        k = at_entry if rule.tier == "entry" or face else _tier(caps, value(p))
        return equity(p) - (value(p) * (rates[k] + f_den) - deds[k])

    if side == "long":
        lo, hi = 1e-12 * ep, ep
        if gap(lo) > 0:
            return 0.0  # no positive price liquidates it
    else:
        lo, hi = ep, ep * 1e9
        if gap(hi) > 0:
            return math.inf
    for _ in range(300):
        mid = 0.5 * (lo + hi)
        if (gap(mid) > 0) == (side == "long"):
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


@st.composite
def positions(draw, kinds=("linear", "inverse")):
    """A venue with a formula for the kind, a monotone ladder (rate 1/(2 max leverage),
    deductions by the recursion) and a position that fits in it."""
    kind = draw(st.sampled_from(kinds))
    exchange = draw(st.sampled_from(INVERSE if kind == "inverse" else LINEAR))
    face = kind == "inverse" and exchange == "okx"
    n = draw(st.integers(1, 6))
    levs = sorted(draw(st.lists(st.integers(2, 150), min_size=n, max_size=n, unique=True)))[::-1]
    unit = 1e4 if kind == "linear" or face else 1.0
    caps = np.cumsum(draw(st.lists(st.floats(0.5, 500), min_size=n, max_size=n))) * unit
    rates = np.array([0.5 / x for x in levs])
    deds = np.r_[0.0, np.cumsum(caps[:-1] * np.diff(rates))]
    where = draw(st.floats(0.01, 1.0))
    amount = where * caps[-1]
    top = levs[_tier(caps, amount)]
    lev = max(1.0, top * draw(st.floats(0.02, 1.0)))
    pos = dict(
        ep=draw(st.floats(1e-2, 1e5)),
        lev=lev,
        amount=amount,
        side=draw(st.sampled_from(["long", "short"])),
        extra=draw(st.sampled_from([0.0, 0.01])) * amount,
        fee=draw(st.sampled_from([0.0, 0.0005])),
    )
    if kind == "inverse" and face:
        pos["extra"] = pos["extra"] / pos["ep"]  # extra margin is in the coin
    return exchange, kind, caps, rates, deds, face, pos


@settings(max_examples=200, deadline=None)
@given(positions())
def test_closed_form_equals_the_brute_force_root(case):
    exchange, kind, caps, rates, deds, face, pos = case
    unit = "USD" if face else None
    rows = list(zip(caps.tolist(), [0.5 / r for r in rates], rates, deds, strict=True))
    t = ladder(exchange, "SYM", rows, kind=kind, unit=unit)
    got = lk.liquidation_price(
        t, entry_price=pos["ep"], leverage=pos["lev"], notional=pos["amount"], side=pos["side"],
        extra_margin=pos["extra"], fee_rate=pos["fee"],
    )  # fmt: skip
    want = brute(exchange, kind, caps, rates, deds, face=face, **pos)
    if math.isinf(want) or want == 0.0:
        assert got == want
    else:
        assert got == pytest.approx(want, rel=1e-7)
