"""Plain French for a visitor (issue 18): a settled envelope says its rule in one sentence and
folds the technical proof under « Vérifier par vous-même », which opens without JavaScript; the
glossary, reached from the footer, explains each word under its anchor, in French and in
English. Every page is axe-checked (screenshots 120-*)."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.e2e.conftest import check_page
from tests.support import factories


async def test_a_visitor_reads_the_rule_opens_the_proof_and_the_glossary(
    page: Page, live_server: str
) -> None:
    network_id = await factories.make_network("Réseau des Dômes")
    lieux = [await factories.make_lieu(network_id, name) for name in ("Atelier A", "Bistrot B")]
    challenge = await factories.make_consented_challenge(
        network_id, lieux[0], lieux[1], "Un atelier partagé"
    )
    envelope = await factories.make_settled_envelope(
        network_id, lieux, pledges=((challenge, lieux[1], 90_000),)
    )

    await page.goto(f"{live_server}/enveloppes/{envelope}")
    await expect(page.get_by_text("Phase : Suivi des comptes rendus")).to_be_visible()
    await expect(page.get_by_text("un défi est financé s’il atteint son minimum")).to_be_visible()
    for jargon in ("glouton", "plus fort reste", "JSON canonique", "octet pour octet", "SHA-256"):
        await expect(page.get_by_text(jargon).filter(visible=True)).to_have_count(0)
    proof = page.locator("details").filter(has_text="Vérifier par vous-même").first
    digest = proof.locator("code.digest")
    await expect(digest).not_to_be_visible()
    await proof.locator("summary").click()
    await expect(digest).to_be_visible()
    await expect(digest).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    await expect(proof.get_by_text("cobudget verify")).to_be_visible()
    await check_page(page, "120-enveloppe-verifier-par-vous-meme")

    await page.get_by_role("link", name="Comment fonctionne cette règle").click()
    await expect(page).to_have_url(re.compile(r"/glossaire#regle-cofinancement$"))
    await expect(page.get_by_role("heading", name="Cofinancement")).to_be_visible()
    await page.goto(f"{live_server}/")
    await page.get_by_role("link", name="Glossaire : les mots du site").click()
    await expect(page.get_by_role("heading", level=1, name="Glossaire")).to_be_visible()
    await expect(page.locator("dt#poste-de-depense")).to_have_text("Poste de dépense")
    await check_page(page, "121-glossaire")

    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", level=1, name="Glossary")).to_be_visible()
    await expect(page.locator("dt#poste-de-depense")).to_have_text("Budget line")
    await check_page(page, "122-glossary")
