"""Issue 7's journey in a browser: the proposers publish the report of period 1 with a
deliverable (and cannot start another while it awaits review), the coordinator asks for a
change, the proposers amend it, the coordinator validates; a visitor opens the money trail,
finds the same figures in the picture and in the tables, and downloads the CSV. Every page is axe-checked; screenshots of the follow-up page are kept for a person to
look at (test-artifacts/screenshots/7x-*.png)."""

from __future__ import annotations

import csv
import io
import re

from playwright.async_api import Page, expect

from tests.e2e.conftest import check_page, log_in, log_out
from tests.support import factories


async def test_a_report_is_published_sent_back_validated_and_the_trail_read(
    page: Page, live_server: str
) -> None:
    network_id = await factories.make_network("Réseau des Puys")
    lieux = {}
    for key, name in (("a", "Atelier A"), ("b", "Bistrot B"), ("c", "Cowork C")):
        lieux[key] = await factories.make_lieu(network_id, name)
        user = await factories.make_user(f"{key}@puys.fr", f"Personne {key.upper()}")
        await factories.add_member(user, lieux[key], admin=True)
    coordinator = await factories.make_user("coordo@puys.fr", "Inès Coordination")
    await factories.add_coordinator(coordinator, network_id)
    challenge = await factories.make_consented_challenge(
        network_id, lieux["a"], lieux["b"], "Un atelier partagé"
    )
    envelope = await factories.make_settled_envelope(
        network_id,
        list(lieux.values()),
        pledges=((challenge, lieux["b"], 90_000), (challenge, lieux["c"], 60_000)),
    )
    follow_up = f"{live_server}/enveloppes/{envelope}/suivi"

    # The proposers write and publish a report with a deliverable.
    await log_in(page, live_server, "a@puys.fr")
    await page.goto(follow_up)
    await page.get_by_role("link", name="Écrire le compte rendu de la période 1").click()
    await page.get_by_label(re.compile("Développement — payé sur l’argent reçu")).fill("1 100")
    await page.get_by_label("Développement — payé sur les fonds propres du lieu").fill("150")
    await page.get_by_label("Développement — référence du justificatif").fill("Facture 2027-01")
    await page.get_by_label("Titre du livrable 1").fill("Le guide de l’atelier")
    await page.get_by_label("Lien du livrable 1").fill("https://exemple.fr/guide")
    await page.get_by_label("Où en est le défi, en quelques mots").fill("L’atelier ouvre en mars.")
    await check_page(page, "70-rapport-formulaire")
    await page.get_by_role("button", name="Publier le compte rendu").click()
    await expect(page.get_by_text("Le compte rendu est enregistré.")).to_be_visible()
    report_url = page.url.split("?")[0]
    await page.goto(follow_up)  # published: no second report while it awaits review
    await expect(
        page.get_by_text("Le compte rendu de la période 1 attend la validation")
    ).to_be_visible()
    await expect(page.get_by_role("link", name=re.compile("Écrire le compte rendu"))).to_have_count(0)
    await log_out(page)

    # The coordinator asks for a change; the proposers amend; the coordinator validates.
    await log_in(page, live_server, "coordo@puys.fr")
    await page.goto(report_url)
    await page.get_by_label("Commentaire (obligatoire pour demander des modifications)").fill(
        "Précisez la licence des plans."
    )
    await page.get_by_role("button", name="Demander des modifications").click()
    await expect(page.get_by_text("Votre avis est enregistré")).to_be_visible()
    await check_page(page, "71-rapport-renvoye")
    await log_out(page)
    await log_in(page, live_server, "a@puys.fr")
    await page.goto(report_url)
    await page.get_by_role("link", name="Modifier le compte rendu").click()
    await expect(page.get_by_text("Précisez la licence des plans.")).to_be_visible()
    await page.get_by_label("Licence du livrable 1").select_option("cc-by-sa-4.0")
    await page.get_by_role("button", name="Publier le compte rendu").click()
    await expect(page.get_by_text("Le compte rendu est enregistré.")).to_be_visible()
    await log_out(page)
    await log_in(page, live_server, "coordo@puys.fr")
    await page.goto(report_url)
    await page.get_by_role("button", name="Valider le compte rendu").click()
    await expect(page.get_by_text("Validé").first).to_be_visible()
    await log_out(page)

    # A visitor reads the money trail: the picture and the table carry the same figures.
    await page.goto(follow_up)
    await expect(page.get_by_role("heading", name="Où est allé chaque euro")).to_be_visible()
    picture = await page.locator("#trail-svg path.band-money").evaluate_all(
        "bands => bands.map(b => Number(b.dataset.amount))"
    )
    table = await page.locator("#trail-table tbody tr").evaluate_all(
        "rows => rows.map(r => Number(r.dataset.amount))"
    )
    assert sorted(picture) == sorted(table) == [60_000, 90_000]
    spent = await page.locator("#trail-svg path.band-spent").evaluate_all(
        "bands => bands.map(b => Number(b.dataset.amount))"
    )
    outcome = await page.locator("#outcome-table tbody tr").evaluate_all(
        "rows => rows.map(r => [Number(r.dataset.spent), Number(r.dataset.unreported)])"
    )
    unreported = await page.locator("#trail-svg path.band-unreported").evaluate_all(
        "bands => bands.map(b => Number(b.dataset.amount))"
    )
    assert spent == [110_000] and unreported == [40_000] and outcome == [[110_000, 40_000]]
    await expect(page.locator("#trail-spent")).to_have_text(re.compile(r"1\s100,00\s€"))
    await expect(page.get_by_text("Le guide de l’atelier").first).to_be_visible()
    await check_page(page, "72-suivi-flux-et-tableau")
    await page.goto(f"{live_server}/enveloppes/{envelope}")
    async with page.expect_download() as download_info:
        await page.locator("a[href$='/donnees/challenges.csv']").click()
    download = await download_info.value
    rows = list(csv.DictReader(io.StringIO((await download.path()).read_text("utf-8"))))
    assert [(r["title"], r["funded"], r["total_cents"]) for r in rows] == [
        ("Un atelier partagé", "true", "150000")
    ]
