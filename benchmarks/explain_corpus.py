"""Explanations of many partners on every shipped program, as one JSON file: run it before
and after a change to explain's search and compare the files (they must be identical).

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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--every", type=int, default=10, help="explain every Nth partner of examples/partners.csv (default 10)")
    args = ap.parse_args(argv)
    corpus: dict[str, dict[str, dict]] = {}
    for path in sorted((ROOT / "programs").glob("*.tier")):
        program = load_program(path, checks=False).program
        try:
            dataset = load_dataset(ROOT / "examples" / "partners.csv", program)
        except Exception as e:  # a program whose columns examples/partners.csv lacks (records)
            print(f"{path.name}: skipped ({type(e).__name__})", file=sys.stderr)
            continue
        out = corpus[path.name] = {}
        for pid in dataset.partner_ids[:: args.every]:
            ex = explain_partner(program, dataset.values(pid), None, pid)
            out[pid] = {"text": render_text(ex, program, pid), "data": [e.to_data(program) for e in ex]}
        print(f"{path.name}: {len(out)} partners", file=sys.stderr)
    args.out.write_text(json.dumps(corpus, indent=1, default=str, sort_keys=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
