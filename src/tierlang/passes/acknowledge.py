"""Acknowledged findings: `acknowledge CODE "reason"` inside a declaration.

A finding everyone agrees is real and intended (cloudpartner2022's TL313: growing into the
Enterprise path of Business Applications can lose the designation, because that is
Microsoft's rule) should not be repeated on every `tier check`, nor fail `--strict`. The
author acknowledges it where it lives, with the reason:

    track business_apps "Business Applications" {
      acknowledge TL313 "Microsoft's rule: five workloads move a partner onto the Enterprise path (S5)."
      ...
    }

A warning whose place lies inside a declaration that acknowledges its code is *acknowledged*:
`tier check` counts it but does not show it (`--all-findings` does, with the reason), it does
not fail `--strict`, and the program guide lists every acknowledgement with its reason. Errors
cannot be acknowledged. An acknowledgement that matches no finding is itself a warning (TL260),
so a stale one does not outlive the rule it was about.
"""

from __future__ import annotations

from dataclasses import replace

from tierlang import ir
from tierlang.diagnostics import Diagnostic, Severity, warning
from tierlang.ir import Span
from tierlang.passes.extends import Merged
from tierlang.syntax import ast

__all__ = ["acknowledgement", "collect_acknowledgements", "apply_acknowledgements", "FINDING_TITLES"]

#: What each warning code is about, for the guide (docs/errors/ has a page per code).
FINDING_TITLES = {
    "TL250": "a parameter no rule uses",
    "TL251": "a metric no rule uses",
    "TL260": "an acknowledgement that matches no finding",
    "TL302": "a level no partner can hold",
    "TL303": "a level no partner can reach",
    "TL310": "a `not` against a metric's direction",
    "TL311": "a comparison against a metric's direction",
    "TL312": "`==` or `!=` on a metric",
    "TL313": "a classification that can choose a stricter variant",
    "TL314": "a formula that falls as a metric grows",
    "TL315": "a gate on points that can be negative",
    "TL316": "the reported score of a best-of track read elsewhere",
    "TL317": "a table whose values fall as a key improves",
}

#: A whole file, for an acknowledgement in the program header.
_WHOLE_FILE = (1, 1, 10**9, 1)


def _children(item: object) -> tuple[object, ...]:
    for name in ("items", "attrs"):
        value = getattr(item, name, None)
        if value:
            return tuple(value)
    return ()


def collect_acknowledgements(merged: Merged) -> tuple[ir.Acknowledgement, ...]:
    """Every `acknowledge` attribute of the merged program, with the source range of the
    declaration that holds it (the program header's: its whole file)."""
    out: list[ir.Acknowledgement] = []

    def visit(decl: object, where: str) -> None:
        for child in _children(decl):
            if isinstance(child, ast.Attr) and child.kind == "acknowledge":
                code, reason = child.value  # type: ignore[misc]
                scope = getattr(decl, "span", None)
                if isinstance(decl, ast.ProgramDecl) and scope is not None:
                    scope = Span(scope.file, *_WHOLE_FILE)
                out.append(ir.Acknowledgement(code, reason, where, scope, child.span))
            elif hasattr(child, "name") and not isinstance(child, ast.Attr):
                visit(child, f"{_kind(child)} {child.name} of {where}")  # type: ignore[attr-defined]

    if merged.header is not None:
        visit(merged.header, "the program")
    for item in merged.items:
        decl = item.decl if isinstance(item, ast.Override) else item
        if hasattr(decl, "name") and not isinstance(decl, ast.Remove):
            visit(decl, f"{_kind(decl)} {decl.name}")  # type: ignore[attr-defined]
    return tuple(out)


def _kind(decl: object) -> str:
    return {
        ast.LevelDecl: "level",
        ast.VariantDecl: "variant",
        ast.ScoreDecl: "score",
        ast.CategoryDecl: "category",
        ast.LineDecl: "line",
    }.get(type(decl)) or ast.DECL_KEYWORD.get(type(decl), "declaration")  # type: ignore[call-overload]


def _inside(span: Span | None, scope: Span | None) -> bool:
    if span is None or scope is None or span.file != scope.file:
        return False
    return (scope.line, scope.column) <= (span.line, span.column) and (span.line, span.column) < (scope.end_line, scope.end_column)


def acknowledgement(program: ir.Program, code: str, span: Span | None) -> tuple[int, ir.Acknowledgement] | None:
    """The acknowledgement (its index in the program's, and itself) of a warning with `code`
    at `span`, if the program has one."""
    return next(((k, a) for k, a in enumerate(program.acknowledgements) if a.code == code and _inside(span, a.scope)), None)


def apply_acknowledgements(program: ir.Program, diagnostics: list[Diagnostic]) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """Split `diagnostics` into those to show and the acknowledged ones (each carrying its
    reason in `data["acknowledged"]`); add a TL260 warning for every acknowledgement that
    matches no finding."""
    shown: list[Diagnostic] = []
    acknowledged: list[Diagnostic] = []
    used: set[int] = set()
    for d in diagnostics:
        match = None
        if d.severity is Severity.WARNING:
            match = acknowledgement(program, d.code, d.span)
        if match is None:
            shown.append(d)
            continue
        used.add(match[0])
        acknowledged.append(replace(d, data={**(d.data or {}), "acknowledged": match[1].reason, "acknowledged_at": str(match[1].span)}))
    for k, a in enumerate(program.acknowledgements):
        if k in used:
            continue
        errors = [d for d in diagnostics if d.code == a.code and _inside(d.span, a.scope) and d.is_error]
        if errors:
            message = f"{a.code} is an error here, and errors cannot be acknowledged: fix it"
        else:
            message = f"nothing to acknowledge: no {a.code} finding in {a.where}"
        shown.append(
            warning("TL260", message, a.span, hint="remove the acknowledgement, or move it to the declaration the finding points into")
        )
    return shown, acknowledged
