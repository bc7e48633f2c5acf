"""`extends`: merge a child program file over its parent, at the syntax level.

The child restates only what changes. A plain declaration adds something new (redeclaring a
parent's name is an error: write `override`), `override` replaces a parent declaration in
place (`override level TRACK.LEVEL` one level of a parent's track), `remove` deletes one. The result is one list of declarations whose spans still point
into the file each came from. Cycles and unreadable parents are errors (TL22x).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from tierlang.diagnostics import Diagnostic, Note, display_name, error
from tierlang.files import program_file_problem
from tierlang.syntax import ast

__all__ = ["Merged", "merge"]

Loader = Callable[[Path], "ast.Module | None"]


@dataclass
class Merged:
    header: ast.ProgramDecl | None
    items: list[ast.Item]
    parent_name: str | None = None
    files: list[str] = field(default_factory=list)
    #: What this file (or a parent between it and the root) removed, by (kind, name): the
    #: `remove` itself, so that what still uses the name can say why it is gone.
    removed: dict[tuple[str, str], ast.Remove] = field(default_factory=dict)


def _key(decl: ast.Item) -> tuple[str, str]:
    return (ast.DECL_KEYWORD[type(decl)], decl.name)


def _header(module: ast.Module) -> ast.ProgramDecl | None:
    return next((i for i in module.items if isinstance(i, ast.ProgramDecl)), None)


def _attr(header: ast.ProgramDecl | None, kind: str) -> ast.Attr | None:
    if header is None:
        return None
    return next((a for a in header.attrs if a.kind == kind), None)


def merge(module: ast.Module, path: Path, load: Loader, diags: list[Diagnostic], _stack: tuple[Path, ...] = ()) -> Merged:
    """Resolve `module`'s `extends` chain. `load` parses a parent file (None if it could
    not be read or parsed; it reports why itself)."""
    header = _header(module)
    ext = _attr(header, "extends")
    own = [i for i in module.items if not isinstance(i, ast.ProgramDecl)]
    if ext is None:
        for item in own:
            if isinstance(item, (ast.Override, ast.Remove)):
                word = "override" if isinstance(item, ast.Override) else "remove"
                diags.append(
                    error(
                        "TL226",
                        f"'{word}' needs a parent program",
                        item.span,
                        hint='add `extends "parent.tier"` to the program header',
                    )
                )
        plain = [i for i in own if not isinstance(i, (ast.Override, ast.Remove))]
        return Merged(header, plain, None, [module.file])

    parent_path = (path.parent / str(ext.value)).resolve()
    chain = _stack + (path.resolve(),)
    if parent_path in chain:
        names = " → ".join(p.name for p in chain + (parent_path,))
        diags.append(
            error("TL224", f"'extends' cycle: {names}", ext.span, hint="a program cannot extend itself, directly or through others")
        )
        return Merged(header, [i for i in own if not isinstance(i, (ast.Override, ast.Remove))], None, [module.file])
    # A parent is read and its lines shown in messages: only a `.tier` file, so that a program
    # cannot show another file's content (`extends "/etc/shadow"`) to whoever checks it.
    if parent_path.suffix != ".tier":
        problem, hint = "is not a .tier file", "a program extends another program: a .tier file"
    else:
        problem, hint = program_file_problem(parent_path), "the path is relative to this file"
    if problem is not None:
        diags.append(
            error(
                "TL225",
                f"cannot read the parent program '{ext.value}'",
                ext.span,
                notes=(
                    Note(
                        f"looked for {display_name(parent_path)}"
                        if problem == "does not exist"
                        else f"{display_name(parent_path)} {problem}"
                    ),
                ),
                hint=hint,
            )
        )
        return Merged(header, [], None, [module.file])
    parent_module = load(path.parent / str(ext.value))  # as written: the loader resolves it
    if parent_module is None:
        diags.append(error("TL225", f"the parent program '{ext.value}' has errors", ext.span))
        return Merged(header, [], None, [module.file])
    parent = merge(parent_module, parent_path, load, diags, chain)

    items: list[ast.Item] = list(parent.items)
    removed = dict(parent.removed)
    index = {_key(d): n for n, d in enumerate(items)}
    for item in own:
        if isinstance(item, ast.Override) and isinstance(item.decl, ast.LevelOverride):
            _override_level(item, items, index, diags)
        elif isinstance(item, ast.Override):
            key = _key(item.decl)
            if key not in index:
                diags.append(
                    error(
                        "TL222",
                        f"nothing to override: the parent declares no {key[0]} '{key[1]}'",
                        item.span,
                        hint=f"to add a new {key[0]}, drop 'override'",
                    )
                )
                continue
            items[index[key]] = item.decl
        elif isinstance(item, ast.Remove):
            key = (item.kind, item.name)
            if key not in index or items[index[key]] is None:
                diags.append(error("TL223", f"nothing to remove: the parent declares no {item.kind} '{item.name}'", item.span))
                continue
            items[index[key]] = None  # type: ignore[call-overload]
            removed[key] = item
        else:
            key = _key(item)
            if key in index and items[index[key]] is not None:
                first = items[index[key]]
                diags.append(
                    error(
                        "TL221",
                        f"{key[0]} '{key[1]}' is already declared by the parent program",
                        item.span,
                        notes=(Note("declared here", first.span),),
                        hint=f"write `override {key[0]} {key[1]} ...` to change it",
                    )
                )
                continue
            index[key] = len(items)
            items.append(item)
    merged_header = _merge_header(parent.header, header)
    parent_name = parent.header.name if parent.header else None
    kept = [i for i in items if i is not None]
    for item in kept:  # a name declared again after a remove is not removed any more
        removed.pop(_key(item), None)
    return Merged(merged_header, kept, parent_name, parent.files + [module.file], removed)


def _override_level(item: ast.Override, items: list, index: dict[tuple[str, str], int], diags: list[Diagnostic]) -> None:
    """`override level TRACK.LEVEL { ... }`: the parent's track with that level replaced in
    place (in every variant that has it); the rest of the track stays the parent's."""
    lo = item.decl
    assert isinstance(lo, ast.LevelOverride)
    at = index.get(("track", lo.track))
    track = items[at] if at is not None else None
    if not isinstance(track, ast.TrackDecl):
        diags.append(error("TL222", f"nothing to override: the parent declares no track '{lo.track}'", item.span))
        return
    level = lo.level

    def replaced(body: tuple) -> tuple[tuple, bool]:
        out = tuple(level if isinstance(i, ast.LevelDecl) and i.name == level.name else i for i in body)
        return out, out != body

    new_items, found = replaced(track.items)
    if not found:
        parts = []
        for i in track.items:
            if isinstance(i, ast.VariantDecl):
                body, hit = replaced(i.items)
                found = found or hit
                i = replace(i, items=body)
            parts.append(i)
        new_items = tuple(parts)
    if not found:
        levels = [i.name for i in _levels(track)]
        diags.append(
            error(
                "TL222",
                f"nothing to override: track '{lo.track}' has no level '{level.name}'",
                item.span,
                hint=f"its levels: {', '.join(levels)}; to add a level, override the whole track" if levels else None,
            )
        )
        return
    items[at] = replace(track, items=new_items)  # type: ignore[index]


def _levels(track: ast.TrackDecl) -> list[ast.LevelDecl]:
    out = [i for i in track.items if isinstance(i, ast.LevelDecl)]
    for v in (i for i in track.items if isinstance(i, ast.VariantDecl)):
        out += [i for i in v.items if isinstance(i, ast.LevelDecl) and i.name not in {x.name for x in out}]
    return out


def _merge_header(parent: ast.ProgramDecl | None, child: ast.ProgramDecl | None) -> ast.ProgramDecl | None:
    """The child's header, inheriting the title and the attributes it does not restate
    (`status`, `doc`, `source`); `version` and `effective` belong to each version alone."""
    if child is None or parent is None:
        return child
    kinds = {a.kind for a in child.attrs}
    inherited = tuple(a for a in parent.attrs if a.kind not in kinds and a.kind not in ("extends", "version", "effective"))
    return ast.ProgramDecl(child.name, child.title if child.title is not None else parent.title, child.attrs + inherited, child.span)
