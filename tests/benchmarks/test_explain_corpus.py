"""benchmarks/explain_corpus.py: the explanations it writes before and after a change to
explain's search (RESULTS.md compares the two files). It crashed on the records programs (the
same changed return value of `cli.evaluate._records_of` as bench_explain.py) and nobody ran it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.benchmarks.helpers import ROOT, run_script, script

bench_explain = script("bench_explain")

WITH_DATA = sorted(p.name for p in (ROOT / "programs").glob("*.tier") if bench_explain.has_example_data(p))


def test_the_corpus_has_every_program_with_example_data(tmp_path: Path):
    out = tmp_path / "corpus.json"
    run = run_script("explain_corpus.py", out, "--every", 2500, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    corpus = json.loads(out.read_text(encoding="utf-8"))
    assert sorted(corpus) == WITH_DATA
    for name, partners in corpus.items():
        assert partners, name
        for pid, entry in partners.items():
            assert pid in entry["text"] and entry["data"], (name, pid)
    records = [name for name in WITH_DATA if "records" in name]
    assert records and all(any(e["records"] for e in corpus[name].values()) for name in records)
    # every 2500th of examples/partners.csv's 5,000 partners; every partner of examples/records
    assert len(corpus["cloudpartner2022.tier"]) == 2
    assert "mpn2010-records.tier: skipped" in run.stderr
