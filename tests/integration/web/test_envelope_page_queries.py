"""The envelope pages read their data in a fixed number of queries (issue 15): counted as a
visitor, a lieu member with pledges and a coordinator, on the small world and again once it
holds more challenges, pledges, lieux, reports, spending lines and deliverables; the counts must
not move.

The counts include the session and actor reads every logged-in request makes (another part of
issue 15 owns them), and are taken with the projection kept in memory (the usual case) and
right after the projection cache is emptied (a full read)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from cobudget.db.engine import queries_run
from cobudget.db.tables import (
    BudgetLine,
    ChallengeVersion,
    Deliverable,
    EnvelopeLieu,
    Pledge,
    ReportSpending,
    Support,
)
from cobudget.services import projection_cache
from cobudget.services.clock import now
from tests.integration.conftest import World
from tests.support import factories

ROLES = ("visitor", "member", "coordinator")


@dataclass(frozen=True)
class Ids:
    """What the pages are asked about: the world's, or as many more of each once it grew."""

    funding: int
    equal_shares: int
    settled: int
    draft: int
    challenge: int  # consented, in the funding envelope, with pledges
    report: int  # published, of the settled envelope
    draft_report: int  # sent back for changes (its proposers may edit it)
    network: int


def _pages(ids: Ids) -> dict[str, str]:
    envelope, settled = f"/enveloppes/{ids.funding}", f"/enveloppes/{ids.settled}"
    api = "/api/envelopes"
    return {
        "envelope": envelope,
        "envelope (equal shares)": f"/enveloppes/{ids.equal_shares}",
        "envelope (settled)": settled,
        "envelope (draft)": f"/enveloppes/{ids.draft}",
        "envelope edit": f"/enveloppes/{ids.draft}/modifier",
        "challenge pledges": f"{envelope}/defis/{ids.challenge}/contributions",
        "follow-up": f"{settled}/suivi",
        "report": f"/rapports/{ids.report}",
        "report edit": f"/rapports/{ids.draft_report}/modifier",
        "compare (funding)": f"{envelope}/comparaison",
        "compare (settled)": f"{settled}/comparaison",
        "verification": f"{settled}/verification",
        "next round": f"{settled}/tour-suivant",
        "api envelopes": f"/api/networks/{ids.network}/envelopes",
        "api envelope": f"{api}/{ids.funding}",
        "api projection": f"{api}/{ids.funding}/projection",
        "api projection (settled)": f"{api}/{ids.settled}/projection",
        "api challenge pledges": f"{api}/{ids.funding}/challenges/{ids.challenge}/pledges",
        "api settlement": f"{api}/{ids.settled}/settlement",
        "api follow-up": f"{api}/{ids.settled}/follow-up",
        "api report": f"/api/reports/{ids.report}",
    }


async def _counts(as_role, ids: Ids) -> dict[tuple[str, str, str], tuple[int, int]]:  # type: ignore[no-untyped-def]
    """(role, page, cache) → (status, statements run)."""
    counts = {}
    for role in ROLES:
        client = await as_role(role)
        for name, url in _pages(ids).items():
            for cache in ("cold", "warm"):
                if cache == "cold":
                    projection_cache.clear()
                else:
                    await client.get(url)
                before = queries_run()
                response = await client.get(url)
                counts[(role, name, cache)] = (response.status_code, queries_run() - before)
    return counts


async def _pledge(envelope: int, challenge: int, lieu: int, cents: int = 10_000) -> None:
    await Pledge.insert(
        Pledge(
            envelope=envelope,
            challenge=challenge,
            lieu=lieu,
            source="drawing_rights",
            amount_cents=cents,
            updated_at=now(),
        )
    )


async def _line_of(challenge: int) -> int:
    rows = await BudgetLine.select(BudgetLine.id).where(
        BudgetLine.version.is_in(
            ChallengeVersion.select(ChallengeVersion.id).where(
                ChallengeVersion.challenge == challenge
            )
        )
    )
    return int(rows[0]["id"])


def _world_ids(world: World) -> Ids:
    return Ids(
        funding=world.envelope_id,
        equal_shares=world.es_envelope_id,
        settled=world.settled_envelope_id,
        draft=world.draft_envelope_id,
        challenge=world.consented_challenge_id,
        report=world.report_id,
        draft_report=world.draft_report_id,
        network=world.network_id,
    )


async def _grow(world: World) -> Ids:
    """More of everything the pages list: lieux in every envelope, consented challenges with
    pledges and support, a settled envelope funding several challenges with reports, spending
    lines and deliverables, and a co-funder's pledge."""
    lieux = [
        await factories.make_lieu(world.network_id, f"Lieu en plus {index}") for index in range(4)
    ]
    for envelope in (world.envelope_id, world.es_envelope_id, world.draft_envelope_id):
        await EnvelopeLieu.insert(*(EnvelopeLieu(envelope=envelope, lieu=lieu) for lieu in lieux))
    voters = [world.lieu_id, *lieux]
    offered = [
        await factories.make_consented_challenge(
            world.network_id, lieux[index % 4], voters[index % 5], f"Défi offert {index}"
        )
        for index in range(5)
    ]
    for challenge in offered:
        for lieu in voters:
            await _pledge(world.envelope_id, challenge, lieu)
        await Support.insert(
            *(
                Support(envelope=world.es_envelope_id, lieu=lieu, challenge=challenge, points=1)
                for lieu in voters
            )
        )
    org = await factories.make_cofunder(
        world.network_id, "Région Test", await factories.make_user("region@exemple.fr")
    )
    await Pledge.insert(
        Pledge(
            envelope=world.envelope_id,
            challenge=offered[0],
            org=org,
            source="own_funds",
            amount_cents=50_000,
            updated_at=now(),
        )
    )
    funded = [
        await factories.make_consented_challenge(
            world.network_id, lieux[index % 4], world.lieu_id, f"Défi financé {index}"
        )
        for index in range(4)
    ]
    settled = await factories.make_settled_envelope(
        world.network_id,
        [world.lieu_id, world.other_lieu_id, *lieux],
        pledges=tuple(
            (challenge, lieu, 60_000)
            for challenge in funded
            for lieu in (world.lieu_id, *lieux[:2])
            if lieu != lieux[funded.index(challenge) % 4]
        ),
    )
    reports = []
    for index, challenge in enumerate(funded):
        line = await _line_of(challenge)
        for period in (1, 2):
            reports.append(
                await factories.make_report(
                    settled,
                    challenge,
                    status="validated" if period == 1 else "published",
                    period=period,
                    spending=((line, 10_000 + index),),
                    own_funds=((line, 5_000),),
                    deliverables=(
                        ("Code source", "https://exemple.fr/code"),
                        ("Guide", "https://exemple.fr/guide"),
                        ("Vidéo", "https://exemple.fr/video"),
                    ),
                )
            )
    # The world's own reports get spending and deliverables too.
    line = await _line_of(world.reviewed_challenge_id)
    await ReportSpending.insert(
        ReportSpending(report=world.report_id, budget_line=line, amount_cents=20_000)
    )
    await Deliverable.insert(
        *(
            Deliverable(report=world.report_id, title=f"Livrable {n}", url="https://exemple.fr")
            for n in range(3)
        )
    )
    return replace(_world_ids(world), settled=settled, challenge=offered[0], report=reports[-1])


async def test_the_envelope_pages_run_as_many_queries_whatever_the_envelope_holds(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    # The member's lieu pledges in the funding envelope from the start.
    await _pledge(world.envelope_id, world.consented_challenge_id, world.lieu_id)
    small = _world_ids(world)
    before = await _counts(as_role, small)
    large = await _grow(world)
    after = await _counts(as_role, large)
    changed = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
    assert not changed, changed
    # Every page answers (a draft and the coordination pages to whom may see them only).
    refused = {key for key, (status, _count) in after.items() if status != 200}
    assert refused == {
        (role, page, cache)
        for role in ("visitor", "member")
        for page in ("envelope (draft)", "envelope edit", "next round", "compare (funding)")
        for cache in ("cold", "warm")
    } | {("visitor", "report edit", cache) for cache in ("cold", "warm")} | {
        ("coordinator", "report edit", cache) for cache in ("cold", "warm")
    }
