"""One maintenance-margin rule per venue, the same on every road (PUBLIC_API 0.3).

Expected values are the arithmetic of the venues' published rules (sources in each
``levkit/venues/<name>/spec.py``), written out by hand, never copied from levkit's output.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import levkit as lk
from levkit.frames import tiers_frame
from levkit.model import with_maintenance
from levkit.model.maintenance import DERIVED_COLUMN, continuity_deductions
from levkit.venues import GENERIC_MAINTENANCE, maintenance_rule, venues
from levkit.venues.bitget.parse import parse_position_lever
from levkit.venues.bybit.parse import parse_risk_limits as parse_bybit

# Bitget BTCUSDT-like: 125x to 200,000 at 0.4 %, 100x to 1,000,000 at 0.5 %, 50x to 5e6 at 1 %.
# Recursion: D_2 = 200,000 x 0.001 = 200; D_3 = 200 + 1,000,000 x 0.005 = 5,200.
BITGET = [(200_000, 125, 0.004), (1_000_000, 100, 0.005), (5_000_000, 50, 0.01)]
BITGET_D = [0.0, 200.0, 5_200.0]


def bare(exchange, symbol, rows, **extra):
    """A ladder with rates and no deductions (what from_ccxt and hand-made frames hold)."""
    return tiers_frame(
        {
            "exchange": [exchange] * len(rows),
            "symbol": [symbol] * len(rows),
            "max_notional": [r[0] for r in rows],
            "max_leverage": [r[1] for r in rows],
            "maintenance_margin_rate": [r[2] for r in rows],
            **extra,
        },
        source="api",
    )


class FakeCcxt:
    """A ccxt exchange as from_ccxt sees it (no network, no ccxt), for Bitget."""

    id = "bitget"
    has = {"fetchLeverageTiers": True, "fetchMarketLeverageTiers": True}

    def fetch_leverage_tiers(self, symbols=None):
        rows, floor = [], 0.0
        for k, (cap, lev, mmr) in enumerate(BITGET, start=1):
            rows.append({"tier": k, "minNotional": floor, "maxNotional": cap,
                         "maintenanceMarginRate": mmr, "maxLeverage": lev, "info": {}})  # fmt: skip
            floor = cap
        return {"BTC/USDT:USDT": rows}

    def fetch_market_leverage_tiers(self, symbol):
        return self.fetch_leverage_tiers()[symbol]


def bitget_roads(tmp_path, monkeypatch):
    """The same Bitget ladder by every road: native parse, from_ccxt, snapshot, hand-made."""
    native = parse_position_lever(
        [{"symbol": "BTCUSDT", "level": str(k), "startUnit": str(lo), "endUnit": str(cap),
          "leverage": str(lev), "keepMarginRate": str(mmr)}
         for k, (lo, (cap, lev, mmr)) in enumerate(
             zip([0, 200_000, 1_000_000], BITGET, strict=True), start=1)]
    )  # fmt: skip
    ccxt = lk.from_ccxt(FakeCcxt())
    hand = bare("bitget", "BTCUSDT", BITGET)
    monkeypatch.setenv("LEVKIT_DATA_DIR", str(tmp_path))
    lk.save_snapshot(hand.assign(complete=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snap = lk.load_snapshot("bitget", "BTCUSDT")
    return {"native": native, "from_ccxt": ccxt, "snapshot": snap, "hand-made": hand}


# -- every road, one answer -----------------------------------------------------------------


def test_bitget_gives_one_maintenance_margin_by_every_road(tmp_path, monkeypatch):
    # 500,000 is in tier 2: 500,000 x 0.005 - 200 = 2,300 (not 2,500 with D = 0)
    for road, t in bitget_roads(tmp_path, monkeypatch).items():
        out = lk.margin(t, 500_000, 20)
        assert out["maintenance_margin"] == pytest.approx(2_300, rel=1e-12), road
        assert out["mm_deduction"] == pytest.approx(200, rel=1e-12), road
        assert out["mm_deduction_derived"] is True, road  # Bitget publishes none


def test_liquidation_price_implies_the_same_maintenance_margin_as_margin(tmp_path, monkeypatch):
    # At the liquidation price margin + PnL equals the maintenance margin there (Bitget:
    # fee 0, the entry tier); a long of 500,000 at 20x from 100: Q = 5,000 coins.
    q, entry, lev = 5_000.0, 100.0, 20.0
    for road, t in bitget_roads(tmp_path, monkeypatch).items():
        lp = lk.liquidation_price(t, entry_price=entry, leverage=lev, size=q)
        # (V - M - D) / (Q (1 - r)) with V = 500,000, M = 25,000, r = 0.005, D = 200
        assert lp == pytest.approx((500_000 - 25_000 - 200) / (q * 0.995), rel=1e-12), road
        held = 500_000 / lev + q * (lp - entry)
        assert held == pytest.approx(q * lp * 0.005 - 200, rel=1e-9), road
        assert lk.margin(t, q * lp)["maintenance_margin"] == pytest.approx(held, rel=1e-9), road


def test_a_bybit_answer_without_mm_deduction_gets_the_recursion_marked():
    # Older v5 answers had no mmDeduction: tiers_frame stores 0 on every row.  Bybit's
    # "Margin Parameters": D_n = risk limit_(n-1) x (MMR_n - MMR_(n-1)) + D_(n-1).
    rows = [
        {"id": 1, "symbol": "BTCUSDT", "riskLimitValue": "300000", "maintenanceMargin": "0.0033",
         "initialMargin": "0.0066", "isLowestRisk": 1, "maxLeverage": "150.00"},
        {"id": 2, "symbol": "BTCUSDT", "riskLimitValue": "2000000", "maintenanceMargin": "0.005",
         "initialMargin": "0.01", "isLowestRisk": 0, "maxLeverage": "100.00"},
    ]  # fmt: skip
    t = parse_bybit(rows)
    assert (t["mm_deduction"] == 0).all()  # what the answer held: nothing
    out = lk.margin(t, 1_000_000, 50)
    assert out["mm_deduction"] == pytest.approx(300_000 * (0.005 - 0.0033))  # 510
    assert out["maintenance_margin"] == pytest.approx(1_000_000 * 0.005 - 510)
    assert out["mm_deduction_derived"] is True
    stated = parse_bybit([rows[0], {**rows[1], "mmDeduction": "510"}])
    assert lk.margin(stated, 1_000_000)["mm_deduction_derived"] is False


def test_okx_has_no_deduction_whatever_the_frame_holds():
    # OKX: MM = notional x the tier's rate on the whole position (jumps at a cap)
    rows = [(1e6, 100, 0.005), (2e6, 50, 0.01)]
    t = bare("okx", "BTC-USDT-SWAP", rows, mm_deduction=[0.0, 5_000.0])
    out = lk.margin(t, 1.5e6)
    assert out["maintenance_margin"] == pytest.approx(1.5e6 * 0.01)
    assert out["mm_deduction"] == 0 and out["mm_deduction_derived"] is False
    below, above = lk.margin(t, [1e6, 1e6 + 1])["maintenance_margin"].tolist()
    assert above - below == pytest.approx((1e6 + 1) * 0.01 - 1e6 * 0.005)


def test_a_venue_outside_the_registry_uses_the_recursion_and_has_no_liquidation_formula():
    t = bare("kucoinfutures", "XBTUSDTM", [(5e5, 100, 0.004), (1e6, 75, 0.006)])
    assert maintenance_rule("kucoinfutures") is GENERIC_MAINTENANCE
    out = lk.margin(t, 8e5)
    assert out["maintenance_margin"] == pytest.approx(8e5 * 0.006 - 5e5 * 0.002)  # 3,800
    assert out["mm_deduction_derived"] is True
    with pytest.raises(lk.InvalidPositionError, match="kucoinfutures.*outside"):
        lk.liquidation_price(t, entry_price=1.0, leverage=10, notional=8e5)


def test_a_published_deduction_is_used_and_a_missing_one_continues_the_chain():
    # Binance-like: cum given on tiers 1-2, missing (NaN) on 3: D_3 = 50 + 600,000 x 0.0015
    t = bare("binance", "BTCUSDT", [(5e4, 125, 0.004), (6e5, 100, 0.005), (3e6, 75, 0.0065)])
    t["mm_deduction"] = [0.0, 50.0, np.nan]
    m = with_maintenance(t)
    assert m["mm_deduction"].tolist() == pytest.approx([0, 50, 950])
    assert m[DERIVED_COLUMN].tolist() == [False, False, True]
    # a stated deduction that breaks the recursion is the venue's: kept, and continued from
    t["mm_deduction"] = [0.0, 60.0, np.nan]
    assert with_maintenance(t)["mm_deduction"].tolist() == pytest.approx([0, 60, 960])


def test_a_zero_below_tier_one_where_the_chain_has_moved_is_no_deduction():
    # tiers_frame stores a missing cum as 0: a 0 on tier 3 after cum 50 on tier 2 is none
    t = bare("binance", "BTCUSDT", [(5e4, 125, 0.004), (6e5, 100, 0.005), (3e6, 75, 0.0065)],
             mm_deduction=[0.0, 50.0, ""])  # fmt: skip
    assert with_maintenance(t)["mm_deduction"].tolist() == pytest.approx([0, 50, 950])
    # equal rates after a rise: the recursion carries D on (0 there is not a reset)
    flat = bare("gate", "X_USDT", [(1e5, 50, 0.01), (2e5, 25, 0.02), (3e5, 20, 0.02)])
    assert with_maintenance(flat)["mm_deduction"].tolist() == pytest.approx([0, 1e3, 1e3])
    # equal rates throughout: every 0 is the venue's (nothing to derive, nothing marked)
    even = bare("gate", "Y_USDT", [(1e5, 50, 0.01), (2e5, 25, 0.01)])
    assert not with_maintenance(even)[DERIVED_COLUMN].any()


def test_a_row_marked_derived_is_recomputed_and_stays_marked():
    t = bare("gate", "BTC_USDT", [(1e6, 100, 0.005), (3e6, 50, 0.01)])
    t["mm_deduction"] = [0.0, 1.0]  # a stale derived number
    t[DERIVED_COLUMN] = [False, True]
    m = with_maintenance(t)
    assert m["mm_deduction"].tolist() == pytest.approx([0, 5_000])
    assert m[DERIVED_COLUMN].tolist() == [False, True]


def test_an_unknown_rate_leaves_the_derived_deduction_unknown_not_zero():
    t = bare("bybit", "XUSDT", [(1e5, 50, 0.01), (2e5, 25, np.nan), (3e5, 20, 0.03)])
    m = with_maintenance(t)
    assert m["mm_deduction"].iloc[0] == 0 and m["mm_deduction"].iloc[1:].isna().all()
    assert math.isnan(lk.margin(t, 2.5e5)["maintenance_margin"])


def test_hyperliquid_fills_a_missing_rate_from_the_max_leverage():
    # margin-tiers: MMR = 1 / (2 max leverage); D_2 = 150e6 x (1/40 - 1/80)
    t = tiers_frame({"exchange": "hyperliquid", "symbol": "BTC",
                     "max_notional": np.array([150e6, math.inf]), "max_leverage": [40, 20]},
                    source="api")  # fmt: skip
    out = lk.margin(t, 200e6)
    assert out["maintenance_margin_rate"] == pytest.approx(1 / 40)
    assert out["maintenance_margin"] == pytest.approx(200e6 / 40 - 150e6 * (1 / 40 - 1 / 80))


def test_with_maintenance_keeps_the_callers_rows_order_and_index():
    a = bare("bitget", "BTCUSDT", BITGET)
    b = bare("bybit", "ETHUSDT", [(1e5, 100, 0.005), (5e5, 50, 0.01)])
    t = pd.concat([b, a]).iloc[::-1].set_axis(list("abcde"))
    m = with_maintenance(t)
    assert m.index.tolist() == list("abcde")
    assert m.loc[["c", "b", "a"], "mm_deduction"].tolist() == pytest.approx(BITGET_D)
    assert m.loc[["e", "d"], "mm_deduction"].tolist() == pytest.approx([0, 500])


def test_continuity_deductions_match_the_published_bybit_figures():
    # Bybit BTCUSDT 2026 (API_NOTES): 0, 510, 1710
    got = continuity_deductions([0, 3e5, 2e6], [0.0033, 0.005, 0.0056])
    assert got.tolist() == pytest.approx([0, 510, 1710])


def test_every_registered_venue_declares_its_maintenance_rule_with_a_source():
    for v in venues():
        assert v.maintenance is not None and v.maintenance.source, v.name
    okx_like = [v.name for v in venues() if v.maintenance.deduction == "none"]
    assert okx_like == ["okx"]


# -- capacity, the control, the CLI read the same place -------------------------------------


def test_capacity_reports_the_maintenance_margin_of_the_position_it_opens():
    t = bare("bitget", "BTCUSDT", BITGET)
    cap = lk.capacity(t, 25_000, [20, 100])
    assert cap["capacity"].tolist() == [500_000, 1_000_000]
    want = [500_000 * 0.005 - 200, 1_000_000 * 0.005 - 200]
    assert cap["maintenance_margin"].tolist() == pytest.approx(want)
    assert cap["maintenance_margin"].tolist() == pytest.approx(
        lk.margin(t, [500_000, 1_000_000])["maintenance_margin"].tolist()
    )
    assert cap["mm_deduction_derived"].all()


def test_the_control_reads_the_same_maintenance_margin_as_margin():
    from levkit.sim import DEMO_KEY, DEMO_SECRET, Simulator

    sim = Simulator()
    client = lk.Bybit(DEMO_KEY, DEMO_SECRET, session=sim.session(), progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        control = lk.LeverageControl(client, "BTCUSDT", balance=10_000)
        control.leverage = 50
        want = lk.margin(control.margin_tiers, control.capacity)["maintenance_margin"]
    assert control.maintenance_margin == pytest.approx(want)
    assert control.readouts()["maintenance_margin"].iloc[0] == pytest.approx(want)


def test_the_cli_table_marks_derived_deductions():
    from levkit.cli import format_tiers

    text = format_tiers(bare("bitget", "BTCUSDT", BITGET))
    assert "5,200*" in text and text.splitlines()[-1].startswith("* deduction derived")
    stated = bare("binance", "BTCUSDT", [(5e4, 125, 0.004), (6e5, 100, 0.005)])
    stated["mm_deduction"] = [0.0, 50.0]
    assert "*" not in format_tiers(stated)
