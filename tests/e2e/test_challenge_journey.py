"""A member proposes a challenge with budget lines, another lieu says « nous aussi », the
proposers amend it and a visitor compares the versions. Every page is checked by axe-core."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.e2e.conftest import check_page, log_in
from tests.support import factories


async def test_a_challenge_is_proposed_shared_amended_and_compared(
    page: Page, live_server: str
) -> None:
    network_id = await factories.make_network("Réseau des Causses")
    fabrique = await factories.make_lieu(network_id, "La Fabrique")
    comptoir = await factories.make_lieu(network_id, "Le Comptoir", legal_form="scic")
    jules = await factories.make_user("jules@fabrique.fr", "Jules Marchand")
    await factories.add_member(jules, fabrique, admin=True)
    louise = await factories.make_user("louise@comptoir.fr", "Louise Bernard")
    await factories.add_member(louise, comptoir)

    await log_in(page, live_server, "jules@fabrique.fr")
    await page.goto(live_server + "/reseaux/reseau-des-causses")
    await page.get_by_role("link", name="Proposer un défi").click()
    await page.get_by_label("Titre du défi").fill("Un outil de réservation partagé")
    await page.get_by_label("Le problème partagé").fill(
        "Chaque lieu réserve ses salles dans un tableur."
    )
    await page.get_by_label("Le commun proposé").fill(
        "Un logiciel libre de réservation, hébergé en commun."
    )
    await page.get_by_label("Poste 1", exact=True).fill("Développement")
    await page.get_by_label("Minimum du poste 1, en euros").fill("8 000")
    await page.get_by_label("Maximum du poste 1, en euros").fill("6 000")
    await page.get_by_role("button", name="Publier le défi").click()
    await expect(page.get_by_text("Le minimum ne peut pas dépasser le maximum.")).to_be_visible()
    await check_page(page, "20-defi-formulaire-erreur")
    await page.get_by_label("Maximum du poste 1, en euros").fill("12 000,50")
    await page.get_by_label("Poste 2", exact=True).fill("Hébergement")
    await page.get_by_label("Minimum du poste 2, en euros").fill("500")
    await page.get_by_label("Maximum du poste 2, en euros").fill("900")
    await page.get_by_role("button", name="Publier le défi").click()
    await expect(
        page.get_by_role("heading", name="Un outil de réservation partagé")
    ).to_be_visible()
    await expect(page.get_by_text("Le défi est enregistré.")).to_be_visible()
    await check_page(page, "21-defi-publie")
    challenge_url = page.url.split("?")[0]

    await page.get_by_role("button", name="Se déconnecter").click()
    await log_in(page, live_server, "louise@comptoir.fr")
    await page.goto(challenge_url)
    await page.get_by_label("Nous aussi, chez Le Comptoir").fill("Nos salles de concert aussi.")
    await page.get_by_role("button", name="Nous aussi").click()
    await expect(page.get_by_role("heading", name="1 lieu partage ce problème")).to_be_visible()
    await check_page(page, "22-defi-nous-aussi")

    await page.get_by_role("button", name="Se déconnecter").click()
    await log_in(page, live_server, "jules@fabrique.fr")
    await page.goto(challenge_url)
    await page.get_by_role("link", name="Publier une nouvelle version").click()
    await page.get_by_label("Minimum du poste 2, en euros").fill("600")
    await page.get_by_label("Poste 3", exact=True).fill("Formation des lieux")
    await page.get_by_label("Minimum du poste 3, en euros").fill("1 000")
    await page.get_by_label("Maximum du poste 3, en euros").fill("1 500")
    await check_page(page, "23-defi-nouvelle-version")
    await page.get_by_role("button", name="Publier la nouvelle version").click()
    await expect(page.get_by_role("link", name="Version 2")).to_be_visible()

    await page.get_by_role("button", name="Se déconnecter").click()
    await page.goto(challenge_url)
    await page.get_by_role("link", name="ce qui a changé depuis la version 1").click()
    await expect(
        page.get_by_role("heading", name="Ce qui a changé entre la version 1 et la version 2")
    ).to_be_visible()
    await expect(page.get_by_role("rowheader", name="Formation des lieux")).to_be_visible()
    await check_page(page, "24-defi-comparaison")
