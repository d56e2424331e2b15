"""Input fuzzing (issue 7, item 3): whatever an exchange answers, levkit either returns a
valid frame or raises a :class:`levkit.LevkitError`, never another exception; a leverage
that is not valid sends nothing; symbol spellings never merge two markets.

Every test draws a moderate number of examples (``FUZZ``: 50, ``FEW``: 25) from cheap
strategies, so the file runs in seconds; the seed changes on every run, so CI runs add up
to many more.  The mutation of every venue's recorded answers is in
``test_fuzz_answers.py``.  No network: answers come from inline payloads, a tiny fake
session or the simulator (built on two small ladders: a full one costs 100 ms a test case).
"""

from __future__ import annotations

import functools
import json
import math
import string
import warnings

import msgspec
import numpy as np
import pandas as pd
import pytest
import requests
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict

import levkit as lk
from levkit.errors import InvalidSymbolError, LevkitError
from levkit.frames import LadderWarning
from levkit.sim import DEMO_KEY, DEMO_SECRET, Simulator
from levkit.sim.testing import FakeClock
from levkit.snapshot import load_snapshot
from levkit.symbols import QUOTES, Market, notional_currencies, notional_currency, parse_symbol
from levkit.validate import check_leverage
from levkit.venues import client_class, normalize_symbol, resolve, venue, venues
from levkit.venues._parse import deduction_recursion, ladder_starts
from levkit.venues.bingx import parse as px
from levkit.venues.bingx.client import BingXDialect
from levkit.venues.bybit import parse as pb
from levkit.venues.bybit.client import BybitDialect
from levkit.venues.bybit_legacy import parse as pl
from levkit.venues.bybit_legacy.client import BybitLegacyDialect

from ._invariants import check_attrs, check_leverage_frame
from ._invariants import check_tiers_frame as _check_tiers
from ._ladders import bybit_btcusd


def to_bingx(symbol):
    return normalize_symbol(symbol, "bingx")


def to_bybit(symbol):
    return normalize_symbol(symbol, "bybit")


FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
FEW = settings(FUZZ, max_examples=25)

# --------------------------------------------------------------------------- strategies

NASTY_NUMBERS = [
    "",
    " ",
    "NaN",
    "nan",
    "-nan",
    "inf",
    "-inf",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1e400",
    "1e-400",
    "0x10",
    "1_000",
    " 5 ",
    "five",
    "1,5",
    "--1",
    "0",
    "-0",
    "-1",
    "1" * 400,
    "\u0661\u0662",  # Arabic-Indic digits: float() reads them
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
#: Any JSON-ish value (plus NaN/inf floats, which Python's json module reads).
json_any = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)
good_numbers = st.one_of(
    st.floats(min_value=1e-6, max_value=1e12).map(lambda x: f"{x:.6g}"),
    st.floats(min_value=1e-6, max_value=1e12),
    st.integers(min_value=1, max_value=10**12),
    st.integers(min_value=1, max_value=10**12).map(str),
)
#: A number as an exchange might (mis)spell it: mostly fine, often wrong-typed or absurd.
bad_numbers = st.one_of(
    st.sampled_from(NASTY_NUMBERS),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**400),
    st.text(max_size=8),
    st.lists(scalars, max_size=2),
    st.dictionaries(st.text(max_size=3), scalars, max_size=2),
)


def mostly(good: st.SearchStrategy, bad: st.SearchStrategy, bad_percent: int = 5):
    """``good`` most of the time, ``bad`` in ``bad_percent`` % of draws: a row of several
    fields then often stays valid, so the frame checks run as often as the error paths."""
    return st.integers(0, 99).flatmap(lambda k: bad if k < bad_percent else good)


#: A number as an exchange might (mis)spell it: mostly fine, sometimes blank, wrong-typed
#: or absurd.
numberish = mostly(good_numbers, st.one_of(st.just(""), st.none(), bad_numbers))
real_symbols = st.sampled_from(["BTCUSDT", "ETHUSDT", "BTCUSD", "1000PEPEUSDT", "LTCUSDT"])
symbolish = mostly(real_symbols, st.one_of(st.text(max_size=12), scalars))
real_bingx = st.sampled_from(["BTC-USDT", "ETH-USDT", "DOGE-USDT"])
bingx_symbolish = mostly(real_bingx, st.one_of(st.text(max_size=12), scalars))


def rows_from(required: dict, optional: dict) -> st.SearchStrategy:
    """Rows with the right keys (values fuzzed), rows with keys missing, and garbage."""
    full = st.fixed_dictionaries(required, optional=optional)
    sparse = st.fixed_dictionaries({}, optional={**required, **optional})
    with_extra = st.builds(
        lambda row, extra: {**extra, **row},
        full,
        st.dictionaries(st.text(max_size=6), json_any, max_size=3),
    )
    row = mostly(full, st.one_of(with_extra, sparse, json_any), 20)
    return st.one_of(
        st.lists(full, min_size=1, max_size=6),
        st.lists(row, min_size=1, max_size=8),
        st.lists(row, max_size=2),
        json_any,
    )


bybit_risk_rows = rows_from(
    {"symbol": symbolish, "riskLimitValue": numberish},
    {
        "id": numberish,
        "maintenanceMargin": numberish,
        "initialMargin": numberish,
        "maxLeverage": numberish,
        "mmDeduction": numberish,
        "isLowestRisk": numberish,
    },
)
bybit_position_rows = rows_from(
    {
        "symbol": symbolish,
        "positionIdx": st.one_of(st.sampled_from([0, 1, 2, "0", "1"]), numberish),
    },
    {
        "leverage": numberish,
        "size": numberish,
        "positionValue": numberish,
        "riskId": numberish,
        "riskLimitValue": numberish,
        "side": st.sampled_from(["Buy", "Sell", "", None]),
    },
)
bybit_instrument_rows = rows_from(
    {"symbol": symbolish},
    {
        "leverageFilter": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "minLeverage": numberish,
                    "maxLeverage": numberish,
                    "leverageStep": numberish,
                },
            ),
            json_any,
        ),
        "settleCoin": st.one_of(st.sampled_from(["USDT", "USDC"]), scalars),
        "status": st.one_of(st.just("Trading"), scalars),
    },
)
bingx_leverage_data = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "symbol": bingx_symbolish,
            "longLeverage": numberish,
            "shortLeverage": numberish,
            "maxLongLeverage": numberish,
            "maxShortLeverage": numberish,
            "maxPositionLongVal": numberish,
            "maxPositionShortVal": numberish,
            "availableLongVal": numberish,
            "availableShortVal": numberish,
            "availableLongVol": numberish,
            "availableShortVol": numberish,
            "leverage": numberish,
            "side": st.sampled_from(["LONG", "SHORT", "BOTH", "x"]),
        },
    ),
    json_any,
)
bingx_margin_rows = rows_from(
    {"symbol": bingx_symbolish, "maxPositionVal": numberish},
    {
        "tier": st.one_of(st.just("Tier 1"), scalars),
        "minPositionVal": numberish,
        "maintMarginRatio": numberish,
        "maintAmount": numberish,
    },
)
bingx_position_rows = rows_from(
    {"symbol": bingx_symbolish},
    {
        "positionSide": st.one_of(st.sampled_from(["LONG", "SHORT", "BOTH", "long"]), scalars),
        "isolated": st.one_of(st.booleans(), st.sampled_from(["true", "false"]), scalars),
        "positionId": scalars,
        "positionAmt": numberish,
        "availableAmt": numberish,
        "avgPrice": numberish,
        "markPrice": numberish,
        "positionValue": numberish,
        "leverage": numberish,
        "initialMargin": numberish,
        "unrealizedProfit": numberish,
    },
)
bingx_order_rows = rows_from(
    {"symbol": bingx_symbolish},
    {
        "orderId": scalars,
        "side": st.one_of(st.sampled_from(["BUY", "SELL"]), scalars),
        "positionSide": st.one_of(st.sampled_from(["LONG", "SHORT", "BOTH"]), scalars),
        "type": scalars,
        "price": numberish,
        "origQty": numberish,
        "status": scalars,
    },
)
legacy_leverage_result = st.one_of(
    st.dictionaries(
        symbolish.filter(lambda s: isinstance(s, str)),
        st.one_of(st.fixed_dictionaries({"leverage": numberish}), json_any),
        max_size=5,
    ),
    json_any,
)
codes = st.one_of(st.sampled_from([0, "0", 10001, "110043", 34036, 100410]), numberish)
headers_values = st.one_of(
    st.sampled_from(["", "0", "10", "1700000000000", "-5", "inf", "nan", "1e400", "x"]),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet=string.printable, max_size=10),
)
HEADER_NAMES = [
    "X-Bapi-Limit",
    "X-Bapi-Limit-Status",
    "X-Bapi-Limit-Reset-Timestamp",
    "Retry-After",
    "X-RateLimit-Requests-Remain",
    "X-RateLimit-Requests-Expire",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
]
headers_st = st.dictionaries(st.sampled_from(HEADER_NAMES), headers_values, max_size=5)


def envelope(code_key: str, result_key: str, extra: dict) -> st.SearchStrategy:
    return st.one_of(
        st.fixed_dictionaries({code_key: codes}, optional={result_key: json_any, **extra}),
        json_any,
    )


bybit_envelopes = envelope(
    "retCode", "result", {"retMsg": scalars, "time": numberish, "retExtInfo": json_any}
)
legacy_envelopes = envelope(
    "ret_code",
    "result",
    {
        "ret_msg": scalars,
        "ext_code": scalars,
        "time_now": numberish,
        "rate_limit_status": numberish,
        "rate_limit_reset_ms": numberish,
        "rate_limit": numberish,
    },
)
bingx_envelopes = envelope("code", "data", {"msg": scalars, "timestamp": numberish})


# --------------------------------------------------------------------------- checks


def _is_str_column(series: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(series.dtype) and all(isinstance(v, str) for v in series)


def _finite_or_nan(values: np.ndarray) -> bool:
    return bool(np.all(np.isnan(values) | np.isfinite(values)))


def check_tiers_frame(df: pd.DataFrame) -> None:
    """A tiers frame with no bad number (margin bands: leverage may be NaN)."""
    _check_tiers(df)


def check_ladder(df: pd.DataFrame) -> None:
    """A leverage ladder: as :func:`check_tiers_frame`, leverage known on every row."""
    _check_tiers(df, need_leverage=True)


def frame_or_levkit_error(fn, *args, check=None, **kwargs):
    """Call ``fn``; a LevkitError is a fine answer, any other exception fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LadderWarning)
        try:
            out = fn(*args, **kwargs)
        except LevkitError as exc:
            event(f"raised {type(exc).__name__}")
            return None
    event("answered")
    if check is not None:
        check(out)
    return out


# --------------------------------------------------------------------------- Bybit v5


@FUZZ
@given(bybit_risk_rows, st.sampled_from(["linear", "inverse"]))
def test_bybit_risk_limits_fuzz_gives_tiers_frame_or_levkit_error(rows, category):
    frame_or_levkit_error(pb.parse_risk_limits, rows, category=category, check=check_ladder)


@FUZZ
@example([{"symbol": "BTCUSDT", "positionIdx": 1}, {"symbol": "BTCUSDT", "positionIdx": "1"}])
@given(bybit_position_rows)
def test_bybit_positions_fuzz_gives_leverage_frame_or_levkit_error(rows):
    frame_or_levkit_error(pb.parse_positions, rows, check=check_leverage_frame)


def _check_instruments(df: pd.DataFrame) -> None:
    assert list(df.columns) == [
        "symbol",
        "min_leverage",
        "max_leverage",
        "leverage_step",
        "settle_coin",
        "status",
    ]
    for col in ("symbol", "settle_coin", "status"):
        assert _is_str_column(df[col])
    for col in ("min_leverage", "max_leverage", "leverage_step"):
        assert df[col].dtype == np.float64
        assert _finite_or_nan(df[col].to_numpy())


@FUZZ
@given(bybit_instrument_rows)
def test_bybit_instruments_fuzz_gives_filters_or_levkit_error(rows):
    frame_or_levkit_error(pb.parse_instruments, rows, check=_check_instruments)


@FEW
@given(bybit_risk_rows)
def test_bybit_risk_limit_bytes_through_transport_decoder(rows):
    """The typed msgspec decoder path: shape errors must surface as LevkitError too."""
    body = json.dumps(
        {"retCode": 0, "retMsg": "OK", "result": {"list": rows, "nextPageCursor": ""}}
    ).encode()
    client = lk.Bybit(session=FakeSession([(200, {}, body)]), max_retries=0, sleep=_no_sleep)
    frame_or_levkit_error(client.risk_limits, "BTCUSDT", check=check_ladder)


@FUZZ
@given(st.one_of(bybit_risk_rows, st.deferred(lambda: bybit_ladders())))
def test_bybit_typed_rows_parse_like_plain_json(rows):
    """The fast path (a typed msgspec decoder reading numbers in C, the lenient rows when
    that fails) gives the frame the plain-JSON path gives, or both refuse the answer."""
    try:
        body = json.dumps({"retCode": 0, "result": {"list": rows}}, allow_nan=False).encode()
    except (ValueError, OverflowError):  # NaN or inf: not JSON, the transport refuses it
        return
    outcomes = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LadderWarning)
        for read in (
            lambda: json.loads(body)["result"]["list"],
            lambda: pb.decode_risk_limit_page(body)["result"]["list"],
        ):
            try:
                outcomes.append(pb.parse_risk_limits(read()))
            except (LevkitError, msgspec.ValidationError):
                outcomes.append(None)
    plain, typed = outcomes
    assert (plain is None) == (typed is None), "one path refused what the other read"
    if plain is not None:
        pd.testing.assert_frame_equal(plain, typed)
        assert plain.attrs.get("dropped") == typed.attrs.get("dropped")


# --------------------------------------------------------------------------- targeted

#: Values that are never an exchange number, whatever the field.
WRONG_NUMBERS = st.one_of(
    st.booleans(),
    st.lists(scalars, max_size=2),
    st.dictionaries(st.text(max_size=3), scalars, max_size=2),
    st.sampled_from(["five", "NaN", "nan", "inf", "-Infinity", "1e400", "0x10", "1,5", "--1"]),
    st.sampled_from([float("inf"), float("-inf"), 10**400]),
    st.text(alphabet=string.ascii_letters + "!?#", min_size=1, max_size=6),
)
spelled = st.sampled_from(["str", "int", "float"])


def spell(value: float, how: str):
    """A number as a JSON string, int or float (exchanges use all three)."""
    if how == "str":
        return f"{value:g}" if value != int(value) else str(int(value))
    return int(value) if how == "int" and value == int(value) else float(value)


@st.composite
def bybit_ladders(draw):
    """A valid Bybit ladder for 1-3 symbols, rows shuffled, numbers spelled every way."""
    rows = []
    for symbol in draw(
        st.lists(
            st.sampled_from(["BTCUSDT", "ETHUSDT", "XRPUSDT"]), min_size=1, max_size=3, unique=True
        )
    ):
        n = draw(st.integers(min_value=1, max_value=6))
        caps = sorted(draw(st.lists(st.integers(1, 10**9), min_size=n, max_size=n, unique=True)))
        for i, cap in enumerate(caps):
            lev = 100 - 10 * i
            rows.append(
                {
                    "id": i + 1,
                    "symbol": symbol,
                    "riskLimitValue": spell(cap, draw(spelled)),
                    "maintenanceMargin": spell(0.5 / lev, draw(spelled)),
                    "initialMargin": spell(1 / lev, draw(spelled)),
                    "maxLeverage": spell(lev, draw(spelled)),
                    "mmDeduction": "" if i == 0 else spell(10 * i, draw(spelled)),
                }
            )
    return draw(st.permutations(rows))


@FUZZ
@given(bybit_ladders())
def test_bybit_valid_ladders_always_give_the_frame_with_their_caps(rows):
    df = frame_or_levkit_error(pb.parse_risk_limits, rows, check=check_ladder)
    assert df is not None, "a valid ladder was refused"
    want = sorted((r["symbol"], float(r["riskLimitValue"])) for r in rows)
    assert list(zip(df["symbol"], df["max_notional"], strict=True)) == want


RISK_NUMBER_FIELDS = [
    "riskLimitValue",
    "maintenanceMargin",
    "initialMargin",
    "maxLeverage",
    "mmDeduction",
    "id",
]


@FUZZ
@given(bybit_ladders(), st.sampled_from(RISK_NUMBER_FIELDS), st.integers(0, 100), WRONG_NUMBERS)
def test_bybit_wrong_typed_number_anywhere_is_parse_error(rows, field, at, wrong):
    rows = [dict(r) for r in rows]
    rows[at % len(rows)][field] = wrong
    with pytest.raises(lk.ParseError, match=field):
        pb.parse_risk_limits(rows)


@st.composite
def bingx_bands(draw):
    n = draw(st.integers(min_value=1, max_value=6))
    caps = sorted(draw(st.lists(st.integers(1, 10**9), min_size=n, max_size=n, unique=True)))
    rows = [
        {
            "tier": f"Tier {i + 1}",
            "symbol": "BTC-USDT",
            "minPositionVal": spell(caps[i - 1] if i else 0, draw(spelled)),
            "maxPositionVal": spell(cap, draw(spelled)),
            "maintMarginRatio": spell(0.004 * (i + 1), draw(spelled)),
            "maintAmount": spell(30 * i, draw(spelled)),
        }
        for i, cap in enumerate(caps)
    ]
    return draw(st.permutations(rows))


@FUZZ
@given(
    bingx_bands(),
    st.sampled_from(["maxPositionVal", "maintMarginRatio", "maintAmount"]),
    st.integers(0, 100),
    WRONG_NUMBERS,
)
def test_bingx_margin_bands_valid_or_wrong_typed(rows, field, at, wrong):
    df = frame_or_levkit_error(px.parse_margin_ratio, rows, check=check_tiers_frame)
    assert df is not None and len(df) == len(rows)
    rows = [dict(r) for r in rows]
    rows[at % len(rows)][field] = wrong
    with pytest.raises(lk.ParseError, match=field):
        px.parse_margin_ratio(rows)


BINGX_LEVERAGE_FIELDS = [
    "longLeverage",
    "shortLeverage",
    "maxLongLeverage",
    "maxShortLeverage",
    "maxPositionLongVal",
    "availableShortVol",
]


@FUZZ
@given(
    st.fixed_dictionaries({f: st.integers(1, 150).map(str) for f in BINGX_LEVERAGE_FIELDS}),
    st.sampled_from(BINGX_LEVERAGE_FIELDS),
    WRONG_NUMBERS,
)
def test_bingx_leverage_valid_or_wrong_typed(data, field, wrong):
    df = frame_or_levkit_error(
        px.parse_leverage, data, symbol="BTC-USDT", check=check_leverage_frame
    )
    assert df is not None
    assert df["leverage"].tolist() == [float(data["longLeverage"]), float(data["shortLeverage"])]
    with pytest.raises(lk.ParseError, match=field):
        px.parse_leverage({**data, field: wrong}, symbol="BTC-USDT")


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["BTCUSD", "ETHUSD", "XRPUSD", "EOSUSD"]),
        st.integers(1, 100).map(lambda v: {"leverage": v}),
        min_size=1,
    ),
    WRONG_NUMBERS,
)
def test_legacy_user_leverage_valid_or_wrong_typed(result, wrong):
    df = frame_or_levkit_error(pl.parse_user_leverage, result, check=check_leverage_frame)
    assert df is not None and sorted(df["symbol"]) == sorted(result)
    symbol = next(iter(result))
    with pytest.raises(lk.ParseError, match="leverage"):
        pl.parse_user_leverage({**result, symbol: {"leverage": wrong}})


# --------------------------------------------------------------------------- Bybit v2


@FUZZ
@given(legacy_envelopes)
def test_legacy_envelope_fuzz_splits_or_raises_levkit_error(payload):
    try:
        code, result, env = pl.parse_envelope(payload, "/user/leverage")
    except LevkitError:
        return
    assert isinstance(code, int)
    assert env["ret_code"] == code and isinstance(env["ret_msg"], str)
    # The informative fields never fail a call, whatever they hold.
    ms = pl.time_now_ms(env)
    assert ms is None or isinstance(ms, int)
    after = pl.retry_after_of(env)
    assert after is None or (math.isfinite(after) and after >= 0)
    assert isinstance(pl.rate_limit_of(env), dict)


@FUZZ
@given(legacy_leverage_result)
def test_legacy_user_leverage_fuzz_gives_leverage_frame_or_levkit_error(result):
    df = frame_or_levkit_error(pl.parse_user_leverage, result, check=check_leverage_frame)
    if df is not None:
        assert set(df["margin_mode"]) <= {"cross", "isolated"}
        assert (df["leverage"].dropna() > 0).all()


@FUZZ
@given(json_any)
def test_legacy_leverage_save_fuzz_gives_float_or_levkit_error(result):
    value = frame_or_levkit_error(pl.parse_leverage_save, result)
    if value is not None:
        assert isinstance(value, float) and (math.isnan(value) or math.isfinite(value))


# --------------------------------------------------------------------------- BingX


@FUZZ
@given(bingx_leverage_data)
def test_bingx_leverage_fuzz_gives_leverage_frame_or_levkit_error(data):
    frame_or_levkit_error(px.parse_leverage, data, symbol="BTC-USDT", check=check_leverage_frame)


@FUZZ
@given(bingx_leverage_data, st.sampled_from(["LONG", "SHORT", "BOTH"]))
def test_bingx_set_leverage_answer_fuzz_gives_side_numbers_or_levkit_error(data, wire_side):
    nums = frame_or_levkit_error(px.parse_set_leverage, data, wire_side=wire_side)
    if nums is not None:
        assert set(nums) == {"long", "short"}
        for side in nums.values():
            assert set(side) == set(px.SIDE_FIELDS)
            assert all(isinstance(v, float) and not math.isinf(v) for v in side.values())


@FEW
@example([("LONG", {"longLeverage": 0.0})], 1)  # a leverage of 0 once came through
@example([("SHORT", {"maxPositionShortVal": "-1"})], 5)
@given(
    st.lists(
        st.tuples(st.sampled_from(["LONG", "SHORT", "BOTH"]), bingx_leverage_data), max_size=3
    ),
    st.integers(min_value=1, max_value=150),
)
def test_bingx_apply_set_answers_fuzz_gives_leverage_frame_or_levkit_error(answers, leverage):
    before = px.parse_leverage(
        {"longLeverage": 10, "shortLeverage": 10, "maxLongLeverage": 150, "maxShortLeverage": 150},
        symbol="BTC-USDT",
    )
    frame_or_levkit_error(
        px.apply_set_answers, before, answers, leverage, check=check_leverage_frame
    )


@FUZZ
@given(bingx_margin_rows, st.sampled_from([None, "BTC-USDT"]))
def test_bingx_margin_ratio_fuzz_gives_tiers_frame_or_levkit_error(rows, symbol):
    frame_or_levkit_error(px.parse_margin_ratio, rows, symbol=symbol, check=check_tiers_frame)


@FUZZ
@given(st.one_of(st.fixed_dictionaries({"dualSidePosition": json_any}), json_any))
def test_bingx_position_mode_fuzz_gives_mode_or_levkit_error(data):
    mode = frame_or_levkit_error(px.parse_position_mode, data)
    assert mode in (None, "hedge", "one-way")


def _check_plain(df: pd.DataFrame) -> None:
    assert isinstance(df, pd.DataFrame)
    for col in ("exchange", "symbol"):
        assert _is_str_column(df[col])
    for col in df.columns:
        if df[col].dtype == np.float64:
            assert _finite_or_nan(df[col].to_numpy()), col
    check_attrs(df)


@FUZZ
@given(bingx_position_rows)
def test_bingx_positions_fuzz_gives_frame_or_levkit_error(rows):
    df = frame_or_levkit_error(px.parse_positions, rows, check=_check_plain)
    if df is not None:
        assert df["side"].isin(["long", "short", "both"]).all()
        assert df["isolated"].dtype == bool


@FUZZ
@given(st.one_of(st.fixed_dictionaries({"orders": bingx_order_rows}), bingx_order_rows))
def test_bingx_open_orders_fuzz_gives_frame_or_levkit_error(data):
    frame_or_levkit_error(px.parse_open_orders, data, check=_check_plain)


# --------------------------------------------------------------------------- dialects

DIALECTS = {
    "bybit": (BybitDialect, bybit_envelopes),
    "bybit-legacy": (BybitLegacyDialect, st.one_of(legacy_envelopes, bybit_envelopes)),
    "bingx": (BingXDialect, bingx_envelopes),
}


@pytest.mark.parametrize("name", list(DIALECTS))
def test_dialect_check_fuzz_answers_or_raises_levkit_error(name):
    cls, payloads = DIALECTS[name]
    dialect = cls()

    @FUZZ
    @given(payloads, st.sampled_from([200, 400, 404, 500]), st.sampled_from([(), (110043,)]))
    def run(payload, status, accept):
        try:
            result, meta, code = dialect.check(
                payload, endpoint="/fuzz", status=status, accept=accept
            )
        except LevkitError:
            return
        assert isinstance(meta, dict) and isinstance(code, int)
        assert code == 0 or code in accept

    run()


@pytest.mark.parametrize(
    "name",
    [
        "bybit",
        "bybit-legacy",
        "bingx",
    ],
)
def test_dialect_server_time_fuzz_gives_ms_or_levkit_error(name):
    cls, payloads = DIALECTS[name]
    dialect = cls()

    @FEW
    @example({"timestamp": "0.5", "time": "0.5", "time_now": "x"})
    @example({"result": {"timeNano": "inf", "timeSecond": []}, "data": {"serverTime": "nan"}})
    @given(st.one_of(payloads.filter(lambda p: isinstance(p, dict)), st.just({})))
    def run(payload):
        try:
            ms = dialect.server_time(payload)
        except LevkitError:
            return
        assert isinstance(ms, int)

    run()


@pytest.mark.parametrize("name", list(DIALECTS))
def test_dialect_rate_headers_fuzz_never_raise(name):
    dialect = DIALECTS[name][0]()

    @FUZZ
    @given(headers_st, st.integers(min_value=0, max_value=2**45))
    def run(headers, now_ms):
        headers = CaseInsensitiveDict(headers)
        rate = dialect.rate_limit(headers)
        assert isinstance(rate, dict)
        assert all(isinstance(v, int) for v in rate.values())
        after = dialect.retry_after(headers, now_ms)
        assert after is None or isinstance(after, float)

    run()


# --------------------------------------------------------------------------- whole clients


def _no_sleep(seconds: float) -> None:
    pass


class FakeSession(requests.Session):
    """Answers every request with the next of ``replies`` (the last one repeats)."""

    def __init__(self, replies):
        super().__init__()
        self.replies = list(replies)
        self.sent: list[tuple[str, str]] = []

    def request(self, method, url, data=None, headers=None, timeout=None, **kwargs):
        self.sent.append((method, url))
        status, head, body = self.replies[min(len(self.sent) - 1, len(self.replies) - 1)]
        resp = requests.Response()
        resp.status_code = status
        resp.headers = CaseInsensitiveDict(head)
        resp._content = body
        resp.url = url
        return resp


def _body(payload) -> bytes:
    if isinstance(payload, bytes):
        return payload
    return json.dumps(payload, allow_nan=True).encode()


bodies = st.one_of(
    st.binary(max_size=40),
    st.sampled_from([b"", b"<html>502</html>", b"{", b"null", b"[]", b'{"retCode":0}']),
)

CLIENT_CALLS = {
    "bybit.risk_limits": (lk.Bybit, bybit_envelopes, lambda c: c.risk_limits("BTCUSDT")),
    "bybit.risk_limits(all)": (lk.Bybit, bybit_envelopes, lambda c: c.risk_limits()),
    "bybit.instruments": (lk.Bybit, bybit_envelopes, lambda c: c.instruments("BTCUSDT")),
    "bybit.leverage": (lk.Bybit, bybit_envelopes, lambda c: c.leverage("BTCUSDT")),
    "bybit-legacy.leverage": (lk.BybitLegacy, legacy_envelopes, lambda c: c.leverage()),
    "bingx.leverage": (lk.BingX, bingx_envelopes, lambda c: c.leverage("BTC-USDT")),
    "bingx.risk_limits": (lk.BingX, bingx_envelopes, lambda c: c.risk_limits("BTC-USDT")),
    "bingx.position_mode": (lk.BingX, bingx_envelopes, lambda c: c.position_mode()),
    "bingx.open_positions": (lk.BingX, bingx_envelopes, lambda c: c.open_positions()),
    "bingx.open_orders": (lk.BingX, bingx_envelopes, lambda c: c.open_orders()),
}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name", list(CLIENT_CALLS))
def test_client_reads_fuzz_answers_return_or_raise_levkit_error(name):
    """Arbitrary status, headers and body on every call (retries included): a read
    returns, or raises a LevkitError."""
    cls, payloads, call = CLIENT_CALLS[name]
    reply = st.tuples(
        st.sampled_from([200, 200, 200, 400, 403, 404, 418, 429, 500, 503]),
        headers_st,
        st.one_of(payloads.map(_body), bodies),
    )

    @FEW
    @given(st.lists(reply, min_size=1, max_size=4))
    def run(replies):
        clock = FakeClock()
        client = cls(
            "test-key-0000",
            "test-secret-not-real",
            session=FakeSession(replies),
            max_retries=2,
            clock=clock,
            sleep=clock.sleep,
            progress=False,
        )
        try:
            out = call(client)
        except LevkitError:
            return
        assert out is not None

    run()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name", [v.name for v in venues()])
@pytest.mark.parametrize("method", ["leverage", "risk_limits", "margin_bands"])
def test_every_venue_read_on_arbitrary_answers_returns_or_raises_levkit_error(name, method):
    """Every venue in the registry, every read of the contract: arbitrary status, headers
    and JSON (or not) on every call, retries included.  A new venue is fuzzed by adding it."""
    v = venue(name)
    reply = st.tuples(
        st.sampled_from([200, 200, 200, 400, 401, 403, 404, 418, 422, 429, 500, 503]),
        headers_st,
        st.one_of(json_any.map(_body), bodies),
    )

    @FEW
    @given(st.lists(reply, min_size=1, max_size=4))
    def run(replies):
        clock = FakeClock()
        creds = {v.account_id: "0x" + "ab" * 20} if v.account_id else {
            "api_key": "test-key-0000", "api_secret": "test-secret-not-real"}  # fmt: skip
        if v.passphrase:
            creds["passphrase"] = "test-pass-not-real"
        client = client_class(name)(
            **creds, session=FakeSession(replies), max_retries=2, clock=clock,
            sleep=clock.sleep, progress=False,
        )  # fmt: skip
        frame_or_levkit_error(getattr(client, method), v.symbol_example, check=_a_frame)

    run()


def _a_frame(out) -> None:
    assert isinstance(out, pd.DataFrame) and len(out) > 0


# --------------------------------------------------------------------------- set_leverage

leverage_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0.5, max_value=200),
    st.integers(min_value=-5, max_value=200),
    st.integers(),
    st.decimals(allow_nan=True, allow_infinity=True, places=3),
    st.text(max_size=6),
    st.sampled_from(["20", " 7 ", "2.5", "1e1", "nan", "inf", "0x10", "1_0", "", "150", "151"]),
    st.none(),
    st.booleans(),
    st.lists(st.integers(min_value=1, max_value=20), max_size=2),
    st.complex_numbers(max_magnitude=10),
)

#: (client class, symbol as given, posted path, sim account, sim symbol, the API's own cap
#: (the shipped ladder's top applies below it), step, integer)
SET_CASES = {
    "bybit": (lk.Bybit, "BTCUSDT", "/v5/position/set-leverage", "bybit", "BTCUSDT", 1e9, 0.01, 0),
    "bybit-legacy": (  # v2 reads inverse perpetuals only (issue 22)
        lk.BybitLegacy,
        "BTCUSD",
        "/user/leverage/save",
        "bybit",
        "BTCUSD",
        100,
        0.01,
        0,
    ),
    "bingx": (
        lk.BingX,
        "BTC-USDT",
        "/openApi/swap/v2/trade/leverage",
        "bingx",
        "BTC-USDT",
        1e9,
        1,
        1,
    ),
}


@functools.cache
def _btc_ladders() -> pd.DataFrame:
    """The shipped ladders of the two symbols set_leverage is fuzzed on: a simulator built
    on them starts in a few ms, one on every shipped ladder in 100 ms."""
    return pd.concat(
        [load_snapshot("bybit", "BTCUSDT"), load_snapshot("bingx", "BTC-USDT"), bybit_btcusd()],
        ignore_index=True,
    )


def expected_leverage(value, top: float, step: float, integer: bool) -> float | None:
    """The leverage a valid value means, or None when nothing may be sent.

    Valid: a real number (numeric strings included, bools not), finite, 1..top, on ``step``.
    """
    if isinstance(value, bool | complex | list):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(number) or number < 1 or number > top:
        return None
    if integer and not number.is_integer():
        return None
    if abs(number / step - round(number / step)) > 1e-6:
        return None
    return number


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name", list(SET_CASES))
def test_set_leverage_fuzz_sends_nothing_unless_valid(name):
    cls, symbol, path, account, sim_symbol, api_cap, step, integer = SET_CASES[name]
    ladders = _btc_ladders()
    ladder_top = ladders.loc[ladders["symbol"] == sim_symbol, "max_leverage"].max()
    top = min(float(api_cap), float(ladder_top))  # the shipped ladder's top, under the API's cap
    clock = FakeClock()

    @FUZZ
    @example(float("nan"))
    @example(float("inf"))
    @example(True)
    @example("20")
    @example(0.5)
    @example(top + 1)
    @example(12.345)
    @given(leverage_values)
    def run(value):
        sim = Simulator(tiers=_btc_ladders(), clock=clock, sleep=clock.sleep, rate_limits=False)
        client = cls(DEMO_KEY, DEMO_SECRET, session=sim.session(), clock=clock, sleep=clock.sleep)
        want = expected_leverage(value, top, step, bool(integer))
        before = sim.leverage(account, sim_symbol, "long")
        try:
            out = client.set_leverage(symbol, value)
        except ValueError:
            assert want is None, f"{value!r} is valid but was refused"
            assert sim.count(path, method="POST") == 0
            assert sim.leverage(account, sim_symbol, "long") == before
            return
        assert want is not None, f"{value!r} is not a valid leverage but was accepted"
        assert sim.count(path, method="POST") >= 1
        assert sim.leverage(account, sim_symbol, "both") == pytest.approx(want)
        check_leverage_frame(out)

    run()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name", list(SET_CASES))
def test_set_leverage_fuzz_side_sends_nothing_unless_valid(name):
    """Any ``side`` but both/long/short (any case) is refused before a request; on a
    one-way account only "both" is sent."""
    cls, symbol, path, account, sim_symbol, *_ = SET_CASES[name]
    clock = FakeClock()

    @FEW
    @example("BOTH")
    @example("Long")
    @example(" both")
    @given(
        st.one_of(
            st.sampled_from(["both", "long", "short", "BOTH", "Short"]),
            st.text(max_size=6),
            scalars,
        )
    )
    def run(side):
        sim = Simulator(tiers=_btc_ladders(), clock=clock, sleep=clock.sleep, rate_limits=False)
        client = cls(DEMO_KEY, DEMO_SECRET, session=sim.session(), clock=clock, sleep=clock.sleep)
        try:
            client.set_leverage(symbol, 7, side=side)
        except LevkitError as exc:
            assert isinstance(exc, ValueError | lk.PositionModeError)
            assert sim.count(path, method="POST") == 0
            assert sim.leverage(account, sim_symbol, "both") == 10
            return
        assert isinstance(side, str) and side.lower() == "both"
        assert sim.leverage(account, sim_symbol, "both") == 7

    run()


@given(leverage_values)
@settings(FUZZ, max_examples=200)
@example(25.239999499320444)  # 5e-5 steps off: once let through by a sqrt-scaled tolerance
@example(1429 * 0.01)  # float rounding: on the step
def test_check_leverage_fuzz_accepts_only_finite_numbers_in_range(value):
    want = expected_leverage(value, 100, 0.01, False)
    try:
        got = check_leverage(value, max_leverage=100, step=0.01)
    except ValueError as exc:
        assert isinstance(exc, LevkitError)
        assert want is None
        return
    assert want is not None and got == pytest.approx(want)


# --------------------------------------------------------------------------- symbols

ALNUM = string.ascii_uppercase + string.digits
bases = st.text(alphabet=ALNUM, min_size=1, max_size=10)
quotes = st.sampled_from(QUOTES)
markets = st.tuples(bases, quotes)


def longest_quote_suffix(text: str) -> str | None:
    return next((q for q in QUOTES if text.endswith(q) and len(text) > len(q)), None)


BINGX_QUOTES = ("USDT", "USDC")  # BingX swap v2 (spec: levkit.venues.bingx.spec.SYMBOLS)


@FUZZ
@given(markets, markets)
def test_bingx_spelling_is_injective_and_round_trips(m1, m2):
    """Where BingX lists the quote, every spelling of a market reaches one id and distinct
    markets keep distinct ids; any other quote names nothing there and raises (0.3: never
    another instrument)."""
    (b1, q1), (b2, q2) = m1, m2
    if q1 not in BINGX_QUOTES:
        with pytest.raises(InvalidSymbolError):
            to_bingx(f"{b1}/{q1}:{q1}")
        return
    s1 = to_bingx(f"{b1}-{q1}")
    assert s1 == f"{b1}-{q1}" and parse_symbol(s1) == Market(b1, q1)
    if q2 in BINGX_QUOTES:
        assert (s1 == to_bingx(f"{b2}/{q2}")) == (m1 == m2)
    for spelling in (f"{b1}-{q1}", f"{b1}/{q1}", f"{b1}/{q1}:{q1}", f"{b1}-{q1}".lower()):
        assert to_bingx(spelling) == s1
        assert normalize_symbol(spelling, "bingx") == s1


@FUZZ
@given(markets)
def test_bybit_spelling_of_a_usdt_market_round_trips_and_others_name_their_own_kind(m):
    """``BTCUSDT`` has no separator.  A USDT market is spelled base + USDT and reads back;
    USD is Bybit's inverse perpetual, USDC its USDC perpetual (``BTCPERP``); any other quote
    names nothing on Bybit and raises, never a USDT contract instead (issue 22)."""
    base, quote = m
    try:
        inst = resolve(f"{base}-{quote}", "bybit")
    except InvalidSymbolError:
        assert quote not in ("USDT", "USDC", "USD")
        return
    assert (inst.base, inst.quote) == (base, quote)
    assert inst.kind == ("inverse" if quote == "USD" else "linear")
    if quote == "USDT":
        assert inst.symbol == base + quote
    assert to_bybit(inst.symbol) == inst.symbol  # re-spelling is stable


def test_bybit_spelling_ambiguity_is_settled_by_what_bybit_lists():
    """``XBUSD`` reads as X/BUSD without a venue (the longest known quote); on Bybit, which
    lists no BUSD contract, it is XB's inverse perpetual, and X/BUSD names nothing."""
    assert parse_symbol("XBUSD") == Market("X", "BUSD")
    assert to_bybit("XB-USD") == to_bybit("XBUSD") == "XBUSD"
    assert resolve("XBUSD", "bybit").kind == "inverse"
    with pytest.raises(InvalidSymbolError, match="BUSD"):
        to_bybit("X-BUSD")
    assert to_bingx("XB-USDT") == "XB-USDT"
    with pytest.raises(InvalidSymbolError, match="coin-margined"):
        to_bingx("XB-USD")


@FUZZ
@example("BTC\n-USDT")  # "$" matched before a trailing newline: a newline went to the wire
@example("ßUSDT")  # str.upper(): "SSUSDT", another market
@example("0/ı")  # dotless i upper-cases to "I"
@given(
    st.one_of(
        st.text(max_size=14),
        st.text(alphabet=ALNUM + "-/: \n\t" + "ßıﬁ١", max_size=14),
        st.builds(lambda b, q, s: f"{b}{s}{q}", bases, quotes, st.sampled_from(["", "-", "/"])),
    )
)
def test_parse_symbol_fuzz_reads_only_plain_ascii_markets(text):
    try:
        m = parse_symbol(text)
    except LevkitError as exc:
        assert isinstance(exc, ValueError)
        return
    for part in (m.base, m.quote) + ((m.settle,) if m.settle else ()):
        assert part.isascii() and part.isalnum() and part == part.upper()
        assert 1 <= len(part) <= 30
    assert text.strip().isascii()
    # Case does not make another market; re-spelling reads the same market.
    assert parse_symbol(text.lower()) == m
    try:  # BingX lists USDT (and USDC) swaps only: other quotes name nothing there
        got = parse_symbol(to_bingx(text))
    except InvalidSymbolError:
        assert m.quote not in BINGX_QUOTES or m.settle not in (None, m.quote)
        return
    # the same market; or, where BingX lists no pair in that coin, a base asset ending in
    # it ("WBTC", "0BTC": its USDT swap)
    bare = m.quote in ("BTC", "ETH") and m.settle is None and "/" not in text and "-" not in text
    assert got == Market(m.base, m.quote) or (bare and got == Market(m.base + m.quote, "USDT"))


@FEW
@given(st.one_of(st.text(max_size=8), scalars), st.sampled_from(["BTCUSDT", "BTC-USDT"]))
def test_normalize_symbol_fuzz_exchange_argument(exchange, symbol):
    try:
        out = normalize_symbol(symbol, exchange)
    except ValueError:
        return
    assert out in ("BTCUSDT", "BTC-USDT")


@FUZZ
@given(st.lists(st.one_of(st.text(max_size=12), st.sampled_from(["BTCUSDT", "BTCUSD", "X" * 31 + "USDT"]))),
       st.sampled_from([None, "linear", "inverse"]))  # fmt: skip
def test_notional_currencies_equal_notional_currency_one_by_one(symbols, category):
    """The hot path reads plain symbols without building a Market: same answers."""
    want = [notional_currency(s, category) for s in symbols]
    assert notional_currencies(symbols, category).tolist() == want


# --------------------------------------------------------------------------- parse helpers


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B", "C"]),
            st.integers(1, 10**9).map(float),
            st.one_of(st.floats(0, 0.5), st.just(math.nan)),
        ),
        min_size=1,
        max_size=12,
        unique_by=lambda row: (row[0], row[1]),
    )
)
def test_deduction_recursion_adds_like_the_loop_it_replaces(rows):
    """Every ladder at once, tier by tier: the same floats as a per-ladder Python loop
    (``D_n = D_(n-1) + floor_n (r_n - r_(n-1))``, a NaN step adding 0)."""
    symbols = [r[0] for r in rows]
    cap = np.array([r[1] for r in rows])
    order, start = ladder_starts(symbols, cap)
    rate = np.array([r[2] for r in rows])[order]
    floor = np.concatenate([[0.0], cap[order][:-1]])
    got = deduction_recursion(start, floor, rate)
    want = np.zeros(len(rows))
    for i in range(1, len(rows)):
        if not start[i]:
            step = floor[i] * (rate[i] - rate[i - 1])
            want[i] = want[i - 1] + (0.0 if math.isnan(step) else step)
    assert got.tolist() == want.tolist()
    assert [symbols[i] for i in order] == sorted(symbols)
