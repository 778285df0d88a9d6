"""Issue 5's journey in a browser: lieu A proposes; lieu B asks a question that A answers; lieu
C objects with a reason tied to a criterion; the round closes « à amender »; A publishes
version 2 answering the objection; C receives the email; a new round reaches quorum and
consents. Positions, questions and answers update in place (htmx); every page is axe-checked."""

from __future__ import annotations

import datetime as dt

from playwright.async_api import Page, expect

from tests.e2e.conftest import check_page, log_in, log_out
from tests.support import factories
from tests.support.mail import Mailbox


async def test_a_challenge_is_diagnosed_amended_and_consented(
    page: Page, live_server: str, mailbox: Mailbox
) -> None:
    network_id = await factories.make_network("Réseau des Causses", quorum=2)
    lieux = {}
    for key, name in (("a", "Atelier A"), ("b", "Bistrot B"), ("c", "Cowork C"), ("d", "Dépôt D")):
        lieux[key] = await factories.make_lieu(network_id, name)
        user = await factories.make_user(f"{key}@causses.fr", f"Personne {key.upper()}")
        await factories.add_member(user, lieux[key], admin=True)
    coordinator = await factories.make_user("coordo@causses.fr", "Inès Coordination")
    await factories.add_coordinator(coordinator, network_id)
    challenge_id = await factories.make_challenge(
        network_id, lieux["a"], "Un inventaire partagé du matériel"
    )
    url = f"{live_server}/defis/{challenge_id}"
    deadline = (dt.datetime.now() + dt.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")

    await log_in(page, live_server, "coordo@causses.fr")
    await page.goto(live_server + "/reseaux/reseau-des-causses/diagnostic")
    await page.get_by_label("Critères, un par ligne").fill(
        "Ancrage territorial\nPartage des ressources\nGouvernance"
    )
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_text("Les critères et le quorum sont enregistrés.")).to_be_visible()
    await page.goto(url)
    await page.get_by_label("Ouvrir un tour de consentement").fill(deadline)
    await page.get_by_role("button", name="Ouvrir le tour").click()
    await expect(
        page.get_by_role("heading", name="Tour sur la version 1 : En cours")
    ).to_be_visible()
    # Issue 18: the round's positions drawn beside their table; nobody has answered yet.
    positions = page.locator("section#tour svg[data-eligible]").first
    await expect(positions).to_be_visible()
    await expect(page.locator("table.positions-table").first).to_contain_text("Sans réponse")
    await check_page(page, "30-tour-ouvert")
    await log_out(page)

    await log_in(page, live_server, "b@causses.fr")
    await page.goto(url)
    await page.get_by_label("Poser une question aux porteurs, pour Bistrot B").fill(
        "Qui tiendra l’inventaire à jour ?"
    )
    await page.get_by_role("button", name="Poser la question").click()
    await expect(page.get_by_text("Qui tiendra l’inventaire à jour ?")).to_be_visible()  # in place
    await log_out(page)

    await log_in(page, live_server, "a@causses.fr")
    await page.goto(url)
    await page.get_by_label("Votre réponse").fill(
        "Chaque lieu, pour son matériel, avec un rappel mensuel."
    )
    await page.get_by_role("button", name="Répondre").click()
    await expect(page.get_by_text("Chaque lieu, pour son matériel")).to_be_visible()
    await log_out(page)

    await log_in(page, live_server, "c@causses.fr")
    await page.goto(url)
    await page.get_by_label("Objection", exact=True).check()
    await page.get_by_role("button", name="Enregistrer la position pour Cowork C").click()
    await expect(page.get_by_text("Une objection donne sa raison")).to_be_visible()
    await check_page(page, "31-objection-sans-raison")
    await page.get_by_label("Objection", exact=True).check()
    await page.get_by_label("Raison ou réserve").fill(
        "Rien ne dit qui décide des prêts entre lieux."
    )
    await page.get_by_label("Critère concerné par l’objection").select_option(label="Gouvernance")
    await page.get_by_role("button", name="Enregistrer la position pour Cowork C").click()
    await expect(
        page.get_by_role("cell", name="Rien ne dit qui décide des prêts entre lieux.")
    ).to_be_visible()
    await check_page(page, "32-objection")
    await log_out(page)

    await log_in(page, live_server, "coordo@causses.fr")
    await page.goto(url)
    await page.get_by_role("button", name="Clore le tour maintenant").click()
    await expect(
        page.get_by_role("heading", name="Clore ce tour de consentement maintenant ?")
    ).to_be_visible()
    await page.get_by_role("button", name="Clore le tour", exact=True).click()
    await expect(
        page.get_by_role("heading", name="Tour sur la version 1 : À amender")
    ).to_be_visible()
    await log_out(page)

    await log_in(page, live_server, "a@causses.fr")
    await page.goto(url)
    await page.get_by_role("link", name="Publier une nouvelle version").click()
    await page.get_by_label("Poste 2", exact=True).fill("Charte de prêt entre lieux")
    await page.get_by_label("Minimum du poste 2, en euros").fill("400")
    await page.get_by_label("Maximum du poste 2, en euros").fill("700")
    await page.get_by_label("Objection soulevée par Cowork C").fill(
        "Une charte de prêt, écrite avec les lieux, dira qui décide."
    )
    await check_page(page, "33-version-2-reponse")
    mailbox.clear()
    await page.get_by_role("button", name="Publier la nouvelle version").click()
    await expect(
        page.get_by_role("heading", name="Tour sur la version 2 : En cours")
    ).to_be_visible()
    message = await mailbox.wait_for("c@causses.fr", subject="Votre objection")
    assert "Votre objection a reçu une réponse" in message["Subject"]
    await log_out(page)

    for key, name in (("b", "Bistrot B"), ("d", "Dépôt D")):
        await log_in(page, live_server, f"{key}@causses.fr")
        await page.goto(url)
        await page.get_by_label("Consentement", exact=True).check()
        await page.get_by_role("button", name=f"Enregistrer la position pour {name}").click()
        await expect(
            page.get_by_text(f"Position prise pour {name} : Consentement. La changer :")
        ).to_be_visible()
        await log_out(page)

    await log_in(page, live_server, "coordo@causses.fr")
    await page.goto(url)
    await page.get_by_role("button", name="Clore le tour maintenant").click()
    await page.get_by_role("button", name="Clore le tour", exact=True).click()
    await expect(
        page.get_by_role("heading", name="Tour sur la version 2 : Consenti")
    ).to_be_visible()
    await log_out(page)
    await page.goto(url)
    await expect(
        page.get_by_text("Une charte de prêt, écrite avec les lieux, dira qui décide.")
    ).to_be_visible()
    await check_page(page, "34-consenti-lecture-publique")
