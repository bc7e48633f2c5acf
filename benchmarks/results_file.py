"""benchmarks/RESULTS.md is shared by the benchmark scripts: each owns one section between its
own markers, `<!-- NAME:start -->` and `<!-- NAME:end -->`, and rewrites only that section, so
running one benchmark never erases another's results.

Sections: `bench_run` (benchmarks/run.py: `tier eval` against the baseline), `bench_check`
(benchmarks/bench_check.py: parse + check of the shipped programs), `bench_diff`
(benchmarks/bench_diff.py: the impact diff).
"""

from __future__ import annotations

from pathlib import Path

TITLE = "# Benchmark results\n"


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def write_section(path: Path, name: str, body: str) -> None:
    """Put `body` (Markdown, without the markers) between the markers of section `name` in
    the file at `path`, leaving every byte outside them as it was. A section the file does
    not have yet goes at its end (a missing file starts with the title)."""
    start, end = markers(name)
    block = f"{start}\n{body.strip(chr(10))}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else TITLE
    i, j = text.find(start), text.find(end)
    if 0 <= i < j:
        text = text[:i] + block + text[j + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
