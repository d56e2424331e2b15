"""Every answer a venue can send ends in a value or a :class:`~levkit.LevkitError`
(issue 20, item 6): the error paths of every venue of the registry, fuzzed.

Each public call (``risk_limits``, ``leverage``, ``positions``, ``set_leverage``) meets
arbitrary answers on every request it makes, retries and clock syncs included: any status
from 100 to 599 (and the ones exchanges use), absurd ``Retry-After`` and rate-limit reset
headers of every venue (``inf``, ``nan``, negative, ``1e400``, twenty-digit numbers,
HTTP dates, text), and error-shaped bodies built from the venue's own error table, its
clock-skew codes and random codes, or no JSON at all.  A Binance 418 with a
``Retry-After`` beyond pandas' dates escaped as ``OutOfBoundsDatetime`` before 0.3.

The answers come from an in-process fake session (no network); backoff sleeps on a fake
clock.  A read's error never says a POST may have been applied (Hyperliquid's ``/info``
is a POST that reads).
"""

from __future__ import annotations

import json
import string

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict

from levkit.errors import LevkitError, TransportError
from levkit.sim.testing import FakeClock
from levkit.venues import client_class, venue, venues

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Every venue's rate-limit and reset headers (from its dialect notes), and the standard one.
RATE_HEADERS = [
    "Retry-After",
    "X-Bapi-Limit",
    "X-Bapi-Limit-Status",
    "X-Bapi-Limit-Reset-Timestamp",
    "X-RateLimit-Requests-Remain",
    "X-RateLimit-Requests-Expire",
    "X-MBX-USED-WEIGHT-1M",
    "X-MBX-ORDER-COUNT-1M",
    "X-Gate-RateLimit-Limit",
    "X-Gate-RateLimit-Requests-Remain",
    "X-Gate-RateLimit-Reset-Timestamp",
]
ABSURD = st.one_of(
    st.sampled_from(
        [
            "0",
            "1",
            "60",
            "-1",
            "-1e9",
            "inf",
            "-inf",
            "nan",
            "1e400",
            "1e12",
            "1e300",
            "9" * 20,
            "9" * 400,
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "soon",
            "",
            " ",
            "0x10",
            "1_000",
            "١٢",
            "1e-400",
            "4102444800000",
            "99999999999999",
        ]
    ),  # fmt: skip
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet=string.printable, max_size=12),
)
STATUSES = st.one_of(
    st.sampled_from([200, 200, 400, 401, 403, 404, 408, 409, 418, 429, 500, 502, 503, 504]),
    st.integers(min_value=100, max_value=599),
)
#: Field names of every venue's envelope and error answer.
FIELDS = ["code", "msg", "retCode", "retMsg", "ret_code", "ret_msg", "label", "message",
          "data", "result", "error", "status", "success", "time", "timestamp"]  # fmt: skip


def error_codes(name: str) -> st.SearchStrategy:
    """The venue's own error codes and skew codes, as numbers and as text, and others."""
    v = venue(name)
    known = [*v.errors, *_skew_codes(name), 0, "0", 429, -1003, -1021, "TOO_MANY_REQUESTS"]
    return st.one_of(
        st.sampled_from(known),
        st.sampled_from(known).map(str),
        st.integers(min_value=-(10**12), max_value=10**12),
        st.text(max_size=8),
        st.none(),
        st.floats(allow_nan=True, allow_infinity=True),
    )


def _skew_codes(name: str) -> list:
    """The codes the venue's dialect answers with a clock sync (from a keyless client)."""
    return list(client_class(name)().transport.dialect.skew_codes)


def bodies(name: str) -> st.SearchStrategy:
    leaf = st.one_of(
        error_codes(name),
        st.text(max_size=20),
        st.booleans(),
        st.lists(st.integers(), max_size=2),
    )
    error = st.dictionaries(st.sampled_from(FIELDS), leaf, max_size=5)
    shaped = st.one_of(error, st.lists(error, max_size=2))
    return st.one_of(
        shaped.map(lambda p: json.dumps(p, allow_nan=True).encode()),
        st.binary(max_size=30),
        st.sampled_from([b"", b"<html>418 I'm a teapot</html>", b"{", b"null", b"[]", b"0"]),
    )


def replies(name: str) -> st.SearchStrategy:
    headers = st.dictionaries(st.sampled_from(RATE_HEADERS), ABSURD, max_size=4)
    return st.lists(st.tuples(STATUSES, headers, bodies(name)), min_size=1, max_size=5)


class FakeSession(requests.Session):
    """Answers every request with the next of ``replies`` (the last one repeats)."""

    def __init__(self, replies):
        super().__init__()
        self.replies = list(replies)
        self.sent = 0

    def request(self, method, url, data=None, headers=None, timeout=None, **kwargs):
        status, head, body = self.replies[min(self.sent, len(self.replies) - 1)]
        self.sent += 1
        resp = requests.Response()
        resp.status_code = status
        resp.headers = CaseInsensitiveDict(head)
        resp._content = body
        resp.url = url
        return resp


def _client(name: str, session: FakeSession, clock: FakeClock):
    v = venue(name)
    if v.account_id:
        creds = {v.account_id: "0x" + "ab" * 20}
    else:
        creds = {"api_key": "test-key-0000", "api_secret": "test-secret-not-real"}
        if v.passphrase:
            creds["passphrase"] = "test-pass-not-real"
    return client_class(name)(
        **creds, session=session, max_retries=1, clock=clock, sleep=clock.sleep, progress=False
    )


CALLS = {
    "risk_limits": lambda c, s: c.risk_limits(s),
    "leverage": lambda c, s: c.leverage(s),
    "positions": lambda c, s: c.positions(s),
    "set_leverage": lambda c, s: c.set_leverage(s, 5),
}
READS = {"risk_limits", "leverage", "positions"}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::levkit.errors.LadderWarning")
@pytest.mark.parametrize("call", list(CALLS))
@pytest.mark.parametrize("name", [v.name for v in venues()])
def test_every_answer_ends_in_a_value_or_a_levkit_error(name, call):
    symbol = venue(name).symbol_example

    @FUZZ
    @given(replies(name))
    def run(answers):
        clock = FakeClock()
        client = _client(name, FakeSession(answers), clock)
        try:
            CALLS[call](client, symbol)
        except LevkitError as exc:
            assert str(exc)  # says something
            if call in READS and isinstance(exc, TransportError):
                assert "applied" not in str(exc), exc  # a read never speaks of a POST
        except Exception as exc:  # noqa: BLE001 - the finding: anything else escaped
            pytest.fail(f"{name}.{call}: {type(exc).__name__} escaped: {exc!r}")

    run()


@pytest.mark.parametrize("retry_after", ["1e12", "9" * 20, "1e300", "4102444800000"])
def test_binance_ban_far_beyond_any_date_is_a_rate_limit_error(retry_after):
    """The case the fuzz found: HTTP 418 with a Retry-After pandas cannot date."""
    from levkit.errors import RateLimitError

    session = FakeSession([(418, {"Retry-After": retry_after}, b'{"code":-1003,"msg":"ban"}')])
    client = _client("binance", session, FakeClock())
    with pytest.raises(RateLimitError, match="banned this IP") as info:
        client.risk_limits("BTCUSDT")
    assert info.value.retry_after == float(retry_after) and session.sent == 1
