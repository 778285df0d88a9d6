"""Issue 16's personal home in a browser, on the demo data: a member finds the position its
lieu has not taken, follows the link, takes it, and the item goes; a coordinator invites a lieu
from « Gérer » and finds the invitation waiting on « Mon espace »; both read it in French and
in English. Every page is axe-checked; screenshots in test-artifacts/screenshots/9x-*.png."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from cobudget.services.demo import DEMO_PASSWORD, load_demo
from tests.e2e.conftest import check_page

MEMBER = "membre.fabrique@demo.cobudget.fr"
COORDINATOR = "coordination@demo.cobudget.fr"


async def _log_in(page: Page, url: str, email: str) -> None:
    await page.goto(url + "/connexion")
    await page.get_by_label("Adresse e-mail").fill(email)
    await page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.get_by_role("heading", name=re.compile("^Bonjour "))).to_be_visible()


async def test_a_member_acts_on_what_waits_and_reads_it_in_english(
    page: Page, live_server: str
) -> None:
    assert await load_demo()
    await _log_in(page, live_server, MEMBER)
    await expect(page.get_by_text("1 chose vous attend.")).to_be_visible()
    item = page.locator("ul.todo li").filter(has_text="Position à prendre")
    await expect(item).to_contain_text("Une documentation partagée des services")
    await expect(item).to_contain_text("avant le")
    await expect(
        page.get_by_text(re.compile(r"Droits de tirage\s:\s3\s000,00\s€ restants"))
    ).to_be_visible()
    await check_page(page, "90-mon-espace-membre")

    await item.get_by_role("link", name="Une documentation partagée des services").click()
    await expect(page.get_by_role("heading", name="Diagnostic collectif")).to_be_visible()
    await page.get_by_label("Consentement", exact=True).check()
    await page.get_by_role(
        "button", name="Enregistrer la position pour La Fabrique du Bourg"
    ).click()
    await expect(
        page.get_by_text("Position prise pour La Fabrique du Bourg : Consentement. La changer :")
    ).to_be_visible()

    await page.get_by_role("link", name="Mon espace").click()
    await expect(page.get_by_text("Rien ne vous attend.", exact=True)).to_be_visible()
    await expect(page.locator("ul.todo li")).to_have_count(0)
    await check_page(page, "91-mon-espace-membre-rien")

    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_text("Nothing is waiting for you.", exact=True)).to_be_visible()
    await expect(
        page.get_by_text(re.compile(r"Drawing rights: €3,000\.00 left of €3,000\.00"))
    ).to_be_visible()
    await expect(page.get_by_role("heading", name="Envelopes open for pledges")).to_be_visible()
    await check_page(page, "92-my-space-member-en")


async def test_a_coordinator_finds_an_invitation_waiting_in_french_and_english(
    page: Page, live_server: str
) -> None:
    assert await load_demo()
    await _log_in(page, live_server, COORDINATOR)
    network = "Réseau des tiers-lieux du Massif (démo)"
    await expect(page.get_by_role("heading", name=re.compile("^Coordination · "))).to_be_visible()
    await expect(page.get_by_role("heading", name="Les enveloppes du réseau")).to_be_visible()
    await expect(page.get_by_role("link", name="Configurer une enveloppe")).to_be_visible()
    await check_page(page, "93-mon-espace-coordination")

    await page.get_by_role("link", name=network).click()
    await expect(page.get_by_role("heading", name="Ce qui attend la coordination")).to_be_visible()
    await expect(page.get_by_role("heading", name="Les enveloppes du réseau")).to_be_visible()
    await check_page(page, "94-gerer-a-faire")
    await page.get_by_role("link", name="Inviter un lieu").click()
    await page.get_by_label("Nom du lieu").fill("La Source")
    await page.get_by_label("Ville").fill("Aurillac")
    await page.get_by_label("Adresse e-mail de la personne à inviter").fill("source@exemple.fr")
    await page.get_by_role("button", name="Ajouter le lieu et envoyer l’invitation").click()
    await expect(page.get_by_text("Le lieu a été ajouté et l’invitation envoyée.")).to_be_visible()

    await page.get_by_role("link", name="Mon espace").click()
    invitation = page.locator("ul.todo li").filter(has_text="Invitation en attente")
    await expect(invitation).to_contain_text("La Source")
    await expect(invitation).to_contain_text("expire le")
    await check_page(page, "95-mon-espace-coordination-invitation")

    await page.get_by_role("link", name="English").click()
    invitation = page.locator("ul.todo li").filter(has_text="Pending invitation")
    await expect(invitation).to_contain_text("La Source")
    await expect(invitation).to_contain_text("expires on")
    await expect(page.get_by_role("link", name="Configure an envelope")).to_be_visible()
    await check_page(page, "96-my-space-coordination-en")
    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("link", name="Log in")).to_be_visible()
