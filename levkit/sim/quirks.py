"""Optional wire quirks seen from the real exchanges, to test clients' tolerance.

Turned on per simulator: ``Simulator(quirks={"string-codes", "stale-cursor"})``.

==========================  ==========================================================
quirk                       effect
==========================  ==========================================================
``string-codes``            envelope codes as JSON strings (``"retCode": "0"``,
                            ``"code": "0"``, ``"ret_code": "0"``)
``bingx-numeric-values``    BingX ``available*`` / ``maxPosition*`` values as JSON
                            numbers instead of strings
``stale-cursor``            Bybit ``/v5/position/list``: the last page still carries a
                            non-empty ``nextPageCursor``; following it answers an empty
                            list with the same cursor again
==========================  ==========================================================
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .wire import Reply

__all__ = ["QUIRKS", "STALE_CURSOR", "check_quirks", "apply_quirks"]

QUIRKS = frozenset({"string-codes", "bingx-numeric-values", "stale-cursor"})
#: The cursor the ``stale-cursor`` quirk hands out (it always leads to an empty page).
STALE_CURSOR = "cursor-stale"
_CODE_KEYS = ("retCode", "code", "ret_code")
_NUMERIC_PREFIXES = ("available", "maxPosition")


def check_quirks(quirks: Iterable[str] | None) -> frozenset[str]:
    """Validate quirk names (``ValueError`` on unknown ones)."""
    chosen = frozenset(quirks or ())
    unknown = chosen - QUIRKS
    if unknown:
        raise ValueError(f"unknown quirks {sorted(unknown)}; expected some of {sorted(QUIRKS)}")
    return chosen


def _numeric(data: Any) -> Any:
    if isinstance(data, dict):
        return {
            k: float(v) if k.startswith(_NUMERIC_PREFIXES) and isinstance(v, str) and v else v
            for k, v in data.items()
        }
    return data


def apply_quirks(quirks: frozenset[str], path: str, reply: Reply) -> Reply:
    """Rewrite a JSON answer according to the active quirks."""
    if not quirks or reply.dropped or "json" not in reply.headers.get("Content-Type", ""):
        return reply
    try:
        body = json.loads(reply.body)
    except ValueError:
        return reply
    if not isinstance(body, dict):
        return reply
    if "string-codes" in quirks:
        for key in _CODE_KEYS:
            if isinstance(body.get(key), int):
                body[key] = str(body[key])
    if "bingx-numeric-values" in quirks and path.startswith("/openApi/"):
        body["data"] = _numeric(body.get("data"))
    if "stale-cursor" in quirks and path == "/v5/position/list":
        result = body.get("result")
        if isinstance(result, dict) and result.get("list") and not result.get("nextPageCursor"):
            result["nextPageCursor"] = STALE_CURSOR
    reply.body = json.dumps(body, separators=(",", ":")).encode()
    return reply
