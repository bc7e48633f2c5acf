"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser).

The browser is found at $TIER_CHROMIUM or /usr/bin/chromium; .ci/run installs Debian's
`chromium` when it is missing. Without it the tests are skipped on a developer's machine and
fail in CI (CI=true), so a missing browser never passes silently there.

Screenshots of every page at every width are kept in build/screenshots/ (git-ignored) as
test artefacts: look at them.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = os.environ.get("TIER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: A desktop and a phone.
WIDTHS = (1400, 390)
SCREENSHOTS = ROOT / "build" / "screenshots"
#: The tallest screenshot taken (pixels).
MAX_SHOT = 12000

#: JavaScript: every word split over two lines (a word: letters and digits, 2 or more),
#: outside paths and hashes (which may break anywhere: they have no words) and SVG.
BROKEN_WORDS = r"""
() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const word = /[\p{L}\p{N}]{2,}/gu;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(".path, .hash, svg, script, style") || !el.getClientRects().length) continue;
    const text = node.nodeValue;
    for (const m of text.matchAll(word)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) out.push(m[0] + " in: " + text.slice(Math.max(0, m.index - 20), m.index + m[0].length + 20));
      if (out.length >= 10) return out;
    }
  }
  return out;
}
"""


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"no Chromium at {CHROMIUM}: .ci/run installs Debian's chromium")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


class Page:
    """A page loaded at one width, with everything it asked of the network and every
    error it logged."""

    def __init__(self, browser, path: Path, width: int, javascript: bool = True) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=javascript)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.url = path.resolve().as_uri()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(self.url)
        self.width = width

    def close(self) -> None:
        self.context.close()

    def outside_requests(self) -> list[str]:
        """Every request but the page itself (and the fragment links within it)."""
        return [u for u in self.requests if u.split("#")[0] != self.url]

    def overflow(self) -> int:
        """How far the page is wider than the screen (0: not at all)."""
        return self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")

    def broken_words(self) -> list[str]:
        return self.page.evaluate(BROKEN_WORDS)

    def screenshot(self, name: str) -> Path | None:
        """The whole page as a PNG, down to `MAX_SHOT` pixels (Chromium cannot capture taller
        images; a phone-width report is taller than that). The picture is for people to look
        at, not what the tests assert: when headless Chromium on a loaded machine answers
        "Unable to capture screenshot" three times, the test goes on without it (a warning)."""
        from playwright.sync_api import Error

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}-{self.width}.png"
        height = self.page.evaluate("document.documentElement.scrollHeight")
        clip = {"x": 0, "y": 0, "width": self.width, "height": min(height, MAX_SHOT)}
        for attempt in range(3):
            try:
                self.page.screenshot(path=str(path), full_page=True, clip=clip, timeout=120_000)
                return path
            except Error as e:
                if "Unable to capture screenshot" not in str(e):
                    raise
                self.page.wait_for_timeout(1000 * (attempt + 1))
        warnings.warn(f"no screenshot of {name} at {self.width} px: Chromium could not capture it", stacklevel=2)
        return None
