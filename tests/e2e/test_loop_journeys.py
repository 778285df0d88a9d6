"""Issue 16's loop without dead ends in a browser, in French and in English: a proposer reads
why no new version can be published during a round; a coordinator shortens its deadline (a
refusal first, on the form, with the date typed), the lieux are mailed, then closes the round
after confirming; a coordinator settles an envelope after confirming. Every page is axe-checked."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.async_api import Page, expect

from cobudget.db.tables import Envelope, RoundPosition
from cobudget.services.clock import now
from tests.e2e.conftest import check_page, log_in
from tests.support import factories
from tests.support.mail import Mailbox

WORDS = {
    "fr": {
        "why": "Un tour de consentement est en cours sur la version 1",
        "amend": "Publier une nouvelle version",
        "deadline": "Changer l’échéance : prolonger ou avancer",
        "change": "Changer l’échéance",
        "short": "au moins 24 heures aux lieux",
        "close": "Clore le tour maintenant",
        "close?": "Clore ce tour de consentement maintenant ?",
        "confirm close": "Clore le tour",
        "closed": "Tour sur la version 1 : Consenti",
        "settle": "Régler l’enveloppe et publier la répartition",
        "settle?": "Régler l’enveloppe et publier la répartition ?",
        "confirm settle": "Régler et publier",
        "settled": "Répartition publiée",
    },
    "en": {
        "why": "A consent round is under way on version 1",
        "amend": "Publish a new version",
        "deadline": "Change the deadline: extend or bring it forward",
        "change": "Change the deadline",
        "short": "at least 24 hours to take a position",
        "close": "Close the round now",
        "close?": "Close this consent round now?",
        "confirm close": "Close the round",
        "closed": "Round on version 1: Consented",
        "settle": "Settle the envelope and publish the settlement",
        "settle?": "Settle the envelope and publish the settlement?",
        "confirm settle": "Settle and publish",
        "settled": "Published settlement",
    },
}


async def _as(page: Page, live_server: str, email: str, language: str, path: str) -> None:
    """Log in afresh (the form is French), switch language, and open `path`."""
    await page.context.clear_cookies()
    await log_in(page, live_server, email)
    await page.goto(f"{live_server}/langue/{language}?next={path}")


def _local(delta: dt.timedelta) -> str:
    return (dt.datetime.now() + delta).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_round_is_not_amended_mid_way_and_its_deadline_is_shortened_with_notice(
    page: Page, live_server: str, mailbox: Mailbox, language: str
) -> None:
    words = WORDS[language]
    network_id = await factories.make_network("Réseau des Landes", quorum=1)
    lieux = {}
    for key in ("a", "b", "c"):
        lieux[key] = await factories.make_lieu(network_id, f"Lieu {key.upper()}")
        await factories.add_member(
            await factories.make_user(f"{key}@landes.fr", f"Personne {key.upper()}"), lieux[key]
        )
    await factories.add_coordinator(
        await factories.make_user("coordo@landes.fr", "Coordination"), network_id
    )
    challenge_id = await factories.make_challenge(network_id, lieux["a"], "Un agenda commun")
    round_id = await factories.make_round(challenge_id, 1, days=20, quorum=1)
    await RoundPosition.insert(
        RoundPosition(round=round_id, lieu=lieux["b"], kind="consent", taken_at=now())
    )
    path = f"/defis/{challenge_id}"

    # The proposer reads why there is no new version to publish now.
    await _as(page, live_server, "a@landes.fr", language, path)
    await expect(page.get_by_text(words["why"])).to_be_visible()
    await expect(page.get_by_role("link", name=words["amend"])).to_have_count(0)
    await check_page(page, f"70-{language}-pas-de-version-pendant-le-tour")

    # The coordinator brings the deadline too close: refused on the form, the date kept.
    await _as(page, live_server, "coordo@landes.fr", language, path)
    too_soon = _local(dt.timedelta(hours=2))
    await page.get_by_label(words["deadline"]).fill(too_soon)
    await page.get_by_role("button", name=words["change"], exact=True).click()
    await expect(page.get_by_text(words["short"])).to_be_visible()
    await expect(page.get_by_label(words["deadline"])).to_have_value(too_soon)
    await check_page(page, f"71-{language}-echeance-trop-proche")
    mailbox.clear()
    await page.get_by_label(words["deadline"]).fill(_local(dt.timedelta(days=3)))
    await page.get_by_role("button", name=words["change"], exact=True).click()
    await expect(page.get_by_text(words["short"])).to_have_count(0)
    told = await mailbox.wait_for("c@landes.fr")
    assert "Échéance avancée" in told["Subject"]

    # Closing it early asks first.
    await page.get_by_role("button", name=words["close"]).click()
    await expect(page.get_by_role("heading", name=words["close?"])).to_be_visible()
    await check_page(page, f"72-{language}-confirmer-la-cloture")
    await page.get_by_role("button", name=words["confirm close"], exact=True).click()
    await expect(page.get_by_role("heading", name=words["closed"])).to_be_visible()


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_coordinator_settles_after_confirming(
    page: Page, live_server: str, language: str
) -> None:
    words = WORDS[language]
    funding = await factories.make_funding("Réseau des Vallées", lieux=5)
    await Envelope.update({Envelope.funding_until: now() - dt.timedelta(minutes=1)}).where(
        Envelope.id == funding.envelope_id
    )
    path = f"/enveloppes/{funding.envelope_id}"
    await _as(page, live_server, funding.coordinator, language, path)
    await page.get_by_role("button", name=words["settle"]).click()
    await expect(page.get_by_role("heading", name=words["settle?"])).to_be_visible()
    await check_page(page, f"73-{language}-confirmer-le-reglement")
    await page.get_by_role("button", name=words["confirm settle"]).click()
    await expect(page.get_by_role("heading", name=words["settled"])).to_be_visible()
    await expect(page.get_by_role("button", name=words["settle"])).to_have_count(0)
