"""Rebuild levkit's shipped history, ``data/ladders.sqlite.gz``, from the real recorded
ladders in ``../shared/reference/real`` (their provenance: ``SOURCES.md`` there;
what is taken from each, and why: ``data/README.md``).

    .venv/bin/python scripts/build_shipped_history.py [--real DIR] [--out FILE] [--perpetuals-only]

Every ladder goes through levkit's own parser for its venue and is saved with the same
code as ``lk.save_snapshot`` (one save per recorded version, dated by its source):

- Binance USDⓈ-M: 21 versions of freqtrade's ``binance_leverage_tiers.json`` (ccxt-parsed,
  the raw ``leverageBracket`` rows in ``info``), perpetuals and the dated quarterlies of
  the same answers under their own ids (``BTCUSDT_260626``, notional in USDT; issue 22),
  or perpetuals only with ``--perpetuals-only``; each version is a whole listing, so
  symbols that disappear (an expired quarterly too) are recorded as removed.
- OKX BTC-USDT-SWAP, ETH-USDT-SWAP (2025-12-29): 99 tiers each, in contracts, converted at
  :data:`OKX_PRICES` (no OKX mark price of that day is recorded anywhere; see there).
- Hyperliquid, every listed perp (``metaAndAssetCtxs``, 2026-03-10).
- Bybit BTCUSDT (2026-02-26): the derived 35-tier cache, with ``initialMargin``,
  ``maxLeverage`` and the top cap from :data:`BYBIT_BTC_LEVERAGE` (see there).
- Gate AI16Z_USDT (2025-08-20): 19 tiers of a web-API position object.

The script may read ``/work/shared``; levkit and its tests never do.  It prints what it
wrote; the output is deterministic (``saved_at`` is the source's date, gzip mtime 0).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sqlite3
import sys
import tempfile
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from levkit.errors import LadderWarning  # noqa: E402
from levkit.snapshot import _save  # noqa: E402
from levkit.snapshot._store import STORE_FILE, open_write  # noqa: E402
from levkit.venues.binance.parse import parse_brackets  # noqa: E402
from levkit.venues.bybit.parse import parse_risk_limits as parse_bybit  # noqa: E402
from levkit.venues.gate.parse import parse_risk_limits as parse_gate  # noqa: E402
from levkit.venues.hyperliquid.parse import parse_meta  # noqa: E402
from levkit.venues.okx.parse import parse_instruments, parse_position_tiers  # noqa: E402

REAL = Path("/work/shared/reference/real")
OUT = ROOT / "data" / (STORE_FILE + ".gz")

#: The as_of of each freqtrade version: the data's own date where SOURCES.md says the
#: file was first written by an earlier commit (2022-02-16 <- a99cf2eeedfd of 2022-02-05;
#: 2022-05-21 and 2022-09-27: same day, time unknown), else the commit's author time
#: (bot commits come minutes after the fetch).  2026-05-01 is the fork's merge of upstream
#: 2026.4: the fetch itself lies between 2026-03-26 and 2026-04-30 (an upper bound).
BINANCE_AS_OF = {"2022-02-16": "2022-02-05", "2022-05-21": "2022-05-21", "2022-09-27": "2022-09-27"}

#: OKX states its tiers in contracts (BTC-USDT-SWAP ctVal 0.01 BTC, ETH-USDT-SWAP 0.1 ETH:
#: nautilus_trader's recorded /api/v5/public/instruments fixture).  No OKX mark price of
#: 2025-12-29 is recorded in any source found; these are the LOW ends of third-party
#: quotes near that day, so the USDT caps are conservative (the true ones were at most a
#: few percent higher).  ``price`` keeps the figure; ``max_size x ct_val x your price``
#: converts again.
OKX_PRICES = {
    "BTC-USDT-SWAP": (
        87_602.0,
        "low end of BTC's 87,602-88,989 USD range quoted for 2025-12-29 (Binance Square "
        "post citing CoinMarketCap/CoinDesk, binance.bh/bg/square/post/34352646734618)",
    ),
    "ETH-USDT-SWAP": (
        2_894.95,
        "low end of ETH's 24h range 2,894.95-2,983.69 USD on 2025-12-27 (u.today, 'Ethereum "
        "has one last chance...'); no quote of 2025-12-29 found",
    ),
}

#: ``[initialMargin, maxLeverage]`` per tier of Bybit BTCUSDT, and the top tier's cap,
#: which the derived cache (erzhan12/grid-bot-validation, conf/risk_limits_cache.json
#: @31248ea6) dropped or overwrote with "Infinity".  From a TypeScript transcription of a
#: live GET /v5/market/risk-limit?category=linear&symbol=BTCUSDT answer (search-index
#: file ids 69232806093 and 68897080722, repository not identifiable; it says "captured
#: 2026-08-05"), whose caps, maintenance rates and deductions equal the cache's on all 35
#: tiers (checked below), so the ladder was the same on 2026-02-26 and 2026-08-05.
BYBIT_BTC_LEVERAGE = [
    ("0.01", "100"), ("0.0111", "90"), ("0.0125", "80"), ("0.0133", "75"), ("0.0143", "70"),
    ("0.0154", "65"), ("0.0182", "55"), ("0.02", "50"), ("0.0222", "45"), ("0.025", "40"),
    ("0.0286", "35"), ("0.0333", "30"), ("0.04", "25"), ("0.05", "20"), ("0.0526", "19"),
    ("0.0556", "18"), ("0.0588", "17"), ("0.0625", "16"), ("0.0667", "15"), ("0.0714", "14"),
    ("0.0769", "13"), ("0.0833", "12"), ("0.0909", "11"), ("0.1", "10"), ("0.1111", "9"),
    ("0.125", "8"), ("0.1429", "7"), ("0.1667", "6"), ("0.2", "5"), ("0.25", "4"),
    ("0.3333", "3"), ("0.5", "2"), ("0.6993", "1.43"), ("0.7813", "1.28"), ("1", "1"),
]  # fmt: skip
BYBIT_BTC_TOP_CAP = "1200000000"
#: The transcription's (cap, maintenance rate, deduction) of tiers 1, 2, 34, 35 (checked).
BYBIT_BTC_CHECK = {0: ("2000000", "0.005", "0"), 1: ("2600000", "0.0056", "1200"),
                   33: ("800000000", "0.5", "146382000"), 34: (None, "0.6", "226382000")}  # fmt: skip


def binance_native(key: str) -> tuple[str, bool]:
    """A freqtrade key (``BTC/USDT:USDT``, ``BTC/USDT`` before 2023, ``BTC/USDT:USDT-260626``,
    or a raw id such as ``BTCUSDT_210326``) -> (Binance's symbol, whether it is dated)."""
    if "/" not in key:
        return key, "_" in key
    base, rest = key.split("/", 1)
    quote, _, settle = rest.partition(":")
    _, _, expiry = settle.partition("-")
    return base + quote + (f"_{expiry}" if expiry else ""), bool(expiry)


def binance_versions(real: Path, dated: bool) -> list[tuple[str, pd.DataFrame, str]]:
    manifest = json.loads((real / "binance" / "binance_manifest.json").read_text())
    out = []
    for entry in manifest:
        raw = json.loads(gzip.decompress((real / "binance" / entry["file"]).read_bytes()))
        payload, seen = [], {}
        for key, tiers in sorted(raw.items()):
            symbol, is_dated = binance_native(key)
            if is_dated and not dated:
                continue
            if symbol in seen:
                raise SystemExit(f"{entry['file']}: {key} and {seen[symbol]} are both {symbol}")
            seen[symbol] = key
            payload.append({"symbol": symbol, "brackets": [t["info"] for t in tiers]})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", LadderWarning)
            frame = parse_brackets(payload)
        as_of = (
            BINANCE_AS_OF.get(entry["date"])
            or pd.Timestamp(entry["author_date"]).tz_convert("UTC").isoformat()
        )
        source = (
            f"freqtrade binance_leverage_tiers.json @{entry['commit'][:10]} ({entry['repo']}): "
            "ccxt fetch_leverage_tiers() of GET /fapi/v1/leverageBracket, every symbol"
        )
        if entry["date"] == "2026-05-01":
            source += "; fetched between 2026-03-26 and 2026-04-30 (date: the fork's merge)"
        note = f"{len(caught)} cum warnings" if caught else "no warnings"
        print(f"binance {entry['date']}: {frame['symbol'].nunique()} symbols, {len(frame)} tiers "
              f"({note}), as_of {as_of}")  # fmt: skip
        out.append((as_of, frame, source))
    return out


def okx_frames(real: Path) -> pd.DataFrame:
    inst = json.loads((real / "okx" / "okx_instruments_swap_nautilus_fixture.json").read_text())
    instruments = parse_instruments([r for r in inst["data"] if r["ctType"] == "linear"])
    frames = []
    for sym, (price, _why) in OKX_PRICES.items():
        rows = json.loads((real / "okx" / f"okx_position_tiers_{sym}_2025-12-29.json").read_text())
        frames.append(parse_position_tiers(rows["data"], instruments, {sym: price}))
    return pd.concat(frames, ignore_index=True)


def bybit_btc(real: Path) -> pd.DataFrame:
    path = next((real / "bybit").glob("bybit_risk_limits_cache_DERIVED_*.json"))
    cache = json.loads(path.read_text())["BTCUSDT"]
    tiers = cache["tiers"]
    assert len(tiers) == len(BYBIT_BTC_LEVERAGE) == 35
    for i, (cap, mmr, ded) in BYBIT_BTC_CHECK.items():
        assert (cap is None or tiers[i]["max_value"] == cap) and tiers[i]["mmr_rate"] == mmr
        assert tiers[i]["deduction"] == ded
    assert tiers[-1]["max_value"] == "Infinity"
    rows = [
        {"id": i + 1, "symbol": "BTCUSDT", "isLowestRisk": int(i == 0),
         "riskLimitValue": BYBIT_BTC_TOP_CAP if t["max_value"] == "Infinity" else t["max_value"],
         "maintenanceMargin": t["mmr_rate"], "initialMargin": im, "maxLeverage": lev,
         "mmDeduction": "" if i == 0 else t["deduction"]}
        for i, (t, (im, lev)) in enumerate(zip(tiers, BYBIT_BTC_LEVERAGE, strict=True))
    ]  # fmt: skip
    return parse_bybit(rows)


def gate_ai16z(real: Path) -> pd.DataFrame:
    obj = json.loads(
        next((real / "gate").glob("gate_position_tiers_AI16Z_USDT_*.json")).read_text()
    )
    return parse_gate(obj["tiers"], contract="AI16Z_USDT")


def hyperliquid(real: Path) -> pd.DataFrame:
    meta, _ctxs = json.loads(
        next((real / "hyperliquid").glob("*metaAndAssetCtxs*.json")).read_text()
    )
    return parse_meta(meta)


def _csv_gone(frame: pd.DataFrame, as_of: str) -> set:
    """Ladders of the shipped 0.2 files (``data/<venue>/tiers.csv``, older than ``as_of``)
    that a whole listing lacks: recorded as removed too (Hyperliquid's HPOS)."""
    from levkit.snapshot import load_snapshot
    from levkit.snapshot._names import to_timestamp

    ex = frame["exchange"].iloc[0]
    path = ROOT / "data" / ex / "tiers.csv"
    if not path.is_file():
        return set()
    old = load_snapshot(ex, path=path)
    old = old[[to_timestamp(t) < to_timestamp(as_of) for t in old["as_of"]]]
    listed = set(frame["symbol"])
    return {(ex, s) for s in old["symbol"].unique() if s not in listed}


def save(con: sqlite3.Connection, folder: Path, frame, as_of, source, *, listing=False) -> None:
    gone = (
        _save._gone(frame, folder, None, as_of, False) | _csv_gone(frame, as_of)
        if listing
        else set()
    )
    _save.write_frame(con, frame, as_of=as_of, source_text=source, kind=None,
                      note="scripts/build_shipped_history.py", complete=True, gone=gone,
                      saved_at=pd.Timestamp(as_of).value)  # fmt: skip
    if gone:
        print(f"  removed from the listing: {len(gone)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=REAL, help="the real/ reference folder")
    parser.add_argument("--out", type=Path, default=OUT, help="the gzipped store to write")
    parser.add_argument("--perpetuals-only", action="store_true",
                        help="leave Binance's dated contracts out (the shipped file has them)")  # fmt: skip
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        con = open_write(folder)
        for as_of, frame, source in binance_versions(args.real, not args.perpetuals_only):
            save(con, folder, frame, as_of, source, listing=True)
        okx_src = "OKX GET /api/v5/public/position-tiers (freqtrade cache in erikubingf-del/tradingtest @30f37205, 'updated' 2025-12-29 12:08:40 UTC); contracts x ctVal x price, price: "
        okx = okx_frames(args.real)
        for sym, (_price, why) in OKX_PRICES.items():
            save(con, folder, okx[okx["symbol"] == sym].reset_index(drop=True),
                 "2025-12-29T12:08:40+00:00", okx_src + why)  # fmt: skip
        save(con, folder, gate_ai16z(args.real), "2025-08-20T04:00:00+00:00",
             "Gate web-API position object (AI16Z_USDT risk_limit_table AI16Z_USDT_202505120315, "
             "update_time 2025-08-20 04:00 UTC) transcribed in a public TypeScript file "
             "(search-index id 10848738118, repository unresolved)")  # fmt: skip
        save(con, folder, bybit_btc(args.real), "2026-02-26T06:44:38+00:00",
             "Bybit GET /v5/market/risk-limit BTCUSDT: caps, maintenance rates, deductions from "
             "erzhan12/grid-bot-validation conf/risk_limits_cache.json @31248ea6 (cached_at "
             "2026-02-26); initial margin, max leverage, top cap from a transcription of a "
             "2026-08-05 answer equal on every tier (scripts/build_shipped_history.py)")  # fmt: skip
        save(con, folder, hyperliquid(args.real), "2026-03-10T08:55:18+00:00",
             "Hyperliquid POST /info metaAndAssetCtxs (Agentic-Sciences/crypto-research "
             "data/hyperliquid_meta.json @213f192c), every listed perp", listing=True)  # fmt: skip
        con.execute("PRAGMA journal_mode=DELETE")  # a WAL database cannot be deserialized
        con.execute("VACUUM")
        con.close()
        data = (folder / STORE_FILE).read_bytes()
    args.out.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    print(
        f"wrote {args.out} ({len(data) / 1e6:.2f} MB store, {args.out.stat().st_size / 1e6:.2f} MB gzipped)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
