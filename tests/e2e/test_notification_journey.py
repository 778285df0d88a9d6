"""Issue 16's notifications in a browser: a person switches to English, which their account
keeps; a question on their lieu's challenge reaches them by email in English, with a one-click
unsubscribe; the link (no login) stops that kind and says so in English; their notifications
page, in English on a browser that never chose a language, lists the question and shows
« never » for that kind. Every page is axe-checked."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.e2e.conftest import check_page, log_in
from tests.support import factories
from tests.support.factories import PASSWORD
from tests.support.mail import Mailbox, body_of


async def test_an_english_reader_is_told_in_english_and_unsubscribes_in_one_click(
    page: Page, live_server: str, mailbox: Mailbox
) -> None:
    network_id = await factories.make_network("Réseau des Puys", quorum=2)
    atelier = await factories.make_lieu(network_id, "Atelier des Puys")
    bistrot = await factories.make_lieu(network_id, "Bistrot des Puys")
    await factories.add_member(await factories.make_user("ada@puys.fr", "Ada"), atelier)
    await factories.add_member(await factories.make_user("bruno@puys.fr", "Bruno"), bistrot)
    challenge_id = await factories.make_challenge(network_id, atelier, "Une grainothèque")
    await factories.make_round(challenge_id, 1, quorum=2)

    await log_in(page, live_server, "ada@puys.fr")
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name=re.compile("^Hello "))).to_be_visible()
    await page.context.clear_cookies()  # Ada leaves; her account keeps English

    await log_in(page, live_server, "bruno@puys.fr")
    await page.goto(f"{live_server}/defis/{challenge_id}")
    await page.get_by_label("Poser une question aux porteurs, pour Bistrot des Puys").fill(
        "Qui garde les graines l’hiver ?"
    )
    await page.get_by_role("button", name="Poser la question").click()
    await expect(page.get_by_text("Qui garde les graines l’hiver ?")).to_be_visible()
    await page.context.clear_cookies()

    message = await mailbox.wait_for("ada@puys.fr")
    assert message["Subject"] == "Question from Bistrot des Puys on “Une grainothèque”"
    assert "Qui garde les graines l’hiver ?" in body_of(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(message["List-Unsubscribe"]).strip("<>")
    assert link in body_of(message)

    await page.goto(link)  # no login: the signed link is the proof; it asks first
    await check_page(page, "59-desabonnement-confirmation")
    await page.get_by_role("button", name="Unsubscribe me").click()
    await expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    await check_page(page, "60-desabonnement")

    # Ada logs in on a browser that never chose a language: her account's English shows.
    await page.goto(live_server + "/connexion")
    await page.get_by_label("Adresse e-mail").fill("ada@puys.fr")
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.get_by_role("heading", name=re.compile("^Hello "))).to_be_visible()
    await page.goto(f"{live_server}/mon-espace/notifications")
    await expect(
        page.get_by_role("link", name="Question from Bistrot des Puys on “Une grainothèque”")
    ).to_be_visible()
    await expect(page.get_by_label("A question on a challenge my lieu proposes")).to_have_value(
        "never"
    )
    await check_page(page, "61-mes-notifications")
    await page.get_by_label("A consent round opened in my network").select_option("daily")
    await page.get_by_role("button", name="Save my choices").click()
    await expect(page.get_by_text("Your choices are saved.")).to_be_visible()
    await expect(page.get_by_label("A consent round opened in my network")).to_have_value("daily")
    await check_page(page, "62-choix-enregistres")


async def test_a_french_reader_is_told_in_french_sees_it_at_home_and_unsubscribes(
    page: Page, live_server: str, mailbox: Mailbox
) -> None:
    """The same in French, the default: the answer to a lieu's question reaches the person who
    asked in French, is listed on their home, and the link's page asks in French first."""
    network_id = await factories.make_network("Réseau des Dômes", quorum=2)
    atelier = await factories.make_lieu(network_id, "Atelier des Dômes")
    bistrot = await factories.make_lieu(network_id, "Bistrot des Dômes")
    await factories.add_member(await factories.make_user("ada@domes.fr", "Ada"), atelier)
    await factories.add_member(await factories.make_user("bruno@domes.fr", "Bruno"), bistrot)
    challenge_id = await factories.make_challenge(network_id, atelier, "Une ressourcerie")
    round_id = await factories.make_round(challenge_id, 1, quorum=2)
    await factories.make_question(round_id, bistrot, "Qui trie les dons ?")

    await log_in(page, live_server, "ada@domes.fr")
    await page.goto(f"{live_server}/defis/{challenge_id}")
    await page.get_by_label(re.compile("^Votre réponse")).first.fill("Les bénévoles du samedi.")
    await page.get_by_role("button", name=re.compile("^Répondre")).first.click()
    await expect(page.get_by_text("Les bénévoles du samedi.")).to_be_visible()
    await page.context.clear_cookies()

    message = await mailbox.wait_for("bruno@domes.fr")
    assert "Une ressourcerie" in str(message["Subject"])
    assert "Les bénévoles du samedi." in body_of(message)
    link = str(message["List-Unsubscribe"]).strip("<>")

    await log_in(page, live_server, "bruno@domes.fr")
    notices = page.get_by_role("region", name="Dernières notifications")
    await expect(notices.get_by_role("link", name=re.compile("Une ressourcerie"))).to_be_visible()
    await check_page(page, "63-mon-espace-notification")
    await page.context.clear_cookies()

    await page.goto(link)
    await expect(page.get_by_role("heading", name="Ne plus recevoir ces e-mails ?")).to_be_visible()
    await check_page(page, "64-desabonnement-confirmation-fr")
    await page.get_by_role("button", name="Me désabonner").click()
    await expect(page.get_by_role("heading", name="Désabonnement enregistré")).to_be_visible()
