"""Hyperliquid perps: parse functions on the docs' payloads, the dialect, the client over
`responses` and over the simulator.  No network; no keys (Hyperliquid has none)."""

from __future__ import annotations

import json
import logging
import math

import numpy as np
import pandas as pd
import pytest
import requests
import responses

import levkit as lk
from levkit.errors import (
    AuthenticationError,
    ExchangeError,
    ExchangeLeverageError,
    InvalidLeverageError,
    InvalidSymbolError,
    LevkitError,
    ParseError,
    RateLimitError,
)
from levkit.frames import LEVERAGE_COLUMNS, TIERS_COLUMNS, tiers_frame
from levkit.http.wire import RequestPreview
from levkit.sim import Simulator
from levkit.venues import normalize_symbol
from levkit.venues.hyperliquid.dialect import HttpText, HyperliquidDialect, decode
from levkit.venues.hyperliquid.parse import (
    parse_active_asset_data,
    parse_clearinghouse_state,
    parse_meta,
)
from levkit.venues.hyperliquid.sim import meta as sim_meta

from ..conftest import FAKE_KEY, FAKE_SECRET, FakeClock

HOST = "https://api.hyperliquid.xyz"
INFO = HOST + "/info"
ADDR = "0x" + "12ab" * 10  # a well-formed, made-up wallet address (public by nature)

# The docs' meta example ([H1]: info-endpoint/perpetuals), typed inline.
DOC_META = {
    "universe": [
        {"name": "BTC", "szDecimals": 5, "maxLeverage": 50},
        {"name": "ETH", "szDecimals": 4, "maxLeverage": 50},
        {"name": "HPOS", "szDecimals": 0, "maxLeverage": 3, "onlyIsolated": True},
        {"name": "LOOM", "szDecimals": 1, "maxLeverage": 3, "onlyIsolated": True,
         "isDelisted": True},
    ],
    "marginTables": [
        [50, {"description": "", "marginTiers": [{"lowerBound": "0.0", "maxLeverage": 50}]}],
        [51, {"description": "tiered 10x", "marginTiers": [
            {"lowerBound": "0.0", "maxLeverage": 10},
            {"lowerBound": "3000000.0", "maxLeverage": 5}]}],
    ],
}  # fmt: skip

# The margin-tiers page ([H2]): BTC 40x to 150M then 20x (table 56 per the docs), the
# testnet ETH ladder (25x to 20k, 10x to 50k, 5x to 200k, 3x above), kPEPE on a flat id.
TIERED_META = {
    "universe": [
        {"name": "BTC", "szDecimals": 5, "maxLeverage": 40, "marginTableId": 56},
        {"name": "ETH", "szDecimals": 4, "maxLeverage": 25, "marginTableId": 57},
        {"name": "kPEPE", "szDecimals": 0, "maxLeverage": 10, "marginTableId": 10},
    ],
    "marginTables": [
        [56, {"description": "tiered 40x", "marginTiers": [
            {"lowerBound": "0.0", "maxLeverage": 40},
            {"lowerBound": "150000000.0", "maxLeverage": 20}]}],
        [57, {"description": "", "marginTiers": [
            {"lowerBound": "200000.0", "maxLeverage": 5},
            {"lowerBound": "0.0", "maxLeverage": 25},
            {"lowerBound": "50000.0", "maxLeverage": 10},
            {"lowerBound": "20000.0", "maxLeverage": 10000000000}]}],
    ],
}  # fmt: skip
# (ETH's 20k tier above is given an absurd leverage on purpose: it is capped at the coin's 25)

# The docs' activeAssetData example ([H1]).
DOC_ACTIVE = {
    "user": "0xb65822a30bbaaa68942d6f4c43d78704faeabbbb",
    "coin": "APT",
    "leverage": {"type": "cross", "value": 3},
    "maxTradeSzs": ["24836370.4400000013", "24836370.4400000013"],
    "availableToTrade": ["37019438.0284740031", "37019438.0284740031"],
    "markPx": "4.4716",
}


def ladder_frame() -> pd.DataFrame:
    """BTC 40x/150M/20x, ETH 25x/100M/15x, kPEPE 10x flat, for the simulator."""
    return tiers_frame(
        {
            "exchange": ["hyperliquid"] * 5,
            "symbol": ["BTC", "BTC", "ETH", "ETH", "kPEPE"],
            "max_notional": np.array([150e6, np.inf, 100e6, np.inf, np.inf]),
            "max_leverage": [40, 20, 25, 15, 10],
        },
        source="snapshot",
    )


@pytest.fixture
def sim(clock) -> Simulator:
    return Simulator(tiers=ladder_frame(), clock=clock)


def client(sim: Simulator | None = None, **kw) -> lk.Hyperliquid:
    kw.setdefault("progress", False)
    if sim is not None:
        kw.setdefault("session", sim.session())
    return lk.Hyperliquid(**kw)


# -- registry and symbols -----------------------------------------------------------------
def test_registry_row():
    row = lk.exchanges().loc["hyperliquid"]
    assert row.client == "Hyperliquid" and row.symbol_example == "BTC" and row.quote == "USDC"
    assert bool(row.public_ladder) and not bool(row.set_leverage) and not bool(row.hedge_mode)
    assert float(row.leverage_step) == 1.0
    assert row.mainnet == HOST and row.testnet == "https://api.hyperliquid-testnet.xyz"
    assert lk.Hyperliquid.exchange == "hyperliquid"


@pytest.mark.parametrize(
    ("given", "coin"),
    [("BTC", "BTC"), ("btc", "BTC"), ("BTC/USDC:USDC", "BTC"), ("BTC-USDC", "BTC"),
     ("BTCUSDC", "BTC"), ("kPEPE", "kPEPE"), (" ETH ", "ETH"), ("HPOS", "HPOS")],
)  # fmt: skip
def test_symbols(given, coin):
    assert normalize_symbol(given, "hyperliquid") == coin


@pytest.mark.parametrize("given", ["BTC-USDT", "BTCUSDT", "BTC/USDT:USDT"])
def test_a_usdt_symbol_names_no_hyperliquid_perp(given):
    """Every perp settles in USDC: a USDT symbol is refused, never read as the USDC perp
    (issue 22); the bare coin, or BTC/USDC:USDC, names it."""
    with pytest.raises(InvalidSymbolError, match="settles in USDC, not USDT"):
        normalize_symbol(given, "hyperliquid")


# -- parse ----------------------------------------------------------------------------------
def test_parse_docs_meta_example():
    df = parse_meta(DOC_META)
    assert list(df.columns[: len(TIERS_COLUMNS)]) == list(TIERS_COLUMNS)
    assert df["symbol"].tolist() == ["BTC", "ETH", "HPOS"]  # LOOM is delisted
    assert df["max_notional"].tolist() == [math.inf] * 3
    assert df["max_leverage"].tolist() == [50.0, 50.0, 3.0]
    assert df["only_isolated"].tolist() == [False, False, True]
    assert df["asset"].tolist() == [0, 1, 2]
    assert df["margin_table_id"].isna().all()
    assert (df["notional_unit"] == "USDC").all() and (df["category"] == "linear").all()
    # asked by name, a delisted coin is read (its index in the universe kept)
    loom = parse_meta(DOC_META, "LOOM")
    assert loom["symbol"].tolist() == ["LOOM"] and loom["asset"].tolist() == [3]
    with pytest.raises(InvalidSymbolError, match="DOGE"):
        parse_meta(DOC_META, "DOGE")


def test_parse_tiers_floors_rates_and_deductions():
    df = parse_meta(TIERED_META)
    btc = df[df.symbol == "BTC"]
    assert btc["min_notional"].tolist() == [0.0, 150e6]
    assert btc["max_notional"].tolist() == [150e6, math.inf]
    assert btc["max_leverage"].tolist() == [40.0, 20.0]
    assert btc["maintenance_margin_rate"].tolist() == [0.0125, 0.025]
    assert btc["initial_margin_rate"].tolist() == [0.025, 0.05]
    assert btc["mm_deduction"].tolist() == [0.0, 150e6 * (0.025 - 0.0125)]
    eth = df[df.symbol == "ETH"]  # tiers given out of order: sorted by floor
    assert eth["min_notional"].tolist() == [0.0, 20e3, 50e3, 200e3]
    assert eth["max_notional"].tolist() == [20e3, 50e3, 200e3, math.inf]
    assert eth["max_leverage"].tolist() == [25.0, 25.0, 10.0, 5.0]  # capped at the coin's 25
    mmr = [1 / 50, 1 / 50, 1 / 20, 1 / 10]
    d = [0.0]
    for floor, r, prev in zip([20e3, 50e3, 200e3], mmr[1:], mmr[:-1], strict=True):
        d.append(d[-1] + floor * (r - prev))
    np.testing.assert_allclose(eth["mm_deduction"], d)
    np.testing.assert_allclose(eth["maintenance_margin_rate"], mmr)
    # maintenance margin is continuous across every floor (what the deduction is for)
    for i in range(1, 4):
        f = eth["min_notional"].iloc[i]
        below = f * mmr[i - 1] - d[i - 1]
        above = f * mmr[i] - d[i]
        assert below == pytest.approx(above)
    pepe = df[df.symbol == "kPEPE"]  # id 10 < 50, not listed: one tier at 10x [H2]
    assert pepe["max_leverage"].tolist() == [10.0] and pepe["max_notional"].tolist() == [math.inf]
    assert pepe["margin_table_id"].tolist() == [10]


def test_parse_unlisted_table_falls_back_loudly(caplog):
    meta = {"universe": [{"name": "XYZ", "maxLeverage": 7, "marginTableId": 99}]}
    with caplog.at_level(logging.WARNING, logger="levkit"):
        df = parse_meta(meta)
    assert df["max_leverage"].tolist() == [7.0]
    assert "99" in caplog.text
    assert df.attrs["tables"] == {"missing": 1}


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {"universe": "BTC"},
        {"universe": [{"szDecimals": 5}]},
        {"universe": [{"name": "BTC"}]},
        {"universe": [{"name": "BTC", "maxLeverage": "x"}]},
        {"universe": [{"name": "B", "maxLeverage": 5, "marginTableId": 60}],
         "marginTables": [[60, {"marginTiers": [{"lowerBound": "10", "maxLeverage": 5}]}]]},
        {"universe": [{"name": "B", "maxLeverage": 5}], "marginTables": [[60]]},
    ],
)  # fmt: skip
def test_parse_meta_rejects_bad_shapes(bad):
    with pytest.raises(ParseError):
        parse_meta(bad)


def test_parse_active_asset_data_docs_example():
    df = parse_active_asset_data(DOC_ACTIVE)
    assert list(df.columns[: len(LEVERAGE_COLUMNS)]) == list(LEVERAGE_COLUMNS)
    row = df.iloc[0]
    assert (row.exchange, row.symbol, row.side, row.leverage) == ("hyperliquid", "APT", "both", 3)
    assert row.margin_mode == "cross" and row.mark_price == 4.4716
    assert row.max_trade_size_buy == pytest.approx(24836370.44)
    with pytest.raises(ParseError):
        parse_active_asset_data(None)
    with pytest.raises(ParseError):
        parse_active_asset_data({**DOC_ACTIVE, "leverage": {"type": "hedge", "value": 3}})


def test_parse_clearinghouse_state_recorded_shape():
    # Two positions as the 2023 recording has them (no maxLeverage), one as the docs now do.
    state = {
        "assetPositions": [
            {"type": "oneWay", "position": {
                "coin": "BTC", "entryPx": "26951.0", "leverage": {"type": "cross", "value": 20},
                "liquidationPx": "173198.69592357", "positionValue": "211.64542",
                "szi": "-0.00785"}},
            {"type": "oneWay", "position": {
                "coin": "ETH", "entryPx": "1705.82", "leverage": {"type": "cross", "value": 20},
                "liquidationPx": None, "positionValue": "227.675114", "szi": "0.1334"}},
            {"type": "oneWay", "position": {
                "coin": "SOL", "leverage": {"type": "isolated", "value": 5, "rawUsd": "-1"},
                "maxLeverage": 20, "positionValue": "100", "szi": "1"}},
        ]
    }  # fmt: skip
    df = parse_clearinghouse_state(state)
    assert df["symbol"].tolist() == ["BTC", "ETH", "SOL"]
    assert df["size"].tolist() == [-0.00785, 0.1334, 1.0]
    assert df["margin_mode"].tolist() == ["cross", "cross", "isolated"]
    assert df["max_leverage"].iloc[:2].isna().all() and df["max_leverage"].iloc[2] == 20
    with pytest.raises(ParseError):
        parse_clearinghouse_state({"assetPositions": []})


# -- dialect --------------------------------------------------------------------------------
def test_dialect_body_headers_and_no_signature():
    d = HyperliquidDialect()
    query, body, headers = d.prepare(
        "POST", "/info", {"type": "meta"}, credentials=None, timestamp_ms=1, recv_window=5000
    )
    assert query == "" and json.loads(body) == {"type": "meta"}
    assert headers == {"Content-Type": "application/json"}
    assert d.server_time_path == "" and not d.skew_codes
    with pytest.raises(ParseError, match="no server-time"):
        d.server_time({})


def test_dialect_errors():
    d = HyperliquidDialect()
    text = decode(b"Failed to deserialize the JSON body into the target type")
    assert isinstance(text, HttpText)
    with pytest.raises(ExchangeError, match="could not read the request body") as err:
        d.check(text, endpoint="/info", status=422, accept=())
    assert err.value.code == 422 and err.value.status == 422
    with pytest.raises(ExchangeLeverageError):
        d.check({"status": "err", "response": "Invalid leverage value"}, endpoint="/exchange",
                status=200, accept=())  # fmt: skip
    with pytest.raises(ExchangeError) as err:
        d.check({"status": "err", "response": "Vault not registered"}, endpoint="/exchange",
                status=200, accept=())  # fmt: skip
    assert not isinstance(err.value, ExchangeLeverageError) and err.value.code == "err"
    assert d.check(None, endpoint="/info", status=200, accept=()) == (None, {}, 0)
    assert d.retry_after({"Retry-After": "3"}, 0) == 3.0 and d.rate_limit({}) == {}


# -- construction ---------------------------------------------------------------------------
def test_no_keys_ever():
    with pytest.raises(AuthenticationError, match="no API key") as err:
        lk.Hyperliquid(FAKE_KEY, FAKE_SECRET)
    assert FAKE_KEY not in str(err.value) and FAKE_SECRET not in str(err.value)
    with pytest.raises(AuthenticationError):
        lk.Hyperliquid(api_secret=FAKE_SECRET)
    with pytest.raises(ValueError, match="40 hexadecimal"):
        lk.Hyperliquid(address="0x1234")
    assert repr(lk.Hyperliquid()) == f"Hyperliquid(host='{HOST}', address=None)"


def test_from_env(monkeypatch):
    monkeypatch.setenv("HYPERLIQUID_ADDRESS", ADDR.upper().replace("0X", "0x"))
    monkeypatch.setenv("HYPERLIQUID_TESTNET", "1")
    monkeypatch.setenv("HYPERLIQUID_API_KEY", FAKE_KEY)  # never read
    monkeypatch.setenv("HYPERLIQUID_API_SECRET", FAKE_SECRET)
    hl = lk.Hyperliquid.from_env()
    assert hl.address == ADDR and hl.testnet
    assert hl.base_url == "https://api.hyperliquid-testnet.xyz"
    assert not hl.has_keys and FAKE_KEY not in repr(hl)
    monkeypatch.delenv("HYPERLIQUID_ADDRESS")
    monkeypatch.delenv("HYPERLIQUID_TESTNET")
    hl = lk.Hyperliquid.from_env()
    assert hl.address is None and hl.base_url == HOST


# -- the client over `responses` ------------------------------------------------------------
@responses.activate
def test_risk_limits_one_request_cached_and_refreshed():
    responses.post(INFO, json=TIERED_META)
    hl = client()
    df = hl.risk_limits()
    assert sorted(set(df.symbol)) == ["BTC", "ETH", "kPEPE"]
    assert len(responses.calls) == 1
    assert json.loads(responses.calls[0].request.body) == {"type": "meta"}
    assert df.attrs["source"] == "api" and df.attrs["host"] == HOST
    btc = hl.risk_limits("btc")  # from the cache
    assert btc["max_notional"].tolist() == [150e6, math.inf] and len(responses.calls) == 1
    hl.risk_limits("BTC", refresh=True)
    assert len(responses.calls) == 2
    with pytest.raises(InvalidSymbolError):
        hl.risk_limits("DOGE")


@responses.activate
def test_leverage_needs_an_address_before_anything_is_sent():
    hl = client()
    with pytest.raises(AuthenticationError, match="HYPERLIQUID_ADDRESS"):
        hl.leverage("BTC")
    with pytest.raises(AuthenticationError, match="HYPERLIQUID_ADDRESS"):
        hl.set_leverage("BTC", 5)
    assert len(responses.calls) == 0


@responses.activate
def test_leverage_over_responses():
    def answer(request):
        body = json.loads(request.body)
        if body["type"] == "meta":
            return 200, {}, json.dumps(TIERED_META)
        assert body == {"type": "activeAssetData", "user": ADDR, "coin": "ETH"}
        return 200, {}, json.dumps({**DOC_ACTIVE, "user": ADDR, "coin": "ETH",
                                    "leverage": {"type": "isolated", "value": 12}})  # fmt: skip

    responses.add_callback(responses.POST, INFO, callback=answer)
    df = client(address=ADDR).leverage("ETH/USDC:USDC")
    row = df.iloc[0]
    assert (row.symbol, row.side, row.leverage, row.margin_mode) == ("ETH", "both", 12, "isolated")
    assert row.max_leverage == 25.0
    assert row.max_position_value == 50e3  # the largest cap among tiers allowing 12x (25x, 25x)
    assert df.attrs["source"] == "api"


@responses.activate
def test_http_422_text_is_an_exchange_error():
    responses.post(INFO, body="Failed to deserialize the JSON body into the target type",
                   status=422, content_type="text/plain")  # fmt: skip
    with pytest.raises(ExchangeError, match="Failed to deserialize") as err:
        client().risk_limits()
    assert err.value.code == 422 and not isinstance(err.value, RateLimitError)
    assert len(responses.calls) == 1  # not retried


@responses.activate
def test_http_429_retries_with_retry_after_then_raises():
    clock = FakeClock()
    responses.post(INFO, body="Too many requests", status=429, headers={"Retry-After": "2"})
    hl = client(clock=clock, sleep=clock.sleep, max_retries=2)
    with pytest.raises(RateLimitError) as err:
        hl.risk_limits()
    assert err.value.retry_after == 2.0
    assert clock.slept == [2.0, 2.0] and len(responses.calls) == 3


@responses.activate
def test_server_error_is_retried():
    clock = FakeClock()
    responses.post(INFO, body="oops", status=502)
    responses.post(INFO, json=DOC_META)
    df = client(clock=clock, sleep=clock.sleep).risk_limits()
    assert len(responses.calls) == 2 and "HPOS" in set(df.symbol)


def test_weights_are_paced_client_side(clock):
    # 1200 weight per minute: 60 meta calls (weight 20) go at once, the 61st waits.
    sim = Simulator(tiers=ladder_frame(), clock=clock, rate_limits=False)
    hl = client(sim, clock=clock, sleep=clock.sleep, cache_ttl=0)
    for _ in range(60):
        hl.risk_limits(refresh=True)
    assert clock.slept == []
    hl.risk_limits(refresh=True)
    assert sum(clock.slept) > 0


# -- the client over the simulator ----------------------------------------------------------
def test_sim_meta_matches_the_ladders(sim):
    meta = sim_meta(sim)
    by_name = {c["name"]: c for c in meta["universe"]}
    assert by_name["kPEPE"]["marginTableId"] == 10  # flat id, not listed
    assert by_name["BTC"]["maxLeverage"] == 40
    tables = dict((i, t) for i, t in meta["marginTables"])
    assert 10 not in tables
    btc = tables[by_name["BTC"]["marginTableId"]]["marginTiers"]
    assert btc == [{"lowerBound": "0.0", "maxLeverage": 40},
                   {"lowerBound": "150000000.0", "maxLeverage": 20}]  # fmt: skip
    df = client(sim).risk_limits()
    pd.testing.assert_frame_equal(
        df[["symbol", "max_notional", "max_leverage"]].reset_index(drop=True),
        ladder_frame()[["symbol", "max_notional", "max_leverage"]].reset_index(drop=True),
    )
    assert df.attrs["source"] == "simulator" and sim.count("/info") == 1


def test_sim_leverage_read(sim):
    sim.set_leverage("hyperliquid", "ETH", 20)
    df = client(sim, address=ADDR).leverage("eth")
    row = df.iloc[0]
    assert (row.leverage, row.max_leverage, row.max_position_value) == (20.0, 25.0, 100e6)
    assert row.margin_mode == "cross" and df.attrs["source"] == "simulator"
    sim.set_leverage("hyperliquid", "ETH", 15)
    assert client(sim, address=ADDR).leverage("ETH")["max_position_value"].iloc[0] == math.inf
    with pytest.raises(InvalidSymbolError):
        client(sim, address=ADDR).leverage("DOGE")


def test_sim_open_positions(sim):
    hl = client(sim, address=ADDR)
    with pytest.raises(LevkitError, match="no open"):
        hl.leverage()
    sim.open_position("hyperliquid", "BTC", "short", 5_000.0, price=60_000.0)
    df = hl.leverage()
    assert df["symbol"].tolist() == ["BTC"] and df["size"].iloc[0] < 0
    assert df["max_leverage"].iloc[0] == 40.0 and df["max_position_value"].iloc[0] == math.inf


def test_sim_bad_address_is_422(sim):
    reply = sim.handle("POST", "/info", body=json.dumps({"type": "activeAssetData",
                                                         "user": "0x12", "coin": "BTC"}))  # fmt: skip
    assert reply.status == 422 and b"deserialize" in reply.body
    assert sim.handle("POST", "/info", body=b'{"type": "nope"}').status == 422


def test_set_leverage_already_in_force_sends_nothing(sim):
    hl = client(sim, address=ADDR)
    out = hl.set_leverage("BTC", 10)
    assert out["changed"].tolist() == [False] and out["previous_leverage"].tolist() == [10.0]
    assert out["max_leverage"].iloc[0] == 40.0 and out["max_position_value"].iloc[0] == math.inf
    assert sim.count("/exchange") == 0


def test_set_leverage_change_is_refused_with_the_sdk_pointer(sim):
    hl = client(sim, address=ADDR)
    with pytest.raises(LevkitError, match="update_leverage"):
        hl.set_leverage("BTC", 25)
    assert sim.count("/exchange") == 0 and sim.leverage("hyperliquid", "BTC") == 10.0


def test_set_leverage_validates_before_anything_is_sent(sim):
    hl = client(sim, address=ADDR)
    with pytest.raises(InvalidLeverageError, match="above the maximum 40"):
        hl.set_leverage("BTC", 41)
    assert sim.count(method="POST") == 1  # meta only (public), no account read
    with pytest.raises(InvalidLeverageError, match="step"):
        hl.set_leverage("BTC", 12.5)
    with pytest.raises(InvalidLeverageError, match="side must be 'both'"):
        hl.set_leverage("BTC", 5, side="long")
    with pytest.raises(InvalidLeverageError):
        hl.set_leverage("BTC", 0)
    with pytest.raises(InvalidSymbolError):
        hl.set_leverage("DOGE", 5)
    assert sim.count("/exchange") == 0


def test_set_leverage_dry_run_preview(sim):
    hl = client(sim)  # no address: cross assumed
    preview = hl.set_leverage("kPEPE", 3, dry_run=True)
    assert isinstance(preview, RequestPreview)
    assert preview.url == "https://api.hyperliquid.xyz/exchange" and preview.method == "POST"
    body = json.loads(preview.body)
    assert body["action"] == {"type": "updateLeverage", "asset": 2, "isCross": True,
                              "leverage": 3}  # fmt: skip
    assert "levkit does not sign" in body["signature"]
    assert "cannot be sent by levkit" in preview.note and "update_leverage" in preview.note
    assert sim.count("/exchange") == 0
    sim.set_margin_mode("hyperliquid", "isolated")
    same = client(sim, address=ADDR).set_leverage("BTC", 10, dry_run=True)
    assert json.loads(same.body)["action"]["isCross"] is False
    assert "already in force" in same.note


def test_sim_exchange_answers_that_levkit_does_not_sign(sim):
    reply = sim.handle("POST", "/exchange", body=b'{"action": {"type": "updateLeverage"}}')
    assert reply.status == 200 and reply.json()["status"] == "err"
    with pytest.raises(ExchangeError, match="does not sign"):
        HyperliquidDialect().check(reply.json(), endpoint="/exchange", status=200, accept=())


def test_sim_rate_limit_counts_weights(clock):
    sim = Simulator(tiers=ladder_frame(), clock=clock)
    meta = json.dumps({"type": "meta"})
    statuses = [sim.handle("POST", "/info", body=meta).status for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429
    clock.now += 61
    assert sim.handle("POST", "/info", body=meta).status == 200
    hl = client(sim, clock=clock, sleep=clock.sleep, max_retries=1, cache_ttl=0)
    for _ in range(59):
        sim.handle("POST", "/info", body=meta)
    with pytest.raises(RateLimitError):
        hl.risk_limits()


def test_sim_rate_limit_fault(sim):
    sim.inject("rate_limit", path="/info", times=10)
    hl = client(sim, max_retries=0)
    with pytest.raises(RateLimitError) as err:
        hl.risk_limits()
    assert err.value.status == 429


def test_loopback_server(sim):
    with sim.serve() as url:
        df = lk.Hyperliquid(base_url=url, progress=False).risk_limits("BTC")
    assert df["max_leverage"].tolist() == [40.0, 20.0] and df.attrs["source"] == "simulator"


def test_no_network_session_is_used():
    # The default session is a plain requests.Session: tests above all use responses or sims.
    assert isinstance(client().transport.session, requests.Session)


# -- the shipped figures --------------------------------------------------------------------
def test_snapshot_file_loads_with_open_top_tiers():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "data" / "hyperliquid" / "tiers.csv"
    df = lk.load_snapshot("hyperliquid", path=path)
    btc = df[df.symbol == "BTC"]
    assert btc["max_notional"].tolist() == [150e6, math.inf]
    assert btc["max_leverage"].tolist() == [40.0, 20.0]
    assert btc["mm_deduction"].tolist() == [0.0, 1_875_000.0]
    assert sorted(set(df.symbol)) == ["BTC", "ETH", "HPOS", "SOL"]
    raw = pd.read_csv(path)
    assert raw.groupby("symbol")["complete"].first().to_dict() == {
        "BTC": True, "ETH": True, "HPOS": False, "SOL": True}  # fmt: skip
    # the file's rates are the docs' formulas of its leverages
    np.testing.assert_allclose(raw["maintenance_margin_rate"], 1 / (2 * raw["max_leverage"]))
    np.testing.assert_allclose(raw["initial_margin_rate"], 1 / raw["max_leverage"])
