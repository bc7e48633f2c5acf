"""`tier synth --records`: the records of a synthetic population, coherent with its snapshot.

The agreement test is the contract of docs/synth.md ("Records"): `tier eval` of the snapshot
program on snapshot.csv and of the records program on the folder give the same level and
score on every partner and track. Independently of tier's records engine, the Azure metrics
of the folder are recomputed by the contract tests' reading of DESIGN §4.2
(tests/contracts/records_reference.py) and must be the snapshot's columns.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from tests.conftest import PROGRAMS, ROOT
from tests.contracts import records_reference
from tierlang.cli import main

RECORDS = str(PROGRAMS / "cloudpartner2022-records.tier")
SNAPSHOT = str(PROGRAMS / "cloudpartner2022.tier")
AS_OF = "2023-06-15"


def synth(folder: Path, *args: str) -> None:
    result = CliRunner().invoke(main, ["synth", RECORDS, "--records", "--as-of", AS_OF, "-o", str(folder), *args])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output


def tier_eval(*args: str) -> pl.DataFrame:
    out = subprocess.run(
        [sys.executable, "-m", "tierlang", "eval", *args, "--as-of", AS_OF, "-o", "-", "--format", "csv"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    return pl.read_csv(io.StringIO(out.stdout), infer_schema=False)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    # 1,500 drawn partners (a few dozen hold Azure designations), in CSV to read back exactly
    path = tmp_path_factory.mktemp("records") / "data"
    synth(path, "--rows", "1500", "--seed", "4", "--format", "csv")
    return path


def test_writes_every_table_and_the_snapshot(folder):
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["azure_usage.csv", "certifications.csv", "partners.csv", "snapshot.csv"]
    certs = pl.read_csv(folder / "certifications.csv")
    usage = pl.read_csv(folder / "azure_usage.csv", infer_schema=False)
    assert certs.columns == ["partner_id", "person_id", "certification", "linked", "earned_on", "expires_on"]
    assert usage.columns == ["partner_id", "tenant_id", "month", "service", "offer", "association", "acr_usd"]
    assert usage["month"].str.ends_with("-01").all()
    # what the readings must see: credits, ineligible offers, unlinked and lapsed people
    assert usage["acr_usd"].str.starts_with("-").any()
    assert usage["offer"].is_in(["Trial", "Support", "Internal", "Benefit Program"]).any()
    assert (~certs["linked"]).any() and certs["expires_on"].is_null().any()


def test_both_forms_give_the_same_results_on_every_partner(folder):
    records = tier_eval(RECORDS, str(folder))
    snapshot = tier_eval(SNAPSHOT, str(folder / "snapshot.csv"))
    assert records.height == snapshot.height == 1500 * 8
    joined = records.join(snapshot, on=["partner_id", "track"], suffix=":s", how="full", coalesce=True)
    assert joined.height == records.height
    for c in ("level", "score"):
        differ = joined.filter(pl.col(c).fill_null("") != pl.col(f"{c}:s").fill_null(""))
        assert differ.is_empty(), differ.head(5)
    # not a vacuous agreement: some partners are designated, and scores vary
    designated = records.filter(pl.col("level") == "designated")
    assert designated.height > 20
    assert records.filter(pl.col("track") == "data_ai")["score"].n_unique() > 20


def test_the_azure_metrics_by_an_independent_reading(folder):
    metrics = records_reference.metrics(folder, dt.date.fromisoformat(AS_OF))
    snap = pl.read_csv(folder / "snapshot.csv", infer_schema=False)
    checked = 0
    for row in snap.iter_rows(named=True):
        got = metrics[row["partner_id"]]
        for column, value in got.items():
            if column not in row:
                continue
            assert value == Fraction(Decimal(row[column])), (row["partner_id"], column, value, row[column])
            checked += 1
    assert checked > 1500 * 10


def test_deterministic_and_partner_records_do_not_depend_on_rows(tmp_path):
    synth(tmp_path / "a", "--rows", "1000", "--format", "csv")
    synth(tmp_path / "b", "--rows", "1000", "--format", "csv")
    synth(tmp_path / "c", "--rows", "1100", "--format", "csv")
    for name in ("certifications.csv", "azure_usage.csv", "snapshot.csv"):
        a = (tmp_path / "a" / name).read_bytes()
        assert a == (tmp_path / "b" / name).read_bytes()
        assert (tmp_path / "c" / name).read_bytes().startswith(a)


def test_parquet_loads_with_exact_types(tmp_path):
    synth(tmp_path / "p", "--rows", "300")
    usage = pl.read_parquet(tmp_path / "p" / "azure_usage.parquet")
    assert usage.schema["acr_usd"] == pl.Decimal(18, 2)
    assert usage.schema["month"] == pl.Date
    certs = pl.read_parquet(tmp_path / "p" / "certifications.parquet")
    assert certs.schema["linked"] == pl.Boolean and certs.schema["expires_on"] == pl.Date


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rows", "10", "-o", "x"], "--as-of"),
        (["--rows", "10", "--as-of", AS_OF, "-o", "-"], "folder"),
        (["--rows", "10", "--as-of", AS_OF, "--months", "3", "-o", "x"], "--months"),
    ],
)
def test_usage_errors(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["synth", RECORDS, "--records", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_a_program_without_records_is_refused(tmp_path):
    result = CliRunner().invoke(main, ["synth", SNAPSHOT, "--records", "--as-of", AS_OF, "-o", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "records" in result.output and "Traceback" not in result.output
