"""The pabulib export (SPEC §6.2, §7, issue 13): offered only where the envelope has a pabulib
form, and every file it writes is read by pabutools' own parser, the demo's envelopes included
and a lieu that gave no points."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient
from pabutools.election.pabulib import parse_pabulib_from_string

from cobudget.db.tables import Envelope, EnvelopeLieu, Support
from cobudget.services.clock import now
from cobudget.services.demo import DEMO_PASSWORD, load_demo
from tests.integration.conftest import World, log_in
from tests.support import factories

LINK = "/donnees/enveloppe.pb"


async def _offered_and_read(client: AsyncTestClient, envelope_id: int) -> bool:  # type: ignore[type-arg]
    """Whether the page offers the file; where it does, pabutools reads it, and where it does
    not, asking for it says why (422)."""
    page = await client.get(f"/enveloppes/{envelope_id}")
    assert page.status_code == 200
    offered = LINK in page.text
    response = await client.get(f"/enveloppes/{envelope_id}/donnees/enveloppe.pb")
    if not offered:
        assert response.status_code == 422
        return False
    assert response.status_code == 200, response.text
    instance, profile = parse_pabulib_from_string(response.text)
    assert len(instance) >= 0 and len(profile) > 0
    return True


async def test_every_demo_envelope_offers_the_file_only_where_pabutools_can_read_it(
    client: AsyncTestClient,  # type: ignore[type-arg]
) -> None:
    assert await load_demo() is True
    await log_in(client, "coordination@demo.cobudget.fr", DEMO_PASSWORD)
    ids = [row["id"] for row in await Envelope.select(Envelope.id).order_by(Envelope.id)]
    assert ids
    for envelope_id in ids:
        await _offered_and_read(client, envelope_id)


@pytest.mark.parametrize("support", ["approval", "points"])
async def test_a_lieu_that_gave_nothing_is_an_empty_ballot_pabutools_reads(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    support: str,
) -> None:
    envelope_id = await factories.make_envelope(
        world.network_id,
        [world.lieu_id, world.other_lieu_id],
        rule="equal_shares",
        support=support,
    )
    await Support.insert(
        Support(
            envelope=envelope_id,
            lieu=world.lieu_id,
            challenge=world.consented_challenge_id,
            points=3 if support == "points" else 1,
            updated_at=now(),
        )
    )
    assert await _offered_and_read(client, envelope_id)
    text = (await client.get(f"/enveloppes/{envelope_id}/donnees/enveloppe.pb")).text
    _instance, profile = parse_pabulib_from_string(text)
    assert sorted(len(ballot) for ballot in profile) == [0, 1]


async def test_unequal_weights_have_no_pabulib_form_and_no_link(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    envelope_id = await factories.make_envelope(
        world.network_id, [world.lieu_id, world.other_lieu_id], rule="equal_shares"
    )
    await EnvelopeLieu.update({EnvelopeLieu.weight: 2}).where(
        (EnvelopeLieu.envelope == envelope_id) & (EnvelopeLieu.lieu == world.lieu_id)
    )
    assert not await _offered_and_read(client, envelope_id)
    assert not await _offered_and_read(client, world.envelope_id)  # cofunding: none either
