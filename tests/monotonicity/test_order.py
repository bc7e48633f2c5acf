"""The order on partners (tierlang.order)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from tierlang import ir, load_program
from tierlang.order import DOWN, FIXED, UP, better, differences, leq, role

TEXT = """program p { version "1" }
metric certs: count
metric adds: count { range .. }
metric days_late: count { lower is better }
metric survey: bool { default false }
metric late_flag: bool { lower is better }
metric band: enum(bronze < silver < gold) { higher is better }
metric band_undirected: enum(bronze < silver < gold)
metric region: enum(americas, emea)
metric joined: date
metric total: count = certs + adds
track t {
  level l {
    require certs >= 1 and adds >= 0 and days_late <= 3 and survey and not late_flag
    require band >= silver and band_undirected >= silver and region == emea and joined <= 2024-01-01 and total >= 0
  }
}
"""


def _program(tmp_path) -> ir.Program:
    result = load_program(tmp_path / "p.tier", text=TEXT)
    assert result.program is not None, result.diagnostics
    return result.program


def test_roles(tmp_path):
    p = _program(tmp_path)
    roles = {m.name: role(m) for m in p.metrics}
    assert roles == {
        "certs": UP,
        "adds": UP,
        "days_late": DOWN,
        "survey": UP,
        "late_flag": DOWN,
        "band": UP,  # ordered and directed
        "band_undirected": FIXED,  # ordered, but no direction declared
        "region": FIXED,
        "joined": FIXED,
        "total": UP,  # derived: not an input, but its direction is declared by default
    }


def test_better_per_kind(tmp_path):
    m = _program(tmp_path).metric_map
    assert better(m["certs"], Fraction(2), Fraction(3)) and not better(m["certs"], Fraction(3), Fraction(2))
    assert better(m["days_late"], Fraction(3), Fraction(2)) and not better(m["days_late"], Fraction(2), Fraction(3))
    assert better(m["survey"], False, True) and not better(m["survey"], True, False)
    assert better(m["late_flag"], True, False) and not better(m["late_flag"], False, True)
    assert better(m["band"], "bronze", "gold") and not better(m["band"], "gold", "silver")
    assert better(m["band_undirected"], "silver", "silver") and not better(m["band_undirected"], "bronze", "gold")
    assert not better(m["region"], "americas", "emea")
    assert not better(m["joined"], dt.date(2024, 1, 1), dt.date(2024, 1, 2))


def test_leq(tmp_path):
    p = _program(tmp_path)
    base = {"certs": Fraction(1), "days_late": Fraction(4), "region": "emea"}
    assert leq(p, base, base)
    assert leq(p, base, {**base, "certs": Fraction(2), "days_late": Fraction(1)})
    assert not leq(p, base, {**base, "certs": Fraction(2), "days_late": Fraction(5)})  # one worse
    assert not leq(p, base, {**base, "region": "americas"})  # fixed metrics must be equal
    assert not leq(p, base, {"certs": Fraction(1), "days_late": Fraction(4)})  # incomparable: a metric missing
    assert differences(base, {**base, "certs": Fraction(5)}) == ["certs"]
