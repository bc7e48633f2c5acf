"""TL425: values of a text column that the rules pick by value but that no rule names (a
misspelled certification) are counted in a warning, never silently ignored."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tierlang.data.tables import load_records
from tierlang.loader import load_program
from tierlang.passes.records import values_that_count

HEAD = """
program p {
  version "1"
  effective 2024-01-01
}

table certifications {
  column person_id: text
  column certification: text
  column source: text
  column expires_on: date optional
  filter current: expires_on is empty or expires_on >= as_of
}

list azure = { "Azure Developer Associate", "Azure AI Engineer Associate" }
"""

TAIL = """
track skilling {
  level certified { require people >= 2 }
}
"""


def program(metric: str, tmp_path):
    path = tmp_path / "p.tier"
    path.write_text(HEAD + metric + TAIL)
    res = load_program(path, as_of=dt.date(2024, 6, 1))
    assert res.program is not None, [d.message for d in res.diagnostics]
    return res.program


@pytest.mark.parametrize(
    "where, counts_nothing",
    [
        ("current and certification in azure", True),
        ('certification == "Azure Developer Associate" or certification in azure', True),
        # a value outside the list passes `not in`: it counts
        ("certification not in azure", False),
        ("not (certification in azure)", False),
        # `current` says nothing about the certification: unknown, so it may count
        ("current or certification in azure", False),
        # a retired-list exclusion beside a positive list still needs the list
        ('certification in azure and not (certification in { "Azure Developer Associate" } and current)', True),
    ],
)
def test_which_columns_count_only_named_values(tmp_path, where, counts_nothing):
    p = program(f"metric people: count = count distinct person_id of certifications where {where}\n", tmp_path)
    got = values_that_count(p)
    if counts_nothing:
        assert set(got) == {("certifications", "certification")}
        assert {"Azure Developer Associate", "Azure AI Engineer Associate"} <= got[("certifications", "certification")]
    else:
        assert ("certifications", "certification") not in got


def test_an_aggregate_without_condition_counts_every_value(tmp_path):
    p = program(
        "metric people: count = count distinct person_id of certifications where certification in azure\n"
        "metric rows: count = count of certifications\n"
        "track rows_track { level some { require rows >= 1 } }\n",
        tmp_path,
    )
    assert values_that_count(p) == {}


def test_warning_names_the_values_rows_and_the_near_name(tmp_path):
    p = program("metric people: count = count distinct person_id of certifications where certification in azure\n", tmp_path)
    certs = pl.DataFrame(
        {
            "partner_id": ["A", "A", "A", "A", "B", "B"],
            "person_id": ["x", "y", "z", "w", "v", "u"],
            "certification": [
                "Azure Developer Associate",
                "Azure Developer Asociate",
                "Azure Developer Asociate",
                "Power BI Data Analyst Associate",
                "Azure AI Engineer Associate",
                "azure ai engineer associate",
            ],
            "source": ["learn"] * 6,
            "expires_on": [None] * 6,
        },
        schema_overrides={"expires_on": pl.Date},
    )
    partners = pl.DataFrame({"partner_id": ["A", "B"]})
    records = load_records({"partners": partners, "certifications": certs}, p, on_error="report")
    [w] = [w for w in records.warnings if w.code == "TL425"]
    assert w.message.startswith("4 rows of ")
    assert '"azure ai engineer associate" (1 row; "Azure AI Engineer Associate" is named)' in w.message
    assert '"Azure Developer Asociate" (2 rows; "Azure Developer Associate" is named)' in w.message
    assert '"Power BI Data Analyst Associate" (1 row)' in w.message
    # nothing to say when every value is named
    records = load_records({"partners": partners, "certifications": certs.head(1)}, p, on_error="report")
    assert not [w for w in records.warnings if w.code == "TL425"]
