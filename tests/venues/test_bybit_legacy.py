"""Bybit legacy v2 positions (``GET /v2/private/position/list``): parse on the v2 docs'
examples, the client over `responses` and over the simulator.  The v2 leverage endpoints
are tested in ``tests/test_bybit_legacy.py``.  No network."""

from __future__ import annotations

import warnings
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

import levkit as lk
from levkit.errors import ParseError
from levkit.frames import tiers_frame
from levkit.sim import DEMO_KEY, DEMO_SECRET, Simulator
from levkit.venues.bybit_legacy.parse import parse_position_list

from ..conftest import FAKE_KEY, FAKE_SECRET

HOST = "https://api.bybit.com"
POSITIONS = HOST + "/v2/private/position/list"

#: The v2 docs' "My Position" example with ``symbol`` (trimmed to the fields levkit reads
#: and a few more; bybit-exchange/docs-legacy futuresV2/inverse_perpetual/_account_data.md).
DOC_ONE = {"id": 27913, "user_id": 1, "risk_id": 1, "symbol": "BTCUSD", "side": "Buy",
           "size": 5, "position_value": "0.0006947", "entry_price": "7197.35137469",
           "is_isolated": True, "auto_add_margin": 0, "leverage": "1",
           "effective_leverage": "1", "position_status": "Normal"}  # fmt: skip
#: Its list form (without ``symbol``): an open BTCUSD and a flat XRPUSD.
DOC_LIST = [
    {"is_valid": True, "data": {**DOC_ONE, "size": 10, "position_value": "0.00076448",
                                "entry_price": "13080.78694014", "leverage": "100"}},
    {"is_valid": True, "data": {**DOC_ONE, "symbol": "XRPUSD", "side": "None", "size": 0,
                                "position_value": "0", "entry_price": "0", "leverage": "16.67"}},
]  # fmt: skip


def v2(result):
    return {"ret_code": 0, "ret_msg": "OK", "ext_code": "", "ext_info": "", "result": result,
            "time_now": "1577480599.097287", "rate_limit_status": 119,
            "rate_limit_reset_ms": 1580885703683, "rate_limit": 120}  # fmt: skip


def legacy(*args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return lk.BybitLegacy(*args, **kw)


def test_doc_examples_inverse_value_is_in_the_coin_like_its_ladder():
    # v2's own position_value is the coin (5 contracts at 7197: 0.0006947 BTC), the unit of
    # the v5 inverse ladder that serves BTCUSD; the USD face value is the size
    one = parse_position_list(DOC_ONE)
    assert one[["side", "direction", "size", "position_value"]].values.tolist() == [
        ["both", "long", 5.0, 0.0006947]]  # fmt: skip
    assert one["position_value_usd"].iloc[0] == 5.0
    many = parse_position_list(DOC_LIST)
    assert many["symbol"].tolist() == ["BTCUSD", "XRPUSD"]
    assert many["position_value_usd"].tolist() == [10.0, 0.0]  # "None": flat
    linear = parse_position_list({**DOC_ONE, "symbol": "BTCUSDT", "side": "Sell", "size": 0.5,
                                  "position_value": "30000", "entry_price": "60000"})  # fmt: skip
    assert linear[["direction", "position_value"]].values.tolist() == [["short", 30000.0]]
    with pytest.raises(ParseError, match="side"):
        parse_position_list({**DOC_ONE, "side": "Long"})
    with pytest.raises(ParseError, match="symbol"):
        parse_position_list([{"is_valid": True}])


@responses.activate
def test_positions_over_responses_v2_signed_and_flat_rows_dropped():
    responses.get(POSITIONS, json=v2(DOC_ONE))
    df = legacy(FAKE_KEY, FAKE_SECRET).positions("BTCUSD")
    assert df[["exchange", "symbol", "side", "direction", "position_value"]].values.tolist() == [
        ["bybit-legacy", "BTCUSD", "both", "long", 0.0006947]]  # fmt: skip
    q = dict(parse_qsl(urlsplit(responses.calls[0].request.url).query))
    assert q["symbol"] == "BTCUSD" and q["api_key"] == FAKE_KEY and q["sign"]
    assert df.attrs["envelope"]["rate_limit"] == 120
    responses.replace(responses.GET, POSITIONS, json=v2(DOC_LIST[1]["data"]))
    assert legacy(FAKE_KEY, FAKE_SECRET).positions("XRPUSD").empty


@responses.activate
def test_positions_without_keys_raise_before_sending():
    with pytest.raises(lk.AuthenticationError, match="BYBIT_API_KEY"):
        legacy().positions("BTCUSD")
    assert len(responses.calls) == 0


def test_positions_on_the_simulator_shared_account_inverse_and_linear():
    ladder = tiers_frame({"exchange": "bybit", "symbol": ["BTCUSD", "BTCUSDT"],
                          "max_notional": [2e6, 2e6], "max_leverage": [100.0, 100.0]},
                         source="snapshot")  # fmt: skip
    sim = Simulator(tiers=ladder)
    c = legacy(DEMO_KEY, DEMO_SECRET, session=sim.session())
    assert c.positions("BTCUSD").empty and c.positions("BTCUSDT").empty
    # acts on the bybit account; an inverse position's value is in the coin (its ladder's
    # unit): 5 BTC at the simulator's price are 5 x price USD contracts
    sim.open_position("bybit-legacy", "BTCUSD", "long", 5.0)
    df = c.positions("BTCUSD")
    assert df[["side", "direction", "size", "position_value"]].values.tolist() == [
        ["both", "long", 5.0 * sim.price("BTCUSD"), 5.0]]  # fmt: skip
    sim.open_position("bybit", "BTCUSDT", "short", 1_000_000)
    assert c.positions("BTCUSDT")[["direction", "position_value"]].values.tolist() == [
        ["short", 1_000_000.0]]  # fmt: skip
    assert sim.count("/v2/private/position/list") == 4
    wrong = legacy(DEMO_KEY, "not-the-secret", session=sim.session(), max_retries=0)
    with pytest.raises(lk.AuthenticationError):
        wrong.positions("BTCUSD")  # 10004: the v2 signature is checked
