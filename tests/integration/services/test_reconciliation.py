"""The money reconciles to the cent whatever is pledged (issue 13): hypothesis draws envelopes
(each rule), lieux, challenges and a sequence of pledges, changes and withdrawals from lieux and
a co-funder, sends them through the pledge service (the refused ones change nothing), then
closes and settles through the services; every figure must then add up
(`tests/support/reconcile.py`), and the settlement must hold exactly the stored pledges."""

from __future__ import annotations

import asyncio
import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cobudget.db.tables import Envelope, Pledge
from cobudget.domain.errors import InvalidInput
from cobudget.domain.permissions import Actor
from cobudget.services import envelopes, pledges, projection_cache, settlements, withdrawal
from cobudget.settings import Settings
from tests.support import database, factories, reconcile

AMOUNTS = st.sampled_from([0, 1, 2_500, 10_000, 33_333, 80_000, 150_000])


@st.composite
def _scenarios(draw: st.DrawFn) -> dict[str, object]:
    lieux = draw(st.integers(3, 5))
    challenges = draw(st.integers(1, 3))
    operations = draw(
        st.lists(
            st.tuples(
                st.integers(0, lieux),  # lieux + 1: the co-funder
                st.integers(0, challenges - 1),
                st.sampled_from(["drawing_rights", "own_funds"]),
                AMOUNTS,
            ),
            max_size=25,
        )
    )
    return {
        # Its proposers withdraw one of the challenges (issue 17) after some of the operations.
        "withdrawn": draw(st.none() | st.integers(0, challenges - 1)),
        "withdrawn_after": draw(st.integers(0, len(operations))),
        "rule": draw(st.sampled_from(["cofunding", "equal_shares", "matching"])),
        "amount": draw(st.sampled_from([100_000, 600_000, 3_000_000])),
        "lieux": lieux,
        "challenges": challenges,
        "operations": operations,
    }


async def _run(scenario: dict[str, object], app_settings: Settings) -> None:
    await database.empty_all_tables(app_settings.database_url)
    projection_cache.clear()
    network = await factories.make_network("Réseau Hypothèse")
    lieux = [await factories.make_lieu(network, f"Lieu {i}") for i in range(int(scenario["lieux"]))]  # type: ignore[call-overload]
    actors = [
        Actor(user_id=None, member_of=frozenset({lieu}), lieu_admin_of=frozenset({lieu}))
        for lieu in lieux
    ]
    funder = await factories.make_user("cofinanceur@exemple.fr")
    org = await factories.make_cofunder(network, "Fondation", funder)
    challenges = [
        await factories.make_consented_challenge(
            network, lieux[i % len(lieux)], lieux[(i + 1) % len(lieux)], f"Défi {i}"
        )
        for i in range(int(scenario["challenges"]))  # type: ignore[call-overload]
    ]
    rule = str(scenario["rule"])
    envelope_id = await factories.make_envelope(
        network,
        lieux,
        amount_cents=int(scenario["amount"]),  # type: ignore[call-overload]
        rule=rule,
        support="pledges" if rule == "equal_shares" else "approval",
    )
    await Envelope.update({Envelope.min_cofunders: 1}).where(Envelope.id == envelope_id)
    withdrawn = scenario["withdrawn"]
    for index, (unit, challenge, source, amount) in enumerate(scenario["operations"]):  # type: ignore[arg-type]
        if isinstance(withdrawn, int) and index == scenario["withdrawn_after"]:
            await _withdraw(app_settings, actors, challenges, withdrawn)
        as_org = unit == len(lieux)
        with contextlib.suppress(InvalidInput):
            await pledges.set_pledge(
                Actor(user_id=funder, cofunder_of=frozenset({org})) if as_org else actors[unit],
                envelope_id=envelope_id,
                challenge_id=challenges[challenge],
                source="own_funds" if as_org else source,
                amount_cents=amount,
                lieu_id=None if as_org else lieux[unit],
                org_id=org if as_org else None,
            )
    if isinstance(withdrawn, int) and scenario["withdrawn_after"] == len(scenario["operations"]):  # type: ignore[arg-type]
        await _withdraw(app_settings, actors, challenges, withdrawn)
    coordinator = Actor(user_id=None, coordinator_of=frozenset({network}))
    await envelopes.move(app_settings, coordinator, envelope_id=envelope_id, kind="close")
    await settlements.settle(app_settings, coordinator, envelope_id=envelope_id)
    await reconcile.check_every_envelope()
    record = await settlements.stored(envelope_id)
    assert record is not None
    stored = {
        r["id"]: r["amount_cents"]
        for r in await Pledge.select().where(Pledge.envelope == envelope_id)
        if r["amount_cents"] > 0
    }
    inputs = settlements.canonical.decode_input(record.inputs)
    assert {p.id: p.amount_cents for p in inputs.pledges} == stored
    if isinstance(withdrawn, int):  # a withdrawn challenge is not in the settlement at all
        assert challenges[withdrawn] not in {c.id for c in inputs.challenges}
    assert (await settlements.verify(Actor(), envelope_id)).identical


async def _withdraw(
    app_settings: Settings, actors: list[Actor], challenges: list[int], index: int
) -> None:
    """The proposing lieu of challenge `index` (lieu `index`, as the challenges were made)
    withdraws it."""
    await withdrawal.withdraw(
        app_settings, actors[index % len(actors)], challenge_id=challenges[index], reason="Retiré."
    )


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=_scenarios())
def test_whatever_is_pledged_the_settlement_reconciles_to_the_cent(
    settings: Settings,  # type: ignore[type-arg]
    scenario: dict[str, object],
) -> None:
    # Hypothesis runs plain functions: each example gets an event loop of its own (the
    # database is reached with a connection per query, which no loop owns).
    asyncio.run(_run(scenario, settings))
