"""`make fuzz`: programs and datasets, generated and corrupted, must never end in a traceback.

    python -m tests.fuzz.run [--programs N] [--datasets M] [--seed S] [--out DIR]
                             [--state FILE] [--shard I/K]
    python -m tests.fuzz.run --summary STATE...

Programs (N, default 100,000) come from four sources, in turn: valid programs of every
construct (tests/engine/strategies.py), syntax trees printed by the formatter
(tests/syntax/strategies.py), token soups, and the shipped programs (their parents beside
them, so that `extends` finds them); each is then
byte-mutated with probability 3/4 (bytes flipped, deleted, duplicated or inserted from a
list of troublemakers: quotes, braces, line breaks, NUL, a byte-order mark, invalid UTF-8,
huge numbers, escape sequences). Every program is loaded with all checks, its diagnostics
rendered in the three formats; a valid one is also formatted (and the result must parse to
the same program), rendered as a guide, evaluated on its own sample partners (`tier test`)
and, when mutated, compared with the program it came from (`tier diff`).

Datasets (M, default 10,000): a valid program and partners around its constants
(tests/engine/strategies.py), written as CSV, JSON Lines or Parquet, then corrupted by the
same mutations; `tier eval` runs on it through the CLI (either engine, and `tier explain`
with the interpreter) and must exit 0, 1 or 2 without a traceback, in at most `TIMEOUT`
CPU seconds.

A failure (an exception, a traceback printed, a timeout) is saved in --out with what was
run, the run goes on, and the exit code is 1 when there was any. N and M count *distinct*
cases: a case identical to an earlier one is counted as drawn but not run again (outcome
"repeat of an earlier case"), and drawing goes on until N and M distinct cases have run.
Hypothesis draws the inputs (no shrinking: a run of 100,000 must not stop at the first
find), in chunks of `CHUNK` cases, chunk k from seed `S * 1,000,000 + k`; program and
dataset chunks alternate, so that a run stopped early has done some of both.

A long run keeps a log (--state FILE): every case's digest and outcome, every chunk done.
Run the same command again to resume it: the chunks done are skipped, and the cases done in
an unfinished chunk are recognised as repeats and not run again. `--shard I/K` runs only the
chunks k with k % K == I, so that K processes share one campaign (each with its own state
file); `--summary STATE...` adds their logs up (distinct cases over all of them)."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import random
import signal
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

import hypothesis
import hypothesis.errors
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.engine.strategies import programs_with_data
from tests.syntax import strategies as S
from tests.syntax.test_robustness import TOKENS
from tierlang import load_program
from tierlang.cli import main as cli
from tierlang.diagnostics import render_gnu, render_human, render_json
from tierlang.passes.monotonicity import search_budget

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [p.read_bytes() for p in sorted((ROOT / "programs").glob("*.tier"))]
#: CPU seconds one case may take before it counts as a runaway (and ten times that in real
#: time).
TIMEOUT = 60
#: Partners a monotonicity witness search may evaluate (tier check: 500), in every command
#: a case runs: the searches run all the same, for a fraction of the time.
SEARCH = 20

_TROUBLE = [
    b'"',
    b"{",
    b"}",
    b"(",
    b",",
    b"\n",
    b"\r",
    b"\r\n",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3",
    b"\x1b]52;c;aGk=\x07",
    b"\xe2\x80\xae",
    b"9" * 40,
    b"1e308",
    b"-",
    b".",
    b"=",
    b"NaN",
    b" ",
    b"\t",
    b"#",
    b'"""',
    b"extends ",
    b"choose best ",
    b"null",
    b"[",
]


def mutate(data: bytes, rnd: random.Random) -> bytes:
    """`data` with 1 to 8 random edits: flips, deletions, duplications, insertions."""
    b = bytearray(data)
    for _ in range(rnd.randint(1, 8)):
        n = len(b)
        op = rnd.randrange(6)
        at = rnd.randrange(n + 1)
        if op == 0 and n:
            b[min(at, n - 1)] = rnd.randrange(256)
        elif op == 1 and n:
            del b[at : at + rnd.randint(1, 16)]
        elif op == 2 and n:
            start = rnd.randrange(n)
            b[at:at] = b[start : start + rnd.randint(1, 64)]
        elif op == 3:
            b[at:at] = rnd.choice(_TROUBLE)
        elif op == 4 and n:
            del b[rnd.randrange(n) :]  # truncated
        else:
            b[at:at] = bytes([rnd.randrange(256)])
    return bytes(b)


#: The outcome counted for a case identical to an earlier one (not run again).
REPEAT = "repeat of an earlier case"


class Runaway(Exception):
    pass


@contextlib.contextmanager
def deadline(seconds: float, wall: float | None = None):
    """Raise `Runaway` in the block once it has used `seconds` of CPU time (all threads), or
    `wall` seconds of real time (default ten times `seconds`: a case that waits without
    working). CPU time, because a fuzz run shares its machine: starved of the processor, a
    case of one CPU second took over 60 real ones."""

    def fire(signum, frame):
        what = f"{seconds:g} CPU seconds" if signum == signal.SIGPROF else f"{wall:g} seconds"
        raise Runaway(f"still running after {what}")

    wall = wall or 10 * seconds
    old = signal.signal(signal.SIGPROF, fire), signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    signal.setitimer(signal.ITIMER_REAL, wall)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGPROF, old[0])
        signal.signal(signal.SIGALRM, old[1])


class Campaign:
    """Counts and failures of one run; failures are written to `out`, and with `state` every
    case and chunk done is logged there (resuming a run reads the log back)."""

    def __init__(self, out: Path, state: Path | None = None) -> None:
        self.out = out
        self.runs: dict[str, int] = {}  # cases drawn, repeats included
        self.failures: list[str] = []
        self.outcomes: dict[str, int] = {}
        self.seen: dict[bytes, str] = {}  # digest of a case's inputs -> its outcome
        self.distinct: dict[str, int] = {}  # cases run (not repeats)
        self.chunks: set[tuple[str, int]] = set()  # chunks done, as (kind, k)
        self.log = None
        if state is not None:
            if state.exists():
                self._resume(state)
            self.log = state.open("a", encoding="utf-8")

    def _resume(self, state: Path) -> None:
        for line in state.read_text(encoding="utf-8").splitlines():
            tag, _, rest = line.partition(" ")
            if tag == "case":
                kind, digest, outcome = rest.split(" ", 2)
                self.seen[bytes.fromhex(digest)] = outcome
                self.distinct[kind] = self.distinct.get(kind, 0) + 1
                self.runs[kind] = self.runs.get(kind, 0) + 1
                self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
            elif tag == "failure":
                self.failures.append(rest)
            elif tag == "chunk":
                kind, k = rest.split(" ")
                self.chunks.add((kind, int(k)))

    def _write(self, line: str) -> None:
        if self.log is not None:
            self.log.write(line + "\n")
            self.log.flush()

    def chunk_done(self, kind: str, k: int) -> None:
        self.chunks.add((kind, k))
        self._write(f"chunk {kind} {k}")

    def case(self, kind: str, files: dict[str, bytes], what: str, fn) -> None:
        """Run `fn` (the checks of one case, on `files`) under the deadline; an exception is a
        failure. A case whose files are byte for byte those of an earlier one is counted
        (as REPEAT) but not run again: the checks are deterministic, and an unmutated shipped
        program, drawn once in sixteen cases, costs as much as dozens of generated ones."""
        self.runs[kind] = self.runs.get(kind, 0) + 1
        digest = hashlib.sha256(repr(sorted(files.items())).encode()).digest()
        if digest in self.seen:
            self.outcomes[REPEAT] = self.outcomes.get(REPEAT, 0) + 1
            return
        self.distinct[kind] = self.distinct.get(kind, 0) + 1
        if self.distinct[kind] % 500 == 0:  # a long run interrupted still says how far it got
            print(
                f"{self.distinct[kind]:,} distinct {kind}s ({self.runs[kind]:,} drawn), {len(self.failures)} failures so far",
                file=sys.stderr,
                flush=True,
            )
        try:
            with deadline(TIMEOUT), search_budget(SEARCH):
                outcome = fn()
        except (KeyboardInterrupt, SystemExit):
            self.distinct[kind] -= 1  # not done: a resumed run does it
            raise
        except BaseException:  # pyo3's PanicException is a BaseException
            folder = self.out / f"{kind}-{len(self.failures):04}"
            folder.mkdir(parents=True, exist_ok=True)
            for name, content in files.items():
                (folder / name).write_bytes(content)
            (folder / "failure.txt").write_text(f"{what}\n\n{traceback.format_exc()}", encoding="utf-8")
            self.failures.append(str(folder))
            self._write(f"failure {folder}")
            print(f"FAILURE {folder}: {traceback.format_exc().strip().splitlines()[-1]}", file=sys.stderr, flush=True)
            outcome = "failure"
        self.seen[digest] = outcome
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        self._write(f"case {kind} {digest.hex()} {outcome}")


def check_program(text: bytes, folder: Path, base: bytes | None = None) -> str:
    """Load `text` as a program with every check; render what it says; when valid, format,
    re-parse, write the guide, evaluate its sample partners and compare it with `base` (the
    program it was mutated from) by `tier diff`. Raises on any defect."""
    path = folder / "fuzz.tier"
    path.write_bytes(text)
    result = load_program(path)
    for d in result.diagnostics:
        assert d.code.startswith("TL") and d.message, d
    render_human(result.diagnostics, result.sources)
    render_gnu(result.diagnostics)
    render_json(result.diagnostics)
    if not result.ok:
        return "program refused"
    from tierlang.render import render_guide
    from tierlang.syntax.formatter import format_module

    formatted = format_module(result.module)
    again = load_program(folder / "formatted.tier", text=formatted, checks=False)
    assert again.ok and again.program.content_hash == result.program.content_hash, "tier fmt changed the program"
    render_guide(result.program, "md", audience="reviewer")
    out = _cli("test", str(path))
    assert out.exit_code in (0, 1), out.output
    if base is not None:
        (folder / "base.tier").write_bytes(base)
        _cli("diff", str(folder / "base.tier"), str(path))
        return "program valid after mutation"
    return "program valid"


def _cli(*args: str):
    result = CliRunner().invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    text = result.output + result.stderr
    assert "Traceback" not in text, text
    assert result.exit_code in (0, 1, 2), result.exit_code
    return result


def write_data(fmt: str, data: dict[str, list[str | None]], path: Path) -> None:
    """The partners `data` ({column: [text | None]}) as `fmt` (csv, jsonl or parquet)."""
    columns = list(data)
    rows = list(zip(*data.values()))
    if fmt == "csv":
        import csv

        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(columns)
            w.writerows([["" if v is None else v for v in row] for row in rows])
    elif fmt == "jsonl":
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                obj = {c: (None if v is None else _json_value(v)) for c, v in zip(columns, row)}
                fh.write(json.dumps(obj).replace('"\\u0000NUM:', "").replace('\\u0000"', "") + "\n")
    else:
        import polars as pl

        pl.DataFrame({c: pl.Series(c, v, dtype=pl.String) for c, v in data.items()}).write_parquet(path)


def _json_value(text: str):
    # numbers as JSON numbers, exactly as written (json.dumps would round-trip through float)
    if text in ("true", "false"):
        return text == "true"
    try:
        float(text)
        return f"\0NUM:{text}\0"
    except ValueError:
        return text


def check_dataset(program: str, fmt: str, raw: bytes, engine: str, folder: Path) -> str:
    """`tier eval` of `program` on the data file `raw`: any exit but a traceback is fine."""
    (folder / "p.tier").write_text(program, encoding="utf-8")
    data = folder / f"d.{fmt}"
    data.write_bytes(raw)
    out = _cli(
        "eval",
        str(folder / "p.tier"),
        str(data),
        "--engine",
        engine,
        "-o",
        str(folder / "r.csv"),
        "--on-error",
        "report",
        "--rejects",
        str(folder / "rejects.csv"),
    )
    if engine == "interpreter":  # half of the cases: explain the first partner too
        _cli("explain", str(folder / "p.tier"), str(data), "--partner", "P0", "--format", "json")
    return f"eval exit {out.exit_code}"


def work_folder(work: Path | None = None) -> Path:
    """A folder for the cases (`work`, else a new temporary one), holding the shipped
    programs: the parents that the shipped programs (and their mutants) extend."""
    work = work or Path(tempfile.mkdtemp(prefix="tier-fuzz-"))
    for path in (ROOT / "programs").glob("*.tier"):
        (work / path.name).write_bytes(path.read_bytes())
    return work


#: Cases drawn per Hypothesis run, per kind: a resumed run redoes at most one chunk's drawing.
CHUNK = {"program": 1000, "dataset": 100}


def run(programs: int, datasets: int, seed: int, out: Path, state: Path | None = None, shard: tuple[int, int] = (0, 1)) -> Campaign:
    """Run cases until `programs` and `datasets` distinct ones have run (in this shard)."""
    campaign = Campaign(out, state)
    common = dict(
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    work = work_folder()
    soups = st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join)
    sources = st.one_of(
        programs_with_data(max_rows=3).map(lambda t: t[0]),
        S.modules.map(_format),
        soups,
        st.sampled_from(SHIPPED).map(lambda b: b.decode("utf-8")),
    )

    # A case makes all its draws (`rnd` included) before it may stop early: Hypothesis
    # refuses a run in which the same choices once draw more and once fewer.
    def program_case(text, rnd, dice):
        raw = base = text.encode("utf-8")
        if dice:
            raw = mutate(raw, rnd)
        if enough("program"):
            return
        campaign.case(
            "program",
            {"fuzz.tier": raw, "base.tier": base},
            "tier check / fmt / docs / test of fuzz.tier, tier diff base.tier fuzz.tier",
            lambda: check_program(raw, work, base if dice else None),
        )

    def dataset_case(drawn, fmt, rnd):
        program, data = drawn
        path = work / f"clean.{fmt}"
        write_data(fmt, data, path)
        raw = mutate(path.read_bytes(), rnd)
        engine = rnd.choice(["vectorized", "interpreter"])
        if enough("dataset"):
            return
        campaign.case(
            "dataset",
            {"p.tier": program.encode("utf-8"), f"d.{fmt}": raw},
            f"tier eval p.tier d.{fmt} --engine {engine} --on-error report",
            lambda: check_dataset(program, fmt, raw, engine, work),
        )

    draws = {
        "program": (program_case, (sources, st.randoms(use_true_random=False), st.integers(0, 3))),
        "dataset": (
            dataset_case,
            (programs_with_data(max_rows=12, big=True), st.sampled_from(["csv", "jsonl", "parquet"]), st.randoms(use_true_random=False)),
        ),
    }
    targets = {"program": programs, "dataset": datasets}

    def enough(kind: str) -> bool:
        return campaign.distinct.get(kind, 0) >= targets[kind]

    index, count = shard
    k = index
    while any(campaign.distinct.get(kind, 0) < target for kind, target in targets.items()):
        for kind, target in targets.items():
            left = target - campaign.distinct.get(kind, 0)
            if left <= 0 or (kind, k) in campaign.chunks:
                continue
            body, strategies = draws[kind]
            # Whole chunks, but the last one only a little more than what is left (its repeats
            # leave it short; what it draws beyond the target is not run). Not a chunk of one
            # case each: Hypothesis draws its simplest case first, every chunk the same one.
            size = min(CHUNK[kind], left + left // 4 + 20)
            test = settings(max_examples=size, **common)(given(*strategies)(body))
            hypothesis.seed(seed * 1_000_000 + k)(test)()
            if size == CHUNK[kind]:
                campaign.chunk_done(kind, k)  # else a resumed run with a larger target draws it again
        k += count
    return campaign


def summary(states: list[Path]) -> dict:
    """Distinct cases and failures over the state files of one campaign's shards."""
    seen: dict[str, set[str]] = {}
    outcomes: dict[str, int] = {}
    failures: list[str] = []
    for state in states:
        for line in state.read_text(encoding="utf-8").splitlines():
            tag, _, rest = line.partition(" ")
            if tag == "case":
                kind, digest, outcome = rest.split(" ", 2)
                if digest not in seen.setdefault(kind, set()):
                    seen[kind].add(digest)
                    outcomes[outcome] = outcomes.get(outcome, 0) + 1
            elif tag == "failure":
                failures.append(rest)
    return {
        "programs": len(seen.get("program", ())),
        "datasets": len(seen.get("dataset", ())),
        "outcomes": dict(sorted(outcomes.items())),
        "failures": failures,
    }


def _format(module) -> str:
    from tierlang.syntax.formatter import format_module

    return format_module(module)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--programs", type=int, default=100_000, help="distinct programs to run")
    parser.add_argument("--datasets", type=int, default=10_000, help="distinct datasets to run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("build/fuzz"), help="where failures are saved")
    parser.add_argument("--state", type=Path, help="log of the cases done; an existing one is resumed")
    parser.add_argument("--shard", default="0/1", help="I/K: run the chunks k with k %% K == I")
    parser.add_argument("--summary", type=Path, nargs="+", metavar="STATE", help="add up state files and exit")
    args = parser.parse_args()
    if args.summary:
        print(json.dumps(summary(args.summary), indent=2))
        return 0
    index, count = (int(x) for x in args.shard.split("/"))
    os.environ["TIER_NO_CACHE"] = "1"  # the cache has its own tests; a fuzz run must not fill it
    # the loader raises the recursion limit for deep programs; hypothesis says so each time
    warnings.filterwarnings("ignore", category=hypothesis.errors.HypothesisWarning)
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        campaign = run(args.programs, args.datasets, args.seed, args.out, args.state, (index, count))
    seconds = time.perf_counter() - start
    result = {
        "programs": campaign.distinct.get("program", 0),
        "datasets": campaign.distinct.get("dataset", 0),
        "drawn": campaign.runs,
        "outcomes": dict(sorted(campaign.outcomes.items())),
        "failures": len(campaign.failures),
        "seconds": round(seconds, 1),
        "seed": args.seed,
        "shard": args.shard,
    }
    print(json.dumps(result, indent=2))
    if campaign.failures:
        print(f"{len(campaign.failures)} failures, saved in {args.out}", file=sys.stderr)
    return 1 if campaign.failures else 0


if __name__ == "__main__":
    sys.exit(main())
