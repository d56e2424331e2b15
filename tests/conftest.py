"""Shared fixtures: fake credentials and a fake clock.  No test touches the network."""

from __future__ import annotations

import pytest

FAKE_KEY = "test-key-0000"
FAKE_SECRET = "test-secret-not-real-0000"


class FakeClock:
    """Epoch-seconds clock whose ``sleep`` advances time instead of waiting."""

    def __init__(self, start: float = 1_700_000_000.0):
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _no_exchange_env(monkeypatch):
    """Keys in the developer's environment must not leak into tests (every venue's)."""
    from levkit.venues import venues

    for v in venues():
        for suffix in ("API_KEY", "API_SECRET", "PASSPHRASE", "TESTNET", "ADDRESS"):
            monkeypatch.delenv(f"{v.env_prefix}_{suffix}", raising=False)


@pytest.fixture(autouse=True)
def _user_snapshot_dir(monkeypatch, tmp_path_factory):
    """The user's real snapshot folder must not leak into tests: an empty one per test."""
    monkeypatch.setenv("LEVKIT_DATA_DIR", str(tmp_path_factory.mktemp("levkit-user-data")))
