"""Issue 20 in a browser: a lieu pledges and reads its receipt in the confirmation (swapped in
place by htmx); a visitor pastes it into « Vérifier un reçu » on the envelope page and finds it,
with its record; a mistyped receipt gets a French sentence. Every page is axe-checked."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.e2e.conftest import check_page, log_in, log_out
from tests.support import factories

CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


async def test_a_lieu_keeps_its_receipt_and_anyone_checks_it_on_the_envelope_page(
    page: Page, live_server: str
) -> None:
    network_id = await factories.make_network("Réseau des Reçus")
    atelier = await factories.make_lieu(network_id, "Atelier A")
    bistrot = await factories.make_lieu(network_id, "Bistrot B")
    user = await factories.make_user("b@recus.fr", "Personne B")
    await factories.add_member(user, bistrot, admin=True)
    challenge = await factories.make_consented_challenge(
        network_id, atelier, bistrot, "Un atelier partagé"
    )
    envelope_id = await factories.make_envelope(network_id, [atelier, bistrot])

    await log_in(page, live_server, "b@recus.fr")
    await page.goto(f"{live_server}/enveloppes/{envelope_id}")
    field = page.locator(f"#defi-{challenge}").get_by_label(
        "Pour Bistrot B, sur ses droits de tirage (en euros)"
    )
    await field.fill("400")
    await field.press("Enter")
    notice = page.get_by_text("Votre contribution est enregistrée")
    await expect(notice).to_be_visible()
    match = CODE.search(await notice.inner_text())
    assert match is not None
    receipt = match.group(0)
    await check_page(page, "90-recu-confirmation")
    await page.goto(f"{live_server}/enveloppes/{envelope_id}/recus")
    await expect(page.get_by_role("heading", name="Vos reçus")).to_be_visible()
    await check_page(page, "91-journal-des-recus")
    await log_out(page)

    # A visitor, without an account, pastes the receipt (in lower case, as typed by hand).
    await page.goto(f"{live_server}/enveloppes/{envelope_id}")
    await page.get_by_label("Votre reçu (16 caractères)").fill(receipt.lower())
    await page.get_by_role("button", name="Vérifier ce reçu").click()
    await expect(page.get_by_text(f"Trouvé : le reçu {receipt}")).to_be_visible()
    await expect(page.get_by_text("400,00 €")).to_be_visible()
    await check_page(page, "92-recu-trouve")

    await page.get_by_label("Votre reçu (16 caractères)").fill("pas-un-recu")
    await page.get_by_role("button", name="Vérifier ce reçu").click()
    await expect(page.get_by_text("Ce n’est pas un reçu")).to_be_visible()
    await check_page(page, "93-recu-mal-saisi")
