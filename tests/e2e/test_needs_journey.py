"""A lieu publishes a need, another lieu of the network says « nous aussi », and the first
makes it a challenge in one step: the lieu that joined is told by email and declares itself
concerned in one click (issue 17). Every page is checked by axe-core."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.e2e.conftest import check_page, log_in, log_out
from tests.support import factories
from tests.support.mail import Mailbox, link_in


async def test_a_need_is_published_joined_and_made_a_challenge(
    page: Page, live_server: str, mailbox: Mailbox
) -> None:
    network_id = await factories.make_network("Réseau des Combrailles")
    fabrique = await factories.make_lieu(network_id, "La Fabrique")
    comptoir = await factories.make_lieu(network_id, "Le Comptoir", legal_form="scic")
    jules = await factories.make_user("jules@fabrique.fr", "Jules Marchand")
    await factories.add_member(jules, fabrique)
    louise = await factories.make_user("louise@comptoir.fr", "Louise Bernard")
    await factories.add_member(louise, comptoir)

    await log_in(page, live_server, "jules@fabrique.fr")
    await page.goto(live_server + "/lieux/la-fabrique")
    await page.get_by_role("link", name="Publier un besoin").click()
    await page.get_by_label("Ce qui manque, en quelques mots").fill("Un outil de réservation")
    await page.get_by_label("Ce qui manque : à qui, pourquoi").fill(
        "Nos salles se réservent sur un tableur : les créneaux se chevauchent."
    )
    await page.get_by_label("Les communs qui aideraient").fill("Un logiciel libre de réservation.")
    await page.get_by_label("Montant minimum").fill("9 000")
    await page.get_by_label("Montant maximum").fill("4 000")
    await page.get_by_label("Thème").select_option(label="Numérique")
    await page.get_by_label("Horizon").select_option(label="d’ici 2 ans")
    await page.get_by_role("button", name="Publier le besoin").click()
    await expect(page.get_by_text("Le minimum ne peut pas dépasser le maximum.")).to_be_visible()
    await check_page(page, "80-besoin-formulaire-erreur")
    await page.get_by_label("Montant maximum").fill("15 000")
    await page.get_by_role("button", name="Publier le besoin").click()
    await expect(page.get_by_text("Le besoin est enregistré.")).to_be_visible()
    await expect(page.get_by_role("heading", name="Un outil de réservation")).to_be_visible()
    await check_page(page, "81-lieu-besoins")
    await log_out(page)

    await log_in(page, live_server, "louise@comptoir.fr")
    await page.goto(live_server + "/reseaux/reseau-des-combrailles")
    await page.get_by_role("link", name="Voir les besoins du réseau").click()
    await expect(page.get_by_role("heading", name="Les besoins des lieux")).to_be_visible()
    await page.get_by_role("button", name="Nous aussi (Le Comptoir)").click()
    await expect(page.get_by_text("1 autre lieu dit « nous aussi » :")).to_be_visible()
    await expect(page.get_by_role("heading", name="Numérique 2 lieux")).to_be_visible()
    await check_page(page, "82-reseau-besoins")
    await page.get_by_label("Thème").select_option(label="Mobilité")
    await page.get_by_role("button", name="Filtrer").click()
    await expect(page.get_by_text("Aucun besoin publié pour le moment.")).to_be_visible()
    await log_out(page)

    await log_in(page, live_server, "jules@fabrique.fr")
    await page.goto(live_server + "/lieux/la-fabrique")
    await page.get_by_role("link", name="En faire un défi").click()
    await expect(page.get_by_label("Titre du défi")).to_have_value("Un outil de réservation")
    await expect(page.get_by_label("Le problème partagé")).to_have_value(
        "Nos salles se réservent sur un tableur : les créneaux se chevauchent."
    )
    await page.get_by_label("Poste 1", exact=True).fill("Développement")
    await page.get_by_label("Minimum du poste 1, en euros").fill("9 000")
    await page.get_by_label("Maximum du poste 1, en euros").fill("15 000")
    await check_page(page, "83-besoin-en-defi")
    await page.get_by_role("button", name="Publier le défi").click()
    await expect(page.get_by_text("Le défi est enregistré.")).to_be_visible()
    await expect(
        page.get_by_text("Ce défi est né d’un besoin publié par La Fabrique")
    ).to_be_visible()
    await log_out(page)

    message = await mailbox.wait_for("louise@comptoir.fr", subject="devient le défi")
    await log_in(page, live_server, "louise@comptoir.fr")
    await page.goto(link_in(message))
    await page.get_by_role("button", name="Nous aussi").click()
    await expect(page.get_by_role("heading", name="1 lieu partage ce problème")).to_be_visible()
    await check_page(page, "84-defi-du-besoin")
