"""The diff of two programs as one report: rule changes, and the impact on a dataset.

    >>> from tierlang.diff import diff
    >>> report = diff("programs/cloudpartner2022.tier", "programs/cloudpartner2023.tier")
    >>> report.changes                       # structural: list[Change]
    >>> report = diff(old, new, data="partners.csv")          # + impact (mapping found when shipped)
    >>> report.impact.status.lose, report.impact.outreach[:5]
    >>> to_data(report)                      # the JSON document (schema in docs/diff.md)

`to_data` is the stable machine-readable form (`SCHEMA` names its version); the renderers in
`tierlang.render.diff` turn the same report into terminal text, Markdown and HTML.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from fractions import Fraction

from tierlang import __version__, ir
from tierlang.data import ReadOptions
from tierlang.diagnostics import display_name
from tierlang.diff.amounts import Mover
from tierlang.diff.history import HistoryImpact
from tierlang.diff.impact import Impact, evaluate_pair, impact_diff
from tierlang.diff.mapping import Mapping, find_mapping, identity_mapping, level_renames, load_mapping
from tierlang.diff.structural import LOOSENED, NEUTRAL, TIGHTENED, Change, structural_diff

__all__ = ["DiffReport", "diff", "to_data", "SCHEMA", "TEXT_ATTRIBUTES"]

#: The JSON document's schema name and version (docs/diff.md). Adding a field keeps the
#: version; renaming or removing one, or changing a meaning, bumps it.
SCHEMA = "tierlang.diff/1"

#: Attributes whose change is text only (titles, docs, sources): reports list them apart.
TEXT_ATTRIBUTES = frozenset({"title", "doc", "source", "assumed", "name", "version", "effective", "unit"})


@dataclass
class DiffReport:
    old: ir.Program
    new: ir.Program
    old_file: str
    new_file: str
    changes: list[Change]
    impact: Impact | None = None
    history: HistoryImpact | None = None  # `tier diff --history`: the transition month by month
    #: The one date both programs were compared at (`diff(as_of=...)`); None: each program
    #: at its own effective date.
    as_of: _dt.date | None = None
    #: What reading the data warned about (a related table absent, values no rule names), once
    #: each though both programs read it.
    warnings: list = field(default_factory=list)

    @property
    def compared(self) -> str:
        """Which date the rules were read at, for a report's header."""
        if self.as_of is not None:
            return f"both programs as of {self.as_of.isoformat()} (dated parameters and rules in force on that date)"
        return "each program as of its own effective date"

    @property
    def rule_changes(self) -> list[tuple[int, Change]]:
        """Changes of meaning, with their index in `changes` (text changes left out)."""
        return [(i, c) for i, c in enumerate(self.changes) if not is_text(c)]

    @property
    def text_changes(self) -> list[tuple[int, Change]]:
        return [(i, c) for i, c in enumerate(self.changes) if is_text(c)]

    def counts(self) -> dict[str, int]:
        rules = [c for _, c in self.rule_changes]
        return {
            TIGHTENED: sum(c.effect == TIGHTENED for c in rules),
            LOOSENED: sum(c.effect == LOOSENED for c in rules),
            NEUTRAL: sum(c.effect == NEUTRAL for c in rules),
            "undecided": sum(c.effect is None for c in rules),
            "text": len(self.text_changes),
        }


def is_text(change: Change) -> bool:
    """A change to a title, doc string, source or other label: it changes no partner's level."""
    return change.action == "changed" and change.effect == NEUTRAL and change.what in TEXT_ATTRIBUTES


def diff(
    old: str | os.PathLike | ir.Program,
    new: str | os.PathLike | ir.Program,
    data: str | os.PathLike | None = None,
    mapping: str | os.PathLike | Mapping | None = None,
    *,
    find: bool = True,
    months: int = 12,
    limit: int | None = 25,
    outreach_scope: str = "status",
    as_of: _dt.date | None = None,
    read_options: ReadOptions | None = None,
    history: bool = False,
    tables: dict[str, str] | None = None,
    start: _dt.date | None = None,
    end: _dt.date | None = None,
    transition: str | _dt.date = "anniversary",
    grandfather: _dt.date | None = None,
) -> DiffReport:
    """Compare two programs (files, or loaded programs); with `data`, also their impact on
    those partners.

    `as_of` compares both as of one date: each program's dated parameters (and rules that
    read the date) take their values on that day, so a change a schedule makes inside one
    version shows up; the impact timeline then starts on that date (or on NEW's effective
    date, if later). Without it each program is read at its own effective date. Loaded
    programs must have been loaded for that date (`load_program(path, as_of)`).

    `mapping` is a mapping file (or a loaded `Mapping`); without one, the shipped mapping for
    the pair is used when `find` is true and one exists (`diff.mapping.find_mapping`), and
    tracks of the same name are compared level by level in any case. Raises
    `tierlang.engine.ProgramError` for a program with errors, `diff.mapping.MappingError`,
    and `tierlang.data.DataLoadError` for bad data. `read_options`: how to read `data` (a CSV
    file's separator and encoding, an Excel sheet: `tierlang.data.ReadOptions`). `tables`:
    related tables (or `partners`) read from files elsewhere than `data`, by name.

    With `history`, `data` is a history (one row per partner and month) and the impact is
    the transition played out month by month (`diff.history`): from `start` to `end`, each
    partner moving at its anniversary (`transition="anniversary"`) or on a date, keeping
    its old rank through `grandfather` when given. Each month is read as of its first day,
    so `as_of` does not go with `history`."""
    if history and as_of is not None:
        raise ValueError("as_of does not go with history: each month is read as of its first day")
    (a, a_file), (b, b_file) = _program_of(old, as_of), _program_of(new, as_of)
    if isinstance(mapping, Mapping):
        declared: Mapping | None = mapping
    elif mapping is not None:
        declared = load_mapping(mapping, a, b)
    else:
        found = find_mapping(a, b, a_file, b_file) if find else None
        declared = load_mapping(found, a, b) if found else None
    # a level the mapping pairs one to one with a level of another name is a rename
    report = DiffReport(a, b, a_file, b_file, structural_diff(a, b, level_renames(declared, a, b)), as_of=as_of)
    if data is None:
        return report
    if history:
        from tierlang.diff.history import history_impact

        report.history = history_impact(
            a,
            b,
            data,
            identity_mapping(a, b, declared),
            start=start,
            end=end,
            transition=transition,
            grandfather=grandfather,
            limit=limit,
            outreach_scope=outreach_scope,
            options=read_options,
        )
        return report
    old_eval, new_eval = evaluate_pair(a, b, data, read_options, tables)
    report.warnings = list({w.message: w for w in [*old_eval.warnings, *new_eval.warnings]}.values())
    report.impact = impact_diff(
        old_eval,
        new_eval,
        identity_mapping(a, b, declared),
        report.changes,
        months=months,
        limit=limit,
        outreach_scope=outreach_scope,
        start=_start(b, as_of),
    )
    return report


def _start(new: ir.Program, as_of: _dt.date | None) -> _dt.date | None:
    """The impact timeline's first day: NEW's effective date, or the comparison date when
    one is given and later."""
    effective = new.effective or new.as_of
    if as_of is None or effective is None:
        return effective or as_of
    return max(as_of, effective)


def _program_of(source: str | os.PathLike | ir.Program, as_of: _dt.date | None = None) -> tuple[ir.Program, str]:
    """A loaded program and the file it came from (for messages and mapping discovery)."""
    if isinstance(source, ir.Program):
        if as_of is not None and source.as_of != as_of:
            raise ValueError(f"program '{source.name}' was loaded as of {source.as_of}, not {as_of}: load it with as_of")
        return source, source.span.file if source.span is not None else (source.files[0] if source.files else ".")
    from tierlang.engine import ProgramError
    from tierlang.loader import load_program

    result = load_program(source, as_of, checks=False)
    if not result.ok:
        raise ProgramError(str(source), result.errors)
    assert result.program is not None
    return result.program, display_name(source)


# ------------------------------------------------------------------ JSON


def _exact(v: Fraction | None) -> str | None:
    """Exact numbers as text, as the IR's JSON writes them: "2", "1/2"."""
    return None if v is None else ir.to_data(ir.Const(v, ir.Type(ir.Kind.NUMBER)))["value"]


def _location(span: ir.Span | None) -> dict | None:
    if span is None:
        return None
    return {"file": span.file, "line": span.line, "column": span.column, "end_line": span.end_line, "end_column": span.end_column}


def _program(p: ir.Program, file: str) -> dict:
    return {
        "name": p.name,
        "title": p.title,
        "version": p.version,
        "effective": p.effective.isoformat() if p.effective else None,
        "as_of": p.as_of.isoformat() if p.as_of else None,
        "status": p.status,
        "content_hash": p.content_hash,
        "file": file,
    }


def _change(c: Change) -> dict:
    return {
        "action": c.action,
        "kind": c.kind,
        "path": list(c.path),
        "what": c.what,
        "old": c.old,
        "new": c.new,
        "effect": c.effect,
        "text_only": is_text(c),
        "old_location": _location(c.old_span),
        "new_location": _location(c.new_span),
    }


def _impact(imp: Impact) -> dict:
    m = imp.mapping
    return {
        "data": {
            "file": imp.data,
            "partners": imp.partners,
            "anniversary": imp.anniversary,
            "unknown_anniversary": imp.unknown_anniversary,
            "fallback_rows": imp.fallback_rows,
            "notes": imp.notes,
        },
        "mapping": {
            "file": m.path,
            "old_program": m.old_program,
            "new_program": m.new_program,
            "title": m.title,
            "doc": m.doc,
            "source": m.source,
            "assumed": m.assumed,
        },
        "effective": imp.effective.isoformat() if imp.effective else None,
        "timeline_dates": [d.isoformat() for d in imp.dates],
        "status": imp.status.id if imp.status else None,
        "comparisons": [
            {
                "id": c.id,
                "title": c.title,
                "old_tracks": list(c.old_tracks),
                "new_track": c.new_track,
                "declared": c.declared,
                "status": c.status,
                "doc": c.compare.doc,
                "source": c.compare.source,
                "assumed": c.compare.assumed,
                "ranks": [
                    {
                        "rank": _exact(r.value),
                        "label": r.label,
                        "old": list(r.old),
                        "new": list(r.new),
                        "source": r.source,
                        "assumed": r.assumed,
                    }
                    for r in c.compare.ranks
                    if c.declared
                ],
                "old_levels": [{"level": x.name, "label": x.label, "rank": _exact(x.rank)} for x in c.rows],
                "new_levels": [{"level": x.name, "label": x.label, "rank": _exact(x.rank)} for x in c.cols],
                "matrix": c.matrix,
                "gain": c.gain,
                "keep": c.keep,
                "lose": c.lose,
                "attributions": [
                    {
                        "track": a.track,
                        "variant": a.variant,
                        "variant_label": a.variant_label,
                        "level": a.level,
                        "level_label": a.level_label,
                        "requirement": a.index + 1,
                        "label": a.label,
                        "text": a.text,
                        "source_text": a.source_text,
                        "old_source_text": a.old_text,
                        "counterpart": a.counterpart,
                        "location": _location(a.span),
                        "partners": a.partners,
                        "examples": a.examples,
                        "changes": a.changes,
                    }
                    for a in c.attributions
                ],
                "unattributed": c.unattributed,
                "paired": c.paired,
                "classes": [{"rank": _exact(k.rank), "label": k.label} for k in c.classes],
                "timeline": c.timeline,
                "losses_realized": c.losses_realized,
            }
            for c in imp.comparisons
        ],
        "amounts": [
            {
                "id": a.id,
                "title": a.title,
                "output": a.output,
                "unit": a.unit,
                "old_track": a.old_track,
                "new_track": a.new_track,
                "partners": a.partners,
                "more": a.more,
                "same": a.same,
                "less": a.less,
                "only_old": a.only_old,
                "only_new": a.only_new,
                "total_old": _exact(a.total_old),
                "total_new": _exact(a.total_new),
                "increase": _exact(a.increase),
                "decrease": _exact(a.decrease),
                "largest_decreases": [_mover(m) for m in a.largest_decreases],
                "largest_increases": [_mover(m) for m in a.largest_increases],
            }
            for a in imp.amounts
        ],
        "uncompared": [{"side": u.side, "track": u.track, "title": u.title, "holders": u.holders} for u in imp.uncompared],
        "outreach": {
            "scope": imp.outreach_scope,
            "total": imp.outreach_total,
            "order": "next_anniversary",
            "partners": [
                {
                    "partner_id": r.partner_id,
                    "next_anniversary": r.next_anniversary.isoformat() if r.next_anniversary else None,
                    "old": r.old_level,
                    "new": r.new_level,
                    "old_label": r.old,
                    "new_label": r.new,
                    "losses": [{"comparison": cid, "old": o, "new": n} for cid, o, n in r.losses],
                    "no_counterpart": [{"track": t, "old": o} for t, o in r.unmatched],
                }
                for r in imp.outreach
            ],
        },
    }


def _mover(m: Mover) -> dict:
    return {"partner_id": m.partner_id, "old": _exact(m.old), "new": _exact(m.new), "change": _exact(m.change)}


def to_data(report: DiffReport) -> dict:
    """The report as a JSON-ready dict (schema `SCHEMA`, documented in docs/diff.md)."""
    counts = report.counts()
    return {
        "schema": SCHEMA,
        "generator": f"tierlang {__version__}",
        "as_of": report.as_of.isoformat() if report.as_of else None,
        "old": _program(report.old, report.old_file),
        "new": _program(report.new, report.new_file),
        "summary": {
            "tightened": counts[TIGHTENED],
            "loosened": counts[LOOSENED],
            "neutral": counts[NEUTRAL],
            "undecided": counts["undecided"],
            "text": counts["text"],
        },
        "changes": [_change(c) for c in report.changes],
        "impact": _impact(report.impact) if report.impact is not None else None,
        "history": _history(report.history) if report.history is not None else None,
    }


def _history(h: HistoryImpact) -> dict:
    from tierlang.render.history_diff import history_data

    return history_data(h)
