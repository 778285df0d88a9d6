"""Browser tests: the real app in its own process (as `cobudget run` starts it), driven by
Playwright in Debian's Chromium, every page checked by axe-core and photographed."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from cobudget.settings import PROJECT_ROOT
from tests.support.mail import Mailbox
from tests.support.processes import app_process

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"


@pytest.fixture
def live_server(db: str, smtp: tuple[Mailbox, int], tmp_path: Path) -> Iterator[str]:
    """Start the app as production does (uvicorn, outbox worker inside), on a free port."""
    with app_process(db, smtp[1], tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Debian's Chromium is missing: `make test` installs it (apt-get install chromium)"
        )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    # Every CSP violation of every page is recorded (the policy forbids inline script and
    # style: web/headers.py) and fails the test, as a console error does.
    await context.add_init_script(CSP_RECORDER)
    page = await context.new_page()
    errors: list[str] = []

    def on_console(message) -> None:  # type: ignore[no-untyped-def]
        # A refused form answers 4xx on purpose; Chromium logs that as a failed resource.
        expected = (
            message.text.startswith("Failed to load resource") and "status of 4" in message.text
        )
        if message.type == "error" and not expected:
            errors.append(message.text)

    page.on("console", on_console)
    yield page
    violations = await csp_violations(page)
    await context.close()
    assert not errors, f"the browser console showed errors: {errors}"
    assert not violations, f"the Content-Security-Policy refused: {violations}"


CSP_RECORDER = """
window.__csp_violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp_violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


async def csp_violations(page: Page) -> list[str]:
    """What the Content-Security-Policy refused on the current page so far."""
    try:
        return list(await page.evaluate("window.__csp_violations || []"))
    except Exception:  # a closed or navigating page has nothing to report
        return []


async def check_page(page: Page, name: str) -> None:
    """Photograph the page and fail on any serious or critical axe-core violation."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    # Evaluated by the browser's devtools protocol, which the page's CSP does not govern (a
    # <script> tag with the code inline would be refused, as the CSP means it to be).
    await page.evaluate(AXE.read_text())
    assert not await csp_violations(page), await csp_violations(page)
    result = await page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    serious = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert not serious, f"axe-core on {name}: {serious}"


async def log_in(page: Page, url: str, email: str) -> None:
    """Log in through the form, as a person would; the personal space opens."""
    from tests.support.factories import PASSWORD

    await page.goto(url + "/connexion")
    await page.get_by_label("Adresse e-mail").fill(email)
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.get_by_role("heading", name=re.compile("^Bonjour "))).to_be_visible()
    await expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


async def log_out(page: Page) -> None:
    await page.get_by_role("button", name="Se déconnecter").click()
    await expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
