"""A coordinator invites a lieu; the invitation email arrives; the invited person signs up
through the link, logs in and sees their lieu. Every page is checked by axe-core."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.e2e.conftest import check_page
from tests.support import factories
from tests.support.factories import PASSWORD
from tests.support.mail import Mailbox, link_in
from tests.support.text import plain


async def test_coordinator_invites_a_lieu_and_its_admin_signs_up(
    page: Page, live_server: str, mailbox: Mailbox
) -> None:
    network_id = await factories.make_network("Réseau des Causses")
    await factories.make_lieu(network_id, "La Fabrique")
    coordinator = await factories.make_user("ines@exemple.fr", "Inès Coordination")
    await factories.add_coordinator(coordinator, network_id)

    await page.goto(live_server + "/")
    await expect(page.get_by_role("heading", name="Les réseaux")).to_be_visible()
    await check_page(page, "01-accueil")

    await page.get_by_role("link", name="Réseau des Causses").click()
    await expect(page.get_by_role("heading", name="Les lieux du réseau")).to_be_visible()
    await check_page(page, "02-reseau-public")

    await page.get_by_role("link", name="Se connecter").click()
    await page.get_by_label("Adresse e-mail").fill("ines@exemple.fr")
    await page.get_by_label("Mot de passe").fill("pas-le-bon-mot")
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.get_by_text("Adresse e-mail ou mot de passe incorrect.")).to_be_visible()
    await check_page(page, "03-connexion-erreur")
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.get_by_role("heading", name="Bonjour Inès Coordination")).to_be_visible()
    await check_page(page, "04-mon-espace-coordination")

    await page.get_by_role("link", name="Réseau des Causses").click()
    await expect(page.get_by_role("heading", name="Réseau des Causses")).to_be_visible()
    await check_page(page, "05-espace-de-coordination")
    await page.get_by_role("link", name="Inviter un lieu").click()
    await check_page(page, "06-inviter-un-lieu")
    await page.get_by_label("Nom du lieu").fill("La Grange Numérique")
    await page.get_by_label("Ville").fill("Millau")
    await page.get_by_label("Forme juridique").select_option("scic")
    await page.get_by_label("Territoire (pays, intercommunalité, quartier…)").fill("Sud-Aveyron")
    await page.get_by_label("Adresse e-mail de la personne à inviter").fill("pas-une-adresse")
    await page.get_by_role("button", name="Ajouter le lieu et envoyer l’invitation").click()
    await expect(page.get_by_text("Cette adresse e-mail n’a pas l’air valide")).to_be_visible()
    await check_page(page, "07-inviter-un-lieu-erreur")
    await page.get_by_label("Adresse e-mail de la personne à inviter").fill("sophie@grange.fr")
    await page.get_by_role("button", name="Ajouter le lieu et envoyer l’invitation").click()
    await expect(page.get_by_text("Le lieu a été ajouté et l’invitation envoyée.")).to_be_visible()
    await check_page(page, "08-coordination")

    message = await mailbox.wait_for("sophie@grange.fr")  # sent by the app's own outbox worker
    assert plain(message["Subject"]) == "Invitation : administrer un lieu sur Cobudget des communs"
    await page.get_by_role("button", name="Se déconnecter").click()

    await page.goto(link_in(message))
    await expect(page.get_by_role("heading", name="Vous êtes invité·e")).to_be_visible()
    await check_page(page, "09-invitation")
    await page.get_by_label("Votre nom (prénom et nom, ou comme on vous appelle)").fill(
        "Sophie Vidal"
    )
    await page.get_by_label("Mot de passe").fill("grange-et-communs")
    await page.get_by_label("Le même, une seconde fois").fill("grange-et-communs")
    await page.get_by_role("button", name="Créer mon compte et accepter").click()
    await expect(page.get_by_role("heading", name="Bonjour Sophie Vidal")).to_be_visible()
    await expect(page.get_by_role("link", name="La Grange Numérique")).to_be_visible()
    await check_page(page, "10-mon-espace-lieu")

    await page.get_by_role("button", name="Se déconnecter").click()
    await page.get_by_role("link", name="Se connecter").click()
    await page.get_by_label("Adresse e-mail").fill("sophie@grange.fr")
    await page.get_by_label("Mot de passe").fill("grange-et-communs")
    await page.get_by_role("button", name="Se connecter").click()
    await page.get_by_role("link", name="La Grange Numérique").click()
    await expect(page.get_by_role("heading", name="La Grange Numérique")).to_be_visible()
    await expect(page.get_by_text("SCIC")).to_be_visible()
    await check_page(page, "11-fiche-du-lieu")


async def test_public_pages_read_without_javascript(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    network_id = await factories.make_network("Réseau des Causses")
    await factories.make_lieu(network_id, "La Fabrique")
    context = await browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = await context.new_page()
    await page.goto(live_server + "/reseaux/reseau-des-causses")
    await expect(page.get_by_role("cell", name="Albi")).to_be_visible()
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name="The network’s lieux")).to_be_visible()
    await context.close()
