"""Hypothesis strategies for histories: a generated program (tests/engine/strategies.py) with
status rules, dated parameters and `as_of`, and a long table of partner-months with gaps,
anniversaries (leap days, the 1st, none) and values around the program's constants."""

from __future__ import annotations

import datetime as _dt
import re

from hypothesis import strategies as st

from tests.engine.strategies import lit, programs, values_for

D = _dt.date
STARTS = [D(2022, 11, 1), D(2023, 1, 1), D(2023, 12, 1), D(2024, 1, 1)]
ANNIVERSARIES = [D(2020, 2, 29), D(2021, 1, 1), D(2021, 3, 1), D(2022, 3, 15), D(2022, 12, 31), D(2023, 6, 2)]


def _month(start: D, k: int) -> D:
    y, m = divmod(start.year * 12 + start.month - 1 + k, 12)
    return D(y, m + 1, 1)


def _day(start: D, months: int, draw) -> D:
    """A day somewhere in the history (or just around it)."""
    base = _month(start, draw(st.integers(-1, months)))
    return base.replace(day=draw(st.sampled_from([1, 2, 15, 28])))


def hold_text(draw, name: str, targets: list[str], kind: str, start: D, months: int) -> str:
    if kind == "window":
        clause = f"window {draw(st.integers(1, 4))} months"
    elif kind == "lag":
        clause = f"promotion after {draw(st.integers(1, 3))} months"
    elif kind == "anniversary":
        clause = "until anniversary"
    elif kind == "grace":
        clause = "grace " + draw(st.sampled_from(["15 days", "30 days", "1 month", "45 days", "2 months"]))
    last = None
    if kind == "until":
        last = _day(start, months, draw)
        clause = f"until {last.isoformat()}"
    elif kind == "grandfather":
        a = _day(start, months, draw)
        last = a + _dt.timedelta(days=draw(st.integers(1, 200)))
        clause = f"held on {a.isoformat()} until {last.isoformat()}"
    since = ""
    if draw(st.integers(0, 3)) == 0:
        day = _day(start, months, draw)
        if last is None or day <= last:  # a rule cannot start after its last day
            since = f" from {day.isoformat()}"
    return f"hold {name} for {', '.join(targets)} {{ {clause}{since} }}"


@st.composite
def histories(draw, kinds: tuple[str, ...] = ("lag", "window", "anniversary", "grace", "until", "grandfather"), max_partners: int = 5):
    """(program text, long table as {column: [text | None]}, first month, months)."""
    text, metrics = draw(programs())
    start = draw(st.sampled_from(STARTS))
    months = draw(st.integers(1, 14))
    tracks = re.findall(r"^track (\w+)", text, flags=re.M)
    # a dated parameter and a rule that reads the evaluation date
    if "param p0 = " in text and draw(st.booleans()):
        when = _month(start, draw(st.integers(0, months)))
        text = re.sub(r"^param p0 = (\S+)$", lambda m: f"param p0 = {m.group(1)} {{ from {when.isoformat()} = 3 }}", text, flags=re.M)
    if draw(st.booleans()):
        cut = _day(start, months, draw)
        m0 = next((m for m in metrics if m.numeric and m.kind != "money"), None)
        alt = f" or {m0.name} >= 1" if m0 is not None else ""
        text += f"track tdate {{ level l0 {{ require as_of - 1 month >= {cut.isoformat()}{alt} }} }}\n"
        tracks.append("tdate")
    used: set[tuple[str, str]] = set()
    for i in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(kinds))
        targets = draw(st.lists(st.sampled_from(tracks + ["grp"]), min_size=1, max_size=2, unique=True))
        members = re.findall(r"^track (\w+) in grp", text, flags=re.M)
        covered = {t for x in targets for t in (members if x == "grp" else [x])}
        if any((t, kind) in used for t in covered):
            continue
        used |= {(t, kind) for t in covered}
        text += hold_text(draw, f"h{i}", targets, kind, start, months) + "\n"
    n = draw(st.integers(1, max_partners))
    data: dict[str, list[str | None]] = {"partner_id": [], "month": [], "anniversary": []}
    for m in metrics:
        data[m.name] = []
    for p in range(n):
        present = draw(st.lists(st.booleans(), min_size=months, max_size=months))
        ann = draw(st.sampled_from([None, *ANNIVERSARIES]))
        for k in range(months):
            if not present[k] and k:  # every partner has its first month, so it is in the history
                continue
            data["partner_id"].append(f"P{p}")
            data["month"].append(_month(start, k).isoformat())
            data["anniversary"].append(ann.isoformat() if ann is not None and draw(st.integers(0, 4)) else None)
            for m in metrics:
                v = draw(values_for(draw, m))
                data[m.name].append(v if v != "" else None)
    return text, data, start, months


__all__ = ["histories", "hold_text", "lit"]
