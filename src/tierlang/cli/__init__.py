"""The `tier` command line. Thin: each command parses options and calls the library.

Commands live in one module per area and register themselves on `main` below. A module is
imported only when one of its commands runs (or for `tier --help`): `tier eval` need not
load the diff, the renderers and jinja2 (a tenth of a second of every run).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import os
import sys

import click

from tierlang import __version__, terminal
from tierlang.recursion import allow_deep_recursion

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader of standard output stopped reading

#: command name -> the module (under tierlang.cli) that defines it
COMMAND_MODULES = {
    "check": "check",
    "fmt": "check",
    "compile": "check",
    "diff": "diff",
    "docs": "docs",
    "eval": "evaluate",
    "explain": "evaluate",
    "test": "evaluate",
    "lsp": "lsp",
    "synth": "synth",
}


class _LazyGroup(click.Group):
    """A group whose commands are imported on first use (click's documented pattern), and
    that ends on Ctrl-C or a closed pipe with the shell's codes for them (130, 141), not a
    traceback or click's "Aborted!" and 1, which this CLI keeps for findings."""

    def invoke(self, ctx: click.Context):
        # A command keeps most of what it allocates until it ends (the modules it imports, the
        # program, the data): young objects are collected less often (a fifth of the
        # collector's time in `tier check` or a small `tier eval`), and what `main` froze is
        # not walked again. Both are undone after, for a caller that runs commands in process.
        threshold = gc.get_threshold()
        gc.set_threshold(max(threshold[0], 20_000), *threshold[1:])
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("\ntier: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except OSError as e:
            # The reader of standard output went away (`tier synth -o - | head`): stop
            # quietly, as a program killed by SIGPIPE would. polars reports it as a plain
            # OSError naming the error, without errno.
            if not (isinstance(e, BrokenPipeError) or "Broken pipe" in str(e)):
                raise
            with contextlib.suppress(OSError, ValueError):  # no real file behind stdout: nothing to flush
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's flush at exit must not fail again
            sys.exit(EXIT_BROKEN_PIPE)
        finally:
            gc.set_threshold(*threshold)
            gc.unfreeze()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            importlib.import_module(f"tierlang.cli.{COMMAND_MODULES[cmd_name]}")  # registers it on `main`
        return self.commands.get(cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="tier")
def main() -> None:
    """tierlang: write, check, evaluate and compare partner-program rules.

    Exit codes: 0 ok, 1 findings (errors in a program, failing tests, formatting
    differences), 2 usage or input errors, 130 interrupted (Ctrl-C), 141 standard
    output closed early (`| head`).

    Loaded programs are cached in ~/.cache/tierlang (or $TIER_CACHE_DIR); set
    TIER_NO_CACHE=1 to turn the cache off.
    """
    allow_deep_recursion()  # every pass recurses over expressions, up to MAX_EXPR_DEPTH deep
    gc.freeze()  # what is imported by now (tierlang, click, the command's module): see `invoke`
    terminal.install()  # escapes and bidi overrides from inputs are shown, never acted on


def run() -> None:
    """The `tier` command as a process (the console script, `python -m tierlang`): `main`,
    then leave without tearing the interpreter down. By then the command has written and
    closed its outputs; the teardown would only free, one by one, every frame and object the
    command held and collect the whole heap: 0.1-0.2 s of CPU after a 1M-partner `tier eval`
    (benchmarks/RESULTS.md). Exit functions still run (temporary folders, logging) and the
    standard streams are flushed; with a thread still running (the language server's
    worker), the usual exit waits for it. Callers in process (tests) use `main`."""
    try:
        main()
        status: int | str | None = 0
    except SystemExit as e:
        status = e.code
    if not isinstance(status, int):  # sys.exit("message") or sys.exit(None), as Python treats them
        if status is not None:
            print(status, file=sys.stderr)
        status = 0 if status is None else 1
    import threading

    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(status)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            status = status or EXIT_BROKEN_PIPE
        except (OSError, ValueError):  # closed, or no file behind it: nothing more to say
            pass
    os._exit(status)
