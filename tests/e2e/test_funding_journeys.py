"""Issue 6's journey in a browser, once per rule: the coordinator configures and opens an
envelope; three lieux and a co-funder pledge (or give support); the projection moves in place
(htmx, no page load); the coordinator closes and settles; a visitor reads the settlement and
clicks « Vérifier ». Every page is axe-checked and photographed."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import check_page, log_in, log_out
from tests.support import factories

RULE_LABELS = {
    "cofunding": "Cofinancement",
    "equal_shares": "Parts égales",
    "matching": "Abondement",
}


# Per challenge drawn: (what it receives, its segments by source added up, its table's figure).
STACKS = """() => [...document.querySelectorAll('#graphique-projection g[data-challenge]')].map(g => [
  +g.dataset.received,
  [...g.querySelectorAll('rect[data-cents]')].filter(r => r.dataset.kind !== 'pledged')
    .reduce((sum, r) => sum + +r.dataset.cents, 0),
  +document.querySelector(`#tableau-projection tr[data-challenge="${g.dataset.challenge}"] td[data-kind="received"]`)
    .textContent.replace(/[^0-9]/g, ''),
])"""
# Issue 18's badges, bars and charts that reach past the right edge of the screen.
PAST_THE_SCREEN = """() => [...document.querySelectorAll('.badge, .funding-bar, .chart svg, .legend')]
  .some(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)"""


async def _pledge(page: Page, challenge_id: int, label: str, euros: str) -> None:
    """Type an amount and submit with Enter; the projection is swapped in place."""
    await page.evaluate("window.__still_the_same_page = true")
    field = page.locator(f"#defi-{challenge_id}").get_by_label(label)
    await field.fill(euros)
    await field.press("Enter")
    await expect(page.get_by_text("la projection est à jour")).to_be_visible()
    assert await page.evaluate("window.__still_the_same_page === true")  # no page load


@pytest.mark.parametrize("rule", ["cofunding", "equal_shares", "matching"])
async def test_an_envelope_is_opened_funded_settled_and_verified(
    page: Page, live_server: str, rule: str
) -> None:
    network_id = await factories.make_network("Réseau des Monts")
    lieux = {}
    for key, name in (("a", "Atelier A"), ("b", "Bistrot B"), ("c", "Cowork C"), ("d", "Dépôt D")):
        lieux[key] = await factories.make_lieu(network_id, name)
        user = await factories.make_user(f"{key}@monts.fr", f"Personne {key.upper()}")
        await factories.add_member(user, lieux[key], admin=True)
    coordinator = await factories.make_user("coordo@monts.fr", "Inès Coordination")
    await factories.add_coordinator(coordinator, network_id)
    funder = await factories.make_user("dep@monts.fr", "Paul Département")
    await factories.make_cofunder(network_id, "Département des Monts", funder)
    workshop = await factories.make_consented_challenge(
        network_id, lieux["a"], lieux["b"], "Un atelier partagé"
    )
    await factories.make_consented_challenge(
        network_id, lieux["d"], lieux["c"], "Une carte des lieux"
    )

    # The coordinator configures a draft, reads the drawing rights, opens it, moves to funding.
    await log_in(page, live_server, "coordo@monts.fr")
    await page.goto(live_server + "/reseaux/reseau-des-monts/enveloppes/nouvelle")
    await page.get_by_label("Nom de l’enveloppe").fill("Enveloppe des Monts")
    await page.get_by_label("Montant de l’enveloppe (en euros)").fill("6 000")
    await page.get_by_label("Règle de répartition").select_option(rule)
    await page.get_by_role("button", name="Enregistrer le brouillon").click()
    await expect(page.get_by_text("L’enveloppe est enregistrée.")).to_be_visible()
    await expect(page.get_by_role("heading", name="Droits de tirage des lieux")).to_be_visible()
    await check_page(page, f"60-{rule}-brouillon")
    envelope_url = page.url.split("?")[0]
    await page.get_by_role("button", name="Ouvrir l’enveloppe").click()
    await page.get_by_role("button", name="Passer à la phase suivante").click()
    await expect(page.get_by_text("Phase : Diagnostic collectif")).to_be_visible()
    await page.get_by_role("button", name="Passer à la phase suivante").click()
    await expect(page.get_by_text("Phase : Contributions ouvertes")).to_be_visible()
    await expect(page.get_by_role("heading", name="Projection en direct")).to_be_visible()
    await page.get_by_role(
        "link", name="Comparer les trois règles sur les contributions actuelles"
    ).click()
    await expect(page.get_by_role("heading", name="Comparer les trois règles")).to_be_visible()
    await check_page(page, f"61-{rule}-comparaison-vide")
    await log_out(page)

    # Three lieux and the co-funder take part; the projection moves in place each time.
    article = page.locator(f"#defi-{workshop}")
    for key, name, euros in (
        ("b", "Bistrot B", "400"),
        ("c", "Cowork C", "400"),
        ("a", "Atelier A", "0"),
    ):
        await log_in(page, live_server, f"{key}@monts.fr")
        await page.goto(envelope_url)
        if rule == "equal_shares":
            target = workshop if key != "a" else None
            if target is None:  # the proposer of the workshop supports the other challenge
                other = page.locator("article.challenge-funding", has_text="Une carte des lieux")
                await page.evaluate("window.__still_the_same_page = true")
                await other.get_by_role("button", name=f"Soutenir ce défi pour {name}").click()
            else:
                await page.evaluate("window.__still_the_same_page = true")
                await article.get_by_role("button", name=f"Soutenir ce défi pour {name}").click()
            await expect(page.get_by_text("Votre soutien est enregistré")).to_be_visible()
            assert await page.evaluate("window.__still_the_same_page === true")
        elif key != "a":
            source = "droits de tirage" if rule == "cofunding" else "fonds propres"
            await _pledge(page, workshop, f"Pour {name}, sur ses {source} (en euros)", euros)
        else:  # the proposer pledges its own funds to its own challenge
            await _pledge(page, workshop, f"Pour {name}, sur ses fonds propres (en euros)", "150")
        await check_page(page, f"62-{rule}-{key}-contribue")
        await log_out(page)
    await log_in(page, live_server, "dep@monts.fr")
    await page.goto(envelope_url)
    await _pledge(
        page, workshop, "Pour Département des Monts, sur ses fonds propres (en euros)", "400"
    )
    await expect(article).to_contain_text("Serait financé")
    await check_page(page, f"63-{rule}-projection")
    # Issue 18: the projection drawn as bars stacked by source, each funded one's stack adding up
    # to what its table row says it receives; at 375 px none of it reaches past the screen.
    await expect(page.locator("#graphique-projection")).to_be_visible()
    stacks = await page.evaluate(STACKS)
    assert stacks and all(received == stacked for received, stacked, _cell in stacks), stacks
    assert any(received > 0 for received, _stacked, _cell in stacks)
    assert all(cell == received for received, _stacked, cell in stacks), stacks
    size = page.viewport_size
    await page.set_viewport_size({"width": 375, "height": 800})
    assert not await page.evaluate(PAST_THE_SCREEN)
    await check_page(page, f"63-{rule}-projection-375")
    if size:
        await page.set_viewport_size(size)
    await log_out(page)

    # The coordinator closes and settles; settling twice is not offered.
    await log_in(page, live_server, "coordo@monts.fr")
    await page.goto(envelope_url)
    await page.get_by_role("button", name="Clore les contributions maintenant").click()
    await page.get_by_role("button", name="Clore les contributions", exact=True).click()
    await expect(page.get_by_text("Phase : Contributions closes")).to_be_visible()
    await page.get_by_role("button", name="Régler l’enveloppe et publier la répartition").click()
    await page.get_by_role("button", name="Régler et publier").click()
    await expect(page.get_by_role("heading", name="Répartition publiée")).to_be_visible()
    await expect(
        page.get_by_role("button", name="Régler l’enveloppe et publier la répartition")
    ).to_have_count(0)
    await expect(article).to_contain_text(re.compile(r"Financé\s*:"))
    await log_out(page)

    # A visitor reads the settlement and checks it.
    await page.goto(envelope_url)
    await expect(page.get_by_text(RULE_LABELS[rule]).first).to_be_visible()
    await page.get_by_role("button", name="Vérifier", exact=True).click()
    await expect(page.get_by_text("le calcul donne exactement la même répartition")).to_be_visible()
    await check_page(page, f"64-{rule}-verifie")


async def test_a_long_envelope_opens_a_challenges_forms_in_place(
    page: Page, live_server: str
) -> None:
    """More challenges than forms shown at once (issue 15): a lieu's admin opens one
    challenge's forms in place, pledges with Enter, and the projection moves without a page
    load; the challenge then says what the lieu pledged, its forms closed again."""
    from cobudget.web.pages.envelopes import INLINE_FORMS

    network_id = await factories.make_network("Réseau des Combes")
    atelier = await factories.make_lieu(network_id, "Atelier A")
    bistrot = await factories.make_lieu(network_id, "Bistrot B")
    user = await factories.make_user("a@combes.fr", "Personne A")
    await factories.add_member(user, atelier, admin=True)
    challenges = [
        await factories.make_consented_challenge(network_id, bistrot, atelier, f"Commun n°{n}")
        for n in range(INLINE_FORMS + 1)
    ]
    envelope = await factories.make_envelope(network_id, [atelier, bistrot])
    target = challenges[5]

    await log_in(page, live_server, "a@combes.fr")
    await page.goto(f"{live_server}/enveloppes/{envelope}")
    await expect(
        page.get_by_label("Pour Atelier A, sur ses droits de tirage (en euros)")
    ).to_have_count(0)
    await check_page(page, "64-longue-enveloppe")
    await page.evaluate("window.__still_the_same_page = true")
    article = page.locator(f"#defi-{target}")
    await article.get_by_role("link", name=re.compile("Contribuer ou modifier")).click()
    await _pledge(page, target, "Pour Atelier A, sur ses droits de tirage (en euros)", "250")
    await expect(article).to_contain_text("Atelier A a promis 250,00 €.")
    await expect(
        article.get_by_label("Pour Atelier A, sur ses droits de tirage (en euros)")
    ).to_have_count(0)
    assert await page.evaluate("window.__still_the_same_page === true")
    await check_page(page, "65-longue-enveloppe-contribution")
