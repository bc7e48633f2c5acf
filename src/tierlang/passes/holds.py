"""Status rules (`hold` declarations) → `ir.Hold`: targets resolved, clauses checked.

A rule names the tracks (or groups of tracks) it applies to and has exactly one clause that
says what it does, plus an optional `from DATE`:

    hold window "Qualification window" for designations {
      window 6 months
      from 2023-09-19
      source "S9 [C]"
    }

Checks: known targets (TL200), one kind clause (TL240), sensible lengths and dates (TL240),
at most one rule of each kind per track (TL241), a name other than `qualified` (the
`held_by` value of a level the rules themselves give; TL201).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tierlang import ir
from tierlang.diagnostics import Note, did_you_mean
from tierlang.syntax import ast

if TYPE_CHECKING:
    from tierlang.passes.lower import _Lowerer

__all__ = ["lower_holds", "QUALIFIED"]

#: `held_by` of a level held because the program's rules hold in that month.
QUALIFIED = "qualified"

_CLAUSE_TEXT = {
    "window": "window N months",
    "anniversary": "until anniversary",
    "grace": "grace N days",
    "until": "until DATE",
    "grandfather": "held on DATE until DATE",
    "lag": "promotion after N months",
}


def lower_holds(lw: _Lowerer) -> list[ir.Hold]:
    out: list[ir.Hold] = []
    seen: dict[str, ast.HoldDecl] = {}
    per_track: dict[tuple[str, str], ir.Hold] = {}
    for d in lw.merged.items:
        if not isinstance(d, ast.HoldDecl):
            continue
        if d.name in seen:
            continue  # reported when declarations were collected
        seen[d.name] = d
        if d.name == QUALIFIED:
            lw.err("TL201", f"'{QUALIFIED}' names a level the rules themselves give; a status rule cannot take that name", d.span)
            continue
        hold = _lower(lw, d)
        if hold is None:
            continue
        for t in hold.tracks:
            other = per_track.get((t, hold.kind))
            if other is not None:
                lw.err(
                    "TL241",
                    f"track '{t}' already has a {hold.kind} rule ('{other.name}')",
                    d.span,
                    notes=(Note("that rule", other.span),),
                    hint="a track takes at most one rule of each kind; merge them",
                )
            per_track[(t, hold.kind)] = hold
        out.append(hold)
    return out


def _tracks(lw: _Lowerer, d: ast.HoldDecl) -> tuple[str, ...] | None:
    tracks: list[str] = []
    ok = True
    for name in d.targets:
        if name in lw.track_decls:
            tracks.append(name)
        elif isinstance(lw.globals.get(name), ast.GroupDecl):
            members = lw.group_members.get(name, [])
            if not members:
                lw.err("TL205", f"group '{name}' has no tracks", d.span)
                ok = False
            tracks.extend(members)
        else:
            groups = [k for k, v in lw.globals.items() if isinstance(v, ast.GroupDecl)]
            lw.err(
                "TL200",
                f"'{name}' is neither a track nor a group",
                d.span,
                hint=did_you_mean(name, [*lw.track_decls, *groups]) or "a status rule applies to tracks, or to the tracks of a group",
            )
            ok = False
    return tuple(dict.fromkeys(tracks)) if ok else None


def _lower(lw: _Lowerer, d: ast.HoldDecl) -> ir.Hold | None:
    from tierlang.passes.lower import _duration  # the one reading of a duration literal

    tracks = _tracks(lw, d)
    attrs = lw.attrs([i for i in d.items if isinstance(i, ast.Attr)], "hold")
    clauses = [i for i in d.items if isinstance(i, ast.HoldClause)]
    since_clauses = [c for c in clauses if c.kind == "from"]
    kinds = [c for c in clauses if c.kind != "from"]
    if len(since_clauses) > 1:
        lw.err("TL201", "'from' is given twice", since_clauses[1].span)
    if len(kinds) != 1:
        where = kinds[1].span if len(kinds) > 1 else d.span
        lw.err(
            "TL240",
            f"a status rule has one clause saying what it does; this one has {len(kinds) or 'none'}",
            where,
            hint="one of: " + ", ".join(f"`{t}`" for t in _CLAUSE_TEXT.values()) + " (plus an optional `from DATE`)",
        )
        return None
    (clause,) = kinds
    since = since_clauses[0].value.value if since_clauses else None  # type: ignore[attr-defined]
    length = until = held_on = None
    value = clause.value
    if clause.kind in ("window", "lag", "grace"):
        assert isinstance(value, ast.DurationLit)
        length = _duration(value)
        if length.months < 1 and length.days < 1:
            lw.err("TL240", f"a {clause.kind} of {value} holds nothing", value.span, hint="give at least 1")
            return None
        if clause.kind in ("window", "lag") and length.days:
            lw.err(
                "TL240",
                f"a {clause.kind} counts whole months (histories are monthly), not {value}",
                value.span,
                hint=f"e.g. `{_CLAUSE_TEXT[clause.kind].replace('N', '6')}`",
            )
            return None
    elif clause.kind == "until":
        until = value.value  # type: ignore[attr-defined]
    elif clause.kind == "grandfather":
        held_on, until = (v.value for v in value)  # type: ignore[union-attr]
        if until <= held_on:  # type: ignore[operator]
            lw.err("TL240", f"the level held on {held_on} is kept until a later date, not {until}", clause.span)
            return None
    if since is not None and until is not None and until < since:
        lw.err("TL240", f"this rule would start on {since} after its last day, {until}", clause.span)
        return None
    if tracks is None:
        return None
    return ir.Hold(
        name=d.name,
        kind=clause.kind,
        tracks=tracks,
        length=length,
        since=since,
        until=until,
        held_on=held_on,
        title=d.title,
        doc=lw.text(attrs, "doc"),
        source=lw.text(attrs, "source"),
        assumed=lw.text(attrs, "assumed"),
        span=d.span,
    )
