"""The program guide in Chromium at 1400 and 390 px, as partners and reviewers get it:
nothing wider than the screen, no word broken, the contents in view while reading, search,
folding tracks, points tables as cards on a phone, no internal names for partners, no
network request."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.browser.conftest import WIDTHS, Page
from tests.conftest import ROOT

PROGRAM = ROOT / "programs" / "cloudpartner2022.tier"


@pytest.fixture(scope="module")
def guides(tmp_path_factory):
    out = tmp_path_factory.mktemp("guide")
    made = {}
    for audience in ("partner", "reviewer"):
        path = out / f"{audience}.html"
        cmd = [sys.executable, "-m", "tierlang", "docs", str(PROGRAM), "--audience", audience, "-o", str(path)]
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        assert p.returncode == 0, p.stderr
        made[audience] = path
    return made


@pytest.mark.parametrize("audience", ["partner", "reviewer"])
@pytest.mark.parametrize("width", WIDTHS)
def test_fits_the_screen_and_breaks_no_word(browser, guides, audience, width):
    pg = Page(browser, guides[audience], width)
    try:
        pg.screenshot(f"guide-{audience}")
        assert pg.overflow() == 0
        assert pg.broken_words() == []
        assert pg.outside_requests() == []
        assert pg.errors == []
    finally:
        pg.close()


def test_partners_read_no_internal_names(browser, guides):
    pg = Page(browser, guides["partner"], 1400)
    try:
        text = pg.page.inner_text("body")
        for internal in (
            "data_ai_adds_max",
            "qualifying_score",
            "S2 [C]",
            "[C]",
            "parameter ",
            "Content hash",
            "data_ai_net_customer_adds",
        ):
            assert internal not in text, internal
        assert "Solutions Partner for Data & AI (Azure)" in text and "What is measured" in text
    finally:
        pg.close()
    pg = Page(browser, guides["reviewer"], 1400)
    try:
        text = pg.page.inner_text("body")
        assert "qualifying_score" in text and "Data dictionary" in text and "Content hash" in text
    finally:
        pg.close()


def test_contents_stay_in_view_while_reading(browser, guides):
    pg = Page(browser, guides["partner"], 1400)
    try:
        pg.page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
        box = pg.page.locator("nav#contents").bounding_box()
        assert box is not None and -1 <= box["y"] <= 10  # stuck to the top of the screen
        assert pg.page.locator("nav#contents a[href='#track-security']").is_visible()
    finally:
        pg.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_search_shows_only_matching_tracks(browser, guides, width):
    pg = Page(browser, guides["partner"], width)
    try:
        tracks = pg.page.locator("details.track")
        total = tracks.count()
        search = pg.page.locator(".guide-search input")
        search.fill("Modern Work")
        visible = pg.page.locator("details.track:not([hidden])")
        assert 0 < visible.count() < total
        assert all("Modern Work" in visible.nth(i).inner_text() for i in range(visible.count()))
        assert pg.page.locator(".guide-search .count").inner_text() == f"{visible.count()} of {total} tracks"
        search.fill("")
        assert pg.page.locator("details.track:not([hidden])").count() == total
        assert pg.overflow() == 0
    finally:
        pg.close()


def test_tracks_fold_and_a_link_opens_them(browser, guides):
    pg = Page(browser, guides["partner"], 1400)
    try:
        track = pg.page.locator("details#track-security")
        track.locator("summary").click()
        assert track.evaluate("d => d.open") is False
        pg.page.locator("nav#contents a[href='#track-security']").click()
        assert track.evaluate("d => d.open") is True
    finally:
        pg.close()


def test_points_tables_are_cards_on_a_phone(browser, guides):
    pg = Page(browser, guides["partner"], 390)
    try:
        cell = pg.page.locator("table.points tbody td").first
        assert cell.evaluate("e => getComputedStyle(e).display") == "block"
        label = cell.evaluate("e => getComputedStyle(e, '::before').content")
        assert "Category" in label or "Line" in label
    finally:
        pg.close()
    pg = Page(browser, guides["partner"], 1400)
    try:
        assert pg.page.locator("table.points tbody td").first.evaluate("e => getComputedStyle(e).display") == "table-cell"
    finally:
        pg.close()


def test_without_javascript_everything_is_there(browser, guides):
    pg = Page(browser, guides["partner"], 390, javascript=False)
    try:
        assert pg.page.locator(".guide-search").count() == 0
        assert pg.page.locator("details.track[open]").count() == pg.page.locator("details.track").count() > 0
        assert pg.overflow() == 0
    finally:
        pg.close()
