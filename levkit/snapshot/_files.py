"""Where snapshot files live, and reading one into a tiers frame."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParseError
from ..frames import FLOAT_TIER_COLUMNS, TIERS_COLUMNS, tiers_frame
from ._names import SnapshotError, to_timestamp

log = logging.getLogger("levkit")

#: Column order of a snapshot file.
SNAPSHOT_COLUMNS: tuple[str, ...] = (
    *TIERS_COLUMNS, "category", "notional_unit", "complete", "source", "as_of",
)  # fmt: skip
#: File name of each snapshot kind, inside a venue folder.
SNAPSHOT_FILES: dict[str, str] = {"leverage": "tiers.csv", "margin": "margin_bands.csv"}
#: Environment variable naming the user snapshot folder.
ENV_VAR = "LEVKIT_DATA_DIR"

_REQUIRED = ("exchange", "symbol", "max_notional", "source", "as_of")
_TEXT = ("exchange", "symbol", "category", "notional_unit", "complete", "source", "as_of")
_DTYPES: dict[str, Any] = {**{c: str for c in _TEXT}, **{c: "float64" for c in FLOAT_TIER_COLUMNS}}
_BOOL = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def data_dir() -> Path:
    """The folder holding the shipped snapshot (one sub-folder per venue).

    An installed wheel carries it at ``levkit/_data``; a source checkout or an editable
    install reads ``<repo>/data``.  The first holding the shipped history
    (``ladders.sqlite.gz``) or a venue folder wins.

    Examples
    --------
    >>> (data_dir() / "ladders.sqlite.gz").is_file(), (data_dir() / "bingx" / "tiers.csv").is_file()
    (True, True)
    """
    pkg = Path(__file__).resolve().parent.parent
    candidates = (pkg / "_data", pkg.parent / "data")
    for cand in candidates:
        if (cand / "ladders.sqlite.gz").is_file() or venue_files(cand, "leverage"):
            return cand
    looked = ", ".join(str(c) for c in candidates)
    raise SnapshotError(f"levkit's snapshot files are missing (looked in {looked})")


def user_data_dir() -> Path:
    """The user snapshot folder: ``$LEVKIT_DATA_DIR``, else the platform's user data
    folder for levkit (``platformdirs.user_data_dir("levkit")``, e.g.
    ``~/.local/share/levkit`` on Linux).  It may not exist yet; a file or a dangling link
    there is a :class:`SnapshotError` (levkit would neither read nor write it)."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        path = Path(env).expanduser()
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("levkit", appauthor=False))
    where = f"{ENV_VAR}={env}" if env else "the user snapshot folder"
    if path.is_symlink() and not path.exists():
        raise SnapshotError(f"{where} is a link to nothing ({os.readlink(path)}): point it at "
                            "a folder, or remove the link")  # fmt: skip
    if path.exists() and not path.is_dir():
        raise SnapshotError(f"{where} is a file, not a folder: levkit keeps its snapshot store "
                            "in a folder there")  # fmt: skip
    return path


def venue_files(root: Path, kind: str) -> list[Path]:
    """Files of ``kind`` under ``root``: ``root/<venue>/<file>`` for every venue folder
    (found by listing, in name order), then a flat ``root/<file>`` (older layout)."""
    name = SNAPSHOT_FILES[kind]
    if not root.is_dir():
        return []
    found = sorted(p / name for p in root.iterdir() if p.is_dir() and (p / name).is_file())
    if (root / name).is_file():
        found.append(root / name)
    return found


def as_of_timestamp(value: str) -> pd.Timestamp:
    """``"2026-05-18"`` (or ``"2026-05"``, ``"2026"``, an ISO timestamp) -> the start of
    that day/month/year (or that instant), UTC.

    >>> as_of_timestamp("2026"), as_of_timestamp("2026-03-12T04:12:41+00:00")
    (Timestamp('2026-01-01 00:00:00+0000', tz='UTC'), Timestamp('2026-03-12 04:12:41+0000', tz='UTC'))
    """
    if not isinstance(value, str) or not value.strip():
        raise ParseError(f"as_of must be a date such as '2026-05-18', not {value!r}")
    try:
        return to_timestamp(value)
    except SnapshotError as exc:
        raise ParseError(str(exc)) from None


def parse(text_or_path: Any, name: str) -> pd.DataFrame:
    """Read one snapshot file into a finished tiers frame (all rows, not yet filtered)."""
    df = pd.read_csv(text_or_path, dtype=_DTYPES, keep_default_na=False, na_values=[""])
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise ParseError(f"{name}: not a levkit snapshot file, missing columns {missing}")
    if len(df) == 0:
        raise ParseError(f"{name}: no tiers")
    for col in ("exchange", "symbol", "source", "as_of"):
        if df[col].isna().any():
            row = int(np.flatnonzero(df[col].isna().to_numpy())[0]) + 2
            raise ParseError(f"{name} line {row}: empty {col}")
    for value in df["as_of"].unique():
        try:
            as_of_timestamp(value)
        except ParseError as exc:
            raise ParseError(f"{name}: {exc}") from None
    for col in SNAPSHOT_COLUMNS:
        if col not in df.columns:
            df[col] = np.nan
    df["complete"] = _complete_column(df["complete"], name)
    df = df.rename(columns={"tier": "_file_tier", "min_notional": "_file_min"})
    df["exchange"] = df["exchange"].str.lower()
    out = tiers_frame(df, source="snapshot")
    _check_bands(out, name)
    _check_constant(out, name)
    out = out.drop(columns=["_file_tier", "_file_min"])
    return out[list(SNAPSHOT_COLUMNS)]


def _complete_column(col: pd.Series, name: str) -> pd.Series:
    """``true``/``false`` per row; empty (a file written before 0.2) = not known complete."""
    text = col.fillna("false").astype(str).str.strip().str.lower()
    bad = ~text.isin(list(_BOOL))
    if bad.any():
        raise ParseError(f"{name}: complete must be true or false, not {col[bad].iloc[0]!r}")
    return text.map(_BOOL).astype(bool)


def _check_constant(df: pd.DataFrame, name: str) -> None:
    """``complete`` is said of a whole ladder: the same on each of its rows."""
    n = df.groupby(["exchange", "symbol"], sort=False)["complete"].nunique()
    if (n > 1).any():
        ex, sym = n[n > 1].index[0]
        raise ParseError(f"{name}: {ex} {sym} says complete on some rows and not on others")


def _check_bands(df: pd.DataFrame, name: str) -> None:
    """A typo in a hand-written file shows up as a band that does not start at the
    previous tier's cap, or a tier number out of sequence: refuse such files."""
    file_min = df["_file_min"].to_numpy()
    file_tier = pd.to_numeric(df["_file_tier"], errors="coerce").to_numpy(dtype="float64")
    bad = (~np.isnan(file_min) & ~np.isclose(file_min, df["min_notional"].to_numpy())) | (
        ~np.isnan(file_tier) & (file_tier != df["tier"].to_numpy())
    )
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        r = df.iloc[i]
        raise ParseError(
            f"{name}: {r['exchange']} {r['symbol']} band ending at {r['max_notional']:,.0f} "
            f"says tier {r['_file_tier']} from {r['_file_min']:,.0f}, but the sorted caps give "
            f"tier {r['tier']} from {r['min_notional']:,.0f}"
        )
