"""The impact report in Chromium at 1400 and 390 px: nothing wider than the screen, no word
broken mid-word, sorting, search and filters on the partner tables, the whole outreach list,
links to the rules, no network request, and the same content without JavaScript."""

from __future__ import annotations

import json
import subprocess
import sys

import polars as pl
import pytest

from tests.browser.conftest import WIDTHS, Page
from tests.conftest import ROOT

OLD, NEW = ROOT / "programs" / "mpn2010.tier", ROOT / "programs" / "cloudpartner2022.tier"
DATA = ROOT / "examples" / "partners.csv"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The README's main job, as a user runs it: the HTML report, the JSON one and the
    whole outreach list as CSV."""
    out = tmp_path_factory.mktemp("report")
    html, js, calls = out / "report.html", out / "report.json", out / "calls.csv"
    cmd = [sys.executable, "-m", "tierlang", "diff", str(OLD), str(NEW), "--data", str(DATA)]
    p = subprocess.run([*cmd, "-o", str(html), "-o", str(js), "--outreach-file", str(calls)], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    return html, json.loads(js.read_text()), pl.read_csv(calls, infer_schema=False)


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def page(request, browser, report):
    pg = Page(browser, report[0], request.param)
    yield pg
    pg.close()


def _visible_ids(pg: Page) -> list[str]:
    return pg.page.eval_on_selector_all("table.outreach tbody tr:not([hidden]) code.pid", "els => els.map(e => e.textContent)")


def test_fits_the_screen_and_breaks_no_word(page):
    page.screenshot("report")
    assert page.overflow() == 0
    assert page.broken_words() == []
    assert page.outside_requests() == []
    assert page.errors == []


def test_outreach_list_holds_every_losing_partner(page, report):
    _, data, calls = report
    total = data["impact"]["outreach"]["total"]
    status = next(c for c in data["impact"]["comparisons"] if c["status"])
    assert total == status["lose"] > 100  # the README's job: 121 partners lose status
    assert len(_visible_ids(page)) == total
    assert set(_visible_ids(page)) == set(calls["partner_id"])
    assert page.page.text_content("table.outreach + .count, .table-tools .count") is not None


def test_sorting_the_outreach_list(page):
    header = page.page.locator("table.outreach thead th", has_text="Partner")
    header.locator("button.sort").click()
    ids = _visible_ids(page)
    assert ids == sorted(ids) and header.get_attribute("aria-sort") == "ascending"
    header.locator("button.sort").click()
    assert _visible_ids(page) == sorted(ids, reverse=True) and header.get_attribute("aria-sort") == "descending"
    # numbers sort as numbers: the "#" column back to the report's order
    page.page.locator("table.outreach thead th", has_text="#").locator("button.sort").click()
    numbers = page.page.eval_on_selector_all("table.outreach tbody tr td:first-child", "els => els.map(e => +e.dataset.value)")
    assert numbers == sorted(numbers) and numbers[:3] == [1, 2, 3]
    assert page.overflow() == 0


def test_search_and_filter_the_outreach_list(page):
    ids = _visible_ids(page)
    tools = page.page.locator(".table-tools").filter(has=page.page.locator("input[placeholder^='Search partner ids']"))
    tools.locator("input[type=search]").fill(ids[7])
    assert _visible_ids(page) == [ids[7]]
    assert tools.locator(".count").text_content() == f"1 of {len(ids)} rows"
    tools.locator("input[type=search]").fill("")
    assert len(_visible_ids(page)) == len(ids)
    now = tools.locator("select").first
    values = now.locator("option").all_text_contents()[1:]
    assert "Holds a gold competency" in values
    now.select_option("Holds a gold competency")
    shown = page.page.eval_on_selector_all("table.outreach tbody tr:not([hidden]) td:nth-child(4)", "els => els.map(e => e.textContent)")
    assert shown and set(shown) == {"Holds a gold competency"} and len(shown) < len(ids)
    page.screenshot("report-filtered")


def test_attribution_links_reach_the_rule_and_its_change(page):
    link = page.page.locator("#why a.loc").first
    target = link.get_attribute("href")
    assert target.startswith("#new-L")
    link.click()
    line = page.page.locator(target)
    assert line.is_visible() and line.evaluate("e => e.matches(':target')")
    assert "any_designation" in line.text_content() or "require" in line.text_content()
    assert page.overflow() == 0


def test_change_links_open_the_change(browser, tmp_path):
    """A same-program diff has rules changed behind its attributions: each links to the
    rule change's row."""
    old, new = ROOT / "programs" / "cloudpartner2022.tier", ROOT / "programs" / "cloudpartner2023.tier"
    html = tmp_path / "r.html"
    cmd = [sys.executable, "-m", "tierlang", "diff", str(old), str(new), "--data", str(DATA), "-o", str(html)]
    assert subprocess.run(cmd, capture_output=True, cwd=ROOT).returncode == 0
    pg = Page(browser, html, 1400)
    try:
        links = pg.page.locator("#why a.change-link")
        assert links.count() > 0
        href = links.first.get_attribute("href")
        links.first.click()
        row = pg.page.locator(href)
        assert row.is_visible() and "tightened" in row.text_content()
        assert pg.errors == [] and pg.outside_requests() == []
        pg.screenshot("report-2023")
    finally:
        pg.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_without_javascript_every_row_is_there(browser, report, width):
    pg = Page(browser, report[0], width, javascript=False)
    try:
        assert pg.page.locator(".table-tools").count() == 0  # no dead controls
        assert len(_visible_ids(pg)) == report[1]["impact"]["outreach"]["total"]
        assert pg.overflow() == 0
        assert pg.outside_requests() == []
    finally:
        pg.close()
