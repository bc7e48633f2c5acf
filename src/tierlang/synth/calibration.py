"""The calibration knobs of `tier synth`: loading, layering and checking.

The shipped `calibration.toml` (next to this module) documents every knob. A user file is
laid over it (`--calibration FILE`): tables merge key by key, other values are replaced.
Every knob is checked here, before anything is generated, so that a typo or a wrong type is
a clear error naming the file and the knob rather than a traceback or a silent default.
"""

from __future__ import annotations

import fnmatch
import math
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from tierlang.synth.schema import SynthError

__all__ = ["Calibration", "ColumnKnobs", "Segment", "load_calibration", "DEFAULT_PATH"]

DEFAULT_PATH = "calibration.toml"  # inside the tierlang.synth package

# ------------------------------------------------------------------ the knobs and their checks


def _number(lo: float | None = None, hi: float | None = None, *, open_lo: bool = False):
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            return "must be a number"
        if lo is not None and (v < lo or (open_lo and v == lo)):
            return f"must be {'>' if open_lo else '>='} {lo:g}"
        if hi is not None and v > hi:
            return f"must be <= {hi:g}"
        return None

    return check


def _integer(lo: int):
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int):
            return "must be a whole number"
        return f"must be >= {lo}" if v < lo else None

    return check


def _string(v: Any) -> str | None:
    return None if isinstance(v, str) else "must be a string"


def _boolean(v: Any) -> str | None:
    return None if isinstance(v, bool) else "must be true or false"


def _strings(v: Any) -> str | None:
    return None if isinstance(v, list) and all(isinstance(x, str) for x in v) else "must be a list of strings"


def _numbers(v: Any) -> str | None:
    ok = isinstance(v, list) and v and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)
    return None if ok else "must be a non-empty list of numbers"


def _integers(v: Any) -> str | None:
    ok = isinstance(v, list) and v and all(isinstance(x, int) and not isinstance(x, bool) for x in v)
    return None if ok else "must be a non-empty list of whole numbers"


_SHARE = _number(0, 1)
_POSITIVE = _number(0, open_lo=True)
_NON_NEGATIVE = _number(0)
_ANY = _number()

#: Knobs of one column (also the defaults in [values]).
_VALUE_KNOBS = {
    "level": _NON_NEGATIVE,
    "size_elasticity": _ANY,
    "sigma": _NON_NEGATIVE,
    "shift": _ANY,
    "noise": _NON_NEGATIVE,
    "zero_share": _SHARE,
    "true_share": _SHARE,
}
_COLUMN_ONLY = {"scale": _POSITIVE, "cap": _ANY, "decimals": _integer(0), "aim": _boolean}

_SECTIONS: dict[str, dict[str, Any]] = {
    "population": {"organizations": _integer(1)},
    "size": {"column": _string, "minimum": _number(1), "tail_index": _POSITIVE, "maximum": _number(1), "reference": _POSITIVE},
    "capability": {"sigma": _NON_NEGATIVE},
    "engagement": {"log_odds": _ANY, "size_log_odds": _ANY},
    "background": {"pursuit": _SHARE, "intensity": _NON_NEGATIVE, "aim": _SHARE},
    "pursuit": {"breadth": _NON_NEGATIVE, "size_elasticity": _ANY, "sigma": _NON_NEGATIVE},
    "aim": {
        "rate": _SHARE,
        "reach": _SHARE,
        "reach_units": _integer(0),
        "landing_offsets": _integers,
        "landing_weights": _numbers,
        "landing_step": _NON_NEGATIVE,
    },
    "values": {**_VALUE_KNOBS, "decimals": None},  # decimals: a table, checked below
    "history": {
        "persistence": _number(0, 1),
        "sigma": _NON_NEGATIVE,
        "trend_sigma": _NON_NEGATIVE,
        "column_noise": _NON_NEGATIVE,
        "signed_noise": _NON_NEGATIVE,
        "joined": _SHARE,
        "left": _SHARE,
    },
}
_DECIMAL_KINDS = ("number", "percent", "money")
_SEGMENT_KNOBS = {
    "column": _string,
    "share": _number(0, 1, open_lo=True),
    "size_log_odds": _ANY,
    "columns": _strings,
    "pursuit": _NON_NEGATIVE,
    "others": _NON_NEGATIVE,
    "engagement_log_odds": _ANY,
    "intensity": _POSITIVE,
}


# ------------------------------------------------------------------ typed views


@dataclass(frozen=True)
class ColumnKnobs:
    """The knobs in force for one column (defaults with every matching override applied)."""

    level: float
    size_elasticity: float
    sigma: float
    shift: float
    noise: float
    zero_share: float
    true_share: float
    scale: float | None = None
    cap: float | None = None
    decimals: int | None = None
    aim: bool = True


@dataclass(frozen=True)
class Segment:
    name: str
    column: str
    share: float
    size_log_odds: float
    columns: tuple[str, ...]
    pursuit: float
    others: float
    engagement_log_odds: float
    intensity: float

    def matches(self, column: str) -> bool:
        return any(fnmatch.fnmatchcase(column, p) for p in self.columns)


@dataclass(frozen=True)
class Constraint:
    """`left <= sum(right)`, with `{name}` placeholders standing for the same text."""

    left: str
    right: tuple[str, ...]

    def bind(self, columns: list[str]) -> list[tuple[str, list[str]]]:
        """Every (left column, right columns) pair this constraint names among `columns`."""
        names = re.findall(r"\{(\w+)\}", self.left)
        pattern = re.escape(self.left)
        for n in names:
            pattern = pattern.replace(re.escape("{" + n + "}"), f"(?P<{n}>.+)", 1)
        out = []
        present = set(columns)
        for c in columns:
            m = re.fullmatch(pattern, c)
            if not m:
                continue
            right = [r.format(**m.groupdict()) for r in self.right]
            if all(r in present for r in right):
                out.append((c, right))
        return out


class Calibration:
    """A validated calibration: the shipped knobs with any user file laid over them."""

    def __init__(self, data: dict[str, Any], sources: list[str]) -> None:
        self.data = data
        self.sources = sources

    def __getitem__(self, section: str) -> dict[str, Any]:
        return self.data[section]

    @property
    def segments(self) -> list[Segment]:
        return [Segment(name, **{**knobs, "columns": tuple(knobs["columns"])}) for name, knobs in self.data.get("segments", {}).items()]

    @property
    def constraints(self) -> list[Constraint]:
        return [Constraint(left, tuple(right)) for left, right in self.data.get("constraints", {}).items()]

    def column(self, name: str, kind: str) -> ColumnKnobs:
        """The knobs for column `name` of kind `kind` (count, number, percent, ...)."""
        knobs: dict[str, Any] = {k: self.data["values"][k] for k in _VALUE_KNOBS}
        if kind in _DECIMAL_KINDS:
            knobs["decimals"] = self.data["values"]["decimals"][kind]
        for pattern, override in self.data.get("columns", {}).items():
            if fnmatch.fnmatchcase(name, pattern):
                knobs.update(override)
        return ColumnKnobs(**knobs)


# ------------------------------------------------------------------ loading


def load_calibration(path: str | Path | None = None) -> Calibration:
    """The shipped calibration, with the file at `path` (if any) laid over it."""
    shipped = resources.files("tierlang.synth").joinpath(DEFAULT_PATH).read_text(encoding="utf-8")
    data = _parse(shipped, "calibration.toml (shipped)")
    sources = ["calibration.toml (shipped)"]
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise SynthError(f"cannot read calibration file {path}: {getattr(e, 'strerror', None) or e}") from None
        data = _merge(data, _parse(text, str(path)))
        sources.append(str(path))
    _validate(data, sources[-1])
    return Calibration(data, sources)


def _parse(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SynthError(f"{name} is not valid TOML: {e}") from None


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _fail(source: str, knob: str, problem: str) -> SynthError:
    return SynthError(f"calibration {source}: '{knob}' {problem}", hint="see the comments in the shipped calibration.toml (docs/synth.md)")


def _check_table(source: str, prefix: str, table: Any, knobs: dict[str, Any], required: bool) -> None:
    if not isinstance(table, dict):
        raise _fail(source, prefix, "must be a table")
    for k, v in table.items():
        if k not in knobs:
            close = [n for n in knobs if n.startswith(k[:3])]
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise _fail(source, f"{prefix}.{k}", f"is not a knob{hint}")
        check = knobs[k]
        problem = check(v) if check is not None else None
        if problem:
            raise _fail(source, f"{prefix}.{k}", problem)
    if required:
        missing = [k for k in knobs if k not in table]
        if missing:
            raise _fail(source, f"{prefix}.{missing[0]}", "is missing")


def _validate(data: dict[str, Any], source: str) -> None:
    known = {*_SECTIONS, "segments", "columns", "constraints"}
    for k in data:
        if k not in known:
            raise _fail(source, k, "is not a section")
    for section, knobs in _SECTIONS.items():
        _check_table(source, section, data.get(section), knobs, required=True)
    _check_table(source, "values.decimals", data["values"].get("decimals"), dict.fromkeys(_DECIMAL_KINDS, _integer(0)), required=True)
    size = data["size"]
    if size["maximum"] < size["minimum"]:
        raise _fail(source, "size.maximum", "must be at least size.minimum")
    aim = data["aim"]
    if len(aim["landing_offsets"]) != len(aim["landing_weights"]):
        raise _fail(source, "aim.landing_weights", "must have one weight per landing offset")
    if any(w < 0 for w in aim["landing_weights"]) or sum(aim["landing_weights"]) <= 0:
        raise _fail(source, "aim.landing_weights", "must be non-negative with a positive sum")
    for name, seg in data.get("segments", {}).items():
        _check_table(source, f"segments.{name}", seg, _SEGMENT_KNOBS, required=True)
    for pattern, override in data.get("columns", {}).items():
        _check_table(source, f"columns.{pattern}", override, {**_VALUE_KNOBS, **_COLUMN_ONLY}, required=False)
    constraints = data.get("constraints", {})
    if not isinstance(constraints, dict):
        raise _fail(source, "constraints", "must be a table")
    for left, right in constraints.items():
        problem = _strings(right)
        if problem or not right:
            raise _fail(source, f"constraints.{left}", problem or "must name at least one column")
        names = set(re.findall(r"\{(\w+)\}", left))
        for r in right:
            extra = set(re.findall(r"\{(\w+)\}", r)) - names
            if extra:
                raise _fail(source, f"constraints.{left}", f"uses {{{sorted(extra)[0]}}} on the right but not on the left")
