"""Benchmark: `explain` of one partner after load (target: <= 0.1 s, DESIGN §7).

For each shipped program, loads the program and examples/partners.csv once (the "load"), then
explains every Nth partner as `tier explain` does after loading: the partner's values, the
explanation of every track (levels, traces, what is missing and the smallest changes that
close each gap) and its text. A program that reads records gets the tables of
examples/records (as of 2023-06-15, as in docs/cli.md) and every partner of them, whose
explanation also says what counted in the records. Reports the median and the slowest
partner per program, in CPU time (the machine is shared: wall time mostly measures the others'
work) and in wall time; the slowest is the one the target is judged on, since the search for
the smallest changes grows with the number of points lines a partner could still move.

    python benchmarks/bench_explain.py [--every N] [--rounds R] [--results FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tierlang import load_program
from tierlang.cli.evaluate import _records_of, _records_text
from tierlang.data import load_dataset
from tierlang.data.tables import load_records
from tierlang.engine.explain import explain_partner, prepare, render_text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from common import write_section  # noqa: E402  (benchmarks/ is not a package)

TARGET = 0.1  # seconds: explain of one partner after load (DESIGN §7)
DATA = ROOT / "examples" / "partners.csv"
RECORDS = ROOT / "examples" / "records"
RECORDS_AS_OF = dt.date(2023, 6, 15)


def has_example_data(path: Path) -> bool:
    """Whether examples/ has the data `path` reads: partners.csv, or for a records program the
    tables of examples/records (mpn2010-records reads a table of people it does not have)."""
    program = load_program(path, checks=False).program
    return not program.related_tables or all(any(RECORDS.glob(f"{t.name}.*")) for t in program.related_tables)


def explainer(path: Path, timings: dict | None = None) -> tuple[list[str], object]:
    """The partners to explain and `explain(pid) -> text`, after loading the program and its
    data once and preparing the program's explanations, as `tier explain` does (a program
    that reads records: examples/records). `timings["prepare"]`: CPU seconds of `prepare`."""
    program = load_program(path, checks=False).program
    if not program.related_tables:
        dataset = load_dataset(DATA, program)
        _prepare(program, timings)

        def explain(pid: str) -> str:
            return render_text(explain_partner(program, dataset.values(pid), None, pid), program, pid)

        return dataset.partner_ids, explain
    program, records = load_example_records(path)
    _prepare(program, timings)

    def explain_records(pid: str) -> str:
        return explain_records_partner(program, records, pid)[2]

    return records.dataset.partner_ids, explain_records


def load_example_records(path: Path) -> tuple[object, object]:
    """(program, records) of a program that reads records: the program as of RECORDS_AS_OF and
    the tables of examples/records, loaded as `tier explain` loads them (with the module that
    explains records)."""
    import tierlang.records.explain  # noqa: F401  (as `tier explain` imports it with the tables)

    program = load_program(path, RECORDS_AS_OF, checks=False).program
    return program, load_records(RECORDS, program, on_error="report")


def explain_records_partner(program, records, pid: str) -> tuple[list, list, str]:
    """(explanations, records notes, text) of partner `pid` of a program that reads records,
    as `tier explain` gives them: the text ends with what counted in the records.
    benchmarks/explain_corpus.py writes the same."""
    values, notes, traces = _records_of(program, records, pid, records.dataset.values(pid), ())
    explained = explain_partner(program, values, None, pid)
    return explained, notes, render_text(explained, program, pid) + _records_text(program, explained, notes, traces)


def _prepare(program, timings: dict | None) -> None:
    c0 = time.process_time()
    prepare(program)
    if timings is not None:
        timings["prepare"] = time.process_time() - c0


def _as_the_cli_runs():
    """What `tier explain` does once its data is loaded: what was loaded is frozen (`gc.freeze`)
    and, as the CLI runs every command (cli._LazyGroup.invoke), young objects are collected
    less often. Returns the collector's thresholds to restore."""
    gc.freeze()
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], 20_000), *threshold[1:])
    return threshold


def first_explanation(path: Path) -> float:
    """CPU seconds of the first explanation after load in this process (of the last partner)."""
    partners, explain = explainer(path)
    _as_the_cli_runs()
    c0 = time.process_time()
    explain(partners[-1])
    return time.process_time() - c0


def first_in_fresh_processes(path: Path, rounds: int) -> list[float]:
    """`first_explanation` in `rounds` new processes: only a new process has it to pay."""
    out = []
    for _ in range(rounds):
        run = subprocess.run([sys.executable, __file__, "--first-only", str(path)], capture_output=True, text=True, check=True, timeout=300)
        out.append(float(run.stdout.split()[-1]))
    return out


def in_own_process(path: Path, every: int, rounds: int) -> dict:
    """`bench_program` in a new process, as `tier explain` explains one program's partners: in
    one process after another program's thousand explanations, the records programs' took up
    to half again as long (the process's heap, not the program)."""
    run = subprocess.run(
        [sys.executable, __file__, "--program-only", str(path), "--every", str(every), "--rounds", str(rounds)],
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    if run.returncode != 0:
        raise SystemExit(f"bench_explain of {path.name} failed (exit {run.returncode}):\n{run.stderr}")
    return json.loads(run.stdout.splitlines()[-1])


def bench_program(path: Path, every: int, rounds: int) -> dict:
    timings: dict = {}
    partners, explain = explainer(path, timings)
    threshold = _as_the_cli_runs()
    try:
        row = _timed(path, partners, explain, every, rounds)
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()
    firsts = first_in_fresh_processes(path, rounds)
    row["cpu first"] = min(firsts)
    row["cpu first max"] = max(firsts)
    row["cpu prepare"] = timings["prepare"]
    return row


def _timed(path: Path, partners: list[str], explain, every: int, rounds: int) -> dict:
    # every partner of examples/records (eight); every Nth of examples/partners.csv (a larger N
    # than it has partners explains one, as any N: never all 5,000)
    ids = partners if load_program(path, checks=False).program.related_tables else partners[::every]
    explain(partners[-1])  # the first one is measured in new processes (first_in_fresh_processes)
    # Every partner `rounds` times, a round over all partners after another: a partner's time
    # is its least CPU time, what its explanation costs; the machine's other work only ever
    # adds to it, in bursts that a round spreads over different partners.
    cpu: dict[str, list[float]] = {pid: [] for pid in ids}
    wall: dict[str, list[float]] = {pid: [] for pid in ids}
    for _ in range(rounds):
        for pid in ids:
            t0, c0 = time.perf_counter(), time.process_time()
            explain(pid)
            wall[pid].append(time.perf_counter() - t0)
            cpu[pid].append(time.process_time() - c0)
    least = {pid: min(ts) for pid, ts in cpu.items()}
    slowest = max(ids, key=least.__getitem__)
    return {
        "program": path.name,
        "partners": len(ids),
        "median": statistics.median(min(ts) for ts in wall.values()),
        "max": max(min(ts) for ts in wall.values()),
        "slowest": slowest,
        "cpu median": statistics.median(least.values()),
        "cpu max": least[slowest],
        "cpu max once": max(max(ts) for ts in cpu.values()),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--every", type=int, default=25, help="explain every Nth partner of examples/partners.csv (default 25: 200 partners)")
    ap.add_argument(
        "--rounds", type=int, default=3, help="explain each partner this many times, in rounds, and count its least CPU time (default 3)"
    )
    ap.add_argument("--results", type=Path, default=None, help="also write the bench_explain section of this Markdown file")
    ap.add_argument("--first-only", type=Path, default=None, help=argparse.SUPPRESS)  # one new process's first explanation
    ap.add_argument("--program-only", type=Path, default=None, help=argparse.SUPPRESS)  # one program's row, as JSON
    args = ap.parse_args(argv)
    if args.first_only is not None:
        print(f"{first_explanation(args.first_only):.6f}")
        return 0
    if args.program_only is not None:
        print(json.dumps(bench_program(args.program_only, args.every, args.rounds)))
        return 0
    if args.rounds < 1 or args.every < 1:
        ap.error("--every and --rounds must be at least 1")
    load_before = os.getloadavg()
    programs = sorted((ROOT / "programs").glob("*.tier"))
    skipped = [p.name for p in programs if not has_example_data(p)]
    for name in skipped:
        print(f"{name}: skipped, examples/ has no data for it", file=sys.stderr)
    rows = [in_own_process(p, args.every, args.rounds) for p in programs if p.name not in skipped]
    print(
        f"{'program':30} {'partners':>8} {'median':>9} {'slowest':>9} {'CPU med':>9} {'CPU max':>9} {'CPU 1st':>9}"
        f" {'max once':>9} {'prepare':>9}  (partner)"
    )
    for r in rows:
        print(
            f"{r['program']:30} {r['partners']:>8} {r['median'] * 1000:>7.1f}ms {r['max'] * 1000:>7.1f}ms"
            f" {r['cpu median'] * 1000:>7.1f}ms {r['cpu max'] * 1000:>7.1f}ms {r['cpu first'] * 1000:>7.1f}ms"
            f" {r['cpu max once'] * 1000:>7.1f}ms {r['cpu prepare'] * 1000:>7.1f}ms  ({r['slowest']})"
        )
    worst = max(max(r["cpu max"], r["cpu first"]) for r in rows)  # the first one too: a process explains one
    print(
        f"slowest explain: {worst * 1000:.1f} ms CPU (least of {args.rounds}; target <= {TARGET * 1000:.0f} ms): "
        f"{'ok' if worst <= TARGET else 'OVER TARGET'}; load average {os.getloadavg()[0]:.1f}"
    )
    if args.results is not None:
        write_section(args.results, "bench_explain", _section(rows, args.every, args.rounds, worst, load_before, skipped))
        print(f"wrote the bench_explain section of {args.results}")
    return 0 if worst <= TARGET else 1


def _section(rows: list[dict], every: int, rounds: int, worst: float, load_before: tuple[float, ...], skipped: list[str]) -> str:
    load = f"{' / '.join(f'{x:.2f}' for x in load_before)} before, {' / '.join(f'{x:.2f}' for x in os.getloadavg())} after"
    return "\n".join(
        [
            "## `explain` of one partner after load (benchmarks/bench_explain.py)",
            "",
            f"Measured {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}; load average (1/5/15 min) {load}. Each shipped "
            f"program and examples/partners.csv loaded once, then every {every}th partner explained as `tier explain` does "
            "after loading: its values, every track's explanation (traces, what is missing, the smallest changes that "
            "close each gap) and the text. A program that reads records: the tables of examples/records as of "
            f"{RECORDS_AS_OF.isoformat()}, every partner of them, its records read and explained too. Each partner is "
            f"explained {rounds} times, in {rounds} rounds over all the partners, and its time is the least of them; the "
            "slowest partner is the one whose least CPU time is the most.",
            "",
            "| program | partners explained | median (ms) | slowest (ms) | slowest partner | CPU median (ms) | CPU slowest (ms) "
            "| CPU of the first explanation (ms) | CPU, slowest single run (ms) | CPU of `prepare`, in the load (ms) |",
            "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|",
            *[
                f"| {r['program']} | {r['partners']} | {r['median'] * 1000:.1f} | {r['max'] * 1000:.1f} | {r['slowest']} "
                f"| {r['cpu median'] * 1000:.1f} | {r['cpu max'] * 1000:.1f} | {r['cpu first'] * 1000:.1f} "
                f"| {r['cpu max once'] * 1000:.1f} | {r['cpu prepare'] * 1000:.1f} |"
                for r in rows
            ],
            *(["", f"Not measured: {', '.join(skipped)} (examples/ has no data it reads)."] if skipped else []),
            "",
            "CPU time (this process, all threads) is what the target is judged on here: the two cores are shared, "
            "and wall time mostly measures the other jobs' work. The least of several runs is what the explanation "
            "costs: on this machine a partner's CPU time sometimes doubles for a few tens of explanations in a row (the "
            "same partners re-measure at their usual time), which only adds; the slowest single run is shown beside it. "
            "As `tier explain` does, the program's static facts are prepared as part of the load "
            "(`tierlang.engine.explain.prepare`: each score line's metrics, cap and target; its own column) and what "
            "was loaded is frozen (`gc.freeze`), young objects collected every 20,000 allocations, not 700. Each program "
            "is measured in a process of its own, as `tier explain` runs. The first "
            "explanation is measured in new processes (as many as rounds; the least): only a new process pays for "
            "what it sets up.",
            "",
            f"Target (DESIGN §7): explain of one partner ≤ {TARGET * 1000:.0f} ms after load. Slowest: {worst * 1000:.1f} ms CPU, "
            + ("**met**." if worst <= TARGET else "**not met**."),
            "",
            "Where the time goes: the Cloud Partner scores have five to seven metrics that earn points, and for a partner "
            "short of 70 points the plans search combinations of up to three of them, each over a grid of values, every "
            "trial an evaluation of the score (some 1,400 trials per partner). When this benchmark was first run the "
            "median was 351 ms and the slowest 680 ms on cloudpartner2022; pruning the search (combinations that cannot "
            "reach the goal, grid rows walked from their farthest pick inward, binary-search scores reused) brought the "
            "slowest to 163 ms (2026-11-25). Issue 18 then took the trials off the traced interpreter: "
            "`tierlang.engine.whatif.ScoreFunction` computes a trial's points with the interpreter's own exact values but "
            "without building traces, sums in integer pairs normalised once, each line's points and gate memoised on the "
            "values of the metrics it reads (most trials change one metric); a count's steps are computed in ints; the "
            "program's static line facts (caps, targets) are shared by the explanations of one program. "
            "The explanations are word for word the same: benchmarks/explain_corpus.py wrote the text and JSON of "
            "every 10th partner (500 per program, 2,000 in all) before and after, and the files are identical. "
            "Tried without gain earlier: memoising whole-score trials, a bound on effort across combinations, a "
            "staircase search along grid rows. Not done: evaluating a score as one piecewise-linear function of the "
            "metric searched (tierlang.engine.linear), which would replace the binary search over steps.",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
