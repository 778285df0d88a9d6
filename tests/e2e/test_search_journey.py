"""A visitor finds a challenge on the network's page: types words (accents left out), filters
by status, then opens a result; every page is checked by axe-core (issue 17)."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.e2e.conftest import check_page
from tests.support import factories


async def test_a_visitor_finds_a_challenge_by_words_and_status(
    page: Page, live_server: str
) -> None:
    network_id = await factories.make_network("Réseau des Causses")
    fabrique = await factories.make_lieu(network_id, "La Fabrique")
    comptoir = await factories.make_lieu(network_id, "Le Comptoir", legal_form="scic")
    await factories.make_challenge(network_id, fabrique, "Une coopérative de vélos")
    consented = await factories.make_consented_challenge(
        network_id, comptoir, fabrique, "Une épicerie coopérative"
    )
    await factories.make_challenge(network_id, comptoir, "Un annuaire des lieux")

    await page.goto(live_server + "/reseaux/reseau-des-causses")
    await page.get_by_label("Mots (titre, problème, commun proposé)").fill("cooperative")
    await page.get_by_role("button", name="Rechercher").click()
    await expect(page.get_by_role("status")).to_have_text("2 défis trouvés")
    await expect(page.get_by_role("link", name="Un annuaire des lieux")).to_have_count(0)
    await check_page(page, "110-recherche-mots")

    await page.get_by_label("Statut").select_option(label="Consenti")
    await page.get_by_role("button", name="Rechercher").click()
    await expect(page.get_by_role("status")).to_have_text("1 défi trouvé")
    # The words stay in the box with the filter.
    await expect(page.get_by_label("Mots (titre, problème, commun proposé)")).to_have_value(
        "cooperative"
    )
    await check_page(page, "111-recherche-statut")

    await page.get_by_role("link", name="Une épicerie coopérative").click()
    await expect(page).to_have_url(re.compile(f"/defis/{consented}$"))
    await expect(page.get_by_role("heading", name="Une épicerie coopérative")).to_be_visible()

    await page.goto(live_server + "/reseaux/reseau-des-causses?q=introuvable")
    await expect(page.get_by_text("Aucun défi ne correspond à cette recherche.")).to_be_visible()
    await check_page(page, "112-recherche-aucun-resultat")
