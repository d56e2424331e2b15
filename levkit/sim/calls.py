"""The simulator's call log: one :class:`Call` per request received, kept in a bounded
:class:`CallLog` whose counts stay exact; and :class:`RateInfo`, a rate limiter's verdict."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = ["Call", "CallLog", "CALL_LOG", "RateInfo"]


@dataclass
class Call:
    """One request the simulator received (secrets and signatures left out).

    Attributes
    ----------
    exchange : str
        The API's registry name (``"bybit"``, ``"okx"``, ``"hyperliquid"``...) or ``""``
        (a path no API serves).
    method, path : str
    params : dict
        Query and JSON-body parameters, without ``sign``/``signature``/``api_key``.
    status : int
        HTTP status (0 when the connection was dropped).
    code : int or None
        The exchange's code in the answer (None for non-JSON answers).
    fault : str or None
        The kind of fault that fired on this call.
    time : float
        Server clock when it arrived.
    """

    exchange: str
    method: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    status: int = 0
    code: int | None = None
    fault: str | None = None
    time: float = 0.0


#: Call records the simulator keeps by default (the latest ones).
CALL_LOG = 10_000


class CallLog(deque):
    """The simulator's call log: the latest ``maxlen`` :class:`Call` records (``None``:
    all), with exact counts of every call appended since the last :meth:`clear`.

    A ``deque`` that also slices (``log[3:]``) and compares equal to a list of the same
    records, as the unbounded list it replaces did.

    Examples
    --------
    >>> log = CallLog(maxlen=2)
    >>> for n in range(5):
    ...     log.append(Call("okx", "GET", f"/p{n % 2}"))
    >>> len(log), log.total, log.count_matching("/p0"), [c.path for c in log[1:]]
    (2, 5, 3, ['/p0'])
    """

    def __init__(self, iterable: Iterable[Call] = (), maxlen: int | None = CALL_LOG) -> None:
        if maxlen is not None and int(maxlen) < 1:
            raise ValueError(f"call_log must be a positive number of calls or None, not {maxlen}")
        super().__init__((), None if maxlen is None else int(maxlen))
        self._counts: Counter[tuple[str, str, str, int | None]] = Counter()
        for call in iterable:
            self.append(call)

    @property
    def total(self) -> int:
        """Calls appended since the last :meth:`clear` (kept or not)."""
        return sum(self._counts.values())

    def append(self, call: Call) -> None:
        super().append(call)
        self._counts[(call.exchange, call.method, call.path, call.code)] += 1

    def clear(self) -> None:
        super().clear()
        self._counts.clear()

    def count_matching(
        self,
        path: str | None = None,
        *,
        method: str | None = None,
        exchange: str | None = None,
        code: int | None = None,
    ) -> int:
        """Calls since the last :meth:`clear` matching every argument given."""
        want = method.upper() if method is not None else None
        return sum(
            n
            for (ex, meth, p, c), n in self._counts.items()
            if (path is None or p == path)
            and (want is None or meth == want)
            and (exchange is None or ex == exchange)
            and (code is None or c == code)
        )

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return list(self)[index]
        return super().__getitem__(index)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, list):
            return list(self) == other
        return super().__eq__(other)

    __hash__ = None

    def __reduce__(self):
        return (type(self), (list(self), self.maxlen))


class RateInfo(NamedTuple):
    """The state of a rate limiter after a request counted against it."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: float
