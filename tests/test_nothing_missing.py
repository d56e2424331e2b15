"""Nothing hidden in many-venue fetches (issue 23, bullet 3; issue 20, bullet 6): one
symbol's failure never stops a venue's others, every (venue, symbol) without a ladder is
named, venues and pairs are counted apart, and paging that ends short or repeats warns.

Payloads are the shapes of the venues' docs (Gate API v4 ``risk_limit_tiers``; OKX v5
``instruments``, ``mark-price``, ``position-tiers``), served by ``responses``.
"""

from __future__ import annotations

import json
import re
import warnings
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

import levkit as lk
from levkit.fetch.many import FetchWarning

GATE = "https://api.gateio.ws/api/v4/futures/usdt/risk_limit_tiers"
OKX = "https://www.okx.com/api/v5/public"


def gate_rows(contract=None, caps=("1000000", "5000000"), levs=("125", "1")):
    rows = [{"tier": i + 1, "risk_limit": c, "initial_rate": "0.008", "maintenance_rate": "0.004",
             "leverage_max": x, "deduction": "0"} for i, (c, x) in enumerate(zip(caps, levs, strict=True))]  # fmt: skip
    return [{**r, "contract": contract} for r in rows] if contract else rows


def serve_gate(answers):
    """Gate's one-contract answers: ``answers[contract]`` (a list, maybe empty)."""

    def reply(request):
        contract = parse_qs(urlsplit(request.url).query)["contract"][0]
        return 200, {}, json.dumps(answers[contract])

    responses.add_callback(responses.GET, GATE, callback=reply)


def fetch(*args, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = lk.fetch_risk_limits(*args, progress=False, **kw)
    return t, [str(w.message) for w in caught if issubclass(w.category, FetchWarning)]


def clients(**made):
    return {name: cls(progress=False) for name, cls in made.items()}


@responses.activate
def test_an_empty_gate_answer_for_one_symbol_does_not_stop_the_others():
    serve_gate({"ETH_USDT": [], "BTC_USDT": gate_rows(), "SOL_USDT": gate_rows()})
    t, warned = fetch(["gate"], ["ETH", "BTC", "SOL"], clients=clients(gate=lk.Gate))
    assert sorted(t["symbol"].unique()) == ["BTC_USDT", "SOL_USDT"]  # asked after ETH failed
    assert len(responses.calls) == 3
    assert [m[:2] for m in t.attrs["missing"]] == [("gate", "ETH_USDT")]
    assert "no risk-limit tiers for ETH_USDT" in t.attrs["errors"]["gate"]
    assert warned == [
        "fetch_risk_limits: 1 of 3 (venue, symbol) pairs have no ladder: gate ETH_USDT "
        "(Gate returned no risk-limit tiers for ETH_USDT)"
    ]


@responses.activate
def test_with_the_snapshot_fallback_what_it_lacks_is_still_named():
    # BTC fails and the shipped snapshot has it; ETH fails and it has not; SOL answers
    serve_gate({"ETH_USDT": [], "BTC_USDT": [], "SOL_USDT": gate_rows()})
    t, warned = fetch(["gate"], ["ETH", "BTC", "SOL"], clients=clients(gate=lk.Gate),
                      fallback="snapshot")  # fmt: skip
    origin = t.drop_duplicates("symbol").set_index("symbol")["origin"].to_dict()
    assert origin == {"BTC_USDT": "snapshot", "SOL_USDT": "api"}
    assert t.attrs["filled"] == [("gate", "BTC_USDT")]
    (ex, sym, why), *rest = t.attrs["missing"]
    assert not rest and (ex, sym) == ("gate", "ETH_USDT") and "not in the snapshot either" in why
    assert len(warned) == 1 and "gate ETH_USDT" in warned[0]
    assert "filled from the snapshot: gate BTC_USDT" in warned[0]


def okx_instrument(base, ct_val):
    return {"instId": f"{base}-USDT-SWAP", "instFamily": f"{base}-USDT", "uly": f"{base}-USDT",
            "instType": "SWAP", "ctMult": "1", "ctType": "linear", "ctVal": ct_val,
            "ctValCcy": base, "lever": "100", "settleCcy": "USDT", "state": "live"}  # fmt: skip


def okx_tiers(base):
    return [{"instFamily": f"{base}-USDT", "uly": f"{base}-USDT", "instId": "", "tier": "1",
             "minSz": "0", "maxSz": "500", "mmr": "0.004", "imr": "0.01", "maxLever": "100"},
            {"instFamily": f"{base}-USDT", "uly": f"{base}-USDT", "instId": "", "tier": "2",
             "minSz": "501", "maxSz": "5000", "mmr": "0.5", "imr": "1", "maxLever": "1"}]  # fmt: skip


def serve_okx(marks, bases=("BTC", "ETH")):
    def wrap(data):
        return json.dumps({"code": "0", "msg": "", "data": data})

    def reply(request):
        path, query = urlsplit(request.url).path, parse_qs(urlsplit(request.url).query)
        inst = query.get("instId", [None])[0]
        wanted = [b for b in bases if inst in (None, f"{b}-USDT-SWAP")]
        if path.endswith("/instruments"):
            return 200, {}, wrap([okx_instrument(b, "0.01") for b in wanted])
        if path.endswith("/mark-price"):
            return 200, {}, wrap([{"instType": "SWAP", "instId": f"{b}-USDT-SWAP",
                                   "markPx": marks[b], "ts": "1"} for b in wanted if b in marks])  # fmt: skip
        families = query["instFamily"][0].split(",")
        return 200, {}, wrap([r for f in families for r in okx_tiers(f.split("-")[0])])

    responses.add_callback(responses.GET, re.compile(OKX + r"/.*"), callback=reply)


@responses.activate
def test_pairs_that_fail_are_counted_apart_from_venues():
    # ETH fails on both venues, both return BTC: no venue failed, 2 of 4 pairs did
    serve_okx({"BTC": "80000"})
    serve_gate({"BTC_USDT": gate_rows(), "ETH_USDT": []})
    t, warned = fetch(["okx", "gate"], ["BTC", "ETH"], clients=clients(okx=lk.OKX, gate=lk.Gate))
    assert sorted(t["exchange"].unique()) == ["gate", "okx"]
    assert [m[:2] for m in t.attrs["missing"]] == [("okx", "ETH-USDT-SWAP"), ("gate", "ETH_USDT")]
    (text,) = warned
    assert "venues failed" not in text
    assert text.startswith("fetch_risk_limits: 2 of 4 (venue, symbol) pairs have no ladder: ")
    assert "okx ETH-USDT-SWAP (position-tiers: no mark price for ETH-USDT-SWAP)" in text


@responses.activate
def test_okx_instruments_without_a_mark_price_are_named_in_errors_and_missing():
    serve_okx({"BTC": "80000"})
    t, warned = fetch(["okx", "gate"], None, clients={"okx": lk.OKX(progress=False),
                                                     "gate": lk.Gate(base_url="http://127.0.0.1:9")},
                      max_retries=0)  # fmt: skip
    assert t["symbol"].unique().tolist() == ["BTC-USDT-SWAP"]
    assert "ETH-USDT-SWAP: no mark price" in t.attrs["errors"]["okx"]
    assert ("okx", "ETH-USDT-SWAP") in [m[:2] for m in t.attrs["missing"]]
    summary = [w for w in warned if w.startswith("fetch_risk_limits")]
    assert summary and "1 of 2 venues failed: gate" in summary[0]
    assert "okx ETH-USDT-SWAP (no mark price" in summary[0]
    assert any(w.startswith("okx: no mark price for ETH-USDT-SWAP") for w in warned)


def serve_gate_pages(pages):
    """``pages[offset]`` -> market names on that page (each with two tiers)."""

    def reply(request):
        q = parse_qs(urlsplit(request.url).query)
        names = pages.get(int(q["offset"][0]), [])
        return 200, {}, json.dumps([r for n in names for r in gate_rows(n)])

    responses.add_callback(responses.GET, GATE, callback=reply)


@responses.activate
def test_gate_paging_that_ends_short_in_the_middle_reads_on_and_warns():
    names = [f"M{i}_USDT" for i in range(7)]
    serve_gate_pages({0: names[:3], 3: names[3:4], 6: names[4:7]})  # a short middle page
    with pytest.warns(FetchWarning, match=r"gate: the page at offset 3 held 1 of 3 markets"):
        t = lk.Gate(progress=False).risk_limits(page_size=3)
    assert sorted(t["symbol"].unique()) == names[:5] + names[5:7]
    assert t.attrs["paging_notes"] and len(responses.calls) == 4  # 0, 3, 6, then empty 9


@responses.activate
def test_gate_paging_that_repeats_a_market_keeps_one_ladder_and_warns():
    names = [f"M{i}_USDT" for i in range(6)]
    # a listing added before M2 between pages: M2 comes again at the top of page 2
    serve_gate_pages({0: names[:3], 3: names[2:5], 6: names[5:6]})
    with pytest.warns(FetchWarning, match=r"gate: paging repeated M2_USDT"):
        t = lk.Gate(progress=False).risk_limits(page_size=3)
    assert sorted(t["symbol"].unique()) == names
    assert t.groupby("symbol").size().tolist() == [2] * 6  # no doubled ladder


@responses.activate
def test_gate_paging_of_a_whole_listing_says_nothing():
    names = [f"M{i}_USDT" for i in range(5)]
    serve_gate_pages({0: names[:3], 3: names[3:]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = lk.Gate(progress=False).risk_limits(page_size=3)
    assert sorted(t["symbol"].unique()) == names and "paging_notes" not in t.attrs
