"""The program cache: a hit gives the same result as a fresh load, and any change to what the
result depends on is a miss."""

from __future__ import annotations

import dataclasses
import io
import os
import pickle
import subprocess
import sys

import pytest

from tests.conftest import PROGRAMS, ROOT
from tierlang import cache
from tierlang.loader import load_program
from tierlang.passes.monotonicity import BUDGET, search_budget

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
    return sorted(folder.glob("*.tiercache")) if folder.exists() else []


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_hit_equals_fresh_load(store, monkeypatch):
    from tierlang import loader

    first = load_program(PROGRAMS / "cloudpartner2022.tier")
    assert len(entries(store)) == 1
    monkeypatch.setattr(loader, "_load_program", None)  # a hit, or this fails
    again = load_program(PROGRAMS / "cloudpartner2022.tier")
    assert again is not first
    assert again.program == first.program
    assert again.diagnostics == first.diagnostics
    assert again.files == first.files
    assert len(entries(store)) == 1


@pytest.mark.parametrize("name", ["cloudpartner2022.tier", "cloudpartner2023-records.tier"])
def test_a_hit_parses_nothing_until_the_syntax_tree_is_read(store, monkeypatch, name):
    from tierlang import ir, loader

    first = load_program(PROGRAMS / name)
    (entry,) = entries(store)
    assert b"tierlang.syntax.ast" not in entry.read_bytes()  # the tree is not in the entry
    parses = []
    real = loader.Sources.parse
    monkeypatch.setattr(loader.Sources, "parse", lambda self, text, file: parses.append(file) or real(self, text, file))
    monkeypatch.setattr(loader, "_load_program", None)  # a hit, or this fails
    again = load_program(PROGRAMS / name)
    assert again.program == first.program and again.diagnostics == first.diagnostics
    assert parses == []
    assert ir.to_data(again.module, spans=True) == ir.to_data(first.module, spans=True)
    assert again.module.comments == first.module.comments
    assert parses == [first.module.file]  # the program file alone, once
    assert again.module is again.module


def test_a_hit_of_a_file_that_is_not_utf8_has_no_syntax_tree(store, tmp_path):
    path = tmp_path / "bad.tier"
    path.write_bytes(BASE.encode() + b"# caf\xe9\n")
    first = load_program(path)
    again = load_program(path)
    assert first.module is None and again.module is None
    assert again.diagnostics == first.diagnostics and again.diagnostics[0].code == "TL101"
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


def test_the_search_budget_is_part_of_the_key(store):
    """`tier check --witness` after `tier check` searched no longer than the first run."""
    path = ROOT / "tests" / "fixtures" / "invalid" / "ladder_contradiction.tier"  # its search evaluates 21 partners

    def evaluated(budget):
        with search_budget(budget):
            result = load_program(path)
        return sum(w["evaluated"] for d in result.diagnostics if d.data for w in d.data["witnesses"])

    assert (evaluated(5), evaluated(50), evaluated(5)) == (5, 21, 5)
    assert len(entries(store)) == 2


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


# --- an adversary who can write the cache folder (issue 17, items 1 and 8) -------------------


class _Planted:
    """Unpickling this creates the folder `marker`: the proof that an entry ran code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def _entry_name(path):
    """The entry `load_program(path)` looks up (checks on, the default search budget)."""
    return cache._key(path, path.read_bytes(), None, f"checks, search budget {BUDGET}") + cache._SUFFIX


def _sign(folder, name, payload):
    key = (folder / cache.SECRET).read_bytes()
    return cache._MAGIC + cache._mac(key, name, payload) + payload


def _plant(folder, path, marker, signed=True):
    """An entry for `path` whose unpickling runs code, signed with the real secret (as if
    it had leaked) or not."""
    name = _entry_name(path)
    payload = pickle.dumps(([], _Planted(marker)))
    (folder / name).write_bytes(_sign(folder, name, payload) if signed else cache._MAGIC + bytes(32) + payload)
    os.chmod(folder / name, 0o600)
    return folder / name


def _forged(folder, name, fresh):
    """A correctly signed entry holding `fresh` with another program title."""
    forged = dataclasses.replace(fresh, program=dataclasses.replace(fresh.program, title="Forged"))
    return _sign(folder, name, pickle.dumps(([], forged)))


@pytest.fixture
def program(store, tmp_path):
    path = write(tmp_path / "base.tier", BASE)
    fresh = load_program(path)  # creates the folder, the secret and a genuine entry
    assert fresh.ok and len(entries(store)) == 1
    return path, fresh


def test_the_folder_and_the_secret_are_private(program, store):
    assert store.stat().st_mode & 0o077 == 0
    secret = store / cache.SECRET
    assert secret.stat().st_mode & 0o777 == 0o600
    assert len(secret.read_bytes()) == 32
    (entry,) = entries(store)
    assert entry.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("signed", [True, False], ids=["leaked-secret", "unsigned"])
def test_a_planted_entry_never_runs_code(program, store, tmp_path, signed):
    path, fresh = program
    marker = tmp_path / "pwned"
    _plant(store, path, marker, signed)
    again = load_program(path)
    assert not marker.exists()
    assert again.program == fresh.program and again.diagnostics == fresh.diagnostics


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_an_entry_owned_by_another_user_is_refused(program, store, tmp_path):
    import pwd

    path, fresh = program
    (entry,) = entries(store)
    # a correctly signed entry whose program differs: only the owner check stands between
    # it and a wrong result
    entry.write_bytes(_forged(store, entry.name, fresh))
    assert load_program(path).program.title == "Forged"  # the test's forgery is well made
    os.chown(entry, pwd.getpwnam("nobody").pw_uid, -1)
    assert load_program(path).program == fresh.program
    os.chown(entry, 0, -1)
    os.chown(store, pwd.getpwnam("nobody").pw_uid, -1)  # the folder itself
    assert load_program(path).program == fresh.program


def test_a_tampered_entry_is_a_miss(program, store):
    path, fresh = program
    (entry,) = entries(store)
    data = entry.read_bytes()
    tampered = data.replace(fresh.program.title.encode(), b"Evil")
    _, changed = pickle.loads(tampered[len(cache._MAGIC) + 32 :])
    assert changed.program.title == "Evil"  # the tampering is well made
    entry.write_bytes(tampered)
    again = load_program(path)
    assert again.program == fresh.program


@pytest.mark.parametrize("target", ["folder", "entry"])
def test_cache_files_others_can_write_are_refused(program, store, tmp_path, target):
    path, fresh = program
    (entry,) = entries(store)
    entry.write_bytes(_forged(store, entry.name, fresh))
    os.chmod(store if target == "folder" else entry, 0o777 if target == "folder" else 0o666)
    assert load_program(path).program == fresh.program


def test_a_secret_others_can_read_is_refused(program, store):
    path, fresh = program
    (entry,) = entries(store)
    entry.write_bytes(_forged(store, entry.name, fresh))
    os.chmod(store / cache.SECRET, 0o644)
    assert load_program(path).program == fresh.program


def test_a_symlinked_entry_is_not_followed(program, store, tmp_path):
    path, fresh = program
    (entry,) = entries(store)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(_forged(store, entry.name, fresh))
    os.chmod(elsewhere, 0o600)
    entry.unlink()
    entry.symlink_to(elsewhere)
    assert load_program(path).program == fresh.program


def test_the_unpickler_builds_only_tierlang_values():
    import datetime as dt
    from fractions import Fraction

    from tierlang import ir

    ok = (ir.Span("f", 1, 2, 3, 4), Fraction(1, 3), dt.date(2024, 1, 2), ir.Kind.COUNT, {"a": [1, (2.5, None)]})
    assert cache._Unpickler(io.BytesIO(pickle.dumps(ok))).load() == ok
    for bad in (os.system, print, pickle.loads, cache.lookup, load_program, io.BytesIO(b"")):
        with pytest.raises(pickle.UnpicklingError):
            cache._Unpickler(io.BytesIO(pickle.dumps(bad))).load()


def test_pruning_deletes_only_what_tierlang_wrote(store, tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 2)
    store.mkdir(mode=0o700)
    mine = [store / f"{i:03}.pickle" for i in range(300)]
    for f in mine:
        f.write_bytes(b"a user's file")
    lookalike = store / ("0" * 64 + cache._SUFFIX)  # an entry's name, not its header
    lookalike.write_bytes(b"a user's file too")
    os.utime(lookalike, ns=(0, 0))  # the oldest: first in line to be pruned
    for i in range(5):
        load_program(write(tmp_path / f"p{i}.tier", BASE))
    assert all(f.exists() for f in mine) and lookalike.exists()
    assert len(entries(store)) == 3  # two entries and the lookalike


def test_an_oversized_result_is_not_cached(store, tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRY_BYTES", 1000)
    assert load_program(write(tmp_path / "base.tier", BASE)).ok
    assert entries(store) == []


def test_a_repointed_symlink_parent_is_a_miss(store, tmp_path):
    """A child that extends a symlink: repointing the link to another parent with other
    thresholds changes the result (it kept the old parent's)."""
    write(tmp_path / "one.tier", BASE)
    write(tmp_path / "five.tier", BASE.replace("people >= 1", "people >= 5"))
    link = tmp_path / "base.tier"
    link.symlink_to(tmp_path / "one.tier")
    child = write(tmp_path / "child.tier", CHILD)
    before = load_program(child)
    link.unlink()
    link.symlink_to(tmp_path / "five.tier")
    after = load_program(child)
    fresh = _uncached(child)
    assert after.program == fresh.program != before.program
    assert after.files == fresh.files


def test_a_repointed_symlink_with_the_same_bytes_is_a_miss(store, tmp_path):
    """Same parent bytes, another folder: the grandparent it names is another file."""
    for sub, threshold in (("a", "1"), ("b", "5")):
        (tmp_path / sub).mkdir()
        write(tmp_path / sub / "grand.tier", BASE.replace("people >= 1", f"people >= {threshold}"))
        write(tmp_path / sub / "parent.tier", CHILD.replace("base.tier", "grand.tier").replace("child", "parent"))
    link = tmp_path / "base.tier"
    link.symlink_to(tmp_path / "a" / "parent.tier")
    child = write(tmp_path / "child.tier", CHILD.replace('"2"', '"3"'))
    before = load_program(child)
    link.unlink()
    link.symlink_to(tmp_path / "b" / "parent.tier")
    after = load_program(child)
    assert after.program == _uncached(child).program != before.program


def test_a_missing_parent_is_not_cached(store, tmp_path):
    child = write(tmp_path / "child.tier", CHILD)
    missing = load_program(child)
    assert [d.code for d in missing.errors] == ["TL225"]
    write(tmp_path / "base.tier", BASE)
    assert load_program(child).ok


def _uncached(path):
    old = os.environ.get("TIER_NO_CACHE")
    os.environ["TIER_NO_CACHE"] = "1"
    try:
        return load_program(path)
    finally:
        if old is None:
            del os.environ["TIER_NO_CACHE"]
        else:
            os.environ["TIER_NO_CACHE"] = old


def test_a_check_the_cache_answers_imports_neither_lark_nor_polars(tmp_path):
    # what the cache is for: `tier check` starting fast. Lark (for parsing) was a fifth of such
    # a check, and came back twice through a module-level import (cli/check.py, the formatter)
    env = {**os.environ, "TIER_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("TIER_NO_CACHE", None)
    program = str(PROGRAMS / "mspp2009.tier")
    subprocess.run([sys.executable, "-m", "tierlang", "check", program], env=env, capture_output=True, check=False)  # fills it
    code = (
        "import sys\nfrom tierlang.cli import main\ntry:\n    main(['check', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('lark', 'polars') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code, program], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_an_eval_the_cache_answers_imports_no_interpreter_nor_parser(tmp_path):
    # `tier eval` pays every import (issue 18: its fixed cost is a tenth of the 1M-partner
    # target's margin): the reference interpreter, the parser, the syntax tree, the gaps
    # finder and sqlite3 are for other commands, other options or rare rows
    env = {**os.environ, "TIER_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("TIER_NO_CACHE", None)
    data = tmp_path / "partners.csv"
    data.write_text("partner_id,sellers\nP1,1\nP2,3\n")
    program = tmp_path / "p.tier"
    program.write_text(
        'program p {\n  version "1"\n  effective 2024-01-01\n}\nmetric sellers: count\n'
        "track t {\n  level silver {\n    require sellers >= 2\n  }\n}\n"
    )
    args = ["eval", str(program), str(data), "-o", str(tmp_path / "r.csv")]
    subprocess.run([sys.executable, "-m", "tierlang", *args], env=env, capture_output=True, check=True)  # fills it
    unwanted = ("tierlang.engine.interpreter", "tierlang.syntax.parser", "tierlang.syntax.ast", "tierlang.engine.gaps", "sqlite3", "lark")
    code = (
        "import sys\nfrom tierlang.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {unwanted!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "r.csv").read_text().count("silver") == 1
