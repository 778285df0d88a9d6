"""The coordination journal in a browser (issue 18): a coordinator's changes read as sentences,
filtered by kind, the raw record one click away; the page fits at 1,280 and at 375 px without
scrolling sideways; every state is axe-checked and photographed."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.e2e.conftest import check_page, log_in
from tests.support import factories

# What of the journal itself reaches past the right edge of the window (the site's header is
# the layout's part of issue 18, checked by its own test).
OVERFLOW = """() => [...document.querySelectorAll("main, main *")]
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .map((e) => e.tagName + "." + e.className)"""


async def test_a_coordinator_reads_the_journal_as_sentences_on_a_wide_and_a_narrow_screen(
    page: Page, live_server: str
) -> None:
    network_id = await factories.make_network("Réseau des Puys")
    for name in ("Café Le Comptoir", "La Fabrique du Bourg"):
        await factories.make_lieu(network_id, name)
    coordinator = await factories.make_user("coordo@puys.fr", "Inès Coordination")
    await factories.add_coordinator(coordinator, network_id)

    await log_in(page, live_server, "coordo@puys.fr")
    await page.goto(live_server + "/reseaux/reseau-des-puys/enveloppes/nouvelle")
    await page.get_by_label("Nom de l’enveloppe").fill(
        "Enveloppe 2027 des Puys, très longue pour voir"
    )
    await page.get_by_label("Montant de l’enveloppe (en euros)").fill("6 000")
    await page.get_by_role("button", name="Enregistrer le brouillon").click()
    await expect(page.get_by_text("L’enveloppe est enregistrée.")).to_be_visible()
    await page.get_by_role("button", name="Ouvrir l’enveloppe").click()
    await expect(page.get_by_role("button", name="Passer à la phase suivante")).to_be_visible()

    await page.goto(live_server + "/reseaux/reseau-des-puys/journal")
    created = "L’enveloppe « Enveloppe 2027 des Puys, très longue pour voir » a été créée."
    await expect(page.get_by_text(created)).to_be_visible()
    await expect(page.get_by_text("a été ouverte (phase")).to_be_visible()
    await check_page(page, "120-journal")
    assert await page.evaluate(OVERFLOW) == []

    # Filtered by kind, in words; the raw record opens under its sentence.
    await page.get_by_label("Quoi").select_option(label="Enveloppes et répartitions")
    await page.get_by_role("button", name="Filtrer").click()
    await expect(page.get_by_label("Quoi")).to_have_value("enveloppes")
    await page.get_by_text("L’inscription telle qu’enregistrée").first.click()
    await expect(page.get_by_text("envelope.open envelope").first).to_be_visible()
    await check_page(page, "121-journal-filtre-detail")

    # At 375 px the whole entry, JSON included, wraps inside the page.
    await page.set_viewport_size({"width": 375, "height": 800})
    await page.get_by_text("L’inscription telle qu’enregistrée").nth(1).click()
    assert await page.evaluate(OVERFLOW) == []
    await check_page(page, "122-journal-375")

    # A wrong date is said next to its field; the journal still shows.
    await page.goto(live_server + "/reseaux/reseau-des-puys/journal?du=06/12/2026")
    await expect(page.get_by_text("Indiquez une date, par exemple 2026-12-06.")).to_be_visible()
    await expect(page.get_by_text(created)).to_be_visible()
    await check_page(page, "123-journal-filtre-invalide")
