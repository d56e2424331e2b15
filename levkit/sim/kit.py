"""Pieces every venue's ``sim.py`` shares: the logic is written once here and each venue
calls it with its own data (envelope fields, windows, error codes and messages).

What differs between venues stays in the venue folder: the order of the checks, the
codes and wording of each refusal, which parameters a call takes.  Nothing here names an
exchange.

>>> from levkit.sim.wire import Request
>>> answer = Envelope(("code", CODE), ("msg", MSG), ("data", DATA), code_text=True)
>>> answer(Request("GET", "/x"), [1]).body
b'{"code":"0","msg":"","data":[1]}'
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .wire import Reply, Request, json_reply

if TYPE_CHECKING:
    from .core import RateInfo, Simulator

Handler = Callable[["Simulator", Request, dict[str, Any]], Reply]

__all__ = [
    "CODE",
    "DATA",
    "MSG",
    "NOW",
    "Dispatch",
    "Envelope",
    "check_timestamp",
    "counted",
    "json_params",
    "page",
    "passphrase_problem",
    "split_signature",
    "verify_hmac",
]

T = TypeVar("T")

#: Roles of an :class:`Envelope`'s fields: the answer's code, message, payload and the
#: server time in epoch milliseconds.
CODE, MSG, DATA, NOW = "<code>", "<msg>", "<data>", "<now_ms>"


class Envelope:
    """A venue's JSON answer wrapper, as data; calling it builds a :class:`Reply`.

    Parameters
    ----------
    *fields : (name, role or constant)
        The envelope's fields in wire order: a role (:data:`CODE`, :data:`MSG`,
        :data:`DATA`, :data:`NOW`) or a constant value (``("retExtInfo", {})``).
    ok_code : int or str
        The code of an answer when none is given (Bitget's ``"00000"``).
    ok_msg : str
        The message of an answer when none is given.
    empty : callable or None
        What ``data=None`` is sent as (``dict``, ``list``); None sends ``null``.
    code_text : bool
        Send the code as text (``"0"``), as OKX and Bitget do.
    error_status : int
        The HTTP status of an answer whose code is not zero (when no status is given).

    Examples
    --------
    >>> from levkit.sim.wire import Request
    >>> answer = Envelope(("retCode", CODE), ("retMsg", MSG), ("result", DATA), ok_msg="OK")
    >>> reply = answer(Request("GET", "/x"), code=10001, msg="params error")
    >>> reply.status, reply.code, reply.json()
    (200, 10001, {'retCode': 10001, 'retMsg': 'params error', 'result': {}})
    """

    def __init__(
        self,
        *fields: tuple[str, Any],
        ok_code: int | str = 0,
        ok_msg: str = "",
        empty: Callable[[], Any] | None = dict,
        code_text: bool = False,
        error_status: int = 200,
    ) -> None:
        self.fields = fields
        self.ok_code = ok_code
        self.ok_msg = ok_msg
        self.empty = empty
        self.code_text = code_text
        self.error_status = error_status

    def __call__(
        self,
        req: Request,
        data: Any = None,
        code: int | str | None = None,
        msg: str | None = None,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        code = self.ok_code if code is None else code
        number = int(code)
        if data is None and self.empty is not None:
            data = self.empty()
        roles = {
            CODE: str(code) if self.code_text else code,
            MSG: self.ok_msg if msg is None else msg,
            DATA: data,
            NOW: req.now_ms,
        }
        body = {
            name: roles[role] if isinstance(role, str) and role in roles else role
            for name, role in self.fields
        }
        if status is None:
            status = 200 if number == 0 else self.error_status
        return json_reply(body, status=status, headers=headers, code=number)


def json_params(req: Request) -> dict[str, Any] | None:
    """A call's parameters: the query's for a GET, else the JSON body when it is an object
    (None when it is not: the venue answers its "bad body" error).

    >>> json_params(Request("POST", "/x", body=b"[1]")) is None
    True
    >>> json_params(Request("GET", "/x", query="a=1"))
    {'a': '1'}
    """
    if req.method != "POST":
        return req.params
    try:
        params = req.json()
    except ValueError:
        return None
    return params if isinstance(params, dict) else None


def check_timestamp(
    now: float, ts: float, window: float, *, ahead: float | None = None, open_ahead: bool = False
) -> str | None:
    """Whether a request timestamp ``ts`` is fresh at server time ``now`` (same unit):
    None when ``now - window <= ts <= now + ahead`` (``< now + ahead`` with
    ``open_ahead``), else ``"behind"`` or ``"ahead"``.  ``ahead`` defaults to ``window``
    (a symmetric window, ``|ts - now| <= window``).

    >>> check_timestamp(10_000, 4_000, 5_000), check_timestamp(10_000, 11_000, 5_000, ahead=1_000)
    ('behind', None)
    >>> check_timestamp(10_000, 11_000, 5_000, ahead=1_000, open_ahead=True)
    'ahead'
    """
    if ts < now - window:
        return "behind"
    limit = now + (window if ahead is None else ahead)
    if ts > limit or (open_ahead and ts == limit):
        return "ahead"
    return None


def verify_hmac(given: str | None, expected: str) -> bool:
    """Whether the signature sent equals the one expected (constant-time compare).

    >>> verify_hmac("ab", "ab"), verify_hmac(None, "ab")
    (True, False)
    """
    return hmac.compare_digest(given or "", expected)


def passphrase_problem(sim: Simulator, key: str, given: str) -> str | None:
    """``"missing"`` (no passphrase sent), ``"wrong"`` (not the one ``sim.passphrases``
    names for ``key``) or None; a key the table does not name takes any passphrase."""
    if not given:
        return "missing"
    wanted = sim.passphrases.get(key)
    if wanted is not None and not hmac.compare_digest(given, wanted):
        return "wrong"
    return None


def split_signature(
    raw: str, name: str = "signature", *, leading_first: bool = False
) -> tuple[str, str] | None:
    """``(signed text, signature)`` of a query that ends in ``&<name>=<hex>`` (or is only
    ``<name>=<hex>``); None when there is no signature.  ``leading_first``: a text that
    starts with ``<name>=`` is all signature even when another ``&<name>=`` follows.

    >>> split_signature("a=1&timestamp=2&signature=ff")
    ('a=1&timestamp=2', 'ff')
    >>> split_signature("a=1") is None
    True
    """
    head, tail = f"{name}=", f"&{name}="
    cut = raw.rfind(tail)
    if raw.startswith(head) and (leading_first or cut < 0):
        return "", raw[len(head) :]
    if cut < 0:
        return None
    return raw[:cut], raw[cut + len(tail) :]


def page(items: Sequence[T], start: int, size: int) -> tuple[list[T], int | None]:
    """One page of a listing: ``items[start:start + size]`` and where the next page
    starts (None after the last).

    >>> page("abcde", 0, 2), page("abcde", 4, 2)
    ((['a', 'b'], 2), (['e'], None))
    """
    end = start + size
    return list(items[start:end]), (end if end < len(items) else None)


@dataclass(frozen=True)
class Dispatch:
    """A venue's ``dispatch(sim, req)``, declared as data: routes ``(method, path) ->
    handler`` answered in the usual order: unknown route (``not_found``), the key and
    signature of a private path (``authenticate``, skipped where ``public(path)``), then
    :func:`counted` (the spec's rate limit, public paths too unless ``count_public=False``;
    a POST body that is not a JSON object, ``bad_body``; the handler).

    Examples
    --------
    >>> from levkit.sim import Simulator
    >>> hello = Dispatch({("GET", "/hi"): lambda sim, req, p: json_reply(p)},
    ...     not_found=lambda req: json_reply({}, status=404), public=lambda path: True,
    ...     authenticate=None, rate_limited=None, bad_body=None)
    >>> hello(Simulator(), Request("GET", "/hi", query="a=1")).json()
    {'a': '1'}
    >>> hello(Simulator(), Request("GET", "/no")).status
    404
    """

    routes: Mapping[tuple[str, str], Handler]
    not_found: Callable[[Request], Reply]
    public: Callable[[str], bool]
    authenticate: Callable[[Simulator, Request], Reply | None]
    rate_limited: Callable[[Simulator, Request, RateInfo], Reply]
    bad_body: Callable[[Request], Reply]
    limit_headers: Callable[[RateInfo], dict[str, str]] | None = None
    count_public: bool = True

    def __call__(self, sim: Simulator, req: Request) -> Reply:
        route = self.routes.get((req.method, req.path))
        if route is None:
            return self.not_found(req)
        is_public = self.public(req.path)
        if not is_public:
            error = self.authenticate(sim, req)
            if error is not None:
                return error
        return counted(
            sim,
            req,
            route,
            json_params(req),
            rate_limited=self.rate_limited,
            limit_headers=self.limit_headers,
            bad_body=self.bad_body,
            count=self.count_public or not is_public,
        )


def counted(
    sim: Simulator,
    req: Request,
    route: Handler,
    params: dict[str, Any] | None,
    *,
    rate_limited: Callable[[Simulator, Request, RateInfo], Reply],
    limit_headers: Callable[[RateInfo], dict[str, str]] | None = None,
    bad_body: Callable[[Request], Reply] | None = None,
    count: bool = True,
) -> Reply:
    """The end every venue's dispatch shares, once the caller is known: count the request
    against the spec's limit (``count``; refused: ``rate_limited``), refuse ``params``
    None (``bad_body``), then answer with ``route``; a counted answer carries
    ``limit_headers(info)`` when given."""
    info = sim.rate(req.method, req.path, req.now) if count else None
    if info is not None and not info.allowed:
        return rate_limited(sim, req, info)
    if params is None and bad_body is not None:
        return bad_body(req)
    reply = route(sim, req, params or {})
    if info is not None and limit_headers is not None:
        reply.headers.update(limit_headers(info))
    return reply
