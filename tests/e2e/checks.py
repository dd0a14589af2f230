"""What every state of every page must be, at every width: checked in the browser.

`look` saves a screenshot of the state and notes a finding if anything is wider than the
window, an e-mail address breaks across lines, axe-core finds a serious or critical violation,
or Chromium reported a console error or CSP violation. The test goes on to its other states and
fails at its end naming every finding, so one broken state does not hide the others.
"""

from __future__ import annotations

import re
from functools import cache

from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import Browser

SERIOUS = {"serious", "critical"}

# Elements wider than the window, named so a failure says where to look.
_TOO_WIDE = """() => {
  const limit = window.innerWidth;
  const classes = (el) => typeof el.className === 'string' && el.className.trim()
    ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes(el);
  return [...document.body.querySelectorAll('*')]
    .filter((el) => el.getBoundingClientRect().right > limit + 1)
    .slice(0, 8)
    .map((el) => `${name(el)} (right edge ${Math.round(el.getBoundingClientRect().right)} px)`);
}"""

# E-mail addresses whose text runs over more than one line.
_BROKEN_EMAILS = """() => [...document.querySelectorAll('a[href^="mailto:"]')]
  .filter((link) => {
    const range = document.createRange();
    range.selectNodeContents(link);
    const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0)
      .map((r) => Math.round(r.top)));
    return tops.size > 1;
  })
  .map((link) => link.textContent)"""


@cache
def _axe() -> Axe:
    return Axe()


def width_problems(ui: Browser) -> list[str]:
    scroll_width, inner_width = ui.page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    if scroll_width <= inner_width:
        return []
    wide = ui.page.evaluate(_TOO_WIDE)
    return [f"page is {scroll_width} px wide in a {inner_width} px window: {', '.join(wide)}"]


def axe_problems(ui: Browser) -> list[str]:
    results = _axe().run(ui.page)
    problems = []
    for violation in results.response["violations"]:
        if violation["impact"] in SERIOUS:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:5]]
            problems.append(
                f"axe {violation['impact']}: {violation['id']} ({violation['help']}) "
                f"at {'; '.join(targets)}"
            )
    return problems


def look(ui: Browser, state: str, *, accessibility: bool = True) -> None:
    """Screenshot `state` and check it; note every problem found in `ui.findings`.

    `accessibility=False` is for the LinkedIn sandbox's pages, which stand in for LinkedIn's
    and are not this product's: they are still photographed and must still fit.
    """
    page = ui.page
    page.wait_for_load_state("load")
    width = page.viewport_size["width"]
    ui.screenshot(state)
    problems = width_problems(ui)
    problems += [f"e-mail broken across lines: {email}" for email in page.evaluate(_BROKEN_EMAILS)]
    if accessibility:
        problems += axe_problems(ui)
    problems += ui.problems
    ui.problems.clear()
    ui.findings += [f"{state} at {width} px: {problem}" for problem in problems]


def export_url_pattern() -> re.Pattern:
    return re.compile(r"/exports/[0-9a-f-]{36}/$")
