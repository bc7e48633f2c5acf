"""Ladder checks: TL302 (never held: a higher level asks no more) and TL303 (never reached)."""

from __future__ import annotations

import pytest

from tierlang import load_program

HEAD = """program p { version "1" }
metric a: count
metric b: count
group gs
track x in gs { level silver { require a >= 1 } level gold { require a >= 5 } }
track y in gs { level silver { require b >= 1 } level gold { require b >= 5 } }
"""


def _ladder_codes(tmp_path, body: str) -> list[tuple[str, str]]:
    result = load_program(tmp_path / "p.tier", text=HEAD + body)
    assert result.ok, result.diagnostics
    return [(d.code, d.message.split(":")[0]) for d in result.diagnostics if d.code in ("TL302", "TL303")]


NEVER_HELD = {
    "bounds": "level lo { require a >= 4 } level hi independent { require a >= 2 }",
    "adds nothing": "level lo { require a >= 4 } level hi { require a >= 2 }",
    "higher level of a track": "level lo { require x at gold } level hi independent { require x at silver }",
    "any level of a track": "level lo { require x at silver } level hi independent { require x }",
    "more of a group": "level lo { require at least 2 of gs at gold } level hi independent { require at least 1 of gs at silver }",
    "all of a group": "level lo { require all of gs at gold } level hi independent { require at least 2 of gs }",
    "any": "level lo { require a >= 4 } level hi independent { require any { a >= 3, b >= 9 } }",
    "at least": "level lo { require a >= 4 and x at gold } level hi independent { require at least 2 of { a >= 3, b >= 9, x } }",
    "either way": "level lo { require any { x at gold, y at gold } } level hi independent { require at least 1 of gs at silver }",
}


@pytest.mark.parametrize("ladder", NEVER_HELD.values(), ids=NEVER_HELD.keys())
def test_never_held(tmp_path, ladder):
    assert _ladder_codes(tmp_path, f"track t {{ {ladder} }}\n") == [("TL302", "level 'lo' of 't' is never held")]


HELD = {
    "stricter higher level": "level lo { require a >= 2 } level hi { require a >= 4 }",
    "lower level of a track": "level lo { require x at silver } level hi independent { require x at gold }",
    "fewer of a group": "level lo { require at least 1 of gs at gold } level hi independent { require at least 2 of gs at silver }",
    "any not implied": "level lo { require a >= 2 } level hi independent { require any { a >= 3, b >= 9 } }",
    "one alternative only": "level lo { require any { x at gold, b >= 1 } } level hi independent { require x }",
}


@pytest.mark.parametrize("ladder", HELD.values(), ids=HELD.keys())
def test_held(tmp_path, ladder):
    assert _ladder_codes(tmp_path, f"track t {{ {ladder} }}\n") == []


def test_never_reached(tmp_path):
    codes = _ladder_codes(tmp_path, "track t { level lo { require a >= 5 } level hi { require a <= 3 } }\n")
    assert codes == [("TL303", "level 'hi' of 't' can never be reached")]
