"""The one client contract, over every venue in the registry (``lk.exchanges()``).

Adding a venue to ``levkit/venues/__init__.py`` adds it here: its declaration is checked
for coherence, and its client is driven on the simulator through the same calls (ladder,
leverage, set leverage, dry run, keyless calls, faults), with a canary secret that must
appear nowhere levkit writes.  Per-venue details live in ``tests/venues/``.
"""

from __future__ import annotations

import logging
import math
import pickle
import re
import secrets

import numpy as np
import pandas as pd
import pytest

import levkit as lk
from levkit.errors import ExchangeError
from levkit.sim import Simulator
from levkit.sim.testing import FakeClock
from levkit.venues import client_class, normalize_symbol, venue, venues
from levkit.wire import RequestPreview, RequestSequence

NAMES = [v.name for v in venues()]
pytestmark = pytest.mark.filterwarnings("ignore:lk.BybitLegacy calls:DeprecationWarning")
CANARY_SECRET = "CANARY-SECRET-" + secrets.token_hex(16)
CANARY_PASSPHRASE = "CANARY-PASS-" + secrets.token_hex(8)
CANARY_KEY = "CKEY" + secrets.token_hex(12)
TIER_COLUMNS = [
    "exchange",
    "symbol",
    "tier",
    "min_notional",
    "max_notional",
    "max_leverage",
    "maintenance_margin_rate",
    "initial_margin_rate",
    "mm_deduction",
]
LEVERAGE_COLUMNS = ["exchange", "symbol", "side", "leverage", "max_leverage", "max_position_value"]


# ----------------------------------------------------------------------------- helpers
@pytest.fixture
def sim_clock():
    return FakeClock()


@pytest.fixture
def sim(sim_clock):
    return Simulator(
        clock=sim_clock,
        sleep=sim_clock.sleep,
        keys={CANARY_KEY: CANARY_SECRET},
        passphrases={CANARY_KEY: CANARY_PASSPHRASE},
    )


#: Keyless venues name the account to read by a public id (Hyperliquid: a wallet address).
SIM_ACCOUNT_ID = "0x" + "ab" * 20


def make(name, sim, clock, *, keys=True, secret=CANARY_SECRET, **kw):
    v = venue(name)
    args = {v.account_id: SIM_ACCOUNT_ID} if v.account_id and keys else {}
    if keys and not v.account_id:  # a keyless venue takes no key at all
        args.update(api_key=CANARY_KEY, api_secret=secret)
        if v.passphrase:
            args["passphrase"] = CANARY_PASSPHRASE
    return client_class(name)(
        **args, session=sim.session(), clock=clock, sleep=clock.sleep, progress=False, **kw
    )


def example(name: str) -> str:
    return venue(name).symbol_example


def calls(sim) -> int:
    return len(sim.calls)


def leaks(text: str) -> bool:
    forms = {CANARY_SECRET, CANARY_PASSPHRASE}
    return any(f in text or f.split("-")[-1] in text for f in forms) or CANARY_KEY in text


def shown(obj) -> str:
    """Everything a user could see of ``obj``."""
    parts = [repr(obj), str(obj)]
    if isinstance(obj, pd.DataFrame):
        parts += [obj.to_string(), repr(obj.attrs)]
        parts.append(pickle.dumps(obj).decode("latin-1"))
    if isinstance(obj, BaseException):
        parts += [repr(getattr(obj, k, "")) for k in ("message", "endpoint", "args")]
    if isinstance(obj, (RequestPreview, RequestSequence)):
        parts.append(repr(obj.to_dict()))
    return "\n".join(parts)


# ----------------------------------------------------------------- the declarations
def test_the_registry_lists_the_fixed_columns():
    table = lk.exchanges()
    for col in ("name", "client", "public_ladder", "set_leverage", "hedge_mode", "leverage_step",
                "symbol_example"):  # fmt: skip
        assert col in table.columns
    assert list(table.index) == NAMES == list(table["name"])
    assert table["public_ladder"].dtype == bool and table["leverage_step"].dtype == float


@pytest.mark.parametrize("name", NAMES)
def test_a_declaration_is_coherent(name):
    v = venue(name)
    cls = client_class(name)
    assert cls.venue is v and cls.exchange == name and getattr(lk, cls.__name__) is cls
    assert v.hosts["mainnet"].startswith("https://")
    assert all(h.startswith("https://") for h in v.hosts.values())
    assert re.fullmatch(r"[A-Z][A-Z0-9]*", v.env_prefix)
    # every endpoint is answered by the venue's own simulator module
    assert v.sim and v.sim_prefixes
    for ep in v.endpoints.values():
        assert ep.method in ("GET", "POST") and ep.path.startswith("/")
        if ep.limit is not None:
            assert ep.limit.requests > 0 and ep.limit.per > 0
    for code, rule in v.errors.items():
        assert issubclass(rule.kind, ExchangeError), (code, rule)
    # the example is the venue's own spelling and passes unchanged
    assert normalize_symbol(v.symbol_example, name) == v.symbol_example
    assert v.capabilities.leverage_step > 0
    for alias in v.aliases:
        assert venue(alias) is v


@pytest.mark.parametrize("name", NAMES)
def test_unified_spellings_reach_the_example(name):
    v = venue(name)
    # (a suffix after "_" is no part of base or quote: BTCUSD_PERP is BTC/USD)
    native = v.symbol_example.split("_")[0]
    market = lk.symbols.parse_symbol(native, default_quote=v.symbols.default_quote)
    # a coin-margined venue's contracts settle in the base coin (ccxt: BTC/USD:BTC)
    settle = market.quote if v.liquidation_rule("linear") else market.base
    unified = f"{market.base}/{market.quote}:{settle}"
    assert normalize_symbol(unified, name) == v.symbol_example
    assert normalize_symbol(unified.lower(), name) == v.symbol_example


def test_sim_routes_never_overlap():
    prefixes = [(p, v.name) for v in venues() for p in v.sim_prefixes]
    for p, a in prefixes:
        for q, b in prefixes:
            if a != b:
                assert not p.startswith(q), f"{a} {p} is routed to {b} ({q})"


# ----------------------------------------------------------------- the contract
@pytest.mark.parametrize("name", NAMES)
def test_repr_names_the_simulator_and_hides_the_credentials(name, sim, sim_clock):
    client = make(name, sim, sim_clock)
    text = repr(client)
    assert "simulator" in text and not leaks(text)
    assert not client.is_live_mainnet and client.is_simulated


@pytest.mark.parametrize("name", NAMES)
def test_risk_limits_is_a_ladder_or_says_how_to_get_one(name, sim, sim_clock):
    v = venue(name)
    client = make(name, sim, sim_clock, keys=v.capabilities.public_ladder is False)
    sym = example(name)
    if not v.capabilities.ladder or (
        not v.capabilities.public_ladder and v.capabilities.discover_tiers
    ):
        with pytest.raises(lk.LevkitError) as info:
            client.risk_limits(sym)
        assert "load_snapshot" in str(info.value)
        return
    tiers = client.risk_limits(sym)
    assert list(tiers.columns[: len(TIER_COLUMNS)]) == TIER_COLUMNS
    assert (tiers["exchange"] == name).all() and (tiers["symbol"] == sym).all()
    assert tiers["max_leverage"].notna().all() and tiers["tier"].dtype == "int64"
    assert tiers["max_notional"].is_monotonic_increasing
    assert (
        tiers["min_notional"].iloc[1:].to_numpy() == tiers["max_notional"].iloc[:-1].to_numpy()
    ).all()
    assert tiers.attrs["source"] == "simulator"
    assert (
        lk.max_position_value(tiers, float(tiers["max_leverage"].min()))
        == tiers["max_notional"].max()
    )


@pytest.mark.parametrize("name", NAMES)
def test_a_private_call_without_keys_sends_nothing_and_says_what_to_set(name, sim, sim_clock):
    v = venue(name)
    client = make(name, sim, sim_clock, keys=False)
    before = calls(sim)
    with pytest.raises(lk.LevkitError) as info:
        client.leverage(example(name))
    assert f"{v.env_prefix}_" in str(info.value)
    if v.capabilities.set_leverage:
        with pytest.raises(lk.LevkitError):
            client.set_leverage(example(name), 2)
    assert calls(sim) == before


SETTABLE = [n for n in NAMES if venue(n).capabilities.set_leverage]


@pytest.mark.parametrize("name", NAMES)
def test_leverage_frame_has_the_one_schema(name, sim, sim_clock):
    client = make(name, sim, sim_clock)
    frame = client.leverage(example(name))
    assert list(frame.columns[: len(LEVERAGE_COLUMNS)]) == LEVERAGE_COLUMNS
    assert (frame["exchange"] == name).all()
    assert set(frame["side"]) <= {"both", "long", "short"}
    assert frame["leverage"].dtype == "float64" and (frame["leverage"] >= 1).all()
    assert not leaks(shown(frame))


@pytest.mark.parametrize("name", NAMES)
def test_set_leverage_dry_run_sends_nothing_and_hides_the_secret(name, sim, sim_clock):
    v = venue(name)
    client = make(name, sim, sim_clock)
    before = calls(sim)
    if not v.capabilities.set_leverage:
        # levkit cannot send it (Hyperliquid needs a wallet signature): either it says so
        # at once, or the preview says it cannot be sent; nothing goes out either way.
        try:
            preview = client.set_leverage(example(name), 2, dry_run=True)
        except lk.LevkitError as exc:
            assert not leaks(shown(exc))
        else:
            assert "not" in (preview.note or "") and not leaks(shown(preview))
        assert not any(c.method == "POST" and c.path != "/info" for c in sim.calls[before:])
        with pytest.raises(lk.LevkitError):
            client.set_leverage(example(name), 2)
        return
    posts = sum(1 for c in sim.calls if c.method == "POST")
    preview = client.set_leverage(example(name), 2, dry_run=True)
    assert isinstance(preview, (RequestPreview, RequestSequence))
    assert sum(1 for c in sim.calls if c.method == "POST") == posts
    assert not leaks(shown(preview))


@pytest.mark.parametrize("name", SETTABLE)
def test_set_then_set_again_reports_changed_then_unchanged(name, sim, sim_clock):
    client = make(name, sim, sim_clock)
    sym = example(name)
    first = client.set_leverage(sym, 3)
    assert first["changed"].any() and (first["exchange"] == name).all()
    assert np.allclose(first.loc[first["changed"], "leverage"], 3.0)
    again = client.set_leverage(sym, 3)
    assert not again["changed"].any()
    read = client.leverage(sym)
    assert np.allclose(read["leverage"], 3.0)


@pytest.mark.parametrize("name", SETTABLE)
def test_a_leverage_above_the_top_is_refused_before_sending(name, sim, sim_clock):
    client = make(name, sim, sim_clock)
    posts = sum(1 for c in sim.calls if c.method == "POST")
    for bad in (float("nan"), 0.5, 100_000, "x"):
        with pytest.raises(ValueError):
            client.set_leverage(example(name), bad)
    assert sum(1 for c in sim.calls if c.method == "POST") == posts


# ----------------------------------------------------------------- faults and secrets
FAULTS = [("status", {"status": 502}), ("drop", {}), ("malformed", {}), ("html", {"status": 503})]


@pytest.mark.parametrize("kind,params", FAULTS, ids=[f[0] for f in FAULTS])
@pytest.mark.parametrize("name", NAMES)
def test_a_passing_fault_on_a_read_is_retried(name, kind, params, sim, sim_clock):
    client = make(name, sim, sim_clock)
    sim.inject(kind, times=1, **params)
    frame = client.leverage(example(name))
    assert len(frame) and (frame["exchange"] == name).all()


@pytest.mark.parametrize("name", NAMES)
def test_a_fault_that_persists_is_a_levkit_error_in_bounded_calls(name, sim, sim_clock):
    client = make(name, sim, sim_clock, max_retries=2)
    sim.inject("status", status=502, times=None)
    before = calls(sim)
    with pytest.raises(lk.LevkitError) as info:
        client.leverage(example(name))
    assert calls(sim) - before <= 3 * 3  # at most 3 tries of each call made
    assert not leaks(shown(info.value))


@pytest.mark.parametrize("name", NAMES)
def test_the_canary_secret_is_nowhere(name, sim, sim_clock, caplog):
    v = venue(name)
    caplog.set_level(logging.DEBUG)
    seen = []
    client = make(name, sim, sim_clock)
    wrong = make(name, sim, sim_clock, secret="CANARY-WRONG-" + CANARY_SECRET[-8:], max_retries=0)
    for call in (
        lambda: client.leverage(example(name)),
        lambda: client.risk_limits(example(name)),
        lambda: client.set_leverage(example(name), 2, dry_run=True),
        lambda: client.set_leverage(example(name), 2),
        lambda: wrong.leverage(example(name)),
        lambda: wrong.set_leverage(example(name), 2),
    ):
        try:
            seen.append(call())
        except lk.LevkitError as exc:
            seen.append(exc)
    seen += [client, wrong]
    for obj in seen:
        assert not leaks(shown(obj)), (name, type(obj))
    assert not leaks(caplog.text)
    if v.passphrase:
        assert CANARY_PASSPHRASE not in repr(client.transport.credentials)


def test_nan_and_inf_symbols_are_not_symbols():
    for name in NAMES:
        for bad in (math.nan, None, 3):
            with pytest.raises(lk.LevkitError):
                normalize_symbol(bad, name)


@pytest.mark.parametrize("name", NAMES)
def test_positions_are_empty_when_flat_and_show_an_open_one(name, sim, sim_clock):
    from levkit.client import POSITION_COLUMNS

    client = make(name, sim, sim_clock)
    # a symbol the simulator holds a ladder for (v2's inverse BTCUSD has none: BTCUSDT then)
    sym = example(name) if example(name) in sim.symbols(name) else sim.symbols(name)[0]
    flat = client.positions(sym)
    assert list(flat.columns[: len(POSITION_COLUMNS)]) == POSITION_COLUMNS and flat.empty
    sim.open_position(name, sym, "long", 50_000)
    held = client.positions(sym)
    assert len(held) == 1 and (held["exchange"] == name).all()
    assert held["direction"].tolist() == ["long"]
    assert held["position_value"].iloc[0] == pytest.approx(50_000, rel=0.02)
    assert not leaks(shown(held))
