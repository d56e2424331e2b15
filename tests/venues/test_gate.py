"""Gate API v4 futures (USDT): parse functions on the docs' payloads, signing, the client
over `responses` and over the simulator.  No test touches the network or /work/shared."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
import responses

import levkit as lk
from levkit.frames import tiers_frame
from levkit.http.wire import Credentials, RequestPreview
from levkit.sim import DEMO_KEY, DEMO_SECRET, Simulator
from levkit.venues.gate.dialect import (
    EMPTY_SHA512,
    GateDialect,
    gate_signature,
    gate_string_to_sign,
)
from levkit.venues.gate.parse import derive_deductions, parse_positions, parse_risk_limits

from ..conftest import FAKE_KEY, FAKE_SECRET

HOST = "https://api.gateio.ws"
F = HOST + "/api/v4/futures/usdt"
TIERS = F + "/risk_limit_tiers"
POS = F + "/positions/BTC_USDT"
DUAL = F + "/dual_comp/positions/BTC_USDT"
SET = POS + "/leverage"
TIME = HOST + "/api/v4/spot/time"

# The docs' example of GET /futures/{settle}/risk_limit_tiers (Gate API v4, zh_CN), as
# given there: `tier` a number, the rest strings.
DOC_ROWS = [
    {"maintenance_rate": "0.01", "tier": 1, "initial_rate": "0.02", "leverage_max": "50",
     "risk_limit": "20000", "contract": "ZTX_USDT", "deduction": "0"},
    {"maintenance_rate": "0.013", "tier": 2, "initial_rate": "0.025", "leverage_max": "40",
     "risk_limit": "30000", "contract": "ZTX_USDT", "deduction": "60"},
    {"maintenance_rate": "0.015", "tier": 3, "initial_rate": "0.02857", "leverage_max": "35",
     "risk_limit": "50000", "contract": "ZTX_USDT", "deduction": "120"},
    {"maintenance_rate": "0.02", "tier": 4, "initial_rate": "0.03333", "leverage_max": "30",
     "risk_limit": "70000", "contract": "ZTX_USDT", "deduction": "370"},
    {"maintenance_rate": "0.025", "tier": 5, "initial_rate": "0.04", "leverage_max": "25",
     "risk_limit": "100000", "contract": "ZTX_USDT", "deduction": "720"},
]  # fmt: skip
# Rows of January 2024 quoted in ccxt PR #20879: no `deduction`, no `contract`.
OLD_ROWS = [
    {"initial_rate": "0.008", "leverage_max": "125", "maintenance_rate": "0.004",
     "risk_limit": "1000000", "tier": "1"},
    {"initial_rate": "0.012", "leverage_max": "83.33", "maintenance_rate": "0.008",
     "risk_limit": "2000000", "tier": "2"},
]  # fmt: skip
# BTC_USDT rows in today's shape for the client tests (caps and leverages of the PR rows
# plus an invented 1x tail so that the ladder is whole).
BTC_ROWS = [
    {"tier": 1, "risk_limit": "1000000", "initial_rate": "0.008", "maintenance_rate": "0.004",
     "leverage_max": "125", "deduction": "0"},
    {"tier": 2, "risk_limit": "2000000", "initial_rate": "0.012", "maintenance_rate": "0.008",
     "leverage_max": "83.33", "deduction": "4000"},
    {"tier": 3, "risk_limit": "5000000", "initial_rate": "1", "maintenance_rate": "0.5",
     "leverage_max": "1", "deduction": "986000"},
]  # fmt: skip


def position(leverage="0", limit="25", mode="single", **extra):
    """A Position object with the fields of gateapi-python docs/Position.md."""
    row = {
        "user": 10000, "contract": "BTC_USDT", "size": 0, "leverage": leverage,
        "risk_limit": "1000000", "leverage_max": "125", "maintenance_rate": "0.004",
        "value": "0", "margin": "0", "entry_price": "0", "mark_price": "60000",
        "mode": mode, "cross_leverage_limit": limit,
    }  # fmt: skip
    row.update(extra)
    return row


def gate_tiers(symbols=("BTC_USDT",), caps=(1e6, 2e6, 5e6), levs=(125, 50, 1)):
    rows = {"exchange": [], "symbol": [], "max_notional": [], "max_leverage": []}
    for s in symbols:
        for c, x in zip(caps, levs, strict=True):
            rows["exchange"].append("gate")
            rows["symbol"].append(s)
            rows["max_notional"].append(c)
            rows["max_leverage"].append(x)
    return tiers_frame(rows, source="api")


# -- registry ----------------------------------------------------------------------------
def test_gate_is_in_the_registry_with_its_capabilities():
    row = lk.exchanges().loc["gate"]
    assert (row.client, row.symbol_example, row.env_prefix) == ("Gate", "BTC_USDT", "GATE")
    assert bool(row.public_ladder) and bool(row.set_leverage)
    assert lk.Gate.exchange == "gate"
    assert lk.normalize_symbol("BTC/USDT:USDT", "gate") == "BTC_USDT"
    assert lk.normalize_symbol("eth", "gateio") == "ETH_USDT"


def test_from_env_reads_gate_variables(monkeypatch):
    monkeypatch.setenv("GATE_API_KEY", FAKE_KEY)
    monkeypatch.setenv("GATE_API_SECRET", FAKE_SECRET)
    monkeypatch.setenv("GATE_TESTNET", "1")
    c = lk.Gate.from_env()
    assert c.has_keys and c.base_url == "https://api-testnet.gateapi.io"
    assert FAKE_SECRET not in repr(c) and FAKE_KEY not in repr(c)


# -- parse -------------------------------------------------------------------------------
def test_parse_docs_example_ladder():
    df = parse_risk_limits(list(reversed(DOC_ROWS)))
    assert df["symbol"].unique().tolist() == ["ZTX_USDT"]
    assert df["tier"].tolist() == [1, 2, 3, 4, 5]
    assert df["min_notional"].tolist() == [0, 20000, 30000, 50000, 70000]
    assert df["max_notional"].tolist() == [20000, 30000, 50000, 70000, 100000]
    assert df["max_leverage"].tolist() == [50, 40, 35, 30, 25]
    assert df["initial_margin_rate"].tolist() == [0.02, 0.025, 0.02857, 0.03333, 0.04]
    assert df["mm_deduction"].tolist() == [0, 60, 120, 370, 720]
    assert not df["mm_deduction_derived"].any() and "mm_deduction_derived" not in df.attrs


def test_the_docs_deductions_follow_the_recursion_levkit_uses_where_they_are_absent():
    caps = np.array([float(r["risk_limit"]) for r in DOC_ROWS])
    mmr = np.array([float(r["maintenance_rate"]) for r in DOC_ROWS])
    assert derive_deductions(caps, mmr).round(6).tolist() == [0, 60, 120, 370, 720]


def test_parse_2024_rows_without_deduction_or_contract_derives_deduction():
    with pytest.raises(lk.ParseError, match="contract"):
        parse_risk_limits(OLD_ROWS)
    df = parse_risk_limits(OLD_ROWS, contract="BTC_USDT")
    assert df["symbol"].tolist() == ["BTC_USDT", "BTC_USDT"]
    assert df["max_leverage"].tolist() == [125, 83.33]
    assert df["mm_deduction"].round(6).tolist() == [0, 4000]
    assert df["mm_deduction_derived"].tolist() == [True, True]
    assert df.attrs["mm_deduction_derived"] == 2


def test_parse_positions_cross_isolated_and_dual():
    cross = parse_positions(position("0", "25"))
    assert cross[["side", "leverage", "margin_mode"]].values.tolist() == [["both", 25.0, "cross"]]
    iso = parse_positions([position("10", "0")])
    assert iso[["leverage", "margin_mode", "tier_max_leverage"]].values.tolist() == [
        [10.0, "isolated", 125.0]
    ]
    unset = parse_positions([position("0", "0")])  # cross without a stated limit
    assert math.isnan(unset["leverage"].iloc[0])
    dual = parse_positions([position("5", "0", "dual_short"), position("5", "0", "dual_long")])
    assert dual["side"].tolist() == ["long", "short"]
    with pytest.raises(lk.ParseError):
        parse_positions([position(mode="hedge")])


# -- signing -----------------------------------------------------------------------------
def test_string_to_sign_is_the_documented_five_lines():
    # Gate publishes the recipe (method, /api/v4 path, raw query, SHA-512 of the body,
    # Timestamp in seconds), not a test vector: check the parts and the HMAC-SHA512.
    text = gate_string_to_sign(
        "post",
        "/api/v4/futures/usdt/positions/BTC_USDT/leverage",
        "leverage=10",
        None,
        "1700000000",
    )
    assert text.split("\n") == [
        "POST",
        "/api/v4/futures/usdt/positions/BTC_USDT/leverage",
        "leverage=10",
        EMPTY_SHA512,
        "1700000000",
    ]
    assert EMPTY_SHA512.startswith("cf83e1357eefb8bd")  # SHA-512("") (FIPS 180 vector)
    body = gate_string_to_sign("POST", "/p", "", '{"a":1}', "1").split("\n")[3]
    assert body == hashlib.sha512(b'{"a":1}').hexdigest()
    sig = gate_signature(FAKE_SECRET, "POST", "/p", "q=1", None, "1")
    assert sig == hmac.new(
        FAKE_SECRET.encode(), gate_string_to_sign("POST", "/p", "q=1", None, "1").encode(),
        hashlib.sha512,
    ).hexdigest()  # fmt: skip
    assert len(sig) == 128


def test_prepare_signs_the_query_sent_with_seconds_and_preview_hides_secrets():
    d = GateDialect()
    creds = Credentials(FAKE_KEY, FAKE_SECRET)
    query, body, headers = d.prepare(
        "POST", "/api/v4/futures/usdt/positions/BTC_USDT/leverage",
        {"leverage": "0", "cross_leverage_limit": "20"},
        credentials=creds, timestamp_ms=1_700_000_000_999, recv_window=5000,
    )  # fmt: skip
    assert (query, body) == ("leverage=0&cross_leverage_limit=20", None)
    assert headers["Timestamp"] == "1700000000" and headers["KEY"] == FAKE_KEY
    assert headers["SIGN"] == gate_signature(
        FAKE_SECRET, "POST", "/api/v4/futures/usdt/positions/BTC_USDT/leverage", query, None,
        "1700000000",
    )  # fmt: skip


# -- client over `responses` --------------------------------------------------------------
@responses.activate
def test_risk_limits_for_one_contract_public():
    responses.get(TIERS, json=BTC_ROWS)
    df = lk.Gate().risk_limits("BTC/USDT:USDT")
    assert df["max_leverage"].tolist() == [125, 83.33, 1]
    assert df["max_notional"].tolist() == [1e6, 2e6, 5e6]
    assert df.attrs["source"] == "api" and df.attrs["host"] == HOST
    assert parse_qs(urlsplit(responses.calls[0].request.url).query) == {"contract": ["BTC_USDT"]}
    assert "KEY" not in responses.calls[0].request.headers


@responses.activate
def test_risk_limits_of_every_market_follow_offsets_until_a_short_page():
    markets = ["A_USDT", "B_USDT", "C_USDT", "D_USDT", "E_USDT"]
    pages = {
        0: markets[:2], 2: markets[2:4], 4: markets[4:],
    }  # fmt: skip

    def answer(request):
        q = parse_qs(urlsplit(request.url).query)
        assert q["limit"] == ["2"]
        names = pages.get(int(q["offset"][0]), [])
        return 200, {}, json.dumps([{**r, "contract": n} for n in names for r in BTC_ROWS])

    responses.add_callback(responses.GET, TIERS, callback=answer)
    df = lk.Gate(progress=False).risk_limits(page_size=2)
    assert sorted(df["symbol"].unique()) == markets
    # ceil(5 markets / 2 per page), and one more: a short page ends the listing only when
    # the next one is empty (Gate gives no total)
    assert len(responses.calls) == 4
    with pytest.raises(ValueError):
        lk.Gate().risk_limits(page_size=1001)


@responses.activate
def test_private_calls_without_keys_name_the_variables_before_sending():
    with pytest.raises(lk.AuthenticationError, match="GATE_API_KEY"):
        lk.Gate().leverage("BTC_USDT")
    with pytest.raises(lk.AuthenticationError, match="GATE_API_KEY"):
        lk.Gate().set_leverage("BTC_USDT", 5)
    assert len(responses.calls) == 0


@responses.activate
def test_leverage_cross_reports_effective_leverage_and_ladder_caps():
    responses.get(POS, json=position("0", "83.33", risk_limit="1000000", leverage_max="125"))
    responses.get(TIERS, json=BTC_ROWS)
    df = lk.Gate(FAKE_KEY, FAKE_SECRET).leverage("BTC_USDT")
    row = df.iloc[0]
    assert (row.side, row.leverage, row.margin_mode) == ("both", 83.33, "cross")
    assert (row.max_leverage, row.max_position_value) == (125.0, 2e6)
    signed = responses.calls[0].request
    assert signed.headers["KEY"] == FAKE_KEY and len(signed.headers["SIGN"]) == 128


@responses.activate
def test_leverage_in_dual_mode_reads_the_dual_endpoint():
    responses.get(POS, status=400, json={"label": "POSITION_DUAL_MODE", "message": "dual"})
    responses.get(DUAL, json=[position("10", "0", "dual_long"), position("10", "0", "dual_short")])
    responses.get(TIERS, json=BTC_ROWS)
    df = lk.Gate(FAKE_KEY, FAKE_SECRET).leverage("BTC_USDT")
    assert df[["side", "leverage", "max_position_value"]].values.tolist() == [
        ["long", 10.0, 2e6],
        ["short", 10.0, 2e6],
    ]


@responses.activate
def test_set_leverage_keeps_cross_margin_cross():
    responses.get(TIERS, json=BTC_ROWS)
    responses.get(POS, json=position("0", "10"))
    responses.post(SET, json=position("0", "20"))
    out = lk.Gate(FAKE_KEY, FAKE_SECRET).set_leverage("BTC_USDT", 20)
    post = responses.calls[-1].request
    assert post.method == "POST" and post.body in (None, b"", "")
    assert parse_qs(urlsplit(post.url).query) == {"leverage": ["0"], "cross_leverage_limit": ["20"]}
    row = out.iloc[0]
    assert (row.leverage, row.previous_leverage, bool(row.changed)) == (20.0, 10.0, True)
    assert row.margin_mode == "cross" and row.max_leverage == 125.0


@responses.activate
def test_set_leverage_isolated_on_request_and_mode_switch_counts_as_change():
    responses.get(TIERS, json=BTC_ROWS)
    responses.get(POS, json=position("0", "20"))
    responses.post(SET, json=position("20", "0"))
    out = lk.Gate(FAKE_KEY, FAKE_SECRET).set_leverage("BTC_USDT", 20, margin_mode="isolated")
    post = responses.calls[-1].request
    assert parse_qs(urlsplit(post.url).query) == {"leverage": ["20"]}
    assert out[["margin_mode", "previous_margin_mode"]].values.tolist() == [["isolated", "cross"]]
    assert bool(out["changed"].iloc[0])


@responses.activate
def test_set_leverage_already_in_force_sends_nothing_and_reports_unchanged():
    responses.get(TIERS, json=BTC_ROWS)
    responses.get(POS, json=position("15", "0"))
    out = lk.Gate(FAKE_KEY, FAKE_SECRET).set_leverage("BTC_USDT", 15)
    assert not out["changed"].any() and out["previous_leverage"].tolist() == [15.0]
    assert all(c.request.method == "GET" for c in responses.calls)
    assert "already in force" in out.attrs["message"]


@responses.activate
def test_set_leverage_validates_before_sending():
    responses.get(TIERS, json=BTC_ROWS)
    c = lk.Gate(FAKE_KEY, FAKE_SECRET)
    with pytest.raises(lk.InvalidLeverageError, match="above the maximum 125"):
        c.set_leverage("BTC_USDT", 126)
    with pytest.raises(lk.InvalidLeverageError):
        c.set_leverage("BTC_USDT", 0.5)
    with pytest.raises(lk.PositionModeError, match="side must be 'both'"):
        c.set_leverage("BTC_USDT", 5, side="long")
    assert all(call.request.method == "GET" for call in responses.calls)
    assert all("/positions/" not in call.request.url for call in responses.calls)


@responses.activate
def test_error_labels_map_to_levkit_errors():
    c = lk.Gate(FAKE_KEY, FAKE_SECRET, max_retries=0)
    responses.get(POS, status=401, json={"label": "INVALID_KEY", "message": "Invalid key"})
    with pytest.raises(lk.AuthenticationError) as err:
        c._positions("BTC_USDT")
    assert err.value.code == "INVALID_KEY" and FAKE_SECRET not in str(err.value)
    responses.get(
        TIERS + "?contract=NOPE_USDT",
        status=400, json={"label": "CONTRACT_NOT_FOUND", "message": "not found"},
    )  # fmt: skip
    with pytest.raises(lk.ExchangeError) as err:
        c.risk_limits("NOPE_USDT")
    assert err.value.code == "CONTRACT_NOT_FOUND"


@responses.activate
def test_leverage_too_high_from_gate_is_an_exchange_leverage_error():
    responses.get(TIERS, json=BTC_ROWS)
    responses.get(POS, json=position("0", "10", value="1500000", leverage_max="83.33"))
    responses.post(SET, status=400, json={"label": "LEVERAGE_TOO_HIGH", "message": "too high"})
    with pytest.raises(lk.ExchangeLeverageError) as err:
        lk.Gate(FAKE_KEY, FAKE_SECRET).set_leverage("BTC_USDT", 100)
    assert isinstance(err.value, ValueError) and err.value.code == "LEVERAGE_TOO_HIGH"


@responses.activate
def test_rate_limit_429_carries_retry_after_from_the_reset_header(clock):
    reset_ms = int((clock.now + 4) * 1000)
    responses.get(
        TIERS, status=429,
        json={"label": "TOO_MANY_REQUESTS", "message": "Request Rate limit Exceeded"},
        headers={"X-Gate-RateLimit-Requests-Remain": "0", "X-Gate-RateLimit-Limit": "200",
                 "X-Gate-RateLimit-Reset-Timestamp": str(reset_ms)},
    )  # fmt: skip
    c = lk.Gate(clock=clock, sleep=clock.sleep, max_retries=0)
    with pytest.raises(lk.RateLimitError) as err:
        c.risk_limits("BTC_USDT")
    assert err.value.code == "TOO_MANY_REQUESTS"
    assert err.value.retry_after == pytest.approx(4.0)


@responses.activate
def test_request_expired_resyncs_with_the_server_clock_and_retries(clock):
    responses.get(POS, status=401, json={"label": "REQUEST_EXPIRED", "message": "gap"})
    responses.get(POS, json=position("0", "10"))
    responses.get(TIME, json={"server_time": int((clock.now + 120) * 1000)})
    responses.get(TIERS, json=BTC_ROWS)
    c = lk.Gate(FAKE_KEY, FAKE_SECRET, clock=clock, sleep=clock.sleep)
    c.leverage("BTC_USDT")
    assert c.transport.offset_ms == pytest.approx(120_000, abs=5)
    retried = [x.request for x in responses.calls if "/positions/" in x.request.url][-1]
    assert retried.headers["Timestamp"] == str(int(clock.now + 120))


# -- client over the simulator --------------------------------------------------------------
@pytest.fixture
def sim(clock):
    return Simulator(tiers=gate_tiers(("BTC_USDT", "ETH_USDT", "SOL_USDT")), clock=clock)


@pytest.fixture
def gate(sim, clock):
    return lk.Gate(DEMO_KEY, DEMO_SECRET, session=sim.session(), clock=clock, sleep=clock.sleep)


def test_sim_ladder_one_and_all(sim, gate):
    one = gate.risk_limits("BTC_USDT")
    assert one["max_leverage"].tolist() == [125, 50, 1] and one.attrs["source"] == "simulator"
    every = lk.Gate(session=sim.session(), progress=False).risk_limits(page_size=2)
    assert sorted(every["symbol"].unique()) == ["BTC_USDT", "ETH_USDT", "SOL_USDT"]
    # 1 + ceil(3 / 2) + the empty page that confirms the short one ended the listing
    assert sim.count("/api/v4/futures/usdt/risk_limit_tiers") == 4


def test_sim_leverage_read_and_set_then_already_in_force(sim, gate):
    before = gate.leverage("BTC_USDT")
    assert before[["leverage", "margin_mode", "max_position_value"]].values.tolist() == [
        [10.0, "cross", 2e6]
    ]
    out = gate.set_leverage("BTC_USDT", 100)
    assert out[["leverage", "previous_leverage", "changed"]].values.tolist() == [
        [100.0, 10.0, True]
    ]
    assert out["max_position_value"].tolist() == [1e6]
    assert sim.leverage("gate", "BTC_USDT") == 100.0
    posts = sim.count(method="POST")
    again = gate.set_leverage("BTC_USDT", 100)
    assert not again["changed"].any() and sim.count(method="POST") == posts


def test_sim_cross_stays_cross_and_isolated_on_request(sim, gate):
    gate.set_leverage("BTC_USDT", 20)
    assert gate.leverage("BTC_USDT")["margin_mode"].tolist() == ["cross"]
    out = gate.set_leverage("BTC_USDT", 20, margin_mode="isolated")
    assert out["margin_mode"].tolist() == ["isolated"] and bool(out["changed"].iloc[0])
    assert gate.leverage("BTC_USDT")[["leverage", "margin_mode"]].values.tolist() == [
        [20.0, "isolated"]
    ]


def test_sim_dual_mode(sim, gate):
    sim.set_position_mode("gate", True)
    df = gate.leverage("BTC_USDT")
    assert df["side"].tolist() == ["long", "short"]
    out = gate.set_leverage("BTC_USDT", 30)
    assert out["leverage"].tolist() == [30.0, 30.0] and out["changed"].all()
    assert sim.count("/api/v4/futures/usdt/dual_comp/positions/BTC_USDT/leverage") == 1


def test_sim_dry_run_sends_nothing_and_shows_no_secret(sim, gate):
    posts = sim.count(method="POST")
    preview = gate.set_leverage("BTC_USDT", 25, dry_run=True)
    assert isinstance(preview, RequestPreview) and sim.count(method="POST") == posts
    text = repr(preview) + json.dumps(preview.to_dict())
    assert DEMO_SECRET not in text and DEMO_KEY not in text
    assert preview.headers["SIGN"] == "<signed when sent>"
    assert "cross_leverage_limit=25" in preview.url
    assert sim.leverage("gate", "BTC_USDT") == 10.0


def test_sim_wrong_secret_is_an_authentication_error(sim, clock):
    c = lk.Gate(DEMO_KEY, "not-the-secret-0000", session=sim.session(), clock=clock)
    with pytest.raises(lk.AuthenticationError) as err:
        c.leverage("BTC_USDT")
    assert err.value.code == "INVALID_SIGNATURE" and "not-the-secret" not in str(err.value)
    c = lk.Gate("test-key-0000", DEMO_SECRET, session=sim.session(), clock=clock)
    with pytest.raises(lk.AuthenticationError, match="GATE_API_KEY"):
        c.leverage("BTC_USDT")


def test_sim_clock_skew_is_resynced(clock):
    sim = Simulator(tiers=gate_tiers(), clock=clock, skew=300.0)
    c = lk.Gate(DEMO_KEY, DEMO_SECRET, session=sim.session(), clock=clock, sleep=clock.sleep)
    assert c.leverage("BTC_USDT")["leverage"].tolist() == [10.0]
    assert sim.count("/api/v4/spot/time") == 1


def test_sim_unknown_symbol(gate):
    with pytest.raises(lk.ExchangeError) as err:
        gate.risk_limits("DOGE_USDT")
    assert err.value.code == "CONTRACT_NOT_FOUND"
    with pytest.raises(lk.InvalidSymbolError):
        gate.risk_limits("BTC_USDT/../x")


def test_sim_leverage_too_high(sim, gate):
    with pytest.raises(lk.InvalidLeverageError, match="above the maximum 125"):
        gate.set_leverage("BTC_USDT", 150)
    sim.open_position("gate", "BTC_USDT", "long", 1_500_000)  # in the 50x tier
    with pytest.raises(lk.ExchangeLeverageError) as err:
        gate.set_leverage("BTC_USDT", 100)
    assert err.value.code == "RISK_LIMIT_EXCEEDED"
    assert sim.leverage("gate", "BTC_USDT") == 10.0


def test_sim_rate_limit(clock):
    limits = {("GET", "/api/v4/futures/usdt/positions/{contract}"): (2, 10.0)}
    sim = Simulator(tiers=gate_tiers(), clock=clock, rate_limits=limits)
    c = lk.Gate(
        DEMO_KEY, DEMO_SECRET, session=sim.session(), clock=clock, sleep=clock.sleep, max_retries=0
    )
    c._positions("BTC_USDT")
    c._positions("BTC_USDT")
    with pytest.raises(lk.RateLimitError) as err:
        c._positions("BTC_USDT")
    assert err.value.code == "TOO_MANY_REQUESTS" and err.value.retry_after == pytest.approx(10.0)
    assert c.transport.last_rate_limit["limit"] == 2
