"""The caps of a leverage frame (levkit/client/caps.py): filled from the public ladder,
and said, never silent, when that ladder cannot be read."""

from __future__ import annotations

import math
import warnings

import pytest

import levkit as lk
from levkit.errors import FetchWarning
from levkit.sim import DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET, Simulator


def okx(sim: Simulator) -> lk.OKX:
    return lk.OKX(DEMO_KEY, DEMO_SECRET, passphrase=DEMO_PASSPHRASE, session=sim.session(),
                  max_retries=0)  # fmt: skip


def test_okx_leverage_carries_the_cap_of_its_public_ladder():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.LadderWarning)
        out = okx(Simulator()).leverage("BTC-USDT-SWAP")
    assert out["max_position_value"].notna().all() and out["max_leverage"].notna().all()


def test_a_ladder_that_cannot_be_read_leaves_the_cap_unknown_and_says_so():
    sim = Simulator()
    sim.inject("status", path="/api/v5/public/position-tiers", status=502, times=None)
    with pytest.warns(
        FetchWarning, match=r"okx: max_position_value of BTC-USDT-SWAP left unknown"
    ) as got:
        out = okx(sim).leverage("BTC-USDT-SWAP")
    assert math.isnan(out["max_position_value"].iloc[0])
    assert got[0].filename == __file__  # the warning points at the caller's line, not levkit's
