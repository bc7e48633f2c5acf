"""The HTML report: one well-formed, self-contained file with every section a reviewer needs."""

from __future__ import annotations

import re

import pytest

from tests.conftest import FIXTURES, ROOT
from tests.htmlcheck import check_self_contained
from tierlang.diff import diff
from tierlang.render.diff import render_diff

DIFF = FIXTURES / "diff"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def _reports():
    yield "impact", diff(DIFF / "shop_v1.tier", DIFF / "shop_v2.tier", data=DIFF / "shop_partners.csv")
    yield "mapped", diff(DIFF / "legacy.tier", DIFF / "shop_v1.tier", data=DIFF / "shop_partners.csv", mapping=DIFF / "legacy-shop.tiermap")
    yield "structural", diff(DIFF / "old.tier", DIFF / "new.tier")
    yield "same", diff(DIFF / "shop_v1.tier", DIFF / "shop_v1.tier", data=DIFF / "shop_partners.csv")


@pytest.mark.parametrize("name,report", list(_reports()), ids=lambda x: x if isinstance(x, str) else "")
def test_html_is_well_formed_and_self_contained(name, report):
    html = render_diff(report, "html")
    parser = check_self_contained(html)
    assert "@media print" in parser.style  # the guide's stylesheet is shared
    assert "h-lose-" in parser.style and ".panels" in parser.style
    assert not re.search(r"\son\w+=", html)  # no event handlers


def test_html_has_heat_table_bars_timeline_outreach_and_changes():
    report = next(r for n, r in _reports() if n == "impact")
    html = render_diff(report, "html")
    for section in ("status", "tracks", "why", "timeline", "outreach", "matrices", "changes"):
        assert f'<section id="{section}">' in html
    # the heat table: a loss cell is shaded as a loss, the keep diagonal as a keep
    assert re.search(r'<td class="num h-lose-\d"[^>]*>3</td>', html)
    assert re.search(r'<td class="num h-keep"[^>]*>2</td>', html)
    assert html.count('<svg class="bar"') == 3  # a gains/losses bar per comparison
    assert html.count('<figure class="panel">') == 4  # Member, Partner, Premier, losses so far
    assert "<polyline" in html
    # outreach rows in renewal order
    order = [m for m in re.findall(r'<code class="pid">(P\d+)</code></td><td class="date">(\d{4}-\d\d-\d\d)', html)]
    assert order == [("P03", "2024-07-01"), ("P01", "2024-09-15"), ("P08", "2024-12-31"), ("P04", "2025-02-28")]
    assert '<span class="effect tightened">tightened</span>' in html


def test_html_escapes_what_authors_write(tmp_path):
    a = tmp_path / "a.tier"
    b = tmp_path / "b.tier"
    a.write_text('program x "<b>old</b>" { version "1" }\nmetric m: count\ntrack t { level l { require m >= 1 } }\n')
    b.write_text('program x "A <script>alert(1)</script>" { version "2" }\nmetric m: count\ntrack t { level l { require m >= 2 } }\n')
    html = render_diff(diff(a, b), "html")
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    check_self_contained(html)
