"""A person's own account (issue 17), in the browser: they change their name, their email
(through the link the real SMTP server receives), their password, download their data, and
delete the account; every page is checked by axe-core."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.async_api import Page, expect

from tests.e2e.conftest import check_page, log_in
from tests.support import factories
from tests.support.factories import PASSWORD
from tests.support.mail import Mailbox, link_in


async def test_a_member_manages_their_account_then_deletes_it(
    page: Page, live_server: str, mailbox: Mailbox, tmp_path: Path
) -> None:
    network_id = await factories.make_network("Réseau des Causses")
    lieu_id = await factories.make_lieu(network_id, "La Fabrique")
    member = await factories.make_user("awa@fabrique.fr", "Awa Membre")
    await factories.add_member(member, lieu_id)
    await log_in(page, live_server, "awa@fabrique.fr")

    await page.get_by_role("link", name="Mon compte").click()
    await expect(page.get_by_role("heading", name="Mon compte", exact=True)).to_be_visible()
    await check_page(page, "account-01-mon-compte")

    name = page.get_by_label("Nom affiché")
    await name.fill("")
    await page.get_by_role("button", name="Enregistrer mon nom").click()
    await expect(page.get_by_text("Ce champ est obligatoire.")).to_be_visible()
    await check_page(page, "account-02-nom-erreur")
    await page.get_by_label("Nom affiché").fill("Awa Vidal")
    await page.get_by_role("button", name="Enregistrer mon nom").click()
    await expect(page.get_by_text("Votre nom est enregistré.")).to_be_visible()

    await page.get_by_label("Nouvelle adresse e-mail").fill("awa@vidal.fr")
    await page.get_by_label("Votre mot de passe, pour confirmer").fill(PASSWORD)
    await page.get_by_role("button", name="Changer d’adresse").click()
    await expect(page.get_by_text("Un lien de confirmation est envoyé")).to_be_visible()
    await check_page(page, "account-03-email-demande")
    told = await mailbox.wait_for("awa@fabrique.fr", subject="Changement d’adresse")
    assert "awa@vidal.fr" in str(told.get_body())
    message = await mailbox.wait_for("awa@vidal.fr", subject="Confirmez")
    await page.goto(link_in(message))
    await expect(
        page.get_by_text("Faire de awa@vidal.fr l’adresse de votre compte ?")
    ).to_be_visible()
    await check_page(page, "account-04-lien-email")
    await page.get_by_role("button", name="Confirmer la nouvelle adresse").click()
    await expect(page.get_by_text("C’est fait")).to_be_visible()
    await check_page(page, "account-05-email-change")

    await page.goto(live_server + "/mon-compte")
    await expect(page.get_by_text("awa@vidal.fr")).to_be_visible()
    await page.get_by_label("Mot de passe actuel").fill(PASSWORD)
    await page.get_by_label("Nouveau mot de passe").fill("vidal-et-communs")
    await page.get_by_label("Le même, une seconde fois").fill("vidal-et-communs")
    await page.get_by_role("button", name="Changer de mot de passe").click()
    await expect(page.get_by_text("Votre mot de passe est changé")).to_be_visible()
    await mailbox.wait_for("awa@vidal.fr", subject="Votre mot de passe a changé")
    await check_page(page, "account-06-mot-de-passe")

    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Télécharger mes données (JSON)").click()
    download = await download_info.value
    saved = tmp_path / "donnees.json"
    await download.save_as(saved)
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["profile"]["email"] == "awa@vidal.fr"
    assert data["profile"]["name"] == "Awa Vidal"
    assert data["memberships"]["items"][0]["lieu_name"] == "La Fabrique"

    await page.get_by_role("button", name="Supprimer mon compte…").click()
    await expect(page.get_by_role("heading", name="Supprimer votre compte ?")).to_be_visible()
    await check_page(page, "account-07-supprimer-confirmer")
    await page.get_by_label("Votre mot de passe, pour confirmer").fill("pas-le-bon-mot")
    await page.get_by_role("button", name="Supprimer définitivement mon compte").click()
    await expect(page.get_by_text("Ce n’est pas votre mot de passe actuel.")).to_be_visible()
    await check_page(page, "account-08-supprimer-erreur")
    await page.get_by_label("Votre mot de passe, pour confirmer").fill("vidal-et-communs")
    await page.get_by_role("button", name="Supprimer définitivement mon compte").click()
    await expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    await check_page(page, "account-09-compte-supprime")

    await page.get_by_role("link", name="Se connecter").click()
    await page.get_by_label("Adresse e-mail").fill("awa@vidal.fr")
    await page.get_by_label("Mot de passe").fill("vidal-et-communs")
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.get_by_text("Adresse e-mail ou mot de passe incorrect.")).to_be_visible()
