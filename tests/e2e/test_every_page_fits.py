"""Issue 18, phones first: on the demo, as each role, every page one can reach fits a 375 px
phone and a 1,280 px screen without scrolling sideways, the key pages a 320 px phone too, and
the main pages are photographed at 1,280 and 375 px for each role, and axe-checked at 375:
test-artifacts/screenshots/<role>-<page>-<width>.png.

The pages are found by crawling links from the home page and the personal space (a couple of
pages per route, a bounded number in all: `tests/support/crawl.py`), not listed from the
demo's texts, which change; the pages no link leads to are added by route below."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from litestar import Litestar
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page
from playwright.async_api import Error as PlaywrightError

from cobudget.services.demo import DEMO_PASSWORD
from tests.e2e.conftest import CSP_RECORDER, SCREENSHOTS, check_page, csp_violations
from tests.support.crawl import Frontier, RoutePatterns, page_link
from tests.support.database import backend
from tests.support.mail import Mailbox
from tests.support.processes import app_process

PHONE, SMALL_PHONE, SCREEN = 375, 320, 1280
# A confirmation step (web/confirm.py) answers the first post of a form; deleting one's own
# account asks for it on every role's « Mon compte » (the first post changes nothing).
CONFIRM_ROUTE = "/mon-compte/supprimer"

# The demo's logins (README); None is a visitor, not logged in.
ROLES: dict[str, str | None] = {
    "visitor": None,
    "member": "membre.fabrique@demo.cobudget.fr",
    "lieu-admin": "fabrique@demo.cobudget.fr",
    "coordinator": "coordination@demo.cobudget.fr",
    "cofunder": "departement@demo.cobudget.fr",
    "site-admin": "admin@demo.cobudget.fr",
}

# The main pages, photographed (first page of the route each role reaches) under these names.
MAIN_PAGES = {
    "/": "accueil",
    "/mon-espace": "mon-espace",
    "/mon-compte": "mon-compte",
    "/reseaux/{slug:str}": "reseau",
    "/reseaux/{slug:str}/besoins": "besoins",
    "/reseaux/{slug:str}/gerer": "gerer",
    "/reseaux/{slug:str}/journal": "journal",
    "/reseaux/{slug:str}/defis/nouveau": "nouveau-defi",
    "/lieux/{slug:str}": "lieu",
    "/defis/{challenge_id:int}": "defi",
    "/enveloppes/{envelope_id:int}": "enveloppe",
    "/enveloppes/{envelope_id:int}/suivi": "suivi",
    "/enveloppes/{envelope_id:int}/comparaison": "comparaison",
    "/rapports/{report_id:int}": "rapport",
    "/admin/reseaux": "admin-reseaux",
    CONFIRM_ROUTE: "confirmation",
}
# Checked at 320 px as well: the pages a person on a small phone opens first or fills in.
SMALL_PHONE_PAGES = {
    "/",
    "/mon-espace",
    "/defis/{challenge_id:int}",
    "/enveloppes/{envelope_id:int}",
    "/enveloppes/{envelope_id:int}/suivi",
    "/reseaux/{slug:str}/defis/nouveau",
    "/defis/{challenge_id:int}/discussion",
    "/enveloppes/{envelope_id:int}/verification",
}
# Pages a crawl may miss (linked only in some states, or from a form): from each page opened of
# a route, the page a suffix leads to. One this role may not open (4xx) is skipped.
UNLINKED = [
    ("/reseaux/{slug:str}", "/defis/nouveau"),
    ("/reseaux/{slug:str}", "/enveloppes/nouvelle"),
    ("/reseaux/{slug:str}", "/lieux/inviter"),
    ("/reseaux/{slug:str}", "/cofinanceurs/inviter"),
    ("/lieux/{slug:str}", "/besoins/nouveau"),
    ("/lieux/{slug:str}", "/personnes/inviter"),
    ("/defis/{challenge_id:int}", "/discussion"),
    ("/defis/{challenge_id:int}", "/versions/1"),
    ("/defis/{challenge_id:int}", "/comparer?de=1&a=2"),
    ("/enveloppes/{envelope_id:int}", "/verification"),
]
PAGE_LIMIT = 45  # per role; the whole test stays under two minutes

# The page's width against the window's and, when it is wider, the elements that make it so:
# the widest one and the one reaching furthest right (the deepest of equals), neither inside
# a box that scrolls or clips them.
OVERFLOW = r"""
() => {
  const limit = window.innerWidth;
  const width = document.documentElement.scrollWidth;
  if (width <= limit) return null;
  const inBox = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const name = (el) => {
    const path = [];
    for (let up = el; up && up !== document.body && path.length < 4; up = up.parentElement) {
      path.unshift(up.tagName.toLowerCase() + (up.id ? "#" + up.id : "")
        + [...up.classList].map((c) => "." + c).join(""));
    }
    const text = (el.innerText || el.getAttribute("aria-label") || "")
      .replace(/\s+/g, " ").trim().slice(0, 40);
    const box = el.getBoundingClientRect();
    return `${path.join(" > ")} «${text}» ${Math.round(box.width)} px wide, `
      + `from ${Math.round(box.left)} to ${Math.round(box.right)} px`;
  };
  let widest = null, furthest = null;
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= limit + 0.5 || inBox(el)) continue;
    if (!widest || box.width > widest.getBoundingClientRect().width) widest = el;
    const far = furthest && furthest.getBoundingClientRect().right;
    if (!furthest || box.right > far + 0.5 || (box.right >= far - 0.5 && furthest.contains(el))) {
      furthest = el;
    }
  }
  return `the page is ${width} px wide in a ${limit} px window; widest: `
    + (widest ? name(widest) : "none found") + "; furthest right: "
    + (furthest ? name(furthest) : "none found");
}
"""

# At 1,280 px a table fits as it is: no box of the page hides part of its content sideways.
CUT_OFF = """
() => [...document.body.querySelectorAll("*")]
  .filter((el) => ["auto", "scroll", "hidden"].includes(getComputedStyle(el).overflowX)
    && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 1)
  .map((el) => `${el.tagName.toLowerCase()}${[...el.classList].map((c) => "." + c).join("")} `
    + `shows ${el.clientWidth} of its ${el.scrollWidth} px («${(el.innerText || "").trim().slice(0, 40)}»)`)
"""

pytestmark = pytest.mark.skipif(
    backend() != "sqlite",
    reason="layout is the browser's, whatever the database: once, on SQLite (the suite's time)",
)


async def test_every_page_of_the_demo_fits_phones_and_screens_for_every_role(
    browser: Browser, app: Litestar, db: str, smtp: tuple[Mailbox, int], tmp_path: Path
) -> None:
    routes = RoutePatterns(route.path for route in app.routes)
    problems: list[str] = []
    opened: dict[str, list[str]] = {}
    # Two roles at a time: the browser renders one while the app answers the other.
    turns = asyncio.Semaphore(2)

    async def visit(role: str, email: str | None) -> None:
        async with turns:
            context = await browser.new_context(
                locale="fr-FR", viewport={"width": PHONE, "height": 800}
            )
            await context.add_init_script(CSP_RECORDER)
            try:
                opened[role] = await _crawl(context, url, role, email, routes, problems)
            finally:
                await context.close()

    with app_process(db, smtp[1], tmp_path, demo=True) as url:
        await asyncio.gather(*(visit(role, email) for role, email in ROLES.items()))
    summary = ", ".join(f"{role}: {len(opened[role])}" for role in ROLES)
    assert not problems, f"{len(problems)} problems ({summary} pages):\n" + "\n".join(problems)
    # Every role reached more than its first pages (the crawl found its way).
    assert all(len(pages) >= 5 for pages in opened.values()), opened


async def _crawl(
    context: BrowserContext,
    url: str,
    role: str,
    email: str | None,
    routes: RoutePatterns,
    problems: list[str],
) -> list[str]:
    """Open every page `role` reaches (bounded), check each at every width; the paths opened."""
    page = await context.new_page()
    console: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # An unlinked page this role may not open answers 4xx, which Chromium logs.
        refused = (
            message.text.startswith("Failed to load resource") and "status of 4" in message.text
        )
        if message.type == "error" and not refused:
            console.append(message.text)

    page.on("console", on_console)
    frontier = Frontier(routes, limit=PAGE_LIMIT)
    starts = ["/"]
    if email:
        await _log_in(page, url, email)
        starts = ["/mon-espace", "/"]
    frontier.add(starts)
    photographed: set[str] = set()
    opened: list[str] = []
    extras: set[str] | None = None
    while True:
        step = frontier.next()
        if step is None:
            if extras is not None:
                break
            extras = set(_unlinked_pages(opened, routes)) - frontier.seen
            frontier.add(sorted(extras))
            frontier.limit += len(extras)
            continue
        path, route = step
        try:
            response = await page.goto(url + path)
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue  # a file behind a plain link (« Télécharger mes données »)
            raise
        status = response.status if response else 0
        if status >= 500:
            problems.append(f"{role}: {path} answered {status}")
            continue
        if status >= 400 and extras and path in extras:
            continue  # an unlinked page this role may not open
        opened.append(path)
        await _check(page, role, path, route, problems, photographed)
        links = await page.eval_on_selector_all(
            "a[href]", "links => links.map((link) => link.getAttribute('href'))"
        )
        frontier.add(link for href in links if (link := page_link(href, page.url, url)) is not None)
    if email:
        opened.append("confirmation")
        await _confirmation_step(page, url, role, problems, photographed)
    problems.extend(f"{role}: the console showed {text}" for text in console)
    problems.extend(f"{role}: the CSP refused {text}" for text in await csp_violations(page))
    await page.close()
    return opened


def _unlinked_pages(opened: list[str], routes: RoutePatterns) -> list[str]:
    """The pages of UNLINKED, from every page opened of the routes they start from."""
    pages = [path.split("?", 1)[0] for path in opened]
    return [
        path + suffix for start, suffix in UNLINKED for path in pages if routes.of(path) == start
    ]


async def _check(
    page: Page, role: str, path: str, route: str, problems: list[str], photographed: set[str]
) -> None:
    """The page at each width: no sideways scroll; the main pages photographed and axe-checked."""
    name = MAIN_PAGES.get(route)
    photograph = name is not None and name not in photographed
    if photograph:
        photographed.add(name)  # type: ignore[arg-type]
    widths = [PHONE, SCREEN] + ([SMALL_PHONE] if route in SMALL_PHONE_PAGES else [])
    for width in widths:
        await page.set_viewport_size({"width": width, "height": 800})
        overflow = await page.evaluate(OVERFLOW)
        if overflow:
            problems.append(f"{role} at {width} px: {path}: {overflow}")
        if width == SCREEN:
            problems.extend(
                f"{role} at {width} px: {path}: {box} is cut off"
                for box in await page.evaluate(CUT_OFF)
            )
        if photograph and width == PHONE:
            try:
                await check_page(page, f"{role}-{name}-{width}")
            except AssertionError as error:
                problems.append(f"{role} at {width} px: {path}: {error}".split("\nassert")[0])
        elif photograph and width == SCREEN:
            # The journeys axe-check pages at this width already; a picture is enough here.
            await page.screenshot(
                path=str(SCREENSHOTS / f"{role}-{name}-{width}.png"), full_page=True
            )
    await page.set_viewport_size({"width": PHONE, "height": 800})


async def _confirmation_step(
    page: Page, url: str, role: str, problems: list[str], photographed: set[str]
) -> None:
    """The « Supprimer votre compte ? » step, reached by the form's first post (no change)."""
    await page.goto(url + "/mon-compte")
    await _post(page, f'form[action="{CONFIRM_ROUTE}"]')
    path = f"{CONFIRM_ROUTE} (confirmation)"
    await _check(page, role, path, CONFIRM_ROUTE, problems, photographed)


async def _log_in(page: Page, url: str, email: str) -> None:
    await page.goto(url + "/connexion")
    await page.locator("#f-email").fill(email)
    await page.locator("#f-password").fill(DEMO_PASSWORD)
    await _post(page, 'form[action="/connexion"]')
    assert await page.locator('form[action="/deconnexion"]').count() == 1, (
        f"{email} could not log in: {page.url}"
    )


async def _post(page: Page, form: str) -> None:
    """Post the form as a browser without JavaScript does (htmx would swap it in place)."""
    async with page.expect_navigation():
        await page.locator(form).evaluate("form => form.submit()")
