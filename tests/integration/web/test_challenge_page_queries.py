"""A challenge page reads its data in a fixed number of queries (issue 15): the same count with
one round and a few positions as with many rounds, positions from many lieux, questions,
comments, objection answers, versions, budget lines, co-proposers and concerned lieux; for a
visitor and for each role."""

from __future__ import annotations

import datetime as dt

from litestar.testing import AsyncTestClient

from cobudget.db.engine import queries_run
from cobudget.db.tables import (
    BudgetLine,
    Challenge,
    ChallengeVersion,
    ConcernedLieu,
    CoProposer,
    Criterion,
    DiscussionFlag,
    ObjectionAnswer,
    RoundPosition,
)
from cobudget.services.clock import now
from tests.integration.conftest import World, log_in
from tests.support import factories

# The reads of the challenge page itself, as a visitor: the versions joined to their challenge
# and network, the budget lines, the co-proposers, the concerned lieux, the network's lieux, the
# criteria, the rounds, their positions, questions, comments and objection answers, and a page
# of the discussion's threads (issue 16), and its reports and the network's settlements, which
# its status badge needs (issue 18).
PAGE_QUERIES = 13
# A logged-in request first reads its session and the person's roles (another part of the app,
# counted here, not changed), and a co-funder's organisations once more (by the diagnosis,
# which hands them to the discussion).
SESSION_QUERIES = 5
LOGGED_IN_MOST = PAGE_QUERIES + 1 + SESSION_QUERIES

PROPOSER = "porteur@exemple.fr"
ROLES = ("visitor", "member", "lieu_admin", "cofunder", "coordinator", "proposer")


async def _count(client: AsyncTestClient, url: str) -> int:  # type: ignore[type-arg]
    before = queries_run()
    response = await client.get(url, follow_redirects=False)
    # The latest round is open in both worlds: the proposer is sent back to the challenge
    # page, which says why no new version can be published now (issue 16).
    expected = 303 if url.endswith("/modifier") else 200
    assert response.status_code == expected, (url, response.status_code)
    return queries_run() - before


async def _counts(client: AsyncTestClient, world: World, urls: list[str]) -> dict[str, int]:  # type: ignore[type-arg]
    counts = {}
    for role in ROLES:
        client.cookies.clear()
        if role != "visitor":
            await log_in(client, PROPOSER if role == "proposer" else world.emails[role])
        for url in urls:
            if url.endswith("/modifier") and role != "proposer":
                continue
            counts[f"{role} {url}"] = await _count(client, url)
    return counts


async def _add_version(challenge_id: int, number: int, lines: int) -> None:
    rows = await ChallengeVersion.insert(
        ChallengeVersion(
            challenge=challenge_id,
            number=number,
            title=f"Un outil de réservation partagé, version {number}",
            problem="Chaque lieu réserve ses salles à sa façon.",
            commons="Un logiciel libre de réservation.",
            created_at=now(),
            published_at=now(),
        )
    ).returning(ChallengeVersion.id)
    await BudgetLine.insert(
        *(
            BudgetLine(
                version=rows[0]["id"],
                label=f"Ligne {index}",
                min_cents=100_000,
                max_cents=200_000,
                position=index,
            )
            for index in range(lines)
        )
    )
    await Challenge.update({Challenge.current_version: number}).where(Challenge.id == challenge_id)


async def _grow(world: World) -> int:
    """Many more of everything the page shows; returns how many rounds the challenge has."""
    challenge_id = world.challenge_id
    criterion_rows = await Criterion.insert(
        Criterion(network=world.network_id, name="Ancrage territorial"),
        Criterion(network=world.network_id, name="Gouvernance", position=1),
    ).returning(Criterion.id)
    criterion = criterion_rows[1]["id"]
    lieux = [await factories.make_lieu(world.network_id, f"Lieu {index}") for index in range(12)]
    for index, lieu in enumerate(lieux[:4]):
        await CoProposer.insert(
            CoProposer(
                challenge=challenge_id,
                lieu=lieu,
                invited_at=now(),
                accepted_at=now() if index % 2 else None,
            )
        )
    for lieu in lieux[4:8]:
        await ConcernedLieu.insert(
            ConcernedLieu(
                challenge=challenge_id, lieu=lieu, note="Chez nous aussi.", declared_at=now()
            )
        )
    for number in (3, 4, 5):
        await _add_version(challenge_id, number, lines=number)
    rounds = 1
    for version in (3, 4):  # two closed rounds, to amend, then answered
        round_id = await factories.make_round(challenge_id, version, days=5, opened_days_ago=20)
        rounds += 1
        for index, lieu in enumerate(lieux[4:]):
            await RoundPosition.insert(
                RoundPosition(
                    round=round_id,
                    lieu=lieu,
                    kind="objection" if index == 0 else "consent",
                    text="Qui paie l’hébergement ?" if index == 0 else "",
                    criterion=criterion if index == 0 else None,
                    taken_at=now() - dt.timedelta(days=19),
                )
            )
        await ObjectionAnswer.insert(
            ObjectionAnswer(
                round=round_id,
                lieu=lieux[4],
                version=version + 1,
                text="Le réseau paie.",
                answered_at=now(),
            )
        )
        for lieu in lieux[8:]:
            await factories.make_question(round_id, lieu)
            await factories.make_comment(round_id, lieu, "Une réaction.")
        await factories.make_comment(round_id, None, "Une réaction d’un co-financeur.")
    flagger = await factories.make_user("signale@exemple.fr", "Quelqu’un")
    for lieu in lieux:  # the discussion: threads with replies, each flagged
        thread = await factories.make_discussion_comment(challenge_id, lieu, "Et chez vous ?")
        await factories.make_discussion_comment(challenge_id, lieu, "Pareil.", thread=thread)
        await DiscussionFlag.insert(
            DiscussionFlag(comment=thread, flagged_by=flagger, flagged_at=now())
        )
    latest = await factories.make_round(challenge_id, 5)  # open, as the first one was
    rounds += 1
    for number, lieu in enumerate(lieux[4:], start=1):
        await RoundPosition.insert(
            RoundPosition(round=latest, lieu=lieu, kind="consent", taken_at=now())
        )
        await RoundPosition.insert(  # a change of position: two entries of one lieu
            RoundPosition(
                round=latest, lieu=lieu, number=2, kind="concern", text="Mais.", taken_at=now()
            )
        )
        if number % 3 == 0:
            await factories.make_question(latest, lieu)
    return rounds


async def test_the_challenge_pages_read_as_many_queries_with_many_rounds_as_with_one(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    proposer = await factories.make_user(PROPOSER, "Porteuse du Comptoir")
    await factories.add_member(proposer, world.other_lieu_id)
    await factories.make_cofunder(world.network_id, "Une fondation", proposer)
    page = f"/defis/{world.challenge_id}"
    urls = [
        page,
        f"{page}/versions/1",
        f"{page}/comparer?de=1&a=2",
        f"{page}/modifier",
        f"/api/challenges/{world.challenge_id}",
        f"/api/challenges/{world.challenge_id}/rounds",
        f"{page}/discussion",
        f"/api/challenges/{world.challenge_id}/discussion",
    ]
    small = await _counts(client, world, urls)
    assert small[f"visitor {page}"] <= PAGE_QUERIES
    assert max(small.values()) <= LOGGED_IN_MOST, small

    rounds = await _grow(world)
    large = await _counts(client, world, urls)
    assert large == small
    client.cookies.clear()
    text = (await client.get(page)).text
    assert text.count("Tour sur la version") == rounds == 4
    assert "Le réseau paie." in text and "Gouvernance" in text and "Lieu 11" in text
    assert text.count('<article id="commentaire-') == 1 + 2 * 12
