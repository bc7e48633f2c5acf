"""Shared test configuration and helpers.

Hypothesis profiles (choose with HYPOTHESIS_PROFILE=...):
- `default`: what `make test` runs; the property tests finish in well under a minute.
- `thorough`: ten times the examples, for a deeper search before a release.
- `ci`: like default, but derandomized so CI runs are reproducible.
Tests that set their own `@settings(max_examples=...)` keep their counts in every profile.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("default", max_examples=60, **_common)
settings.register_profile("thorough", max_examples=600, **_common)
settings.register_profile("ci", max_examples=60, derandomize=True, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# The program cache (tierlang.cache) of this test run: on, as users have it, but never the
# user's own (subprocesses inherit it). tests/test_cache.py points it elsewhere per test.
os.environ["TIER_CACHE_DIR"] = tempfile.mkdtemp(prefix="tier-test-cache-")
atexit.register(shutil.rmtree, os.environ["TIER_CACHE_DIR"], ignore_errors=True)
os.environ.pop("TIER_NO_CACHE", None)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
PROGRAMS = ROOT / "programs"

#: Set TIER_UPDATE_GOLDEN=1 to rewrite golden files from the current output (then review the diff).
UPDATE_GOLDEN = os.environ.get("TIER_UPDATE_GOLDEN") == "1"


def check_golden(path: Path, actual: str) -> None:
    """Compare `actual` with the golden file at `path` (or rewrite it when updating)."""
    if UPDATE_GOLDEN:
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"missing golden file {path.relative_to(ROOT)}; run with TIER_UPDATE_GOLDEN=1 to create it")
    assert actual == path.read_text(encoding="utf-8"), f"output differs from {path.relative_to(ROOT)}"


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run the test from a temporary working directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def postgres():
    """A throw-away PostgreSQL server for the whole test session (tests/pgserver.py); skipped
    when the binaries are absent, except under CI, where .ci/run installs them."""
    from tests import pgserver

    if pgserver.find_bin() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries (initdb) not found; .ci/run should have installed Debian's postgresql")
        pytest.skip("PostgreSQL binaries (initdb) not found on PATH or in /usr/lib/postgresql/*/bin")
    server, stop = pgserver.start()
    try:
        yield server
    finally:
        stop()
