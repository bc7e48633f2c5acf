"""The program cache: a hit gives the same result as a fresh load, and any change to what the
result depends on is a miss."""

from __future__ import annotations

import os
import pickle

import pytest

from tests.conftest import PROGRAMS
from tierlang import cache
from tierlang.loader import load_program

BASE = """program base "Base" {
  version "1"
  effective 2024-01-01
}
metric people "People": count { doc "People." }
track partner "Partner" {
  level member "Member" { require people >= 1 }
}
"""

CHILD = """program child "Child" {
  extends "base.tier"
  version "2"
  effective 2025-01-01
}
"""


@pytest.fixture
def store(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("TIER_CACHE_DIR", str(folder))
    monkeypatch.delenv("TIER_NO_CACHE", raising=False)
    monkeypatch.chdir(tmp_path)
    return folder


def entries(folder):
    return sorted(folder.glob("*.pickle")) if folder.exists() else []


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_hit_equals_fresh_load(store):
    first = load_program(PROGRAMS / "cloudpartner2022.tier")
    assert len(entries(store)) == 1
    again = load_program(PROGRAMS / "cloudpartner2022.tier")
    assert again is not first
    assert again.program == first.program
    assert again.diagnostics == first.diagnostics
    assert again.files == first.files
    assert len(entries(store)) == 1


def test_options_are_part_of_the_key(store):
    import datetime as dt

    path = PROGRAMS / "cloudpartner2023.tier"
    checked = load_program(path)
    unchecked = load_program(path, checks=False)
    dated = load_program(path, dt.date(2024, 1, 1), checks=False)
    assert len(entries(store)) == 3
    assert dated.program.as_of == dt.date(2024, 1, 1)
    assert unchecked.program.as_of != dated.program.as_of
    assert len(checked.diagnostics) >= len(unchecked.diagnostics)


def test_editing_the_program_is_a_miss(store, tmp_path):
    path = write(tmp_path / "base.tier", BASE)
    assert load_program(path).ok
    write(path, BASE.replace("people >= 1", "peeple >= 1"))
    broken = load_program(path)
    assert not broken.ok
    assert any(d.code == "TL200" or "peeple" in d.message for d in broken.errors)


def test_editing_an_extended_file_is_a_miss(store, tmp_path):
    base = write(tmp_path / "base.tier", BASE)
    child = write(tmp_path / "child.tier", CHILD)
    before = load_program(child)
    assert before.ok
    write(base, BASE.replace("people >= 1", "people >= 5"))
    after = load_program(child)
    assert after.program != before.program
    base.unlink()
    gone = load_program(child)
    assert not gone.ok


def test_the_working_directory_is_part_of_the_key(store, tmp_path, monkeypatch):
    path = write(tmp_path / "base.tier", BASE.replace("people >= 1", "peeple >= 1"))
    here = load_program(path).errors[0].span.file
    sub = tmp_path / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)
    there = load_program(path).errors[0].span.file
    assert (here, there) == ("base.tier", str(path))  # outside the working directory: in full


def test_text_override_is_never_cached(store, tmp_path):
    path = write(tmp_path / "base.tier", BASE)
    load_program(path, text=BASE)
    assert entries(store) == []


def test_no_cache(store, tmp_path, monkeypatch):
    monkeypatch.setenv("TIER_NO_CACHE", "1")
    assert load_program(write(tmp_path / "base.tier", BASE)).ok
    assert entries(store) == []


@pytest.mark.parametrize("damage", [b"", b"not a pickle", pickle.dumps(("wrong", "layout"))])
def test_a_damaged_entry_is_a_miss(store, tmp_path, damage):
    path = write(tmp_path / "base.tier", BASE)
    first = load_program(path)
    (entry,) = entries(store)
    entry.write_bytes(damage)
    assert load_program(path).program == first.program


def test_an_unwritable_cache_is_ignored(store, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TIER_CACHE_DIR", str(blocker / "cache"))
    assert load_program(write(tmp_path / "base.tier", BASE)).ok


def test_least_recently_used_entries_are_pruned(store, tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    seen = {}
    for i in range(5):
        path = write(tmp_path / f"p{i}.tier", BASE)
        load_program(path)
        for e in entries(store):  # distinct, increasing times whatever the clock's resolution
            if e not in seen:
                seen[e] = i
                os.utime(e, ns=(i * 10**9, i * 10**9))
        if i == 2:
            load_program(tmp_path / "p0.tier")  # a hit: now the most recently used
    survivors = sorted(seen[e] for e in entries(store))
    assert survivors == [0, 3, 4]


def test_the_cli_uses_it(store, tmp_path):
    from click.testing import CliRunner

    from tierlang.cli import main

    path = write(tmp_path / "base.tier", BASE)
    for _ in range(2):
        res = CliRunner().invoke(main, ["check", str(path)])
        assert res.exit_code == 0, res.output
    assert len(entries(store)) == 1
