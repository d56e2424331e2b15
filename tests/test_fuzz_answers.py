"""Every venue's recorded answers, mutated (issue 23, item 4): whatever the exchange says,
a client read returns a frame with no bad number in it, or raises a
:class:`levkit.LevkitError`; never another exception.

The answers are in ``tests/answers/<venue>.json`` (doc examples and real recordings, each
with its source; ``tests/answers/README.md``).  The tests iterate over the registry
(``levkit.venues.venues()``): a ninth venue is fuzzed by adding its recorded answers, and
:func:`test_every_venue_has_recorded_answers_for_its_reads` fails until it has them.

A mutation picks one to three places anywhere in the answers (a number, a text, an object,
a list) and breaks them the way exchanges and proxies do: numbers negative, zero, NaN,
huge, 1e308, text, wrong types; keys missing; lists empty, reordered, shortened or with a
row twice; one symbol's rows given another's name.  No network: a tiny session serves
the answers by path.
"""

from __future__ import annotations

import copy
import json
import math
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict

from levkit.client import Client
from levkit.errors import LadderWarning, LevkitError
from levkit.sim import DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET
from levkit.sim.testing import FakeClock
from levkit.venues import client_class, venue, venues

from ._invariants import check_leverage_frame, check_positions_frame, check_tiers_frame

ANSWERS = Path(__file__).parent / "answers"

#: The reads of the client contract whose answers are fuzzed, and what each must return.
READS = ("risk_limits", "margin_bands", "leverage", "positions")

MUTATE = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: Leverage and position reads parse a small answer (leverage reads cost 60 ms each: they
#: fill caps from a ladder whose parse the ladder reads fuzz already): fewer examples.
EXAMPLES = {"leverage": 25, "positions": 25}


def recorded(name: str) -> list[dict]:
    path = ANSWERS / f"{name}.json"
    return json.loads(path.read_text())["reads"] if path.exists() else []


def needed_reads(name: str) -> set[str]:
    """The reads a venue's declaration promises: its ladder, its margin bands, leverage,
    and open positions where its client reads them."""
    caps = venue(name).capabilities
    need = {"leverage"}
    if client_class(name).positions is not Client.positions:
        need.add("positions")
    if caps.ladder and not caps.ladder_from:
        need.add("risk_limits")
    if caps.margin_bands:
        need.add("margin_bands")
    return need


CASES = [
    pytest.param(v.name, read, id=f"{v.name}-{read['call']}")
    for v in venues()
    for read in recorded(v.name)
]


# --------------------------------------------------------------------------- the session


class AnswerSession(requests.Session):
    """Serves each request the recorded answer of its method and path (Hyperliquid's
    ``POST /info``: and the body's ``type``); anything else is a 404."""

    def __init__(self, answers: list[dict]):
        super().__init__()
        self.answers = {self._key(a["method"], a["path"], a.get("type")): a for a in answers}
        self.unknown: list[str] = []

    @staticmethod
    def _key(method: str, path: str, kind: str | None) -> tuple:
        return (method.upper(), path, kind)

    def request(self, method, url, data=None, headers=None, timeout=None, **kwargs):
        path = urlsplit(url).path
        kind = None
        if data:
            try:
                kind = json.loads(data).get("type")
            except (ValueError, AttributeError):
                kind = None
        answer = self.answers.get(self._key(method, path, kind))
        resp = requests.Response()
        resp.url = url
        resp.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
        if answer is None:
            self.unknown.append(f"{method} {path} {kind or ''}".strip())
            resp.status_code, resp._content = 404, b'{"error": "not recorded"}'
        else:
            resp.status_code = 200
            resp._content = json.dumps(answer["body"], allow_nan=True).encode()
        return resp


def client_for(name: str, session: requests.Session):
    v = venue(name)
    clock = FakeClock()
    creds: dict[str, Any] = (
        {v.account_id: "0x" + "ab" * 20}
        if v.account_id
        else {"api_key": DEMO_KEY, "api_secret": DEMO_SECRET}
    )
    if v.passphrase:
        creds["passphrase"] = DEMO_PASSPHRASE
    return client_class(name)(
        **creds, session=session, max_retries=0, clock=clock, sleep=clock.sleep, progress=False
    )


def _event(what: str) -> None:
    if currently_in_test_context():
        event(what)


def read_answers(name: str, read: dict, answers: list[dict]):
    """The read's frame (checked) or None when it raised a LevkitError; any other
    exception propagates and fails the test."""
    session = AnswerSession(answers)
    client = client_for(name, session)
    call = getattr(client, read["call"])
    args = () if read["symbol"] is None else (read["symbol"],)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LadderWarning)
        try:
            frame = call(*args)
        except LevkitError as exc:
            _event(type(exc).__name__)
            return None, session
    _event("answered")
    if read["call"] == "leverage":
        check_leverage_frame(frame)
    elif read["call"] == "positions":
        check_positions_frame(frame)
    else:
        check_tiers_frame(frame, need_leverage=read["call"] == "risk_limits")
        dropped = frame.attrs.get("dropped", {})
        if dropped:
            _event("dropped a ladder")
            said = " ".join(str(w.message) for w in caught if issubclass(w.category, LadderWarning))
            assert all(symbol in said for symbol in dropped), "a dropped ladder was not named"
            assert not set(dropped) & set(frame["symbol"]), "a dropped ladder is in the frame"
    return frame, session


# --------------------------------------------------------------------------- mutations


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    """Every place in a JSON tree, the root included."""
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*path, i))
    return out


def _get(node: Any, path: tuple) -> Any:
    for step in path:
        node = node[step]
    return node


def _set(root: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    _get(root, path[:-1])[path[-1]] = value
    return root


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


BROKEN_NUMBERS = [0, "0", -1, "-1", "", None, "NaN", "nan", "inf", "-Infinity", "1e400",
                  1e308, "1e308", -1e308, 10**400, "abc", True, False, [], {}, [1], 1e-300]  # fmt: skip


def _number_mutations(x: float, spelled_as_text: bool) -> st.SearchStrategy:
    variants = [-x, x * 1e6, x / 1e6, x + 0.5, round(x) + 1, str(x) if not spelled_as_text else x]
    return st.sampled_from(BROKEN_NUMBERS + variants)


def _mutations(value: Any, texts: list[str]) -> st.SearchStrategy:
    """What one place may become."""
    if isinstance(value, dict):
        options: list[st.SearchStrategy] = [st.sampled_from([[], None, "x", 0])]
        if value:
            keys = list(value)
            options.append(
                st.sampled_from(keys).map(lambda k: {x: value[x] for x in keys if x != k})
            )
        options.append(st.just({**value, "unexpected": [1, {"a": None}]}))
        return st.one_of(options)
    if isinstance(value, list):
        options = [st.sampled_from([{}, None, "x"]), st.just([]), st.just(value[::-1])]
        if value:
            options += [
                st.permutations(value).map(list),
                st.integers(0, len(value) - 1).map(lambda i: value[:i] + value[i + 1 :]),
                st.integers(0, len(value) - 1).map(lambda i: value[: i + 1] + value[i:]),
                st.just(value[:1]),
            ]
        return st.one_of(options)
    number = _as_number(value)
    if number is not None:
        return _number_mutations(number, isinstance(value, str))
    if isinstance(value, str):
        return st.sampled_from([*texts, "", " ", value.lower(), value + "X", None, 5, ["x"]])
    return st.sampled_from([None, 0, 1, "", "true", [], {}])


@st.composite
def mutated(draw, answers: list[dict]) -> list[dict]:
    answers = copy.deepcopy(answers)
    texts = sorted(
        {
            _get(a["body"], p)
            for a in answers
            for p in _paths(a["body"])
            if isinstance(_get(a["body"], p), str) and _as_number(_get(a["body"], p)) is None
        }
    )[:40]
    for _ in range(draw(st.integers(1, 3))):
        answer = draw(st.sampled_from(answers))
        path = draw(st.sampled_from(_paths(answer["body"])))
        # a copy: the strategies hand out shared objects ([], {}), later steps may edit it
        new = copy.deepcopy(draw(_mutations(_get(answer["body"], path), texts)))
        answer["body"] = _set(answer["body"], path, new)
    return answers


# --------------------------------------------------------------------------- tests


def test_every_venue_has_recorded_answers_for_its_reads():
    """A venue added to the registry is fuzzed only once its answers are recorded here."""
    missing = {
        v.name: sorted(needed_reads(v.name) - {r["call"] for r in recorded(v.name)})
        for v in venues()
    }
    assert not {k: m for k, m in missing.items() if m}, f"record answers in {ANSWERS}"


@pytest.mark.parametrize(("name", "read"), CASES)
def test_recorded_answers_give_the_frame(name, read):
    """The answers as recorded read into a valid frame, and every request was answered."""
    frame, session = read_answers(name, read, read["answers"])
    assert frame is not None, f"{name}.{read['call']} refused its recorded answers"
    assert not session.unknown, f"requests without a recorded answer: {session.unknown}"
    assert not frame.attrs.get("dropped"), "a recorded ladder was dropped"
    assert len(frame) > 0, "the recorded answers read as nothing"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize(("name", "read"), CASES)
def test_mutated_answers_give_a_valid_frame_or_a_levkit_error(name, read):
    @settings(MUTATE, max_examples=EXAMPLES.get(read["call"], MUTATE.max_examples))
    @given(mutated(read["answers"]))
    def run(answers):
        read_answers(name, read, answers)

    run()
