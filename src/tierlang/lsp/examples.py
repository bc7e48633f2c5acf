"""Run a file's examples (`tier test`) for the editor: which pass, and each failing
expectation with what came out instead, at its `expect` line."""

from __future__ import annotations

from dataclasses import dataclass, field

from tierlang import loader
from tierlang.engine.examples import run_examples, show_value
from tierlang.ir import Span
from tierlang.lsp.session import Session

__all__ = ["Failure", "ExampleRun", "run_file_examples"]


@dataclass(frozen=True)
class Failure:
    span: Span | None  # span.file: a path
    message: str
    trace: tuple[str, ...] = ()


@dataclass
class ExampleRun:
    """`passed` by example name; `failures` to show in place; `error` when nothing ran."""

    passed: dict[str, bool] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    error: str | None = None


def run_file_examples(session: Session, path: str) -> ExampleRun:
    """Run the examples of the program in `path` (as on screen), inherited ones included."""
    checked = session.check(path)
    program = checked.program
    if program is None:
        return ExampleRun(error="the program has errors: fix them to run its examples")
    text = session.read(path)

    def load_at(day):
        return loader.load_program(path, day, text=text, checks=False, sources=session).program

    run = ExampleRun()
    for outcome in run_examples(program, load_at):
        ex = outcome.example
        run.passed[ex.name] = outcome.passed
        if outcome.error:
            run.failures.append(Failure(ex.span, f"example '{ex.name}' could not run: {outcome.error}"))
        for c in outcome.checks:
            if c.passed:
                continue
            if c.error:
                message = f"example '{ex.name}': {c.error}"
            else:
                message = f"example '{ex.name}' expects {show_value(c.expectation.value)}, got {show_value(c.actual)}"
            trace = tuple(line.strip() for line in outcome.trace(c, program)) if not c.error else ()
            run.failures.append(Failure(c.expectation.span or ex.span, message, trace))
    return run
