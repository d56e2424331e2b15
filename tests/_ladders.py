"""Inline risk-limit ladders for the model and plot tests (real published figures).

Built with :func:`levkit.frames.tiers_frame`; nothing is read from disk.
"""

from __future__ import annotations

import pandas as pd

from levkit.frames import tiers_frame

#: BingX BTC-USDT, from the exchange's website tier table: (max leverage, cap in USDT).
BINGX_BTC = [
    (150, 300_000),
    (100, 800_000),
    (75, 3_000_000),
    (50, 12_000_000),
    (25, 70_000_000),
    (20, 100_000_000),
    (10, 230_000_000),
    (5, 480_000_000),
    (4, 600_000_000),
    (3, 800_000_000),
    (2, 1_200_000_000),
    (1, 1_800_000_000),
]

#: Bybit BTCUSDT's 2026 tiers: (cap, MMR, IMR, max leverage, mm deduction).
BYBIT_BTC = [
    (300_000, 0.0033, 0.0066, 150, 0),
    (2_000_000, 0.005, 0.01, 100, 510),
    (2_600_000, 0.0056, 0.0111, 90, 1710),
]


def bingx_btc() -> pd.DataFrame:
    """BingX BTC-USDT leverage ladder (no maintenance rates in the website table)."""
    return tiers_frame(
        {
            "exchange": ["bingx"] * len(BINGX_BTC),
            "symbol": ["BTC-USDT"] * len(BINGX_BTC),
            "max_leverage": [lev for lev, _ in BINGX_BTC],
            "max_notional": [cap for _, cap in BINGX_BTC],
        },
        source="snapshot",
    )


def bybit_btc() -> pd.DataFrame:
    """Bybit BTCUSDT's published 2026 tiers (rows given in reverse to exercise sorting)."""
    rows = BYBIT_BTC[::-1]
    return tiers_frame(
        {
            "exchange": ["bybit"] * len(rows),
            "symbol": ["BTCUSDT"] * len(rows),
            "max_notional": [r[0] for r in rows],
            "maintenance_margin_rate": [r[1] for r in rows],
            "initial_margin_rate": [r[2] for r in rows],
            "max_leverage": [r[3] for r in rows],
            "mm_deduction": [str(r[4]) if r[4] else "" for r in rows],
        },
        source="api",
    )


def bingx_eth_margin_bands() -> pd.DataFrame:
    """BingX-style maintMarginRatio bands: notional bands with no leverage column."""
    return tiers_frame(
        {
            "exchange": ["bingx"] * 2,
            "symbol": ["ETH-USDT"] * 2,
            "max_notional": [500_000, 2_000_000],
            "maintenance_margin_rate": [0.005, 0.01],
            "mm_deduction": [0, 2500],
        },
        source="api",
    )


def both() -> pd.DataFrame:
    """Both ladders in one frame (Bybit first in row order, BingX first once sorted)."""
    return tiers_frame(pd.concat([bybit_btc(), bingx_btc()], ignore_index=True), source="api")


def synthetic_small() -> pd.DataFrame:
    """A made-up three-tier ladder topping out at 50x (for mixed-maximum frames)."""
    return tiers_frame(
        {
            "exchange": ["bybit"] * 3,
            "symbol": ["TESTUSDT"] * 3,
            "max_notional": [200_000, 1_000_000, 5_000_000],
            "max_leverage": [50, 25, 10],
            "maintenance_margin_rate": [0.01, 0.02, 0.05],
            "mm_deduction": [0, 2_000, 32_000],
        },
        source="api",
    )


def bybit_btcusd(top: float = 100.0) -> pd.DataFrame:
    """Bybit's inverse BTCUSD, in BTC: tier 1 of the v5 risk-limit doc example
    (``riskLimitValue`` "150", ``maxLeverage`` "100.00", MMR 0.5 %, IMR 1 % after percent
    normalisation: docs/instruments.md §3.1) and the tier the v2 doc example shows last
    (id 10: ``limit`` 1500, 5 % / 5.5 %, 18.18x; §3.2); the tiers between are not
    published there.  ``top`` other than 100 is SYNTHETIC (a ladder above v2's 100x).
    The simulator's Bybit account holds no inverse ladder by default; Bybit v2
    (``bybit-legacy``) reads inverse symbols only."""
    return tiers_frame(
        {"exchange": ["bybit"] * 2, "symbol": ["BTCUSD"] * 2, "max_notional": [150.0, 1500.0],
         "max_leverage": [top, 18.18], "maintenance_margin_rate": [0.005, 0.05],
         "initial_margin_rate": [1 / top, 0.055], "category": ["inverse"] * 2,
         "notional_unit": ["BTC"] * 2},
        source="snapshot",
    )  # fmt: skip


def with_bybit_btcusd(sim) -> None:
    """Give a simulator's Bybit account the inverse BTCUSD ladder (:func:`bybit_btcusd`)."""
    from levkit.sim.ladders import ladders_from_frame

    sim.ladders["bybit"].update(ladders_from_frame(bybit_btcusd(), "bybit"))
