"""A corrupted Parquet file is an error that names the file, never a dead process (issue 17).

polars trusts the counts in a page header: one data page that declares -1 values makes it
allocate 2^61 bytes and abort (exit 134, nothing to catch). `tierlang.data.parquet` checks
the footer and every page header before polars opens a file; these tests corrupt small
files the way the fuzzer's find did and run every command that reads Parquet."""

from __future__ import annotations

import contextlib
import functools
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import PROGRAMS, ROOT
from tests.fuzz.run import mutate
from tierlang.data import parquet
from tierlang.data.parquet import CorruptParquet, check_parquet

PROGRAM = """program p {
  version "1"
  effective 2024-01-01
}
metric sellers: count
track t {
  level silver {
    require sellers >= 2
  }
}
"""


def _partners(path: Path, rows: int = 3) -> Path:
    pl.DataFrame({"partner_id": [f"P{i}" for i in range(rows)], "sellers": [str(i) for i in range(rows)]}).write_parquet(path)
    return path


def _negative_count(path: Path, column: int = 0) -> Path:
    """Rewrite `path` so that the first data page of `column` declares -rows values (the
    fuzzer's find: polars then aborts allocating 2^61 bytes)."""
    meta = pq.ParquetFile(path).metadata
    rows = meta.num_rows
    assert 0 < rows < 64  # the count is then one varint byte, and so is its negative
    raw = bytearray(path.read_bytes())
    at = meta.row_group(0).column(column).data_page_offset
    # DataPageHeader (field 5 of PageHeader) starts with num_values (field 1, i32, zigzag)
    hits = [raw.find(bytes([marker, 0x15, 2 * rows]), at, at + 64) for marker in (0x2C, 0x1C)]
    hit = max(hits)
    assert hit >= 0, raw[at : at + 64].hex()
    raw[hit + 2] = 2 * rows - 1
    path.write_bytes(raw)
    return path


def tier(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tierlang", *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def _says_corrupt(proc: subprocess.CompletedProcess, name: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])  # 134 before the check
    assert "Traceback" not in proc.stderr and "panicked" not in proc.stderr
    assert f"{name}:" in proc.stderr and "cannot read the Parquet file: the file is corrupt (" in proc.stderr, proc.stderr


def test_check_rejects_a_negative_value_count(tmp_path):
    path = _negative_count(_partners(tmp_path / "p.parquet"))
    with pytest.raises(CorruptParquet, match="row group 1, column 'partner_id': a data page declares a negative number"):
        check_parquet(path)


@pytest.mark.parametrize("engine", ["vectorized", "interpreter"])
def test_eval_says_which_file_is_corrupt(tmp_path, engine):
    (tmp_path / "p.tier").write_text(PROGRAM)
    _negative_count(_partners(tmp_path / "partners.parquet"))
    _says_corrupt(tier("eval", "p.tier", "partners.parquet", "--engine", engine, "-o", "r.csv", cwd=tmp_path), "partners.parquet")
    assert not (tmp_path / "r.csv").exists()


def test_explain_and_diff_say_which_file_is_corrupt(tmp_path):
    (tmp_path / "p.tier").write_text(PROGRAM)
    (tmp_path / "q.tier").write_text(PROGRAM.replace(">= 2", ">= 3"))
    _negative_count(_partners(tmp_path / "partners.parquet"), column=1)
    _says_corrupt(tier("explain", "p.tier", "partners.parquet", "--partner", "P1", cwd=tmp_path), "partners.parquet")
    _says_corrupt(tier("diff", "p.tier", "q.tier", "--data", "partners.parquet", cwd=tmp_path), "partners.parquet")


def test_a_corrupt_related_table_is_named(tmp_path):
    records = tmp_path / "records"
    records.mkdir()
    for f in (ROOT / "examples" / "records").glob("*.csv"):
        (records / f.name).write_bytes(f.read_bytes())
    certs = pl.read_csv(records / "certifications.csv", infer_schema=False).head(40)
    certs.write_parquet(tmp_path / "certs.parquet")
    _negative_count(tmp_path / "certs.parquet")
    program = str(PROGRAMS / "cloudpartner2022-records.tier")
    proc = tier("eval", program, "records", "--as-of", "2023-06-15", "--table", "certifications=certs.parquet", cwd=tmp_path)
    _says_corrupt(proc, "certs.parquet")


def test_a_corrupt_history_is_named(tmp_path):
    rules = ROOT / "tests" / "fixtures" / "history"
    pl.read_csv(rules / "history.csv", infer_schema=False).head(40).write_parquet(tmp_path / "history.parquet")
    _negative_count(tmp_path / "history.parquet")
    _says_corrupt(tier("eval", str(rules / "rules.tier"), "history.parquet", "-o", "r.csv", cwd=tmp_path), "history.parquet")


def _writers(tmp_path: Path) -> list[Path]:
    """Valid files as polars, pyarrow and DuckDB write them: compressions, data page v1 and v2,
    dictionaries on and off, several row groups, nulls, no rows, a nested column."""
    df = pl.DataFrame(
        {
            "partner_id": [f"P{i}" for i in range(300)],
            "n": [None if i % 7 == 0 else i for i in range(300)],
            "x": [i / 4 for i in range(300)],
            "tags": [[str(i)] * (i % 3) for i in range(300)],
        }
    )
    files = []
    for compression in ("zstd", "snappy", "uncompressed", "gzip", "lz4"):
        files.append(tmp_path / f"polars-{compression}.parquet")
        df.write_parquet(files[-1], compression=compression, row_group_size=64)
    files.append(tmp_path / "polars-empty.parquet")
    df.head(0).write_parquet(files[-1])
    files.append(tmp_path / "polars-nostats.parquet")
    df.write_parquet(files[-1], statistics=False, data_page_size=512)
    table = df.to_arrow()
    for version in ("1.0", "2.0"):
        for dictionary in (True, False):
            files.append(tmp_path / f"arrow-v{version}-{dictionary}.parquet")
            pq.write_table(table, files[-1], data_page_version=version, use_dictionary=dictionary, row_group_size=100, data_page_size=256)
    files.append(tmp_path / "duckdb.parquet")
    duckdb.sql("SELECT 'P' || i AS partner_id, i::DECIMAL(18, 3) AS d, [i, i + 1] AS l, {'a': i} AS s FROM range(3000) t(i)").write_parquet(
        str(files[-1]), row_group_size=1000
    )
    files.append(tmp_path / "arrow-checksum.parquet")
    pq.write_table(pa.table({"partner_id": ["P1", None]}), files[-1], write_page_checksum=True, compression="brotli")
    return files


def test_check_accepts_what_polars_pyarrow_and_duckdb_write(tmp_path):
    for path in _writers(tmp_path):
        check_parquet(path)
        pl.read_parquet(path)  # and the file is indeed readable


@pytest.mark.parametrize(
    "cut",
    [
        lambda b: b[:-1],  # no closing magic
        lambda b: b[: len(b) // 2],  # cut in half
        lambda b: b[:4] + b[5:],  # the first page header shifted by a byte
        lambda b: b"PAR1PAR1",
        lambda b: b[:-4] + b"PARE",  # an encrypted footer
        lambda b: b[:-8] + (len(b)).to_bytes(4, "little") + b"PAR1",  # a footer longer than the file
    ],
)
def test_check_rejects_broken_structure(tmp_path, cut):
    path = _partners(tmp_path / "p.parquet")
    path.write_bytes(cut(path.read_bytes()))
    with pytest.raises(CorruptParquet):
        check_parquet(path)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(["zstd", "uncompressed"]))
def test_mutated_files_pass_or_fail_the_check_and_nothing_else(tmp_path_factory, seed, compression):
    folder = tmp_path_factory.mktemp("m")
    clean = folder / "clean.parquet"
    pl.DataFrame({"partner_id": [f"P{i}" for i in range(20)], "sellers": [i for i in range(20)]}).write_parquet(
        clean, compression=compression
    )
    path = folder / "m.parquet"
    path.write_bytes(mutate(clean.read_bytes(), random.Random(seed)))
    with contextlib.suppress(CorruptParquet):  # anything else (an IndexError...) fails the test
        check_parquet(path)


def _thrift(rnd: random.Random, kind: int, depth: int) -> bytes:
    """A random Thrift compact value of type `kind`, nested up to ~20 deep (the readers refuse 16)."""
    if kind in (1, 2):
        return b""
    if kind == 3:
        return bytes([rnd.randrange(256)])
    if kind in (4, 5, 6):
        return _uvarint(rnd.choice([0, 1, 63, 64, 2**20, 2**63, rnd.randrange(2**64)]))
    if kind == 7:
        return rnd.randbytes(8)
    if kind == 8:
        return (lambda s: _uvarint(len(s)) + s)(rnd.randbytes(rnd.choice([0, 3, 20])))
    deeper = depth < 20 and rnd.random() < 0.8
    if kind in (9, 10):
        item, n = rnd.choice([1, 3, 5, 8, 9, 11, 12, 12, 0]), rnd.choice([0, 1, 2, 3, 15, 20]) if deeper else 0
        head = bytes([min(n, 15) << 4 | item]) + (_uvarint(n) if n >= 15 else b"")
        return head + b"".join(bytes([rnd.randrange(2)]) if item == 1 else _thrift(rnd, item, depth + 1) for _ in range(n))
    if kind == 11:
        n = rnd.choice([0, 1, 2]) if deeper else 0
        types = (rnd.choice([1, 5, 8, 12]), rnd.choice([2, 5, 9, 12]))
        body = b"".join((bytes([1]) if t in (1, 2) else _thrift(rnd, t, depth + 1)) for _ in range(n) for t in types)
        return _uvarint(n) + (bytes([types[0] << 4 | types[1]]) if n else b"") + body
    fields, last = b"", 0
    for _ in range(rnd.choice([0, 1, 3, 6]) if deeper or kind == 12 and depth == 0 else 0):
        kind_, field = rnd.choice([1, 2, 3, 5, 5, 6, 7, 8, 9, 11, 12, 12, 13]), rnd.choice([1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 40])
        delta = field - last
        head = bytes([delta << 4 | kind_]) if 0 < delta < 16 else bytes([kind_]) + _uvarint((field << 1) ^ (field >> 63))
        fields += head + (b"" if kind_ == 13 else _thrift(rnd, kind_, depth + 1))
        last = field
    return fields + b"\x00"


def _uvarint(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append(n & 0x7F | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


@functools.cache
def _real_headers() -> tuple[tuple[bytes, dict], ...]:
    """Footers and the first bytes of page headers as the writers of `_writers` write them,
    with what the check reads of each."""
    headers = []
    with tempfile.TemporaryDirectory() as folder:
        for path in _writers(Path(folder)):
            raw, meta = path.read_bytes(), pq.ParquetFile(path).metadata
            headers.append((raw[-8 - int.from_bytes(raw[-8:-4], "little") : -8], parquet._FOOTER))
            for g in range(meta.num_row_groups):
                for c in range(meta.num_columns):
                    column = meta.row_group(g).column(c)
                    at = column.dictionary_page_offset or column.data_page_offset
                    headers.append((raw[at : at + 300], parquet._PAGE_HEADER))
    return tuple(headers)


def _outcome(read) -> object:
    try:
        return read()
    except (IndexError, parquet._Truncated):
        return "truncated"
    except ValueError:
        return "unreadable"


def _kept(value: object, keep: object) -> object:
    """What `parquet._skim` keeps of a value `_Compact` read."""
    if isinstance(keep, dict) and isinstance(value, dict):
        return {k: _kept(v, keep[k]) for k, v in value.items() if k in keep}
    if isinstance(keep, list) and isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return [_kept(v, keep[0]) for v in value]
    return value


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(["real", "mutated", "random thrift", "random bytes"]))
def test_the_skimmer_reads_as_the_plain_reader(seed, source):
    rnd = random.Random(seed)
    keep = rnd.choice([parquet._PAGE_HEADER, parquet._FOOTER])
    if source == "random bytes":
        data = rnd.randbytes(rnd.randrange(64))
    elif source == "random thrift":
        data = _thrift(rnd, 12, 0)
        data = data[: rnd.randrange(len(data) + 1)] if rnd.random() < 0.3 else data
    else:
        data, keep = rnd.choice(_real_headers())
        data = mutate(data, rnd) if source == "mutated" else data

    def plain():
        reader = parquet._Compact(data)
        return _kept(reader.struct(0), keep), reader.pos

    assert _outcome(lambda: parquet._skim(data, 0, 0, keep)) == _outcome(plain)
