"""The envelope's write use cases (issue 15): a draft's weights, however many lieux change, are
written in one statement; the audience of an envelope is read in a fixed number of queries."""

from __future__ import annotations

import dataclasses

from cobudget.db.engine import queries_run
from cobudget.db.rows import fetch
from cobudget.db.tables import EnvelopeLieu
from cobudget.domain.permissions import Actor
from cobudget.services import envelopes
from cobudget.services.envelopes import EnvelopeForm, LieuWeight
from tests.support import factories

FORM = EnvelopeForm(
    title="Enveloppe 2099",
    amount="1000",
    proposals_from="2099-01-01T10:00",
    diagnosis_from="2099-02-01T10:00",
    funding_from="2099-03-01T10:00",
    funding_until="2099-04-01T10:00",
)


async def _draft(name: str, lieux: int) -> tuple[Actor, int, list[int]]:
    network_id = await factories.make_network(name)
    lieu_ids = [await factories.make_lieu(network_id, f"{name} {index}") for index in range(lieux)]
    user = await factories.make_user(f"coordination{lieux}@exemple.fr")
    await factories.add_coordinator(user, network_id)
    coordinator = Actor(user_id=user, coordinator_of=frozenset({network_id}))
    envelope_id = await envelopes.create_envelope(coordinator, network_id=network_id, form=FORM)
    return coordinator, envelope_id, lieu_ids


async def _weights(envelope_id: int) -> dict[int, int]:
    rows = await fetch(
        EnvelopeLieu.select(EnvelopeLieu.lieu, EnvelopeLieu.weight).where(
            EnvelopeLieu.envelope == envelope_id
        ),
        LieuWeight,
    )
    return {row.lieu: row.weight for row in rows}


async def _update_counted(actor: Actor, envelope_id: int, weights: dict[int, int]) -> int:
    form = dataclasses.replace(FORM, weights={lieu: str(w) for lieu, w in weights.items()})
    before = queries_run()
    await envelopes.update_draft(actor, envelope_id=envelope_id, form=form)
    return queries_run() - before


async def test_each_lieu_gets_its_own_weight_in_one_statement_however_many_change(db) -> None:  # type: ignore[no-untyped-def]
    actor, envelope_id, lieux = await _draft("Réseau des Poids", 3)
    few = await _update_counted(actor, envelope_id, {lieux[0]: 2, lieux[1]: 5})
    assert await _weights(envelope_id) == {lieux[0]: 2, lieux[1]: 5, lieux[2]: 1}

    other_actor, other_envelope, many_lieux = await _draft("Réseau des Nombreux", 12)
    wanted = {lieu: index + 2 for index, lieu in enumerate(many_lieux)}  # every weight differs
    many = await _update_counted(other_actor, other_envelope, wanted)
    assert await _weights(other_envelope) == wanted
    assert many == few


async def test_weights_that_do_not_change_write_no_update(db) -> None:  # type: ignore[no-untyped-def]
    actor, envelope_id, lieux = await _draft("Réseau des Poids", 2)
    changing = await _update_counted(actor, envelope_id, {lieux[1]: 3})
    same = await _update_counted(actor, envelope_id, {lieux[1]: 3})
    assert same == changing - 1
    assert await _weights(envelope_id) == {lieux[0]: 1, lieux[1]: 3}


async def test_the_audience_is_read_in_three_queries_however_many_people(db) -> None:  # type: ignore[no-untyped-def]
    network_id = await factories.make_network("Réseau du Public")
    lieux = [await factories.make_lieu(network_id, f"Lieu {index}") for index in range(3)]
    for index, lieu in enumerate(lieux):
        await factories.add_member(await factories.make_user(f"m{index}@exemple.fr"), lieu)
    coordinator = await factories.make_user("c@exemple.fr")
    await factories.add_coordinator(coordinator, network_id)
    await factories.make_cofunder(
        network_id, "Fondation", await factories.make_user("f@exemple.fr")
    )
    envelope_id = await factories.make_envelope(network_id, lieux[:2])
    before = queries_run()
    people = await envelopes.audience(envelope_id, network_id)
    assert queries_run() - before == 3
    # Members of the envelope's lieux only, the coordinator and the co-funder's person.
    assert people == ["c@exemple.fr", "f@exemple.fr", "m0@exemple.fr", "m1@exemple.fr"]
