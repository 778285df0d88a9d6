"""The glossary (issue 18): public, in French and English, one anchor per word, and every link
to it from the other pages lands on a word that is there."""

from __future__ import annotations

import re
from pathlib import Path

from litestar.testing import AsyncTestClient

from tests.integration.conftest import World, page_text

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"
# SPEC §3, in French, and the few other words the pages use (issue 18).
SPEC_TERMS = {
    "reseau": "Réseau",
    "lieu": "Lieu",
    "enveloppe": "Enveloppe",
    "defi": "Défi",
    "lieu-concerne": "Lieu concerné",
    "poste-de-depense": "Poste de dépense",
    "droits-de-tirage": "Droits de tirage",
    "contribution": "Contribution",
    "tour-de-consentement": "Tour de consentement",
    "position": "Position",
    "reglement": "Règlement",
    "compte-rendu": "Compte rendu",
    "cofinanceur": "Cofinanceur",
    "projection": "Projection",
    "minimum-maximum": "Minimum et maximum",
    "consentement-avec-reserve": "Consentement avec réserve",
    "objection": "Objection",
    "fonds-propres": "Fonds propres",
    "abondement": "Abondement",
}


def _anchors(html: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', html))


def _links_to_the_glossary() -> set[str]:
    """Every `/glossaire#anchor` written in a template (a rule's anchor is chosen by a
    condition, so the anchors in `{% if %}` branches count too)."""
    found: set[str] = set()
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        found |= set(re.findall(r"/glossaire#([a-z-]+)", text))
        for chosen in re.findall(r'/glossaire#\{%(.*?)%\}"', text, re.S):
            found |= set(re.findall(r"%\}([a-z-]+)\{%", "%}" + chosen))
    return found


async def test_a_visitor_reads_each_word_of_the_glossary_under_its_anchor(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    response = await client.get("/glossaire")
    assert response.status_code == 200
    html = response.text
    text = page_text(response)
    for anchor, term in SPEC_TERMS.items():
        dt = re.search(rf'<dt id="{anchor}">(.*?)</dt>', html, re.S)
        assert dt is not None, anchor
        assert term in dt.group(1).replace("\xa0", " ")
    for anchor in ("regle-cofinancement", "regle-parts-egales", "regle-abondement", "verifier"):
        assert anchor in _anchors(html)
    # The technical words are kept here, explained, and not on the pages a lieu reads first.
    assert "SHA-256" in text and "cobudget verify" in text and "abondement quadratique" in text
    assert '<html lang="fr">' in html


async def test_every_link_to_the_glossary_lands_on_a_word_it_explains(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    anchors = _anchors((await client.get("/glossaire")).text)
    links = _links_to_the_glossary()
    assert {"regle-cofinancement", "regle-abondement", "verifier", "projection"} <= links
    assert links <= anchors, links - anchors


async def test_the_glossary_reads_in_english_and_the_footer_links_to_it(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    home = (await client.get("/")).text
    assert 'href="/glossaire"' in home
    await client.get("/langue/en", follow_redirects=False)
    response = await client.get("/glossaire")
    assert response.status_code == 200
    text = page_text(response)
    assert '<html lang="en">' in response.text
    for word in ("Budget line", "Drawing rights", "Consent round", "Settlement", "Report"):
        assert word in text
    assert "Poste de dépense" not in text and "Droits de tirage" not in text


JARGON = ("SHA-256", "JSON canonique", "octet pour octet", "cobudget verify", "glouton", "pabulib")


async def test_a_settled_envelope_folds_its_technical_proof_and_says_its_rule_plainly(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    """What a lieu reads first has no jargon; the proof is one click away, under « Vérifier
    par vous-même », a <details> that opens without JavaScript."""
    html = (await client.get(f"/enveloppes/{world.settled_envelope_id}")).text
    folded = re.findall(r"<details[^>]*>.*?</details>", html, re.S)
    unfolded = re.sub(r"<details[^>]*>.*?</details>", "", html, flags=re.S)
    proof = next(block for block in folded if "Vérifier par vous-même" in block)
    for word in ("SHA-256", "JSON canonique", "octet pour octet", "cobudget verify"):
        assert word in proof
    for word in (*JARGON, "au plus fort reste", "abondement quadratique", "moteur"):
        assert word not in unfolded, word
    assert "un défi est financé s’il atteint son minimum" in unfolded
    assert 'href="/glossaire#regle-cofinancement"' in unfolded
