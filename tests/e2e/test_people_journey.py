"""The people of a lieu (issue 17), in the browser: its admin invites someone, sees the
invitation listed, sends it again (a new link, through the real SMTP server); the invited
person signs up through the latest link; the admin promotes her, then removes her after
confirming. Every page is checked by axe-core."""

from __future__ import annotations

import asyncio
import re
import time

from playwright.async_api import Page, expect

from tests.e2e.conftest import check_page, log_in, log_out
from tests.support import factories
from tests.support.mail import Mailbox, link_in


async def _emails_to(mailbox: Mailbox, address: str, count: int, timeout: float = 15.0) -> str:
    """The link of the `count`-th email to `address`, once it has arrived."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        received = mailbox.to(address)
        if len(received) >= count:
            return link_in(received[count - 1])
        await asyncio.sleep(0.1)
    raise AssertionError(f"{count} emails did not reach {address} within {timeout} s")


async def test_a_lieu_admin_invites_resends_promotes_and_removes(
    page: Page, live_server: str, mailbox: Mailbox
) -> None:
    network_id = await factories.make_network("Réseau des Causses")
    lieu_id = await factories.make_lieu(network_id, "La Fabrique")
    admin = await factories.make_user("jules@fabrique.fr", "Jules Admin")
    await factories.add_member(admin, lieu_id, admin=True)

    await log_in(page, live_server, "jules@fabrique.fr")
    await page.goto(live_server + "/lieux/la-fabrique")
    await page.get_by_role("link", name="Les personnes du lieu").click()
    await expect(
        page.get_by_role("heading", name="Les personnes du lieu « La Fabrique »")
    ).to_be_visible()
    await expect(page.get_by_text("Aucune invitation en attente.")).to_be_visible()
    await check_page(page, "people-01-personnes")

    await page.get_by_role("link", name="Inviter une personne").click()
    await page.get_by_label("Adresse e-mail").fill("nina@exemple.fr")
    await page.get_by_role("button", name="Envoyer l’invitation").click()
    await expect(page.get_by_text("Invitation envoyée à nina@exemple.fr.")).to_be_visible()
    await check_page(page, "people-02-invitation-envoyee")
    first_link = await _emails_to(mailbox, "nina@exemple.fr", 1)

    await page.goto(live_server + "/lieux/la-fabrique/personnes")
    await expect(page.get_by_role("rowheader", name="nina@exemple.fr")).to_be_visible()
    await page.get_by_role("button", name="Renvoyer à nina@exemple.fr").click()
    await expect(
        page.get_by_text("L’invitation a été renvoyée, avec un nouveau lien.")
    ).to_be_visible()
    await check_page(page, "people-03-invitation-renvoyee")
    second_link = await _emails_to(mailbox, "nina@exemple.fr", 2)
    assert second_link != first_link
    await log_out(page)

    await page.goto(first_link)  # the first link no longer works
    await expect(page.get_by_role("heading", name="Introuvable")).to_be_visible()
    await page.goto(second_link)
    await expect(page.get_by_role("heading", name="Vous êtes invité·e")).to_be_visible()
    await check_page(page, "people-04-invitation")
    await page.get_by_label("Votre nom (prénom et nom, ou comme on vous appelle)").fill(
        "Nina Martin"
    )
    await page.get_by_label("Mot de passe").fill("fabrique-et-communs")
    await page.get_by_label("Le même, une seconde fois").fill("fabrique-et-communs")
    await page.get_by_role("button", name="Créer mon compte et accepter").click()
    await expect(page.get_by_role("heading", name="Bonjour Nina Martin")).to_be_visible()
    await log_out(page)

    await log_in(page, live_server, "jules@fabrique.fr")
    await page.goto(live_server + "/lieux/la-fabrique/personnes")
    await expect(page.get_by_role("rowheader", name="Nina Martin")).to_be_visible()
    await expect(page.get_by_text("Aucune invitation en attente.")).to_be_visible()
    await page.get_by_role("button", name="Confier l’administration : Nina Martin").click()
    await expect(page.get_by_text("Le rôle a été changé.")).to_be_visible()
    await expect(
        page.get_by_role("button", name="Rendre simple membre : Nina Martin")
    ).to_be_visible()
    await check_page(page, "people-05-promue")

    await page.get_by_role("button", name="Retirer du lieu : Nina Martin").click()
    await expect(
        page.get_by_role("heading", name="Retirer cette personne du lieu ?")
    ).to_be_visible()
    await check_page(page, "people-06-confirmer-retrait")
    await page.get_by_role("button", name="Retirer du lieu", exact=True).click()
    await expect(page.get_by_text("La personne a été retirée du lieu.")).to_be_visible()
    await expect(page.get_by_role("rowheader", name="Nina Martin")).to_have_count(0)
    await check_page(page, "people-07-retiree")


async def test_the_site_admin_lists_networks_and_people_and_changes_a_coordination(
    page: Page, live_server: str, mailbox: Mailbox
) -> None:
    network_id = await factories.make_network("Réseau des Causses")
    await factories.make_lieu(network_id, "La Fabrique")
    first = await factories.make_user("ines@exemple.fr", "Inès Coordination")
    await factories.add_coordinator(first, network_id)
    await factories.make_user("paul@exemple.fr", "Paul Relais")
    await factories.make_user("camille@exemple.fr", "Camille Site", site_admin=True)

    await log_in(page, live_server, "camille@exemple.fr")
    await page.get_by_role("link", name="Administration du site").click()
    await expect(page.get_by_role("heading", name="Les réseaux de l’instance")).to_be_visible()
    await expect(page.get_by_text("ne peut être retirée qu’après la nomination")).to_be_visible()
    await check_page(page, "admin-01-reseaux")

    await page.get_by_label("Nommer à la coordination du réseau « Réseau des Causses »").fill(
        "paul@exemple.fr"
    )
    await page.get_by_role("button", name="Nommer").click()
    await expect(page.get_by_text("La coordination a été mise à jour.")).to_be_visible()
    await page.get_by_role("button", name="Retirer de la coordination : Inès Coordination").click()
    await expect(
        page.get_by_role("heading", name=re.compile("^Retirer cette personne de la coordination"))
    ).to_be_visible()
    await check_page(page, "admin-02-confirmer-retrait")
    await page.get_by_role("button", name="Retirer de la coordination", exact=True).click()
    await expect(page.get_by_text("La personne a été retirée de la coordination.")).to_be_visible()
    await expect(page.get_by_text("ines@exemple.fr")).to_have_count(0)

    await page.get_by_label("Nommer à la coordination du réseau « Réseau des Causses »").fill(
        "nouvelle@exemple.fr"
    )
    await page.get_by_role("button", name="Nommer").click()
    await expect(page.get_by_role("heading", name="Nominations en attente")).to_be_visible()
    await page.get_by_role("button", name="Renvoyer à nouvelle@exemple.fr").click()
    await expect(page.get_by_text("La nomination a été renvoyée")).to_be_visible()
    await _emails_to(mailbox, "nouvelle@exemple.fr", 2)
    await check_page(page, "admin-03-nomination-renvoyee")

    await page.get_by_role("link", name="Les personnes").click()
    await page.get_by_label("Chercher par nom ou adresse e-mail").fill("relais")
    await page.get_by_role("button", name="Chercher").click()
    await expect(page.get_by_role("rowheader", name="Paul Relais")).to_be_visible()
    await expect(page.get_by_role("rowheader", name="Inès Coordination")).to_have_count(0)
    await check_page(page, "admin-04-personnes")
