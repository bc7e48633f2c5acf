"""Benchmark: diagnostics latency of `tier lsp` after an edit (target: <= 0.2 s for the largest
shipped program).

A scripted client starts `tier lsp` as a subprocess and talks to it over standard input and
output, as an editor does. For each shipped program it opens the file and, for ROUNDS edits
spread over the file, measures the wall time from sending `textDocument/didChange` to
receiving the `textDocument/publishDiagnostics` for that version:
- typo:   a metric's name in a rule gets a letter more (TL200 expected);
- back:   the letter removed again (the opened file's diagnostics expected);
- number: a parameter's value changed (the program means something new: every check runs);
- undo:   that value restored.
"first" is when the first list for the version arrived (errors are known), "complete" when the
list holding every finding arrived (checked against the same text checked in this process).

With `--requests N`, it then asks what an editor asks of a file (default: the records
programs, whose names the index resolves through their tables): hover, definition, type
definition and references at N names spread over the file, completion at the end of each (as if it had just
been typed), the outline and the semantic tokens; it counts the requests that fail and
reports each kind's latency and the server's CPU time (user + system) over them.

    python benchmarks/bench_lsp.py [--rounds N] [--results FILE] [PROGRAM ...]
    python benchmarks/bench_lsp.py --requests N [--results FILE] [PROGRAM ...]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

from tierlang.lsp.session import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from common import write_section  # noqa: E402  (benchmarks/ is not a package)

TARGET = 0.2  # seconds from an edit to its diagnostics, for the largest shipped program
TIMEOUT = 30.0


class Client(LanguageClient):
    def __init__(self) -> None:
        super().__init__("bench", "1")
        self.published: list[tuple[str, int | None, list[lsp.Diagnostic], float]] = []

        @self.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: lsp.PublishDiagnosticsParams) -> None:
            self.published.append((params.uri, params.version, list(params.diagnostics), time.perf_counter()))


def _shape(diags) -> Counter:
    return Counter((d.code, d.range.start.line if hasattr(d, "range") else d.span.line - 1) for d in diags)


async def _measure(client: Client, uri: str, version: int, sent: float, want: Counter) -> tuple[float, float]:
    """(first, complete) latency in seconds for `version`."""
    deadline = time.perf_counter() + TIMEOUT
    first = None
    while time.perf_counter() < deadline:
        mine = [p for p in client.published if p[0] == uri and p[1] == version]
        if mine and first is None:
            first = mine[0][3] - sent
        for p in mine:
            if _shape(p[2]) == want:
                return first, p[3] - sent  # type: ignore[return-value]
        await asyncio.sleep(0.002)
    raise TimeoutError(f"no complete diagnostics for {uri} version {version}")


async def _started(path: Path) -> Client:
    client = Client()
    await client.start_io(sys.executable, "-m", "tierlang", "lsp")
    await client.initialize_async(
        lsp.InitializeParams(
            capabilities=lsp.ClientCapabilities(),
            root_uri=path.parent.as_uri(),
            workspace_folders=[lsp.WorkspaceFolder(path.parent.as_uri(), "programs")],
        )
    )
    client.initialized(lsp.InitializedParams())
    return client


async def _stopped(client: Client) -> None:
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


async def bench_program(path: Path, rounds: int) -> dict[str, list[tuple[float, float]]]:
    client = await _started(path)
    text = path.read_text(encoding="utf-8")
    uri = path.as_uri()
    session = Session([path.parent])
    expected = {}

    def want(content: str) -> Counter:
        if content not in expected:
            session.open(path, content)
            expected[content] = _shape(session.check_all(path).diagnostics.get(str(path), []))
        return expected[content]

    client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "tier", 1, text)))
    await _measure(client, uri, 1, time.perf_counter(), want(text))
    index = session.index(path)
    refs = [o for o in index.occurrences if o.symbol.kind == "metric" and not o.definition and o.span.file == str(path)]
    params = [o for o in index.occurrences if o.symbol.kind == "param" and o.definition and o.span.file == str(path)]
    results: dict[str, list[tuple[float, float]]] = {"typo": [], "back": [], "number": [], "undo": []}
    # a file that only extends another (cloudpartner2022-enrolled.tier) may have neither: its
    # row then says so (—) rather than the run ending
    if not refs:
        print(f"{path.name}: nothing to edit for typo/back (no metric referenced in the file)", file=sys.stderr)
    if not params:
        print(f"{path.name}: nothing to edit for number/undo (no parameter in the file)", file=sys.stderr)
    version = 1
    lines = text.split("\n")
    for r in range(rounds):
        edits = []  # (kind, line, from column, to column, new text)
        if refs:
            ref = refs[(r * 7919) % len(refs)]
            line, col = ref.span.line - 1, ref.span.end_column - 1
            edits += [("typo", line, col, col, "x"), ("back", line, col, col + 1, "")]
        if params:
            param = params[(r * 104729) % len(params)]
            value_line = lines[param.span.line - 1]
            eq = value_line.find("=", param.span.end_column - 1)
            num = eq + 2 if eq >= 0 and value_line[eq + 2 : eq + 3].isdigit() else -1
            if num >= 0:
                edits += [("number", param.span.line - 1, num, num, "1"), ("undo", param.span.line - 1, num, num + 1, "")]
        current = text
        for kind, at, a, b, new in edits:
            row = current.split("\n")
            row[at] = row[at][:a] + new + row[at][b:]
            current = "\n".join(row)
            version += 1
            change = lsp.TextDocumentContentChangePartial(range=lsp.Range(lsp.Position(at, a), lsp.Position(at, b)), text=new)
            expect = want(current)
            await asyncio.sleep(0.3)  # a pause between edits, as when reading what was typed
            sent = time.perf_counter()
            client.text_document_did_change(
                lsp.DidChangeTextDocumentParams(lsp.VersionedTextDocumentIdentifier(uri=uri, version=version), [change])
            )
            results[kind].append(await _measure(client, uri, version, sent, expect))
    await _stopped(client)
    return results


#: The records programs: the default of `--requests`.
RECORDS = ("cloudpartner2022-records.tier", "mpn2010-records.tier")
REQUESTS = ("hover", "definition", "type definition", "references", "completion", "outline", "semantic tokens")


def _cpu(pid: int) -> float:
    """A process's CPU time so far (user + system), in seconds (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def bench_requests(path: Path, samples: int) -> tuple[dict[str, list[float]], Counter, float]:
    """(seconds per request, by kind; failed requests, by kind; the server's CPU seconds over
    the requests). The names are read from the lexer, so any version of the index is asked
    about the same places."""
    from tierlang.lsp.tokens import lex

    client = await _started(path)
    text = path.read_text(encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "tier", 1, text)))
    await _measure(client, uri, 1, time.perf_counter(), Counter())  # the first list: the file is read
    names = [t for t in lex(text) if t.type == "NAME" and t.text.isascii()]
    picked = [names[(i * len(names)) // samples] for i in range(min(samples, len(names)))]
    doc = lsp.TextDocumentIdentifier(uri)
    times: dict[str, list[float]] = {k: [] for k in REQUESTS}
    failed: Counter = Counter()
    pid = client._server.pid  # type: ignore[union-attr]
    cpu = _cpu(pid)

    async def ask(kind: str, request) -> None:
        t0 = time.perf_counter()
        try:
            await asyncio.wait_for(request, TIMEOUT)
        except Exception:  # a failed request is what this counts
            failed[kind] += 1
        times[kind].append(time.perf_counter() - t0)

    for t in picked:
        at = lsp.Position(t.line - 1, t.column - 1)
        end = lsp.Position(t.line - 1, t.end_column - 1)
        await ask("hover", client.text_document_hover_async(lsp.HoverParams(text_document=doc, position=at)))
        await ask("definition", client.text_document_definition_async(lsp.DefinitionParams(text_document=doc, position=at)))
        table = lsp.TypeDefinitionParams(text_document=doc, position=at)
        await ask("type definition", client.text_document_type_definition_async(table))
        refs = lsp.ReferenceParams(text_document=doc, position=at, context=lsp.ReferenceContext(include_declaration=True))
        await ask("references", client.text_document_references_async(refs))
        await ask("completion", client.text_document_completion_async(lsp.CompletionParams(text_document=doc, position=end)))
    for _ in range(3):
        await ask("outline", client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=doc)))
        await ask("semantic tokens", client.text_document_semantic_tokens_full_async(lsp.SemanticTokensParams(text_document=doc)))
    cpu = _cpu(pid) - cpu
    await _stopped(client)
    return times, failed, cpu


def requests_main(programs: list[Path], samples: int, results: Path | None) -> int:
    load_before = os.getloadavg()
    rows = []
    failures = 0
    for p in programs:
        times, failed, cpu = asyncio.run(bench_requests(p, samples))
        failures += sum(failed.values())
        cells = [f"{_ms(times[k])} ({failed[k]})" for k in REQUESTS]
        row = f"| {p.name} | {len(times['hover'])} | " + " | ".join(cells) + f" | {cpu:.2f} |"
        print(row)
        rows.append(row)
    load_after = os.getloadavg()
    body = f"""## Requests of `tier lsp` on the records programs (benchmarks/bench_lsp.py --requests)

Measured {dt.datetime.now():%Y-%m-%d %H:%M}; load average (1/5/15 min) {" / ".join(f"{x:.2f}" for x in load_before)} before, {" / ".join(f"{x:.2f}" for x in load_after)} after. A scripted client opens each file in `tier lsp` and asks, at {samples} names spread over it, for hover, definition, type definition, references and completion (at the name's end), then three times for the outline and the semantic tokens, one request at a time. Each cell is **median / slowest in ms (failed requests)**; *server CPU* is the server's user + system time over all the requests, in seconds.

| program | names | hover | definition | type definition | references | completion | outline | semantic tokens | server CPU s |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
{chr(10).join(rows)}

Failed requests: {failures}.
"""
    if results:
        write_section(results, "bench_lsp_requests", body)
    print(body)
    return 1 if failures else 0


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} / {max(values) * 1000:.0f}" if values else "—"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("programs", nargs="*", type=Path)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--requests", type=int, default=0, metavar="N", help="ask hover, definition, references and completion at N names")
    ap.add_argument("--results", type=Path, default=None, help="also write the bench_lsp section of this Markdown file")
    args = ap.parse_args(argv)
    os.environ["TIER_NO_CACHE"] = "1"
    if args.requests:
        programs = [p.resolve() for p in args.programs] or [ROOT / "programs" / n for n in RECORDS]
        return requests_main(programs, args.requests, args.results)
    programs = [p.resolve() for p in args.programs] or sorted((ROOT / "programs").glob("*.tier"))
    load_before = os.getloadavg()
    rows = []
    worst_largest = 0.0
    largest = max(programs, key=lambda p: len(p.read_text(encoding="utf-8").split("\n")))
    for p in programs:
        res = asyncio.run(bench_program(p, args.rounds))
        n = len(p.read_text(encoding="utf-8").split("\n"))
        cells = []
        for kind in ("typo", "back", "number", "undo"):
            cells.append(_ms([f for f, _ in res[kind]]))
            cells.append(_ms([c for _, c in res[kind]]))
        row = f"| {p.name} | {n:,} | " + " | ".join(cells) + " |"
        print(row)
        rows.append(row)
        if p == largest:
            worst_largest = max(f for kind in res for f, _ in res[kind])
    load_after = os.getloadavg()
    met = "met" if worst_largest <= TARGET else "**not met**"
    body = f"""## Diagnostics latency of `tier lsp` (benchmarks/bench_lsp.py)

Measured {dt.datetime.now():%Y-%m-%d %H:%M}; load average (1/5/15 min) {" / ".join(f"{x:.2f}" for x in load_before)} before, {" / ".join(f"{x:.2f}" for x in load_after)} after. A scripted client drives `tier lsp` as a subprocess over standard input and output; {args.rounds} rounds of edits spread over each file, 0.3 s apart. Each cell is **median / slowest in ms** from sending the edit to receiving its diagnostics: *first* = the first list for that version (errors known), *complete* = the list with every finding (the monotonicity checks included). **typo**: a metric's name in a rule gets one letter more (TL200); **back**: the letter removed; **number**: a parameter's value changed (every check runs again); **undo**: the value restored.

| program | lines | typo first | typo complete | back first | back complete | number first | number complete | undo first | undo complete |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
{chr(10).join(rows)}

Target (issue 16): diagnostics for the largest shipped program ({largest.name}) within {TARGET * 1000:.0f} ms of an edit: slowest first list {worst_largest * 1000:.0f} ms, {met}.
"""
    if args.results:
        write_section(args.results, "bench_lsp", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
