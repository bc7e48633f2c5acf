"""Lark's built grammar is kept only where nobody else can write: Lark reads it with pickle,
so a planted file would run code (docs/security.md). Lark's default, a file in the temporary
directory that anyone can create first, must never be read or written. The fast parser's
tables (JSON, read as data) live in the same folder: a later process parses valid text from
them without loading Lark's parser at all."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import lark
import pytest

from tierlang.syntax.grammar import grammar_text

pytestmark = pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")

PARSE = "from tierlang.syntax.parser import parse; assert not parse('metric a: count', 'p.tier').diagnostics"


def _parse_with_tmpdir(tmp: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp)}
    subprocess.run([sys.executable, "-c", PARSE], env=env, check=True, capture_output=True)


class _Marker:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (str(self.path),))  # what a planted pickle could do: anything


def test_the_built_grammar_lives_in_a_folder_only_this_user_can_write(tmp_path):
    _parse_with_tmpdir(tmp_path)
    assert not list(tmp_path.glob(".lark*")), "Lark's default cache file in the shared temporary directory"
    folder = tmp_path / f"tierlang-grammar-{os.geteuid()}"
    assert folder.is_dir() and folder.stat().st_mode & 0o777 == 0o700
    assert len(list(folder.glob("lark-*.pickle"))) == 1
    _parse_with_tmpdir(tmp_path)  # read back: still one file
    assert len(list(folder.glob("lark-*.pickle"))) == 1


@pytest.mark.parametrize("how", ["open to others", "a symlink"])
def test_a_folder_someone_else_could_have_written_is_not_used(tmp_path, how):
    marker = tmp_path / "ran"
    folder = tmp_path / f"tierlang-grammar-{os.geteuid()}"
    planted = tmp_path / "elsewhere"
    planted.mkdir(mode=0o700)
    if how == "a symlink":
        folder.symlink_to(planted)
    else:
        folder.mkdir()
        folder.chmod(0o777)
        planted = folder
    name = f"lark-{_name_key()}.pickle"
    (planted / name).write_bytes(b"0\n" + pickle.dumps(_Marker(marker)))
    _parse_with_tmpdir(tmp_path)
    assert not marker.exists(), "a planted grammar file was unpickled"
    assert [p.name for p in planted.iterdir()] == [name]  # nothing written there either


def _name_key() -> str:
    import hashlib

    return hashlib.sha256(f"{grammar_text()}\0{lark.__version__}\0{sys.version_info[:2]}".encode()).hexdigest()[:32]


FROM_TABLES = (
    "from tierlang.syntax import parser as P; "
    "assert not P.parse('metric a: count', 'p.tier').diagnostics; "
    # a state's own lexer (a date where only a number may stand) comes from the tables too:
    # a Lark parser built afresh would number its states differently
    "fast = P._fast_parser(); "
    "state = next(s for s, a in fast._accepts.items() if 'NUMBER' in a and 'DATE' not in a); "
    "assert fast._state_token(state, '2022-10-03', 0) == ('NUMBER', '2022'); "
    "assert P.parser.cache_info().currsize == 0, 'Lark built for valid text'; "
    "assert P.parse('metric a count', 'p.tier').diagnostics"
)


def test_a_later_process_parses_valid_text_from_the_fast_tables_without_building_lark(tmp_path):
    _parse_with_tmpdir(tmp_path)  # the first process builds Lark's parser and keeps both
    folder = tmp_path / f"tierlang-grammar-{os.geteuid()}"
    assert len(list(folder.glob("tables-*.json"))) == 1
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    # valid text without Lark (a tenth of a second of every fresh process); bad text still
    # gets Lark's parse and its diagnostics
    subprocess.run([sys.executable, "-c", FROM_TABLES], env=env, check=True, capture_output=True)


@pytest.mark.parametrize("damage", ["{", '{"start": 0}', "[]", ""])
def test_a_damaged_tables_file_is_built_again(tmp_path, damage):
    _parse_with_tmpdir(tmp_path)
    (tables,) = (tmp_path / f"tierlang-grammar-{os.geteuid()}").glob("tables-*.json")
    tables.write_text(damage)
    _parse_with_tmpdir(tmp_path)
    assert tables.read_text().startswith('{"start"') and len(tables.read_text()) > 1000
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", FROM_TABLES], env=env, check=True, capture_output=True)
