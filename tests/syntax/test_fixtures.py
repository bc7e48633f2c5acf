"""Fixture files: valid programs check clean; invalid ones give their golden diagnostics."""

from __future__ import annotations

import os

import pytest

from tests.conftest import FIXTURES, check_golden
from tierlang import load_program
from tierlang.diagnostics import render_human

VALID = sorted((FIXTURES / "valid").glob("*.tier"))
INVALID = sorted((FIXTURES / "invalid").glob("*.tier"))


@pytest.fixture(autouse=True)
def _fixture_dir(monkeypatch):
    # Diagnostics name files relative to the working directory; keep them short and stable.
    monkeypatch.chdir(FIXTURES)


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_fixture_checks_clean(path):
    result = load_program(os.path.relpath(path))
    errors = [d for d in result.diagnostics if d.is_error]
    assert result.program is not None, render_human(errors, result.sources)
    assert not errors


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_diagnostics(path):
    result = load_program(os.path.relpath(path))
    assert result.diagnostics, "an invalid fixture must produce diagnostics"
    check_golden(path.with_suffix(".expected"), render_human(result.diagnostics, result.sources))
