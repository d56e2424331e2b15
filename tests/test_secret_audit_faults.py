"""Secret audit over the whole registry and every fault kind (issue 23, item 1).

Every venue of ``levkit.venues.venues()`` runs its public calls (``risk_limits``,
``leverage``, ``positions``, ``set_leverage`` with and without ``dry_run``) against a
loopback simulator holding canary credentials (key, secret and, on OKX and Bitget, a
passphrase), first cleanly and then under each fault kind of :data:`FAULTS` on every
path, and again on the set-leverage path alone; then with a wrong secret and a wrong
passphrase.  Every outcome must be a value or a :class:`~levkit.LevkitError` (never a
``KeyError``, a pandas error...), and the audit (:mod:`tests._audit`) reads every face
of it: reprs, strs, frames, previews, the exception chain (suppressed contexts too), the
``request``/``response`` of ``requests`` exceptions, the locals of every frame of the
traceback (``capture_locals=True``), the objects an error keeps alive, and the DEBUG log
of levkit, urllib3 and the root logger.  No secret or passphrase may appear in any form,
nor more than 4 characters of the key.

Hyperliquid holds no secret (no API key: reads by address); it runs the same faults, so
its errors are checked to be levkit's, and its texts are searched like the others.
"""

from __future__ import annotations

import logging
import time
import traceback

import pandas as pd
import pytest

import levkit as lk
from levkit.http.wire import RequestPreview, RequestSequence
from levkit.sim import Simulator
from levkit.sim.testing import FakeClock
from levkit.venues import client_class, venue, venues

from ._audit import (
    CANARY_KEY,
    CANARY_PASSPHRASE,
    CANARY_SECRET,
    PLAIN,
    WRONG_PASSPHRASE,
    WRONG_SECRET,
    Audit,
    attempt,
    faulty,
)

ADDRESS = "0x" + "c0" * 20
TIMEOUT = 0.1  # client timeout (real seconds) for the latency fault
#: Every fault kind, as ``sim.inject`` arguments (HTTP errors, rate limits, connections
#: dropped before or after processing, timeouts, malformed, HTML and cut-off answers,
#: a server clock no sync can fix).
FAULTS: dict[str, dict] = {
    "http-500": {"kind": "status", "status": 500},
    "http-502": {"kind": "status", "status": 502},
    "http-503": {"kind": "status", "status": 503},
    "http-429": {"kind": "status", "status": 429},
    "http-418": {"kind": "status", "status": 418},
    "http-403": {"kind": "status", "status": 403},
    "rate-limit": {"kind": "rate_limit", "retry_after": 1.0},
    "drop": {"kind": "drop"},
    "drop-after": {"kind": "drop_after"},
    "timeout": {"kind": "latency", "seconds": 30.0},
    "malformed": {"kind": "malformed"},
    "html": {"kind": "html"},
    "partial": {"kind": "partial"},
    "skew": {"kind": "skew", "seconds": 120.0},
}
#: Calls that meet the (really waited) timeout fault: two are enough to cover it.
TIMED = ("leverage", "set")
NAMES = [v.name for v in venues()]


def _client(name: str, url: str, clock: FakeClock, **kw):
    v = venue(name)
    options = {
        "base_url": url,
        "clock": clock,
        "sleep": clock.sleep,
        "timeout": TIMEOUT,
        "max_retries": 1,
        "progress": False,
    }
    if v.account_id:  # Hyperliquid: no key, an address
        return client_class(name)(address=ADDRESS, **options)
    if v.passphrase:
        options["passphrase"] = kw.pop("passphrase", CANARY_PASSPHRASE)
    secret = kw.pop("secret", CANARY_SECRET)
    return client_class(name)(CANARY_KEY, secret, **options)


def _calls(client, name: str) -> dict:
    sym = venue(name).symbol_example
    return {
        "risk_limits": lambda: client.risk_limits(sym),
        "leverage": lambda: client.leverage(sym),
        "positions": lambda: client.positions(sym),
        "dry run": lambda: client.set_leverage(sym, 5, dry_run=True),
        "set": lambda: client.set_leverage(sym, 5),
    }


def _set_path(name: str) -> str | None:
    """The set-leverage path as a glob (Gate's holds the contract), or None where levkit
    sends none (Hyperliquid)."""
    v = venue(name)
    if v.account_id or "set_leverage" not in v.endpoints:
        return None
    return v.endpoints["set_leverage"].path.replace("{contract}", "*")


def _outcome_ok(where: str, out) -> None:
    """A value levkit returns, or one of its own errors: nothing else may escape."""
    if isinstance(out, BaseException):
        assert isinstance(out, lk.LevkitError), f"{where}: {type(out).__name__}: {out}"
    else:
        assert isinstance(out, pd.DataFrame | RequestPreview | RequestSequence | dict | str)


def _capped_sleep(seconds: float) -> None:
    """How the simulator's server thread waits for a latency fault: a little beyond the
    client's timeout, never the 30 s asked."""
    time.sleep(min(float(seconds), TIMEOUT + 0.1))


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("levkit", "urllib3", "urllib3.connectionpool"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::levkit.errors.LadderWarning")
@pytest.mark.parametrize("name", NAMES)
def test_every_fault_on_every_venue_keeps_the_secret(name, debug_logs, record_property):
    clock = FakeClock()
    sim = Simulator(
        keys={CANARY_KEY: CANARY_SECRET},
        passphrases={CANARY_KEY: CANARY_PASSPHRASE},
        clock=clock,
        sleep=_capped_sleep,
        rate_limits=False,
    )
    audit = Audit()
    outcomes = 0
    with sim.serve() as url:
        client = _client(name, url, clock)
        audit.obj("client", client)
        audit.text("transport", vars(client.transport))
        for call, fn in _calls(client, name).items():  # clean
            _outcome_ok(call, attempt(audit, f"clean {call}", fn))
            outcomes += 1
        for fault, params in FAULTS.items():
            params = dict(params)
            kind = params.pop("kind")
            set_path = _set_path(name)
            for path in [None, *([set_path] if set_path and fault != "skew" else [])]:
                # (a skew on one path is covered by the skew on every path)
                calls = _calls(_client(name, url, clock), name)  # empty caches
                for call, fn in calls.items():
                    if (fault == "timeout" and call not in TIMED) or (path and call != "set"):
                        continue
                    out = faulty(audit, sim, kind, path, fn, **params)
                    _outcome_ok(f"{fault} {path} {call}", out)
                    outcomes += 1
                    clock.sleep(120.0)  # no rate-limit window carries over
        if not venue(name).account_id:
            wrong = {"secret": WRONG_SECRET}
            if venue(name).passphrase:
                wrong = {"passphrase": WRONG_PASSPHRASE}
            bad = _client(name, url, clock, **wrong)
            audit.obj("wrong client", bad)
            for call, fn in _calls(bad, name).items():
                out = attempt(audit, f"wrong credentials {call}", fn)
                _outcome_ok(call, out)
                outcomes += 1
    records = {r.name for r in debug_logs.records}
    assert {"levkit", "urllib3.connectionpool"} <= records  # DEBUG really was captured
    audit.check(debug_logs)
    faults_seen = {c.fault for c in sim.calls if c.fault}
    assert faults_seen >= {p["kind"] for p in FAULTS.values()}  # every kind really fired
    assert outcomes >= 5 + len(FAULTS) * 2 and audit.captured >= 10 * outcomes
    record_property("outcomes", outcomes)  # the figures of the closing note (--junitxml)
    record_property("texts_captured", audit.captured)
    record_property("fault_kinds", len(FAULTS))


# --------------------------------------------------------------------------- the case


@pytest.mark.parametrize("name", [v.name for v in venues() if v.passphrase])
@pytest.mark.parametrize("kind", ["drop", "latency", "partial"])
def test_a_dropped_or_timed_out_signed_call_chains_no_request(name, kind):
    """Issue 23: after a drop or a timeout, ``err.__context__.request.headers`` held the
    passphrase, the key and the live signature, and ``Prepared`` printed them."""
    clock = FakeClock()
    sim = Simulator(
        keys={CANARY_KEY: CANARY_SECRET},
        passphrases={CANARY_KEY: CANARY_PASSPHRASE},
        clock=clock,
        sleep=_capped_sleep,
    )
    with sim.serve() as url:
        client = _client(name, url, clock)
        sim.inject(kind, times=None, seconds=30.0)
        with pytest.raises(lk.TransportError) as info:
            client.leverage(venue(name).symbol_example)
    err = info.value
    assert err.__context__ is None and err.__cause__ is None
    assert not hasattr(err, "request") and not hasattr(err, "response")
    text = "".join(
        traceback.TracebackException(
            type(err), err, err.__traceback__, capture_locals=True
        ).format()
    )
    assert "Prepared(GET" in text  # the signed request is a local: shown masked
    assert all(secret not in text for secret in PLAIN) and CANARY_KEY not in text
    assert "<hidden>" in text and CANARY_KEY[:4] + "..." in text
    assert not Audit.reachable(err)


@pytest.mark.parametrize("name", [v.name for v in venues() if not v.account_id])
def test_a_prepared_request_shows_no_signature_or_passphrase(name):
    clock = FakeClock()
    client = _client(name, "https://example.com", clock)
    ep = next(e for role, e in venue(name).endpoints.items() if e.signed and e.method == "GET")
    prepared = client.transport.prepare("GET", ep.path, {"symbol": "X"}, signed=True)
    fields = [*prepared.headers.items(), *_query(prepared.url).items()]
    signed = [v for k, v in fields if "sign" in k.lower() and len(v) >= 16]  # not SIGN-TYPE
    assert signed, "the request is signed somewhere"
    for text in (repr(prepared), str(prepared), repr(prepared.headers), str(prepared.headers)):
        assert all(s not in text for s in signed)
        assert CANARY_PASSPHRASE not in text and CANARY_KEY not in text
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(prepared)


def _query(url: str) -> dict[str, str]:
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(url).query))
