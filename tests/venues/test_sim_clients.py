"""levkit's three clients against the simulator, over both transports: in-process
(``sim.session()``) and the loopback HTTP server (``base_url=sim.serve().url``).

Full read / set / not-modified flows, the simulator's account state after each, dry runs
that send nothing, credential and timestamp rejections, and a position mode changed
behind a client's back.  One FakeClock drives simulator and client: nothing really sleeps.
"""

from __future__ import annotations

import warnings

import pytest

import levkit as lk
from levkit.http.transport import RequestPreview
from levkit.sim import DEMO_KEY, DEMO_SECRET, Simulator
from levkit.sim.testing import FakeClock

from .._ladders import with_bybit_btcusd

V5_SET = "/v5/position/set-leverage"
V5_TIME = "/v5/market/time"
V2_SAVE = "/user/leverage/save"
BX_LEV = "/openApi/swap/v2/trade/leverage"
BX_TIME = "/openApi/swap/v2/server/time"

WRONG_KEY = "test-key-0000"
WRONG_SECRET = "test-secret-not-real-0000"


class Venue:
    """A simulator, the fake clock it shares with clients, and how clients reach it."""

    def __init__(self, sim: Simulator, clock: FakeClock, transport: dict):
        self.sim, self.clock, self.transport = sim, clock, transport

    def client(self, cls, key=DEMO_KEY, secret=DEMO_SECRET, **kw):
        kw.setdefault("clock", self.clock)
        kw.setdefault("sleep", self.clock.sleep)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # BybitLegacy says it is old
            return cls(key, secret, **self.transport, **kw)

    def lev(self, exchange, symbol):
        return (
            self.sim.leverage(exchange, symbol, "long"),
            self.sim.leverage(exchange, symbol, "short"),
        )


@pytest.fixture(params=["in-process", "loopback"])
def venue(request):
    clock = FakeClock()
    sim = Simulator(clock=clock, sleep=clock.sleep)
    if request.param == "in-process":
        yield Venue(sim, clock, {"session": sim.session()})
    else:
        with sim.serve() as url:
            yield Venue(sim, clock, {"base_url": url})


def simulated(frame):
    assert frame.attrs["source"] == "simulator"
    return frame


# -- Bybit v5 --------------------------------------------------------------------------------


def test_bybit_reads_risk_limits_and_leverage(venue):
    client = venue.client(lk.Bybit)
    tiers = simulated(client.risk_limits("BTCUSDT"))
    ladder = venue.sim.ladder("bybit", "BTCUSDT")
    assert tuple(tiers["max_notional"]) == ladder.caps
    assert tuple(tiers["max_leverage"]) == ladder.max_leverage
    lev = simulated(client.leverage("btc/usdt:usdt"))
    row = lev.iloc[0]
    assert (row["symbol"], row["side"], row["leverage"]) == ("BTCUSDT", "both", 10.0)
    assert row["max_position_value"] == ladder.cap_at(10)


def test_bybit_set_then_not_modified(venue):
    client = venue.client(lk.Bybit)
    first = simulated(client.set_leverage("BTCUSDT", 25))
    assert first["changed"].tolist() == [True] and first["leverage"].tolist() == [25.0]
    assert first["previous_leverage"].tolist() == [10.0]
    assert venue.lev("bybit", "BTCUSDT") == (25.0, 25.0)
    again = simulated(client.set_leverage("BTCUSDT", 25))
    assert again["changed"].tolist() == [False] and again.attrs["code"] == 110043
    assert venue.sim.count(V5_SET, code=110043) == 1 and venue.sim.count(V5_SET) == 2
    assert venue.lev("bybit", "BTCUSDT") == (25.0, 25.0)


def test_bybit_hedge_isolated_sets_one_side(venue):
    venue.sim.set_position_mode("bybit", True)
    venue.sim.set_margin_mode("bybit", "isolated")
    out = simulated(venue.client(lk.Bybit).set_leverage("BTCUSDT", 30, side="long"))
    assert dict(zip(out["side"], out["changed"], strict=True)) == {"long": True, "short": False}
    assert venue.lev("bybit", "BTCUSDT") == (30.0, 10.0)


def test_bybit_above_max_leverage_sends_nothing(venue):
    with pytest.raises(ValueError, match="above the maximum 150"):
        venue.client(lk.Bybit).set_leverage("BTCUSDT", 151)
    assert venue.sim.count(V5_SET) == 0


# -- Bybit legacy v2 -------------------------------------------------------------------------


def test_legacy_reads_every_symbol_from_the_shared_bybit_account(venue):
    venue.sim.set_leverage("bybit", "LTCUSDT", 7)
    frame = simulated(venue.client(lk.BybitLegacy).leverage())
    got = dict(zip(frame["symbol"], frame["leverage"], strict=True))
    from levkit.venues.bybit_legacy.sim import INVERSE

    shared = {s: venue.sim.leverage("bybit", s, "both") for s in venue.sim.symbols("bybit")}
    assert got == {**INVERSE, **shared}  # v2's inverse perpetuals, and the shared account
    assert got["LTCUSDT"] == 7.0 and got["XRPUSD"] == 10.0 and set(frame["side"]) == {"both"}
    # BTCUSD has a v5 inverse ladder in the snapshot (the docs example): the shared account's
    assert "BTCUSD" in shared and got["BTCUSD"] == shared["BTCUSD"]


def test_legacy_set_then_not_modified(venue):
    with_bybit_btcusd(venue.sim)
    client = venue.client(lk.BybitLegacy)
    first = simulated(client.set_leverage("BTCUSD", 20))
    assert first["changed"].tolist() == [True] and venue.lev("bybit", "BTCUSD") == (20.0, 20.0)
    again = simulated(client.set_leverage("BTCUSD", 20))
    assert again["changed"].tolist() == [False] and again.attrs["code"] == 34036
    assert venue.sim.count(V2_SAVE, code=34036) == 1
    # v5 sees what v2 set: one account
    assert venue.sim.leverage("bybit", "BTCUSD", "both") == 20.0


def test_legacy_refuses_usdt_perpetuals_before_sending(venue):
    """v2's /user/leverage is the inverse API: BTCUSDT is v5's (issue 22)."""
    client = venue.client(lk.BybitLegacy)
    for symbol in ("BTCUSDT", "BTC/USDT:USDT", "BTC"):
        with pytest.raises(lk.InvalidSymbolError, match="lk.Bybit|USDT perpetual"):
            client.set_leverage(symbol, 20)
    assert venue.sim.count(V2_SAVE) == 0 and venue.lev("bybit", "BTCUSDT") == (10.0, 10.0)


# -- BingX -----------------------------------------------------------------------------------


def test_bingx_reads_leverage_with_caps_and_margin_bands(venue):
    client = venue.client(lk.BingX)
    lev = simulated(client.leverage("BTCUSDT"))
    ladder = venue.sim.ladder("bingx", "BTC-USDT")
    assert lev["side"].tolist() == ["long", "short"] and lev["leverage"].tolist() == [10.0, 10.0]
    assert lev["max_position_value"].tolist() == [ladder.cap_at(10)] * 2
    assert lev["max_leverage"].tolist() == [ladder.top_leverage] * 2
    bands = simulated(client.margin_bands("BTC-USDT"))
    assert bands["maintenance_margin_rate"].notna().all() and bands["max_leverage"].isna().all()


def test_bingx_one_way_set_then_same_value_is_unchanged(venue):
    client = venue.client(lk.BingX)
    first = simulated(client.set_leverage("BTC-USDT", 20))
    assert first["changed"].tolist() == [True, True]
    assert (
        first["max_position_value"].tolist()
        == [venue.sim.ladder("bingx", "BTC-USDT").cap_at(20)] * 2
    )
    assert venue.lev("bingx", "BTC-USDT") == (20.0, 20.0)
    again = simulated(client.set_leverage("BTC-USDT", 20))
    assert again["changed"].tolist() == [False, False]
    assert [
        c.params["side"] for c in venue.sim.calls if c.path == BX_LEV and c.method == "POST"
    ] == [
        "BOTH",
        "BOTH",
    ]


def test_bingx_hedge_sets_long_and_short_apart(venue):
    venue.sim.set_position_mode("bingx", True)
    client = venue.client(lk.BingX)
    simulated(client.set_leverage("BTC-USDT", 40, side="short"))
    assert venue.lev("bingx", "BTC-USDT") == (10.0, 40.0)
    both = simulated(client.set_leverage("BTC-USDT", 5))
    assert both["changed"].tolist() == [True, True] and venue.lev("bingx", "BTC-USDT") == (5.0, 5.0)


def test_bingx_discover_tiers_over_this_transport(venue):
    tiers = venue.client(lk.BingX).discover_tiers("BTC-USDT", progress=False)
    snap = lk.load_snapshot("bingx", "BTC-USDT")
    assert tiers.attrs["source"] == "probe" and tiers.attrs["calls"] <= 50
    assert tiers["max_leverage"].tolist() == snap["max_leverage"].tolist()
    assert tiers["max_notional"].tolist() == snap["max_notional"].tolist()
    assert venue.lev("bingx", "BTC-USDT") == (10.0, 10.0)


# -- dry runs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cls, symbol, path",
    [
        (lk.Bybit, "BTCUSDT", V5_SET),
        (lk.BybitLegacy, "BTCUSD", V2_SAVE),
        (lk.BingX, "BTC-USDT", BX_LEV),
    ],
    ids=["bybit", "legacy", "bingx"],
)
def test_dry_run_sends_no_set_leverage_and_changes_nothing(venue, cls, symbol, path):
    exchange = "bingx" if cls is lk.BingX else "bybit"
    with_bybit_btcusd(venue.sim)
    preview = venue.client(cls).set_leverage(symbol, 33, dry_run=True)
    assert isinstance(preview, RequestPreview) and preview.method == "POST"
    assert DEMO_SECRET not in repr(preview) and path in preview.url
    assert venue.sim.count(path, method="POST") == 0
    assert venue.lev(exchange, symbol) == (10.0, 10.0)


# -- credentials and timestamps ---------------------------------------------------------------

CLIENTS = {
    "bybit": (lk.Bybit, lambda c: c.leverage("BTCUSDT"), V5_TIME),
    "legacy": (lk.BybitLegacy, lambda c: c.leverage(), V5_TIME),
    "bingx": (lk.BingX, lambda c: c.leverage("BTC-USDT"), BX_TIME),
}
#: the code each API answers for (wrong secret, unknown key)
AUTH_CODES = {"bybit": (10004, 10003), "legacy": (10004, 10003), "bingx": (100001, 100413)}


@pytest.mark.parametrize("api", sorted(CLIENTS))
@pytest.mark.parametrize("wrong", ["secret", "key"])
def test_wrong_credentials_are_an_authentication_error(venue, api, wrong):
    cls, read, _ = CLIENTS[api]
    key, secret = (DEMO_KEY, WRONG_SECRET) if wrong == "secret" else (WRONG_KEY, DEMO_SECRET)
    with pytest.raises(lk.AuthenticationError) as info:
        read(venue.client(cls, key, secret))
    assert info.value.code == AUTH_CODES[api][0 if wrong == "secret" else 1]
    assert WRONG_SECRET not in str(info.value) and DEMO_SECRET not in str(info.value)


@pytest.mark.parametrize("api", sorted(CLIENTS))
def test_wrong_secret_on_set_leverage_changes_nothing(venue, api):
    cls, _, _ = CLIENTS[api]
    with_bybit_btcusd(venue.sim)
    symbol = {"bingx": "BTC-USDT", "legacy": "BTCUSD"}.get(api, "BTCUSDT")
    with pytest.raises(lk.AuthenticationError):
        venue.client(cls, DEMO_KEY, WRONG_SECRET).set_leverage(symbol, 3)
    assert venue.lev("bingx" if api == "bingx" else "bybit", symbol) == (10.0, 10.0)


@pytest.mark.parametrize("api", sorted(CLIENTS))
@pytest.mark.parametrize("offset", [-120.0, 90.0], ids=["client-behind", "client-ahead"])
def test_a_skewed_client_clock_is_recovered_with_one_sync(venue, api, offset):
    cls, read, time_path = CLIENTS[api]
    client = venue.client(cls, clock=lambda: venue.clock() + offset)
    simulated(read(client))
    simulated(read(client))  # the learnt offset is kept: no second sync
    assert venue.sim.count(time_path) == 1
    assert abs(client.transport.offset_ms + offset * 1000) < 1000


@pytest.mark.parametrize("api", sorted(CLIENTS))
def test_server_skew_that_a_sync_cannot_fix_is_an_authentication_error(venue, api):
    cls, read, time_path = CLIENTS[api]
    # the private endpoints see a clock 10 minutes ahead; the server-time endpoint does not
    path = "/openApi/swap/v2/trade/*" if api == "bingx" else "/v5/position/*"
    if api == "legacy":
        path = "/user/*"
    venue.sim.inject("skew", path=path, seconds=600, times=None)
    with pytest.raises(lk.AuthenticationError, match="even after syncing"):
        read(venue.client(cls))
    assert venue.sim.count(time_path) == 1


# -- a position mode changed behind the client's back ---------------------------------------


def test_bingx_mode_switched_to_hedge_after_it_was_cached(venue):
    client = venue.client(lk.BingX)
    assert client.position_mode() == "one-way"
    venue.sim.set_position_mode("bingx", True)
    out = client.set_leverage("BTC-USDT", 15)  # BOTH refused: the mode is read again, retried
    assert out["changed"].tolist() == [True, True]
    assert venue.lev("bingx", "BTC-USDT") == (15.0, 15.0)
    assert client.position_mode() == "hedge"


def test_bingx_mode_switched_to_one_way_after_it_was_cached(venue):
    venue.sim.set_position_mode("bingx", True)
    client = venue.client(lk.BingX)
    simulated(client.set_leverage("BTC-USDT", 12, side="long"))
    venue.sim.set_position_mode("bingx", False)
    venue.sim.set_leverage("bingx", "BTC-USDT", 10)
    # LONG under the cached hedge mode is refused; levkit reads the mode again (one-way now)
    # and refuses a single side before sending anything more
    with pytest.raises(lk.PositionModeError, match="one-way mode"):
        client.set_leverage("BTC-USDT", 8, side="long")
    assert venue.lev("bingx", "BTC-USDT") == (10.0, 10.0)
    simulated(client.set_leverage("BTC-USDT", 8))
    assert venue.lev("bingx", "BTC-USDT") == (8.0, 8.0)


def test_discover_tiers_reads_the_mode_afresh(venue):
    client = venue.client(lk.BingX)
    assert client.position_mode() == "one-way"
    venue.sim.set_position_mode("bingx", True)
    tiers = client.discover_tiers("BTC-USDT", min_leverage=90, progress=False)
    assert tiers.attrs["position_mode"] == "hedge"
    posts = [c.params["side"] for c in venue.sim.calls if c.path == BX_LEV and c.method == "POST"]
    assert set(posts) == {"LONG"} and venue.lev("bingx", "BTC-USDT") == (10.0, 10.0)
