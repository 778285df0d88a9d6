"""Hidden pledges are hidden (SPEC §4, issue 13): while an envelope hides them, no page, API
answer, export or journal entry shows a unit's pledge to anyone but that unit; the challenges'
totals stay visible; after the close everything is public as usual.

Two lieux pledge amounts found nowhere else (321 € and 654 €, 975 € together on one challenge):
each reader is looked for both, in euros and in cents, on every page and file that could carry
them."""

from __future__ import annotations

import datetime as dt

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import Envelope, OutboxMessage, Receipt
from cobudget.services.clock import now
from tests.integration.conftest import World, log_in, post_form
from tests.integration.conftest import page_text as _t
from tests.support import factories

MINE, THEIRS = ("321,00 €", "32100"), ("654,00 €", "65400")


async def _pledged(client: AsyncTestClient, world: World) -> int:  # type: ignore[type-arg]
    """A hidden-pledge envelope where the test lieu pledged 321 € and the other lieu 654 €."""
    envelope_id = await factories.make_envelope(
        world.network_id, [world.lieu_id, world.other_lieu_id], hide_pledges=True
    )
    other = await factories.make_user("autre@exemple.fr", "Léa Comptoir")
    await factories.add_member(other, world.other_lieu_id)
    for email, lieu, amount in (
        (world.emails["member"], world.lieu_id, "321"),
        ("autre@exemple.fr", world.other_lieu_id, "654"),
    ):
        await log_in(client, email)
        response = await post_form(
            client,
            f"/enveloppes/{envelope_id}/contributions",
            {
                "challenge": str(world.consented_challenge_id),
                "unit": f"lieu:{lieu}",
                "source": "drawing_rights",
                "amount": amount,
            },
            form_page=f"/enveloppes/{envelope_id}",
        )
        assert response.status_code == 303, response.text
    client.cookies.clear()
    return envelope_id


async def _everything(client: AsyncTestClient, world: World, envelope_id: int) -> str:  # type: ignore[type-arg]
    """Every page, API answer and file a reader could find a pledge in, as one text."""
    paths = [
        f"/enveloppes/{envelope_id}",
        f"/enveloppes/{envelope_id}/defis/{world.consented_challenge_id}/contributions",
        f"/api/envelopes/{envelope_id}/projection",
        f"/enveloppes/{envelope_id}/donnees/pledges.csv",
        f"/enveloppes/{envelope_id}/donnees/pledges.json",
        f"/enveloppes/{envelope_id}/donnees/challenges.csv",
        f"/defis/{world.consented_challenge_id}",
        f"/lieux/{world.lieu_slug}",
        f"/reseaux/{world.network_slug}",
        f"/reseaux/{world.network_slug}/journal",
        # The journal of receipts (issue 20): number, receipt and time only until the close;
        # a unit finds its own receipts whole under « Vos reçus » and in the check of one.
        f"/enveloppes/{envelope_id}/recus",
        f"/enveloppes/{envelope_id}/donnees/recus.csv",
        f"/enveloppes/{envelope_id}/donnees/recus.json",
        f"/api/envelopes/{envelope_id}/receipts",
    ]
    for row in await Receipt.select(Receipt.code).where(Receipt.envelope == envelope_id):
        paths.append(f"/enveloppes/{envelope_id}/recus/verifier?code={row['code']}")
        paths.append(f"/api/envelopes/{envelope_id}/receipts/{row['code']}")
    texts = []
    for path in paths:
        response = await client.get(path)
        assert response.status_code in (200, 401, 403, 404, 422), (path, response.status_code)
        texts.append(_t(response))
    return "\n".join(texts)


def _shows(text: str, amount: tuple[str, str]) -> bool:
    return amount[0] in text or amount[1] in text


@pytest.mark.parametrize("reader", ["visitor", "member", "other_member", "coordinator"])
async def test_nobody_but_the_unit_reads_its_hidden_pledge(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    reader: str,
) -> None:
    envelope_id = await _pledged(client, world)
    if reader == "other_member":
        await log_in(client, "autre@exemple.fr")
    elif reader != "visitor":
        await log_in(client, world.emails[reader])
    seen = await _everything(client, world, envelope_id)
    assert "975,00 €" in seen  # the challenge's total stays visible
    assert _shows(seen, MINE) == (reader == "member")
    assert _shows(seen, THEIRS) == (reader == "other_member")
    outbox = " ".join(r["body"] for r in await OutboxMessage.select(OutboxMessage.body))
    assert not _shows(outbox, MINE) and not _shows(outbox, THEIRS)


async def test_after_the_close_every_pledge_is_public(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    envelope_id = await _pledged(client, world)
    await Envelope.update({Envelope.funding_until: now() - dt.timedelta(minutes=1)}).where(
        Envelope.id == envelope_id
    )
    seen = await _everything(client, world, envelope_id)
    assert _shows(seen, MINE) and _shows(seen, THEIRS)
