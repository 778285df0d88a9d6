"""The strict Content-Security-Policy (issue 14) leaves the pages working: htmx swaps the
projection in place, the money trail's picture draws, Swagger UI renders the API, and the
browser reports no violation (console or `securitypolicyviolation` event) on any of them."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.e2e.conftest import check_page, csp_violations, log_in
from tests.support import factories


async def test_pages_htmx_and_the_api_docs_work_under_the_policy(
    page: Page, live_server: str
) -> None:
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    network_id = await factories.make_network("Réseau des Sources")
    lieu = await factories.make_lieu(network_id, "Atelier A")
    other = await factories.make_lieu(network_id, "Bistrot B")
    user = await factories.make_user("a@sources.fr", "Personne A")
    await factories.add_member(user, lieu, admin=True)
    challenge = await factories.make_consented_challenge(network_id, other, lieu, "Un four")
    envelope = await factories.make_envelope(network_id, [lieu, other])
    settled = await factories.make_settled_envelope(
        network_id, [lieu, other], pledges=((challenge, lieu, 50_000),)
    )

    response = await page.goto(live_server + "/")
    assert response is not None and "frame-ancestors 'none'" in (
        await response.header_value("content-security-policy") or ""
    )
    await log_in(page, live_server, "a@sources.fr")
    await page.goto(f"{live_server}/enveloppes/{envelope}")
    await page.evaluate("window.__still_the_same_page = true")
    field = page.locator(f"#defi-{challenge}").get_by_label(
        "Pour Atelier A, sur ses droits de tirage (en euros)"
    )
    await field.fill("100")
    await field.press("Enter")
    await expect(page.get_by_text("la projection est à jour")).to_be_visible()
    assert await page.evaluate("window.__still_the_same_page === true")  # swapped by htmx
    await check_page(page, "csp-envelope")

    await page.goto(f"{live_server}/enveloppes/{settled}/suivi")
    await expect(page.locator("svg").first).to_be_visible()
    await check_page(page, "csp-follow-up")

    await page.goto(f"{live_server}/api/docs")
    await expect(page.get_by_text("Cobudget des communs").first).to_be_visible()
    await expect(page.locator(".opblock").first).to_be_visible()  # the operations are listed
    assert not await csp_violations(page)
    assert not console, console
