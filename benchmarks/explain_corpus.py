"""Explanations of many partners on every shipped program, as one JSON file: run it before
and after a change to explain's search and compare the files (they must be identical).
A program that reads records is explained on every partner of examples/records (as
benchmarks/bench_explain.py does), its records notes included.

    python benchmarks/explain_corpus.py OUT.json [--every N]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tierlang import load_program
from tierlang.data import load_dataset
from tierlang.engine.explain import explain_partner, render_text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_explain import explain_records_partner, has_example_data, load_example_records  # noqa: E402  (benchmarks/ is not a package)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--every", type=int, default=10, help="explain every Nth partner of examples/partners.csv (default 10)")
    args = ap.parse_args(argv)
    corpus: dict[str, dict[str, dict]] = {}
    for path in sorted((ROOT / "programs").glob("*.tier")):
        program = load_program(path, checks=False).program
        if not has_example_data(path):  # mpn2010-records: examples/records has no table of people
            print(f"{path.name}: skipped, examples/ has no data for it", file=sys.stderr)
            continue
        if program.related_tables:
            corpus[path.name] = _records_corpus(path)
            print(f"{path.name}: {len(corpus[path.name])} partners (examples/records)", file=sys.stderr)
            continue
        dataset = load_dataset(ROOT / "examples" / "partners.csv", program)
        out = corpus[path.name] = {}
        for pid in dataset.partner_ids[:: args.every]:
            ex = explain_partner(program, dataset.values(pid), None, pid)
            out[pid] = {"text": render_text(ex, program, pid), "data": [e.to_data(program) for e in ex]}
        print(f"{path.name}: {len(out)} partners", file=sys.stderr)
    args.out.write_text(json.dumps(corpus, indent=1, default=str, sort_keys=True), encoding="utf-8")
    return 0


def _records_corpus(path: Path) -> dict[str, dict]:
    program, records = load_example_records(path)
    out = {}
    for pid in records.dataset.partner_ids:
        ex, notes, text = explain_records_partner(program, records, pid)
        out[pid] = {"text": text, "data": [e.to_data(program) for e in ex], "records": [n.to_data() for n in notes]}
    return out


if __name__ == "__main__":
    sys.exit(main())
