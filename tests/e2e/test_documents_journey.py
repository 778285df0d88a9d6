"""Issue 17's documents in a browser: a proposer attaches a PDF receipt to a line of a report
in progress and a picture to the challenge, without JavaScript tricks (plain multipart forms),
and sees them; a wrong file is refused with its sentence; a visitor sees the picture. Every
page is axe-checked (screenshots in test-artifacts/screenshots/17d-*.png)."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.e2e.conftest import check_page, log_in, log_out
from tests.support import factories
from tests.support.documents import tiny_pdf, tiny_png


async def test_a_receipt_and_a_picture_are_attached_and_seen(page: Page, live_server: str) -> None:
    network_id = await factories.make_network("Réseau des Causses")
    lieux = {}
    for key, name in (("a", "Atelier A"), ("b", "Bistrot B"), ("c", "Cowork C")):
        lieux[key] = await factories.make_lieu(network_id, name)
        user = await factories.make_user(f"{key}@causses.fr", f"Personne {key.upper()}")
        await factories.add_member(user, lieux[key], admin=True)
    challenge = await factories.make_consented_challenge(
        network_id, lieux["a"], lieux["b"], "Un atelier partagé"
    )
    envelope = await factories.make_settled_envelope(
        network_id,
        list(lieux.values()),
        pledges=((challenge, lieux["b"], 90_000), (challenge, lieux["c"], 60_000)),
    )
    report = await factories.make_report(envelope, challenge, status="draft")

    await log_in(page, live_server, "a@causses.fr")
    await page.goto(f"{live_server}/rapports/{report}")
    await expect(page.get_by_text("Aucun fichier joint.")).to_be_visible()
    await check_page(page, "17d-rapport-sans-justificatif")

    # A web page renamed .pdf is refused, with its sentence, and nothing is attached.
    await page.get_by_label(re.compile("^Fichier")).set_input_files(
        files=[{"name": "facture.pdf", "mimeType": "application/pdf", "buffer": b"<html></html>"}]
    )
    await page.get_by_role("button", name="Joindre le justificatif").click()
    await expect(page.get_by_text(re.compile("n’est ni un PDF ni une image"))).to_be_visible()
    await check_page(page, "17d-justificatif-refuse")

    # The real PDF, on the line « Développement ».
    await page.get_by_label("Pour").select_option(label="Le poste «\u00a0Développement\u00a0»")
    await page.get_by_label(re.compile("^Fichier")).set_input_files(
        files=[{"name": "Facture été.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf()}]
    )
    await page.get_by_role("button", name="Joindre le justificatif").click()
    await expect(page.get_by_text("Le justificatif est joint au compte rendu.")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Développement"))
    link = row.get_by_role("link", name="Facture été.pdf")
    await expect(link).to_be_visible()
    await check_page(page, "17d-rapport-avec-justificatif")
    served = await page.request.get(live_server + str(await link.get_attribute("href")))
    assert served.status == 200
    assert (await served.body()).startswith(b"%PDF-")
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"].startswith("attachment;")

    # A picture for the challenge, from its page.
    await page.goto(f"{live_server}/defis/{challenge}")
    await page.get_by_role("link", name="Ajouter une image au défi").click()
    await check_page(page, "17d-image-formulaire")
    await page.get_by_label(re.compile("^Image")).set_input_files(
        files=[{"name": "atelier.png", "mimeType": "image/png", "buffer": tiny_png(40, 20)}]
    )
    await page.get_by_role("button", name="Envoyer l’image").click()
    picture = page.get_by_role("img", name="Image du défi « Un atelier partagé »")
    await expect(picture).to_be_visible()
    assert await picture.evaluate("img => img.naturalWidth") == 40
    await check_page(page, "17d-defi-avec-image")
    await log_out(page)

    # A visitor sees the picture too.
    await page.goto(f"{live_server}/defis/{challenge}")
    picture = page.get_by_role("img", name="Image du défi « Un atelier partagé »")
    await expect(picture).to_be_visible()
    assert await picture.evaluate("img => img.naturalWidth") == 40
    await expect(page.get_by_role("link", name=re.compile("image du défi"))).to_have_count(0)
