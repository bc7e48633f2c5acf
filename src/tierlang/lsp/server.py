"""`tier lsp`: the language server, on pygls, over standard input and output.

Thin on purpose: every answer is computed by the client-free modules of this package on a
`Session`; this module keeps the protocol's side. All work on the session runs on one worker
thread, in the order it was asked for (the parser is not re-entrant), while the event loop
keeps reading messages.

Diagnostics: an edit schedules a check of its document after a short pause that merges
bursts of keystrokes (`DEBOUNCE`); a check in flight is never interrupted, its result is
dropped if the text moved on. Errors (parsing, names, types) are published as soon as they
are known; the slower whole-program checks (monotonicity) are added when they finish, or at
once when the same text was checked before. A document's check reports on every file of its
`extends` chain, and what each open document reports is merged per file, so a child's view of
its parent and the parent's own check never overwrite each other. Editing a parent re-checks
its open children.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import logging
import os
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from tierlang import __version__
from tierlang.diagnostics import Diagnostic
from tierlang.ir import Span
from tierlang.lsp import completion, convert, edits, examples, hover, outline
from tierlang.lsp.index import Occurrence
from tierlang.lsp.session import MAPPING_SUFFIX, PROGRAM_SUFFIX, Checked, Session
from tierlang.lsp.tokens import Token

__all__ = ["TierServer", "main", "DEBOUNCE", "RUN_EXAMPLES"]

log = logging.getLogger("tierlang.lsp")
T = TypeVar("T")

#: Seconds of quiet after an edit before its document is checked.
DEBOUNCE = 0.01
#: Seconds after a check starts within which its first diagnostics are published, whether or
#: not the slow checks are done by then.
FIRST_PUBLISH = 0.15
#: The command behind the code lenses: run a file's examples, show failures in place.
RUN_EXAMPLES = "tier.runExamples"

_SYMBOL_KIND = {
    "program": lsp.SymbolKind.Package,
    "metric": lsp.SymbolKind.Variable,
    "param": lsp.SymbolKind.Constant,
    "gate": lsp.SymbolKind.Boolean,
    "group": lsp.SymbolKind.Namespace,
    "track": lsp.SymbolKind.Class,
    "variant": lsp.SymbolKind.Struct,
    "level": lsp.SymbolKind.EnumMember,
    "score": lsp.SymbolKind.Field,
    "category": lsp.SymbolKind.Field,
    "line": lsp.SymbolKind.Field,
    "partner": lsp.SymbolKind.Object,
    "example": lsp.SymbolKind.Event,
    "hold": lsp.SymbolKind.Property,
    "constraint": lsp.SymbolKind.Boolean,
    "table": lsp.SymbolKind.Array,
    "list": lsp.SymbolKind.Array,
    "column": lsp.SymbolKind.Field,
    "filter": lsp.SymbolKind.Boolean,
    "output": lsp.SymbolKind.Field,
}


class RequestFailed(JsonRpcException):
    """The LSP's RequestFailed: a valid request that cannot be carried out (a clashing rename)."""

    CODE = -32803


class TierServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("tier", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.session = Session()
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tier-lsp")
        self.docs_base: str | None = None
        self.pending: dict[str, asyncio.Task] = {}
        self.versions: dict[str, int | None] = {}
        #: what each open document's last check found, by file
        self.found: dict[str, dict[str, list[Diagnostic]]] = {}
        #: example failures shown in place, by file; and which examples passed, by document
        self.failures: dict[str, list[lsp.Diagnostic]] = {}
        self.example_results: dict[str, dict[str, bool]] = {}

    # -------------------------------------------------------------- plumbing
    async def run(self, fn: Callable[..., T], *args) -> T:
        """Run `fn(*args)` on the worker thread, after the work asked for before it."""
        return await asyncio.get_running_loop().run_in_executor(self.worker, fn, *args)

    @property
    def encoding(self) -> convert.Encoding:
        return convert.Encoding(self.workspace.position_encoding or convert.Encoding.Utf16)

    def lines(self, path: str) -> list[str]:
        text = self.session.read(path)
        return text.split("\n") if text is not None else []

    def range(self, span) -> lsp.Range:
        return convert.to_range(span, self.lines(span.file), self.encoding)

    def location(self, o: Occurrence) -> lsp.Location:
        return lsp.Location(convert.uri(o.span.file), self.range(o.span))

    def where(self, uri: str, position: lsp.Position) -> tuple[str, int, int]:
        path = to_fs_path(uri) or uri
        line, column = convert.from_position(self.lines(path), position, self.encoding)
        return path, line, column

    def named(self, params: lsp.TextDocumentPositionParams) -> tuple[str, int, int, Occurrence | None]:
        """The file, 1-based line and column of a request's position, and the name there."""
        path, line, column = self.where(params.text_document.uri, params.position)
        return path, line, column, self.session.occurrence_at(path, line, column)

    def internal_error(self, what: str) -> None:
        log.error("%s failed:\n%s", what, traceback.format_exc())
        self.window_log_message(lsp.LogMessageParams(lsp.MessageType.Error, f"tier lsp: {what} failed:\n{traceback.format_exc()}"))

    # -------------------------------------------------------------- diagnostics
    def schedule(self, path: str, delay: float = DEBOUNCE) -> None:
        task = self.pending.pop(path, None)
        if task is not None:
            task.cancel()
        self.pending[path] = asyncio.get_running_loop().create_task(self._check(path, delay))

    def schedule_dependents(self, changed: str) -> None:
        """Re-check the open documents whose `extends` chain includes `changed`, and the open
        mappings when a program changed."""
        for root, files in self.found.items():
            if root != changed and (changed in files or (root.endswith(MAPPING_SUFFIX) and changed.endswith(PROGRAM_SUFFIX))):
                self.schedule(root)

    async def _check(self, path: str, delay: float) -> None:
        await asyncio.sleep(delay)
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            checked = await self.run(self._first_stage, path)
        except Exception:
            self.internal_error(f"checking {path}")
            return
        if checked is None or self.versions.get(path) != checked.version or path not in self.versions:
            return
        if checked.complete:
            self.publish(checked)
            return
        early = loop.call_later(max(0.0, FIRST_PUBLISH - (loop.time() - started)), self.publish, checked)
        try:
            full = await self.run(self._second_stage, checked)
        except Exception:
            self.internal_error(f"checking {path}")
            return
        finally:
            early.cancel()
        if full is not None and self.versions.get(path) == full.version and path in self.versions:
            self.publish(full)

    def _stale(self, path: str) -> bool:
        """Whether an edit of `path` newer than the one the worker has applied is waiting: a
        check of the text at hand would be thrown away."""
        doc = self.session.documents.get(path)
        return path in self.versions and (doc is None or doc.version != self.versions.get(path))

    def _first_stage(self, path: str) -> Checked | None:
        if self._stale(path):
            return None
        checked = self.session.check(path)
        if not checked.complete and self.session.cached_checks(checked) is not None:
            checked = self.session.complete(checked)
        return checked

    def _second_stage(self, checked: Checked) -> Checked | None:
        return None if self._stale(checked.path) else self.session.complete(checked)

    def publish(self, checked: Checked) -> None:
        before = set(self.found.get(checked.path, {}))
        self.found[checked.path] = checked.diagnostics
        self.publish_files(before | set(checked.diagnostics))

    def publish_files(self, files) -> None:
        for f in files:
            merged: dict[tuple, Diagnostic] = {}
            for by_file in self.found.values():
                for d in by_file.get(f, ()):
                    merged.setdefault((d.code, d.message, d.span), d)
            diags = [convert.to_lsp_diagnostic(d, self.lines, self.encoding, self.docs_base) for d in merged.values()]
            diags += self.failures.get(f, [])
            version = self.versions.get(f)
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(convert.uri(f), diags, version))

    # -------------------------------------------------------------- examples
    def run_examples(self, path: str) -> examples.ExampleRun:
        run = examples.run_file_examples(self.session, path)
        self.example_results[path] = run.passed
        return run

    def show_failures(self, path: str, run: examples.ExampleRun) -> None:
        stale = {f for f, _ in self.failures.items() if f == path or f in self.found.get(path, {})}
        for f in stale:
            self.failures.pop(f, None)
        for failure in run.failures:
            span = failure.span
            if span is None:
                continue
            f = os.path.abspath(span.file)
            related = [lsp.DiagnosticRelatedInformation(lsp.Location(convert.uri(f), self.range(span)), line) for line in failure.trace]
            self.failures.setdefault(f, []).append(
                lsp.Diagnostic(
                    range=convert.to_range(span, self.lines(f), self.encoding),
                    message=failure.message + ("\n" + "\n".join(failure.trace) if failure.trace else ""),
                    severity=lsp.DiagnosticSeverity.Error,
                    source="tier test",
                    related_information=related[:1] or None,
                )
            )
        self.publish_files(stale | set(self.failures) | {path})


server = TierServer()


# ------------------------------------------------------------------ lifecycle


@server.feature(lsp.INITIALIZE)
def initialize(ls: TierServer, params: lsp.InitializeParams) -> None:
    roots = [to_fs_path(f.uri) for f in params.workspace_folders or []]
    if not roots and params.root_uri:
        roots = [to_fs_path(params.root_uri)]
    options = params.initialization_options if isinstance(params.initialization_options, dict) else {}
    as_of = options.get("asOf")
    try:
        as_of = _dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        as_of = None
    ls.session = Session([r for r in roots if r], as_of)
    ls.docs_base = options.get("docsUrl") or None


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: TierServer, params: lsp.DidOpenTextDocumentParams) -> None:
    doc = params.text_document
    path = to_fs_path(doc.uri) or doc.uri
    ls.versions[path] = doc.version
    ls.worker.submit(ls.session.open, path, doc.text, doc.version)
    ls.schedule(path, 0.0)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: TierServer, params: lsp.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    path = to_fs_path(uri) or uri
    text = ls.workspace.get_text_document(uri).source
    ls.versions[path] = params.text_document.version
    ls.worker.submit(ls.session.change, path, text, params.text_document.version)
    # Example failures are shown in place until the text changes: their lines may have moved.
    ls.failures.pop(path, None)
    ls.example_results.pop(path, None)
    ls.schedule(path)
    ls.schedule_dependents(path)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: TierServer, params: lsp.DidCloseTextDocumentParams) -> None:
    path = to_fs_path(params.text_document.uri) or params.text_document.uri
    task = ls.pending.pop(path, None)
    if task is not None:
        task.cancel()
    ls.versions.pop(path, None)
    ls.worker.submit(ls.session.close, path)
    files = set(ls.found.pop(path, {})) | {path}
    ls.failures.pop(path, None)
    ls.example_results.pop(path, None)
    ls.publish_files(files)
    ls.schedule_dependents(path)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: TierServer, params: lsp.DidSaveTextDocumentParams) -> None:
    ls.worker.submit(ls.session.files_changed)


@server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: TierServer, params: lsp.DidChangeWatchedFilesParams) -> None:
    ls.worker.submit(ls.session.files_changed)
    for change in params.changes:
        path = to_fs_path(change.uri) or change.uri
        if path not in ls.versions:  # an open document's buffer is what counts
            ls.schedule_dependents(path)


# ------------------------------------------------------------------ language features


def _guarded(what: str):
    """Run a request on the worker; an unexpected failure is logged and answers nothing."""

    def wrap(fn):
        async def handler(ls: TierServer, params):
            try:
                return await ls.run(fn, ls, params)
            except JsonRpcException:
                raise
            except Exception:
                ls.internal_error(what)
                return None

        handler.__name__ = fn.__name__
        return handler

    return wrap


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
@_guarded("hover")
def on_hover(ls: TierServer, params: lsp.HoverParams) -> lsp.Hover | None:
    path, line, column, occurrence = ls.named(params)
    if occurrence is None:
        token = _token_at(ls.session.tokens(path), line, column)
        doc = (hover.FUNCTION_DOCS | hover.BUILTIN_DOCS).get(token.text) if token is not None else None
        if doc is not None:
            return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, doc))
        return None
    symbol = occurrence.symbol
    program_file = path if path.endswith(PROGRAM_SUFFIX) else symbol.origin
    program = ls.session.program(program_file) if program_file else None
    defs = ls.session.definitions(path, symbol)
    text = hover.hover_text(symbol, program, defs[0].node if defs else occurrence.node)
    return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, text), ls.range(occurrence.span))


def _token_at(tokens: list[Token], line: int, column: int) -> Token | None:
    return next((t for t in tokens if t.line == line and t.column <= column <= t.end_column), None)


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
@_guarded("go to definition")
def on_definition(ls: TierServer, params: lsp.DefinitionParams) -> list[lsp.Location] | None:
    path, line, column, occurrence = ls.named(params)
    if occurrence is None:
        return _extends_target(ls, path, line, column)
    return [ls.location(o) for o in ls.session.definitions(path, occurrence.symbol)] or None


@server.feature(lsp.TEXT_DOCUMENT_TYPE_DEFINITION)
@_guarded("go to type definition")
def on_type_definition(ls: TierServer, params: lsp.TypeDefinitionParams) -> list[lsp.Location] | None:
    """From a records metric, a column, a row filter or a track per row: its related table."""
    path, line, column, occurrence = ls.named(params)
    if occurrence is None:
        return None
    return [ls.location(o) for o in ls.session.table_definitions(path, occurrence.symbol)] or None


def _extends_target(ls: TierServer, path: str, line: int, column: int) -> list[lsp.Location] | None:
    """On the file name of `extends "parent.tier"`: the parent file."""
    tokens = ls.session.tokens(path)
    token = _token_at(tokens, line, column)
    if token is None or token.type != "STRING":
        return None
    i = tokens.index(token)
    if i == 0 or tokens[i - 1].type != "EXTENDS":
        return None
    target = os.path.normpath(os.path.join(os.path.dirname(path), token.text[1:-1]))
    if not os.path.isfile(target):
        return None
    return [lsp.Location(convert.uri(target), lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)))]


@server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
@_guarded("find references")
def on_references(ls: TierServer, params: lsp.ReferenceParams) -> list[lsp.Location] | None:
    path, line, column, occurrence = ls.named(params)
    if occurrence is None:
        return None
    found = ls.session.references(occurrence.symbol)
    if not params.context.include_declaration:
        found = [o for o in found if not o.definition]
    seen, out = set(), []
    for o in sorted(found, key=lambda o: (o.span.file, o.span.line, o.span.column)):
        if (o.span.file, o.span.line, o.span.column) not in seen:
            seen.add((o.span.file, o.span.line, o.span.column))
            out.append(ls.location(o))
    return out


@server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
@_guarded("rename")
def on_prepare_rename(ls: TierServer, params: lsp.PrepareRenameParams):
    path, line, column, occurrence = ls.named(params)
    if occurrence is None:
        raise RequestFailed("there is no metric, parameter, track, level or other name to rename here")
    return lsp.PrepareRenamePlaceholder(ls.range(occurrence.span), occurrence.symbol.name)


@server.feature(lsp.TEXT_DOCUMENT_RENAME)
@_guarded("rename")
def on_rename(ls: TierServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
    path, line, column, occurrence = ls.named(params)
    if occurrence is None:
        raise RequestFailed("there is no name to rename here")
    try:
        found = edits.rename(ls.session, path, occurrence, params.new_name)
    except edits.RenameError as e:
        raise RequestFailed(str(e)) from None
    return _workspace_edit(ls, found)


def _workspace_edit(ls: TierServer, found) -> lsp.WorkspaceEdit:
    changes: dict[str, list[lsp.TextEdit]] = {}
    for e in found:
        changes.setdefault(convert.uri(e.span.file), []).append(lsp.TextEdit(ls.range(e.span), e.text))
    return lsp.WorkspaceEdit(changes=changes)


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=["."]))
@_guarded("completion")
def on_completion(ls: TierServer, params: lsp.CompletionParams) -> lsp.CompletionList:
    path, line, column = ls.where(params.text_document.uri, params.position)
    text = ls.session.read(path) or ""
    ctx = ls.session.context(path) if path.endswith(PROGRAM_SUFFIX) else None
    return lsp.CompletionList(False, completion.complete(ctx, text, line, column, path))


@server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
@_guarded("formatting")
def on_formatting(ls: TierServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit] | None:
    path = to_fs_path(params.text_document.uri) or params.text_document.uri
    if not path.endswith(PROGRAM_SUFFIX):
        return None
    text = ls.session.read(path)
    formatted = edits.format_text(ls.session, path)
    if text is None or formatted is None or formatted == text:
        return []
    lines = text.split("\n")
    end = convert.to_position(lines, len(lines), len(lines[-1]) + 1, ls.encoding)
    return [lsp.TextEdit(lsp.Range(lsp.Position(0, 0), end), formatted)]


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
@_guarded("code actions")
def on_code_action(ls: TierServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
    path = to_fs_path(params.text_document.uri) or params.text_document.uri
    if not path.endswith(PROGRAM_SUFFIX):
        return None
    lines = ls.lines(path)
    actions: list[edits.Action] = []
    for d in params.context.diagnostics:
        hint = d.data.get("hint") if isinstance(d.data, dict) else None
        if d.source != "tier" or not hint:
            continue
        start = convert.from_position(lines, d.range.start, ls.encoding)
        end = convert.from_position(lines, d.range.end, ls.encoding)
        span = Span(path, *start, *end)
        actions += edits.quick_fixes(ls.session, path, span, hint, d)
    line, _ = convert.from_position(lines, params.range.start, ls.encoding)
    actions += edits.source_actions(ls.session, path, line)
    return [
        lsp.CodeAction(
            title=a.title,
            kind=lsp.CodeActionKind.QuickFix,
            diagnostics=[a.diagnostic] if a.diagnostic is not None else None,
            is_preferred=a.preferred or None,
            edit=_workspace_edit(ls, a.edits),
        )
        for a in actions
    ]


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@_guarded("outline")
def on_document_symbol(ls: TierServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol] | None:
    path = to_fs_path(params.text_document.uri) or params.text_document.uri
    module, index = ls.session.module(path), ls.session.index(path)
    if module is None or index is None or not path.endswith(PROGRAM_SUFFIX):
        return None

    def convert_one(o: outline.Outline) -> lsp.DocumentSymbol:
        return lsp.DocumentSymbol(
            name=o.name,
            kind=_SYMBOL_KIND[o.kind],
            range=ls.range(o.span),
            selection_range=ls.range(o.name_span),
            detail=o.detail,
            children=[convert_one(c) for c in o.children] or None,
        )

    return [convert_one(o) for o in outline.outline(module, index)]


@server.feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)
@_guarded("folding")
def on_folding_range(ls: TierServer, params: lsp.FoldingRangeParams) -> list[lsp.FoldingRange] | None:
    path = to_fs_path(params.text_document.uri) or params.text_document.uri
    module = ls.session.module(path)
    if module is None or not path.endswith(PROGRAM_SUFFIX):
        return None
    kinds = {"comment": lsp.FoldingRangeKind.Comment}
    return [lsp.FoldingRange(a - 1, b - 1, kind=kinds.get(k)) for a, b, k in outline.folds(module, ls.session.tokens(path))]


@server.feature(
    lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
    lsp.SemanticTokensLegend(token_types=outline.TOKEN_TYPES, token_modifiers=outline.TOKEN_MODIFIERS),
)
@_guarded("semantic tokens")
def on_semantic_tokens(ls: TierServer, params: lsp.SemanticTokensParams) -> lsp.SemanticTokens:
    path = to_fs_path(params.text_document.uri) or params.text_document.uri
    if not path.endswith(PROGRAM_SUFFIX):
        return lsp.SemanticTokens(data=[])
    lines = ls.lines(path)
    data: list[int] = []
    last_line = last_start = 0
    types = {t: i for i, t in enumerate(outline.TOKEN_TYPES)}
    mods = {m: 1 << i for i, m in enumerate(outline.TOKEN_MODIFIERS)}
    for token, kind, modifiers in outline.semantic_tokens(ls.session.tokens(path), ls.session.index(path)):
        bits = sum(mods[m] for m in modifiers)
        for line in range(token.line, token.end_line + 1):  # one token per line
            text = lines[line - 1] if line <= len(lines) else ""
            first = token.column if line == token.line else 1
            last = token.end_column if line == token.end_line else len(text) + 1
            start = convert.to_position(lines, line, first, ls.encoding)
            end = convert.to_position(lines, line, last, ls.encoding)
            if end.character <= start.character:
                continue
            delta_line = start.line - last_line
            data += [
                delta_line,
                start.character - (last_start if delta_line == 0 else 0),
                end.character - start.character,
                types[kind],
                bits,
            ]
            last_line, last_start = start.line, start.character
    return lsp.SemanticTokens(data=data)


@server.feature(lsp.TEXT_DOCUMENT_CODE_LENS)
@_guarded("code lenses")
def on_code_lens(ls: TierServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens] | None:
    path = to_fs_path(params.text_document.uri) or params.text_document.uri
    index = ls.session.index(path) if path.endswith(PROGRAM_SUFFIX) else None
    if index is None:
        return None
    results = ls.example_results.get(path, {})
    uri = params.text_document.uri
    lenses = []
    found = [o for o in index.occurrences if o.definition and o.symbol.kind == "example"]
    header = next((o for o in index.occurrences if o.definition and o.symbol.kind == "program"), None)
    if found and header is not None:
        failed = sum(1 for ok in results.values() if not ok)
        title = f"▶ Run {len(found)} example{'s' * (len(found) != 1)}"
        if results:
            title += f" (last run: {len(results) - failed} passed, {failed} failed)"
        lenses.append(lsp.CodeLens(ls.range(header.span), lsp.Command(title=title, command=RUN_EXAMPLES, arguments=[uri])))
    for o in found:
        state = results.get(o.symbol.name)
        title = "▶ Run example" if state is None else ("✓ passed: run again" if state else "✗ failed: run again")
        lenses.append(lsp.CodeLens(ls.range(o.span), lsp.Command(title=title, command=RUN_EXAMPLES, arguments=[uri, o.symbol.name])))
    return lenses


@server.command(RUN_EXAMPLES)
async def run_examples_command(ls: TierServer, *args) -> dict:
    """Run the examples of a file (arguments: its URI); failures appear at their `expect`."""
    args = args[0] if len(args) == 1 and isinstance(args[0], list) else list(args)
    if not args or not isinstance(args[0], str):
        raise RequestFailed(f"{RUN_EXAMPLES} takes the URI of a .tier file")
    path = to_fs_path(args[0]) or args[0]
    try:
        run = await ls.run(ls.run_examples, path)
    except Exception:
        ls.internal_error("running the examples")
        raise RequestFailed("running the examples failed; see the server log") from None
    if run.error:
        ls.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Warning, f"tier test: {run.error}"))
        return {"passed": 0, "failed": 0, "error": run.error}
    ls.show_failures(path, run)
    passed = sum(run.passed.values())
    failed = len(run.passed) - passed
    kind = lsp.MessageType.Info if not failed else lsp.MessageType.Error
    ls.window_show_message(lsp.ShowMessageParams(kind, f"tier test {os.path.basename(path)}: {passed} passed, {failed} failed"))
    workspace = ls.client_capabilities.workspace
    if workspace is not None and workspace.code_lens is not None and workspace.code_lens.refresh_support:
        ls.workspace_code_lens_refresh(None)
    return {"passed": passed, "failed": failed, "failures": [f.message for f in run.failures]}


def main() -> None:
    """Serve one client over standard input and output until it exits."""
    logging.basicConfig(level=logging.WARNING, format="tier lsp: %(message)s")
    server.start_io()
