"""The secret audit's detector, shared by ``test_secret_audit.py`` and
``test_secret_audit_faults.py``: canary credentials (random per run), the forms a leak
could take, and :class:`Audit`, which collects everything levkit showed and searches it.

For an exception the audit reads every face: ``str``/``repr``/``args``/``vars``, notes,
the formatted traceback, its pickle, the ``request``/``response`` that ``requests``
exceptions carry, the text of ``traceback.TracebackException(..., capture_locals=True)``
(what ``pytest --showlocals`` and error reporters such as Sentry show), and every link of
the chain, a suppressed ``__context__`` included.  On top, :meth:`Audit.reachable` walks
the objects an exception keeps alive (attributes, containers, the locals of the frames in
its traceback) for the plain text of a secret; objects whose ``repr`` masks what they
hold (:class:`~levkit.http.wire.Credentials`, :class:`~levkit.http.wire.Prepared`,
:class:`~levkit.http.wire.SecretHeaders`, :class:`~levkit.http.wire.Hidden`) end the walk, since
holding the secret is their job.
"""

from __future__ import annotations

import base64
import gc
import logging
import pickle
import re
import secrets
import traceback
import types
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pandas as pd
import pytest

from levkit.http.transport import Credentials, Prepared, RequestPreview
from levkit.http.wire import Hidden, SecretHeaders
from levkit.sim import Simulator

TESTS = str(Path(__file__).resolve().parent)

#: Random per run, so no fixture or snapshot can hold them by accident.
CANARY_SECRET = "CANARY-SECRET-" + secrets.token_hex(16)
WRONG_SECRET = "CANARY-WRONG-" + secrets.token_hex(16)  # a mistyped secret is a secret too
CANARY_KEY = "CKEY" + secrets.token_hex(12)
#: A query signature as sent (hex or base64), not masked: ``sign=<hidden>`` is fine.
LIVE_SIGNATURE = re.compile(r"[?&](?:sign|signature)=(?!<hidden>)[^&\s\"']{16,}")
CANARY_PASSPHRASE = "CANARY-PASSPHRASE-" + secrets.token_hex(16)  # OKX, Bitget: a secret too
WRONG_PASSPHRASE = "CANARY-WRONGPASS-" + secrets.token_hex(16)
SHOWN_KEY = CANARY_KEY[:4]  # the most of the key any output may show


def secret_forms(secret: str) -> set[str]:
    """The secret as text and in the encodings a careless line might use."""
    token = secret.split("-")[-1]
    raw = secret.encode()
    return {
        secret,
        secret.lower(),
        secret.upper(),
        token,
        token.upper(),
        quote(secret),
        quote_plus(secret),
        raw.hex(),
        raw.hex().upper(),
        token.encode().hex(),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode(),
        base64.b64encode(token.encode()).decode(),
    }


FORBIDDEN = (
    secret_forms(CANARY_SECRET)
    | secret_forms(WRONG_SECRET)
    | secret_forms(CANARY_PASSPHRASE)
    | secret_forms(WRONG_PASSPHRASE)
)
#: The plain texts :meth:`Audit.reachable` looks for in live objects.
PLAIN = (CANARY_SECRET, WRONG_SECRET, CANARY_PASSPHRASE, WRONG_PASSPHRASE)
#: Objects whose repr masks what they hold: the object walk does not look inside.  The
#: simulator is the exchange's side: knowing the secret is its job.
MASKED_HOLDERS = (Credentials, Prepared, SecretHeaders, Hidden, Simulator)


def _chain(exc: BaseException | None) -> list[BaseException]:
    """``exc`` and every exception linked to it (causes and contexts, suppressed too)."""
    out: list[BaseException] = []
    todo = [exc]
    while todo:
        e = todo.pop()
        if e is None or any(e is seen for seen in out):
            continue
        out.append(e)
        todo += [e.__cause__, e.__context__]
    return out


def _library_tb(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The traceback from the first frame outside ``tests/`` (the test's own frames hold
    the canaries it passes in, and are not levkit's)."""
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(TESTS):
        tb = tb.tb_next
    return tb


class Audit:
    """Everything levkit showed during a test, to be searched for the canaries."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []  # (where, text): secret and key checked
        self.quiet: list[tuple[str, str]] = []  # logs: the secret checked (key: see below)
        self.blobs: list[tuple[str, bytes]] = []  # pickles and files: the secret checked
        self.objects: list[tuple[str, Any]] = []  # live objects walked for plain secrets

    @property
    def captured(self) -> int:
        """Texts, logs and blobs collected so far."""
        return len(self.texts) + len(self.quiet) + len(self.blobs)

    # -- collecting --------------------------------------------------------------------
    def text(self, where: str, value: Any) -> None:
        self.texts.append((where, value if isinstance(value, str) else repr(value)))

    def blob(self, where: str, data: bytes) -> None:
        self.blobs.append((where, data))

    def obj(self, where: str, value: Any) -> None:
        """A result: its repr and str, and for frames, previews and exceptions all their
        faces (attrs, HTML, dicts, pickles, tracebacks, causes)."""
        if isinstance(value, BaseException):
            self.exception(where, value)
            return
        self.text(where, repr(value))
        self.text(where + " str", str(value))
        if isinstance(value, pd.DataFrame):
            self.text(where + " to_string", value.to_string())
            self.text(where + " csv", value.to_csv())
            self.text(where + " attrs", repr(value.attrs))
            self.text(where + " html", value.to_html())
            self.blob(where + " pickle", pickle.dumps(value))
        if isinstance(value, RequestPreview):
            self.text(where + " html", value._repr_html_())
            self.text(where + " dict", value.to_dict())
            self.blob(where + " pickle", pickle.dumps(value))
        if isinstance(value, list):
            for i, item in enumerate(value):
                self.obj(f"{where}[{i}]", item)
            if hasattr(value, "_repr_html_"):
                self.text(where + " html", value._repr_html_())

    def exception(self, where: str, exc: BaseException) -> None:
        """Every face of ``exc`` and of each exception linked to it."""
        for n, e in enumerate(_chain(exc)):
            at = f"{where} [{n}:{type(e).__name__}]"
            self.text(at + " str", str(e))
            self.text(at + " repr", repr(e))
            self.text(at + " args", e.args)
            self.text(at + " attrs", vars(e))
            self.text(at + " notes", getattr(e, "__notes__", []))
            self.text(at + " traceback", "".join(traceback.format_exception(e)))
            self.text(at + " locals", self.locals_text(e))
            for name in ("request", "response"):  # what requests exceptions carry
                part = getattr(e, name, None)
                if part is not None:
                    self.text(f"{at} .{name}", vars(part))
                    self.text(f"{at} .{name}.headers", dict(getattr(part, "headers", {}) or {}))
            try:
                self.blob(at + " pickle", pickle.dumps(e))
            except Exception as err:  # noqa: BLE001 - unpicklable is fine, leaking is not
                self.text(at + " pickle error", str(err))
        self.objects.append((where, exc))

    @staticmethod
    def locals_text(exc: BaseException) -> str:
        """``TracebackException(..., capture_locals=True)`` text of ``exc`` (and of what it
        chains), from its first frame outside ``tests/``: what ``--showlocals`` shows."""
        tb = _library_tb(exc.__traceback__)
        te = traceback.TracebackException(type(exc), exc, tb, capture_locals=True)
        return "".join(te.format())

    def logs(self, caplog: pytest.LogCaptureFixture) -> None:
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        for record in caplog.records:
            line = formatter.format(record)  # the message with args, plus any traceback
            self.quiet.append((f"log {record.name}", line + " " + repr(record.args)))
        self.quiet.append(("caplog.text", caplog.text))

    def files(self, root: Path) -> int:
        n = 0
        for path in sorted(root.rglob("*")):
            if path.is_file():
                self.blob(f"file {path.relative_to(root)}", path.read_bytes())
                n += 1
        return n

    # -- checking ----------------------------------------------------------------------
    @staticmethod
    def reachable(root: Any, limit: int = 50_000) -> list[str]:
        """Paths from ``root`` to a plain-text canary secret: through attributes, slots,
        containers, exception links and the locals of the frames in a traceback (not
        their callers: those are the test's).  Masked holders end the walk."""
        found: list[str] = []
        seen: set[int] = set()
        todo: list[tuple[Any, str]] = [(root, "exc")]
        while todo and len(seen) < limit:
            obj, path = todo.pop()
            if id(obj) in seen or obj is None:
                continue
            seen.add(id(obj))
            if isinstance(obj, MASKED_HOLDERS):
                continue
            if isinstance(obj, str | bytes | bytearray):
                text = obj.decode("latin-1") if not isinstance(obj, str) else obj
                found += [f"{path} holds {p[:14]}..." for p in PLAIN if p in text]
                continue
            if isinstance(obj, type | types.ModuleType | types.FunctionType):
                continue
            if isinstance(obj, int | float | complex | bool | types.BuiltinFunctionType):
                continue
            if isinstance(obj, types.TracebackType):
                if not obj.tb_frame.f_code.co_filename.startswith(TESTS):  # not the test's
                    todo.append((obj.tb_frame.f_locals, path + ".frame"))
                todo.append((obj.tb_next, path + ".next"))
                continue
            if isinstance(obj, types.FrameType):
                continue  # only through a traceback (above): never the callers
            if isinstance(obj, BaseException):
                todo += [
                    (obj.__traceback__, path + ".__traceback__"),
                    (obj.__cause__, path + ".__cause__"),
                    (obj.__context__, path + ".__context__"),
                    (obj.args, path + ".args"),
                ]
            if isinstance(obj, dict):
                todo += [(v, f"{path}[{k!r}]") for k, v in list(obj.items())]
                todo += [(k, f"{path}.key") for k in list(obj) if isinstance(k, str)]
                continue
            if isinstance(obj, list | tuple | set | frozenset):
                todo += [(v, f"{path}[{i}]") for i, v in enumerate(list(obj))]
                continue
            if isinstance(obj, pd.DataFrame | pd.Series):
                todo.append((repr(obj) + repr(obj.attrs), path + ".repr"))
                continue
            attrs = getattr(obj, "__dict__", None)
            if isinstance(attrs, dict):
                todo.append((attrs, path))
            for cls in type(obj).__mro__:
                for slot in getattr(cls, "__slots__", ()) or ():
                    if isinstance(slot, str) and hasattr(obj, slot):
                        todo.append((getattr(obj, slot), f"{path}.{slot}"))
            if not isinstance(attrs, dict) and not hasattr(type(obj), "__slots__"):
                # C-level containers (deque, CaseInsensitiveDict's store...): what they refer to
                todo += [(r, path + ".<ref>") for r in gc.get_referents(obj)]
        return found

    def check(self, caplog: pytest.LogCaptureFixture | None = None) -> None:
        if caplog is not None:
            self.logs(caplog)
        assert self.texts or self.blobs, "nothing was audited"
        leaks = []
        for where, text in [*self.texts, *self.quiet]:
            low = text.lower()
            leaks += [(where, form) for form in FORBIDDEN if form.lower() in low]
        for where, data in self.blobs:
            leaks += [(where, form) for form in FORBIDDEN if form.encode() in data]
        assert not leaks, f"a canary secret leaked: {sorted(set(leaks))[:10]}"
        key_shown = [w for w, t in self.texts if CANARY_KEY[:5].lower() in t.lower()]
        assert not key_shown, f"more than 4 characters of the key shown in: {key_shown[:10]}"
        held = [(where, p) for where, o in self.objects for p in self.reachable(o)]
        assert not held, f"an object an error keeps holds a plain secret: {held[:5]}"
        if caplog is not None:
            # No log line, levkit's or urllib3's (whose DEBUG lines carry request URLs:
            # Binance's and BingX's signature, Bybit v2's sign and api_key), shows the full
            # key or a live signature: levkit.http.masking.QueryLogFilter masks them.
            lines = [(r.name, r.getMessage()) for r in caplog.records]
            full = [(n, m) for n, m in lines if CANARY_KEY[:5] in m]
            assert not full, f"a log line shows the full key: {full[:3]}"
            signed = [(n, m) for n, m in lines if LIVE_SIGNATURE.search(m)]
            assert not signed, f"a log line shows a signature: {signed[:3]}"


def attempt(audit: Audit, where: str, fn, *args, **kwargs) -> Any:
    """Run one public call; audit what it returns or raises (and return that)."""
    try:
        out = fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - every exception is audited, then returned
        audit.exception(where, exc)
        return exc
    audit.obj(where, out)
    return out


def faulty(audit: Audit, sim: Simulator, kind: str, path: str | None, call, **fault) -> Any:
    """Run ``call()`` while calls to ``path`` (None: every path) meet fault ``kind``
    (every call unless ``times`` is given); audit the outcome."""
    fault.setdefault("times", None)
    sim.inject(kind, path=path, **fault)
    try:
        return attempt(audit, f"{kind} {path}", call)
    finally:
        sim.faults.clear()
