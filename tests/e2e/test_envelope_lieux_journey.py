"""Issue 17 in a browser: the coordinator picks the lieux of a draft envelope and their weights,
the drawing rights follow; an envelope no lieu could receive money from is not opened; then a
lieu withdraws its challenge during funding, after a confirmation, and the contributor sees its
pledge released. Every page is axe-checked and photographed."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.e2e.conftest import check_page, log_in, log_out
from tests.support import factories


async def test_a_coordinator_picks_the_lieux_and_a_lieu_withdraws_its_challenge(
    page: Page, live_server: str
) -> None:
    network_id = await factories.make_network("Réseau des Causses")
    atelier = await factories.make_lieu(network_id, "Atelier des Causses")
    bistrot = await factories.make_lieu(network_id, "Bistrot des Causses")
    studio = await factories.make_lieu(network_id, "Studio des Causses", legal_form="sas")
    for key, lieu in (("atelier", atelier), ("bistrot", bistrot), ("studio", studio)):
        user = await factories.make_user(f"{key}@causses.fr", f"Personne {key.title()}")
        await factories.add_member(user, lieu, admin=True)
    await factories.add_coordinator(
        await factories.make_user("coordo@causses.fr", "Inès Coordination"), network_id
    )
    challenge = await factories.make_consented_challenge(
        network_id, atelier, studio, "Un outil de prêt"
    )

    # The coordinator leaves the bistrot out and weighs the atelier three times the studio.
    await log_in(page, live_server, "coordo@causses.fr")
    await page.goto(live_server + "/reseaux/reseau-des-causses/enveloppes/nouvelle")
    await page.get_by_label("Nom de l’enveloppe").fill("Enveloppe des Causses")
    await page.get_by_label("Montant de l’enveloppe (en euros)").fill("4 000")
    await page.get_by_label("Bistrot des Causses (Association)").uncheck()
    await page.get_by_label("Poids du lieu « Atelier des Causses »").fill("3")
    await check_page(page, "170-enveloppe-lieux-formulaire")
    await page.get_by_role("button", name="Enregistrer le brouillon").click()
    await expect(page.get_by_text("L’enveloppe est enregistrée.")).to_be_visible()
    rights = page.locator("section[aria-labelledby=droits]")
    await expect(rights.get_by_role("row", name=re.compile("Atelier des Causses"))).to_contain_text(
        "3 000,00"
    )
    await expect(rights.get_by_role("row", name=re.compile("Studio des Causses"))).to_contain_text(
        "1 000,00"
    )
    await expect(rights).not_to_contain_text("Bistrot des Causses")
    await check_page(page, "171-enveloppe-lieux-droits")
    envelope_url = page.url.split("?")[0]

    # Only SCOP may receive money: no lieu of the envelope could; it is not opened.
    await page.get_by_role("link", name="Modifier la configuration").click()
    for label in ("Association", "SCIC", "SCOP", "Collectivité ou organisme public", "Autre forme"):
        box = page.locator("fieldset", has_text="Formes juridiques").get_by_label(label, exact=True)
        if label == "SCOP":
            await box.check()
        else:
            await box.uncheck()
    await page.get_by_role("button", name="Enregistrer le brouillon").click()
    await expect(page.get_by_text("aucun ne pourrait recevoir son argent")).to_be_visible()
    await page.get_by_role("button", name="Ouvrir l’enveloppe").click()
    await expect(page.get_by_role("alert")).to_contain_text(
        "Aucun lieu de l’enveloppe n’a une forme juridique éligible"
    )
    await check_page(page, "172-enveloppe-aucun-lieu-eligible")

    # Associations again: it opens, and the coordinator moves it to funding.
    await page.get_by_role("link", name="Modifier la configuration").click()
    await (
        page.locator("fieldset", has_text="Formes juridiques")
        .get_by_label("Association", exact=True)
        .check()
    )
    await page.get_by_role("button", name="Enregistrer le brouillon").click()
    await page.get_by_role("button", name="Ouvrir l’enveloppe").click()
    for phase in ("Diagnostic collectif", "Contributions ouvertes"):
        await page.get_by_role("button", name="Passer à la phase suivante").click()
        await expect(page.get_by_text(f"Phase : {phase}")).to_be_visible()
    await log_out(page)

    # The studio pledges to the atelier's challenge.
    await log_in(page, live_server, "studio@causses.fr")
    await page.goto(envelope_url)
    field = page.locator(f"#defi-{challenge}").get_by_label(
        "Pour Studio des Causses, sur ses droits de tirage (en euros)"
    )
    await field.fill("200")
    await field.press("Enter")
    await expect(page.get_by_text("la projection est à jour")).to_be_visible()
    await log_out(page)

    # The atelier withdraws its challenge, confirms, and the page says why.
    await log_in(page, live_server, "atelier@causses.fr")
    await page.goto(f"{live_server}/defis/{challenge}")
    await page.get_by_label("Pourquoi votre lieu retire-t-il ce défi ?").fill(
        "Le réseau voisin a déjà un outil de prêt : nous le rejoignons."
    )
    await page.get_by_role("button", name="Retirer le défi").click()
    await expect(page.get_by_role("heading", name="Retirer ce défi ?")).to_be_visible()
    await check_page(page, "173-retrait-confirmation")
    await page.get_by_role("button", name="Retirer le défi").click()
    await expect(page.get_by_text("Le défi est retiré.")).to_be_visible()
    await expect(page.get_by_role("heading", name="Défi retiré le")).to_be_visible()
    await expect(page.get_by_text("nous le rejoignons")).to_be_visible()
    await check_page(page, "174-defi-retire")
    await log_out(page)

    # The studio sees its pledge released, and the challenge gone from the projection.
    await log_in(page, live_server, "studio@causses.fr")
    await page.goto(envelope_url)
    await expect(page.get_by_text("retiré par ses porteurs")).to_be_visible()
    await expect(page.locator(f"#defi-{challenge}")).to_have_count(0)
    await check_page(page, "175-contribution-liberee")
