"""A scripted editor for `tier lsp`: a pytest-lsp client that also records which document
version each published diagnostic list is for, and helpers to edit and wait."""

from __future__ import annotations

import asyncio
import functools
import inspect
import sys
import threading
import time
from pathlib import Path

import pytest_lsp
from lsprotocol import types as lsp
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

REPO = Path(__file__).resolve().parents[2]
PROGRAMS = REPO / "programs"
SHIPPED = sorted(p.name for p in PROGRAMS.glob("*.tier"))


def make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)

    def published(client: LanguageClient, params: lsp.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append((params.uri, params.version, params.diagnostics, time.perf_counter()))

    def lens_refresh(client: LanguageClient, params: None) -> None:
        client.lens_refreshes += 1

    features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = published
    features[lsp.WORKSPACE_CODE_LENS_REFRESH] = lens_refresh
    register_lsp_features(client, features)
    client.published = []  # type: ignore[attr-defined]
    client.lens_refreshes = 0  # type: ignore[attr-defined]
    return client


SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "tierlang", "lsp"], client_factory=make_client)


async def start(client: LanguageClient, root: Path = PROGRAMS, options: dict | None = None) -> None:
    await client.initialize_session(
        lsp.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            root_uri=root.as_uri(),
            workspace_folders=[lsp.WorkspaceFolder(root.as_uri(), root.name)],
            initialization_options=options,
        )
    )


#: Seconds a scripted session may take before its test fails (far above any session seen so far).
SESSION_LIMIT = 300


def scripted(test):
    """A test `async def test(client, ...)` run against a freshly started server, on an event
    loop of its own, in a thread of its own: pytest's main thread may already run another
    loop (a browser test's, say), on which no second loop can run."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        async def session() -> None:
            client = await SERVER.start()
            try:
                await start(client)
                await test(client, *args, **kwargs)
                await client.shutdown_session()
            except BaseException:
                # a failed test never asked the server to exit: end it, or stop() waits forever
                server = getattr(client, "_server", None)
                if server is not None and server.returncode is None:
                    server.kill()
                raise
            finally:
                await client.stop()

        failure: list[BaseException] = []

        def thread() -> None:
            try:
                asyncio.run(session())
            except BaseException as e:  # handed to pytest in its own thread
                failure.append(e)

        # daemon and a bounded wait: a session that hangs fails its test, not the whole run
        worker = threading.Thread(target=thread, name=f"lsp-{test.__name__}", daemon=True)
        worker.start()
        worker.join(SESSION_LIMIT)
        if worker.is_alive():
            raise AssertionError(f"the language server session did not end within {SESSION_LIMIT} s")
        if failure:
            raise failure[0]

    params = list(inspect.signature(test).parameters.values())[1:]  # pytest supplies the rest
    run.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return run


class Editor:
    """One open document: its text and version, edited the way an editor sends edits."""

    def __init__(self, client: LanguageClient, path: Path, text: str | None = None) -> None:
        self.client = client
        self.path = path
        self.uri = path.as_uri()
        self.text = path.read_text(encoding="utf-8") if text is None else text
        self.version = 1
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(self.uri, "tier", 1, self.text)))

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    def ident(self) -> lsp.TextDocumentIdentifier:
        return lsp.TextDocumentIdentifier(self.uri)

    def offset(self, pos: lsp.Position) -> int:
        """The string index of an LSP position (UTF-16 columns)."""
        lines = self.text.split("\n")
        before = sum(len(line) + 1 for line in lines[: pos.line])
        units = 0
        for i, ch in enumerate(lines[pos.line]):
            if units >= pos.character:
                return before + i
            units += len(ch.encode("utf-16-le")) // 2
        return before + len(lines[pos.line])

    def edit(self, edits: list[lsp.TextEdit]) -> float:
        """Apply `edits` (from the server, or made up) as one incremental change; returns the
        time it was sent."""
        changes = []
        for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
            a, b = self.offset(e.range.start), self.offset(e.range.end)
            self.text = self.text[:a] + e.new_text + self.text[b:]
            changes.append(lsp.TextDocumentContentChangePartial(range=e.range, text=e.new_text))
        self.version += 1
        sent = time.perf_counter()
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(lsp.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version), changes)
        )
        return sent

    def replace(self, line: int, start: int, end: int, text: str) -> float:
        """Replace characters [start, end) of a 0-based line (ASCII columns)."""
        return self.edit([lsp.TextEdit(lsp.Range(lsp.Position(line, start), lsp.Position(line, end)), text)])

    def position(self, needle: str, after: str = "", nth: int = 0) -> lsp.Position:
        """The position of the `nth` `needle` on the first line containing `after`."""
        for n, line in enumerate(self.lines):
            if after in line and needle in line:
                if nth == 0:
                    return lsp.Position(n, line.index(needle))
                nth -= 1
        raise AssertionError(f"{needle!r} after {after!r} not found")

    async def diagnostics(self, version: int | None = None, timeout: float = 20) -> list[lsp.Diagnostic]:
        """The first diagnostics published for `version` (default: the current one)."""
        version = self.version if version is None else version
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            for p in self.client.published:  # type: ignore[attr-defined]
                if p[0] == self.uri and p[1] == version:
                    return list(p[2])
            await asyncio.sleep(0.01)
        raise AssertionError(f"no diagnostics for {self.path.name} version {version} within {timeout} s")

    async def until(self, check, timeout: float = 30) -> list[lsp.Diagnostic]:
        """The first list published for the current version that satisfies `check` (a list
        that lacks the slower checks' findings may come first)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            for p in self.client.published:  # type: ignore[attr-defined]
                if p[0] == self.uri and p[1] == self.version and check(list(p[2])):
                    return list(p[2])
            await asyncio.sleep(0.01)
        raise AssertionError(f"no diagnostics as expected for {self.path.name} version {self.version} within {timeout} s")


def apply(text: str, edits: list[lsp.TextEdit]) -> str:
    """`text` with server edits applied (UTF-16 columns)."""

    class _Doc(Editor):
        def __init__(self, text: str) -> None:
            self.text = text

    doc = _Doc(text)
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        a, b = doc.offset(e.range.start), doc.offset(e.range.end)
        doc.text = doc.text[:a] + e.new_text + doc.text[b:]
    return doc.text
