"""What every frame levkit returns must satisfy (PUBLIC_API's frames, issue 23 item 4):
the fuzzing tests check each frame they get back with these."""

from __future__ import annotations

import numpy as np
import pandas as pd

from levkit.frames import LEVERAGE_COLUMNS, SOURCES, TIERS_COLUMNS


def _is_str_column(series: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(series.dtype) and all(isinstance(v, str) for v in series)


def _nan_or(values: np.ndarray, ok: np.ndarray) -> bool:
    return bool(np.all(np.isnan(values) | ok))


def check_attrs(df: pd.DataFrame) -> None:
    assert df.attrs["source"] in SOURCES
    fetched = df.attrs["fetched_at"]
    assert isinstance(fetched, pd.Timestamp) and str(fetched.tz) == "UTC"


def check_tiers_frame(df: pd.DataFrame, *, need_leverage: bool = False) -> None:
    """Columns, dtypes, order, tier numbers, bands, attrs, and no bad number: per ladder
    caps positive and strictly increasing (``inf`` only on the top tier), ``min_notional``
    the previous cap, leverage positive and finite (known on every row when
    ``need_leverage``), maintenance rate in [0, 1), initial rate in (0, 1], deduction
    finite."""
    assert isinstance(df, pd.DataFrame) and len(df) > 0
    assert tuple(df.columns[: len(TIERS_COLUMNS)]) == TIERS_COLUMNS
    assert df.columns.is_unique
    assert isinstance(df.index, pd.RangeIndex) and df.index.start == 0
    assert _is_str_column(df["exchange"]) and _is_str_column(df["symbol"])
    assert df["tier"].dtype == np.int64
    for col in TIERS_COLUMNS[3:]:
        assert df[col].dtype == np.float64, col
    keys = list(zip(df["exchange"], df["symbol"], df["max_notional"], strict=True))
    assert keys == sorted(keys)
    group = df.groupby(["exchange", "symbol"], sort=False)
    assert (df["tier"].to_numpy() == group.cumcount().to_numpy() + 1).all()
    cap = df["max_notional"].to_numpy()
    prev = group["max_notional"].shift(1).fillna(0.0).to_numpy()
    top = group.cumcount(ascending=False).to_numpy() == 0
    assert (cap > 0).all(), "a cap that is not positive"
    assert (np.isfinite(cap) | top).all(), "an open cap below the top tier"
    assert (cap > prev).all(), "caps not strictly increasing"
    assert np.array_equal(df["min_notional"].to_numpy(), prev)
    lev = df["max_leverage"].to_numpy()
    positive = (lev > 0) & np.isfinite(lev)
    assert positive.all() if need_leverage else _nan_or(lev, positive), "a bad leverage"
    mmr = df["maintenance_margin_rate"].to_numpy()
    assert _nan_or(mmr, (mmr >= 0) & (mmr < 1)), "a maintenance rate outside [0, 1)"
    imr = df["initial_margin_rate"].to_numpy()
    assert _nan_or(imr, (imr > 0) & (imr <= 1)), "an initial rate outside (0, 1]"
    assert np.isfinite(df["mm_deduction"].to_numpy()).all()
    check_attrs(df)


def check_leverage_frame(df: pd.DataFrame) -> None:
    """PUBLIC_API's leverage frame: columns, dtypes, sides, order, one row per side, attrs;
    leverages positive and finite, caps >= 0 (``inf``: an uncapped top tier), NaN where
    unknown."""
    assert isinstance(df, pd.DataFrame) and len(df) > 0
    assert tuple(df.columns[: len(LEVERAGE_COLUMNS)]) == LEVERAGE_COLUMNS
    assert df.columns.is_unique
    for col in ("exchange", "symbol", "side"):
        assert _is_str_column(df[col]), col
    assert df["side"].isin(["both", "long", "short"]).all()
    for col in ("leverage", "max_leverage", "max_position_value"):
        assert df[col].dtype == np.float64, col
    for col in ("leverage", "max_leverage"):
        v = df[col].to_numpy()
        assert _nan_or(v, (v > 0) & np.isfinite(v)), col
    cap = df["max_position_value"].to_numpy()
    assert _nan_or(cap, cap >= 0), "max_position_value"
    rank = df["side"].map({"both": 0, "long": 1, "short": 2})
    keys = list(zip(df["exchange"], df["symbol"], rank, strict=True))
    assert keys == sorted(keys)
    assert not df.duplicated(["exchange", "symbol", "side"]).any()
    if "changed" in df:
        assert df["changed"].dtype == bool
    check_attrs(df)


POSITION_COLUMNS = ("exchange", "symbol", "side", "direction", "size", "position_value")


def check_positions_frame(df: pd.DataFrame) -> None:
    """``Client.positions``: one row per open side (empty when flat), sides and directions
    from the contract, sizes and values >= 0 and finite, prices positive or NaN."""
    assert isinstance(df, pd.DataFrame)
    assert set(POSITION_COLUMNS) <= set(df.columns)
    assert df["side"].isin(["both", "long", "short"]).all()
    assert df["direction"].isin(["long", "short"]).all()
    for col in ("size", "position_value"):
        v = df[col].to_numpy(dtype=float)
        assert _nan_or(v, (v >= 0) & np.isfinite(v)), col
    assert (df["position_value"] > 0).all(), "a flat side listed as open"
    for col in ("entry_price", "mark_price"):
        if col in df:
            v = df[col].to_numpy(dtype=float)
            assert _nan_or(v, np.isfinite(v)), col
