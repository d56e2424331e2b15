"""The registry is complete: every registered venue has every part levkit needs.

:func:`missing_parts` lists what a venue lacks (its spec's liquidation and
maintenance-margin rules, hosts and the endpoints its capabilities need, a client class
with the contract methods, a dialect, a simulator module serving its prefixes, shipped
snapshot data, the lazy export and the ``TYPE_CHECKING`` import in ``levkit/__init__.py``,
a row in the README's venue table and in ``docs/adding-an-exchange.md``).  A test of the
test registers a fake ninth venue that has none of them and checks each is named.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import sys
import types
import warnings
from pathlib import Path

import pytest

import levkit as lk
import levkit.venues.registry as registry
from levkit.client import Client
from levkit.venues import (
    CONTRACT_KINDS,
    LiquidationRule,
    MarginRule,
    Venue,
    client_class,
    venue,
    venues,
)
from levkit.venues._spec import frozen_map

ROOT = Path(__file__).resolve().parents[1]
NAMES = [v.name for v in venues()]
CONTRACT = ("risk_limits", "margin_bands", "leverage", "set_leverage")
DIALECT = ("prepare", "check", "rate_limit", "retry_after", "server_time", "preview")


def type_checking_imports() -> dict[str, str]:
    """``{name: module}`` imported in ``levkit/__init__.py``'s ``if TYPE_CHECKING:`` block
    (module as written, relative: ``.venues.okx.client``)."""
    tree = ast.parse((ROOT / "levkit" / "__init__.py").read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
    )
    found = {}
    for node in block.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                found[alias.asname or alias.name] = "." * node.level + (node.module or "")
    return found


def _table_rows(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("|")]


def _spec_parts(v: Venue) -> list[str]:
    missing = []
    rules = dict(v.liquidation)
    if not rules:
        missing.append("liquidation rule (Venue.liquidation is empty)")
    for kind, rule in rules.items():
        if kind not in CONTRACT_KINDS or not isinstance(rule, LiquidationRule) or not rule.source:
            missing.append(f"liquidation rule for {kind!r} (a LiquidationRule with a source)")
    if not isinstance(v.maintenance, MarginRule) or not v.maintenance.source:
        missing.append("maintenance-margin rule (Venue.maintenance, a MarginRule with a source)")
    if not v.hosts.get("mainnet"):
        missing.append("mainnet host")
    caps = v.capabilities
    needs = {
        "ladder": caps.ladder and not caps.ladder_from,
        "set_leverage": caps.set_leverage,
        "margin_bands": caps.margin_bands,
    }
    missing += [
        f"{role!r} endpoint" for role, need in needs.items() if need and role not in v.endpoints
    ]
    return missing


def _client_parts(v: Venue, folder: str) -> list[str]:
    module, _, name = v.client.partition(":")
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        return [f"client class {v.client} ({exc})", "dialect (no client to build it)"]
    missing = []
    if not (isinstance(cls, type) and issubclass(cls, Client)) or cls.venue is not v:
        missing.append(f"client class {v.client} (a levkit.client.Client with venue = VENUE)")
    missing += [f"client method {m}" for m in CONTRACT if not callable(getattr(cls, m, None))]
    if v.capabilities.discover_tiers and not callable(getattr(cls, "discover_tiers", None)):
        missing.append("client method discover_tiers")
    if cls.__dict__.get("_dialect") is None and all(
        k.__dict__.get("_dialect") is None for k in cls.__mro__[1:] if k is not Client
    ):
        return [*missing, "dialect (the client defines no _dialect)"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # BybitLegacy's deprecation
        dialect = cls()._dialect()
    where = f"levkit.venues.{folder}.dialect"
    if type(dialect).__module__ != where or getattr(dialect, "exchange", None) != v.name:
        missing.append(f"dialect in {where} whose exchange is {v.name!r}")
    missing += [f"dialect method {m}" for m in DIALECT if not callable(getattr(dialect, m, None))]
    return missing


def _sim_parts(v: Venue) -> list[str]:
    from levkit.sim.core import _handlers

    try:
        module = importlib.import_module(v.sim)
    except (ImportError, ValueError) as exc:
        return [f"simulator module {v.sim!r} ({exc})"]
    missing = []
    if getattr(module, "EXCHANGE", None) != v.name:
        missing.append(f"simulator module {v.sim} with EXCHANGE = {v.name!r}")
    for fn in ("dispatch", "rate_limited"):
        if not callable(getattr(module, fn, None)):
            missing.append(f"simulator {fn} in {v.sim}")
    routes = dict(_handlers())
    if not v.sim_prefixes or any(routes.get(p) != v.sim for p in v.sim_prefixes):
        missing.append(f"simulator prefixes routed to {v.sim}")
    return missing


def _data_parts(v: Venue) -> list[str]:
    from levkit.snapshot._files import data_dir

    if v.capabilities.ladder_from:  # its ladder is another venue's (bybit-legacy: bybit's)
        return [] if venue(v.capabilities.ladder_from).name in NAMES else ["ladder_from venue"]
    folder = data_dir() / v.name
    files = [folder / f for f in ("tiers.csv", "margin_bands.csv") if (folder / f).is_file()]
    if not files:
        return [f"snapshot data (data/{v.name}/tiers.csv)"]
    if not any(f"\n{v.name}," in f.read_text(encoding="utf-8") for f in files):
        return [f"snapshot rows of {v.name} in data/{v.name}/"]
    return []


def _export_parts(v: Venue, folder: str) -> list[str]:
    module, _, name = v.client.partition(":")
    missing = []
    try:
        exported = name in lk.__dir__() and getattr(lk, name) is client_class(v.name)
    except Exception:  # noqa: BLE001 - any failure to import it is a missing export
        exported = False
    if not exported:
        missing.append(f"lazy export lk.{name}")
    if type_checking_imports().get(name) != f".venues.{folder}.client":
        missing.append(f"TYPE_CHECKING import of {name} from .venues.{folder}.client")
    return missing


def _doc_parts(v: Venue) -> list[str]:
    cls = v.client.rpartition(":")[2]
    missing = []
    if not any(r.startswith(f"| `{v.name}` | `lk.{cls}`") for r in _table_rows(ROOT / "README.md")):
        missing.append(f"README venue table row | `{v.name}` | `lk.{cls}` ...")
    doc = ROOT / "docs" / "adding-an-exchange.md"
    if not any(r.startswith(f"| `{v.name}` |") for r in _table_rows(doc)):
        missing.append(f"docs/adding-an-exchange.md venue table row | `{v.name}` | ...")
    return missing


def missing_parts(name: str) -> list[str]:
    """What the registered venue ``name`` lacks (empty when complete)."""
    v = venue(name)
    folder = registry.NAMES[v.name]
    return [
        *_spec_parts(v),
        *_client_parts(v, folder),
        *_sim_parts(v),
        *_data_parts(v),
        *_export_parts(v, folder),
        *_doc_parts(v),
    ]


# -- the registry ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_a_registered_venue_has_every_part(name):
    assert missing_parts(name) == []


def test_the_type_checking_block_names_every_lazy_name_and_every_client():
    from levkit import _LAZY, _client_names

    found = type_checking_imports()
    want = {n: "." + m.removeprefix("levkit.") for n, m in _LAZY.items()}
    for v in venues():
        want[v.client.rpartition(":")[2]] = "." + v.client.partition(":")[0].removeprefix("levkit.")
    assert {n: found.get(n) for n in want} == want
    assert set(found) == set(want)  # nothing imported there that is not exported
    assert set(_client_names()) <= set(found)


def test_client_arguments_come_from_the_signatures():
    from levkit.api import client_arguments

    assert "address" in client_arguments("hyperliquid")
    assert "address" not in client_arguments("bybit")
    assert {"session", "base_url", "testnet", "passphrase", "timeout"} <= client_arguments("okx")
    assert client_arguments() == frozenset().union(*(client_arguments(n) for n in NAMES))
    with pytest.raises(TypeError, match="address"):
        lk.fetch_risk_limits("bybit", "BTCUSDT", address="0x" + "ab" * 20)


# -- a test of the test: a ninth venue with none of the parts -------------------------------


@pytest.fixture
def ninth_venue(monkeypatch):
    """Register ``fakex`` (a copy of Bybit's declaration with its own names and no rules,
    client, dialect, simulator, data, export or docs) for the length of a test."""
    fake = dataclasses.replace(
        venue("bybit"),
        name="fakex",
        aliases=(),
        client="levkit.venues.fakex.client:FakeX",
        sim="levkit.venues.fakex.sim",
        sim_prefixes=("/fakex/",),
        liquidation=frozen_map(),
        maintenance=None,
    )
    package = types.ModuleType("levkit.venues.fakex")
    package.__path__ = []
    spec = types.ModuleType("levkit.venues.fakex.spec")
    spec.VENUE = fake
    monkeypatch.setitem(sys.modules, "levkit.venues.fakex", package)
    monkeypatch.setitem(sys.modules, "levkit.venues.fakex.spec", spec)
    monkeypatch.setitem(registry.NAMES, "fakex", "fakex")
    registry._load.cache_clear()
    registry._aliases.cache_clear()
    yield fake
    monkeypatch.undo()
    registry._load.cache_clear()
    registry._aliases.cache_clear()


def test_the_completeness_test_names_every_part_a_ninth_venue_lacks(ninth_venue):
    assert "fakex" in lk.exchanges().index  # registered for real
    missing = " | ".join(missing_parts("fakex"))
    for part in (
        "liquidation rule",
        "maintenance-margin rule",
        "client class levkit.venues.fakex.client:FakeX",
        "dialect",
        "simulator module 'levkit.venues.fakex.sim'",
        "snapshot data (data/fakex/tiers.csv)",
        "lazy export lk.FakeX",
        "TYPE_CHECKING import of FakeX",
        "README venue table row",
        "docs/adding-an-exchange.md venue table row",
    ):
        assert part in missing, part
    # and a venue that has them all is not flagged for any
    assert missing_parts("bybit") == []


def test_a_liquidation_rule_for_an_unknown_kind_or_without_a_source_is_flagged():
    v = dataclasses.replace(
        venue("gate"), liquidation=frozen_map({"quanto": LiquidationRule("ignored", "entry")})
    )
    assert _spec_parts(v) == ["liquidation rule for 'quanto' (a LiquidationRule with a source)"]
    bare = dataclasses.replace(venue("gate"), maintenance=MarginRule("published"))
    assert _spec_parts(bare) == [
        "maintenance-margin rule (Venue.maintenance, a MarginRule with a source)"
    ]
