"""Finding challenges (issue 17) on the real database, SQLite and PostgreSQL: words with and
without accents, each filter, combinations, pages, text that looks like query syntax, and the
index kept up to date by the writes themselves."""

from __future__ import annotations

import datetime as dt

import pytest

from cobudget.db.tables import Challenge, ChallengeVersion, ConcernedLieu, CoProposer, Lieu
from cobudget.domain.errors import NotFound
from cobudget.domain.permissions import VISITOR, Actor
from cobudget.domain.search import ChallengeStatus
from cobudget.services.clock import now
from cobudget.services.search import ChallengeQuery, search_challenges
from tests.integration.conftest import World
from tests.support import factories


async def _ids(world: World, actor: Actor = VISITOR, **query: object) -> list[int]:
    found = await search_challenges(actor, world.network_id, ChallengeQuery(**query))  # type: ignore[arg-type]
    return [hit.summary.id for hit in found.items]


async def _titled(world: World, title: str, problem: str = "Un problème.") -> int:
    challenge_id = await factories.make_challenge(world.network_id, world.lieu_id, title)
    await ChallengeVersion.update({ChallengeVersion.problem: problem}).where(
        ChallengeVersion.challenge == challenge_id
    )
    return challenge_id


async def _unpublished(challenge_id: int, number: int, title: str) -> None:
    await ChallengeVersion.insert(
        ChallengeVersion(
            challenge=challenge_id,
            number=number,
            title=title,
            problem="p",
            commons="c",
            created_at=now(),
        )
    )


async def test_words_are_found_whatever_their_accents_and_case(world: World) -> None:
    cafe = await _titled(world, "Une coopérative de cafés", "Les ÉCOLES du Tarn")
    assert await _ids(world, words="cooperative") == [cafe]
    assert await _ids(world, words="COOPÉRATIVE") == [cafe]
    assert await _ids(world, words="café") == [cafe]  # a prefix: « cafés »
    assert await _ids(world, words="ecoles tarn") == [cafe]  # every word, in any field
    assert await _ids(world, words="ecoles nulle-part") == []
    assert await _ids(world, words="coop") == [cafe]  # the last word as a prefix


async def test_the_words_are_those_of_the_current_published_version(world: World) -> None:
    challenge_id = await _titled(world, "Un atelier de vélos")
    # A new draft version is not what readers see: its words are not found yet.
    await _unpublished(challenge_id, 2, "Une ressourcerie")
    assert await _ids(world, words="ressourcerie") == []
    assert await _ids(world, words="velos") == [challenge_id]
    # Published: the new words are found, the old ones no longer.
    await ChallengeVersion.update({ChallengeVersion.published_at: now()}).where(
        ChallengeVersion.challenge == challenge_id, ChallengeVersion.number == 2
    )
    await Challenge.update({Challenge.current_version: 2}).where(Challenge.id == challenge_id)
    assert await _ids(world, words="ressourcerie") == [challenge_id]
    assert await _ids(world, words="velos") == []


async def test_an_edited_or_deleted_version_leaves_the_index_right(world: World) -> None:
    challenge_id = await _titled(world, "Un fournil partagé")
    await ChallengeVersion.update({ChallengeVersion.title: "Une brasserie"}).where(
        ChallengeVersion.challenge == challenge_id
    )
    assert await _ids(world, words="fournil") == []
    assert await _ids(world, words="brasserie") == [challenge_id]
    await Challenge.delete().where(Challenge.id == challenge_id)
    assert await _ids(world, words="brasserie") == []


@pytest.mark.parametrize(
    "text",
    ['"', "AND OR *", "NOT", "a:*", "' & !", "NEAR(a b)", "title:x", "()", "💡", "-", "^a", "\x00"],
)
async def test_text_that_looks_like_query_syntax_is_only_words(world: World, text: str) -> None:
    found = await search_challenges(VISITOR, world.network_id, ChallengeQuery(words=text))
    assert found.total >= 0


async def test_each_filter_and_their_combinations(world: World) -> None:
    everything = await _ids(world, per_page=100)
    assert world.challenge_id in everything and world.consented_challenge_id in everything
    # Status: one per challenge.
    assert await _ids(world, status=ChallengeStatus.CONSENTED) == [world.consented_challenge_id]
    assert set(await _ids(world, status=ChallengeStatus.DIAGNOSIS)) == {
        world.challenge_id,
        world.fresh_challenge_id,
    }
    assert set(await _ids(world, status=ChallengeStatus.REPORTED)) == {
        world.funded_challenge_id,
        world.reviewed_challenge_id,
    }
    # Licence of the current version.
    await ChallengeVersion.update({ChallengeVersion.licence: "mit"}).where(
        ChallengeVersion.challenge == world.fresh_challenge_id
    )
    assert await _ids(world, licence="mit") == [world.fresh_challenge_id]
    # Lieu: proposing, co-proposing (accepted) or concerned.
    assert world.challenge_id not in await _ids(world, lieu_id=world.lieu_id)
    await CoProposer.update({CoProposer.accepted_at: now()}).where(
        CoProposer.challenge == world.challenge_id
    )
    await ConcernedLieu.insert(
        ConcernedLieu(challenge=world.fresh_challenge_id, lieu=world.lieu_id, declared_at=now())
    )
    mine = set(await _ids(world, lieu_id=world.lieu_id))
    assert mine == {world.challenge_id, world.fresh_challenge_id, world.funded_challenge_id}
    # Territory of the proposing lieu.
    await Lieu.update({Lieu.territory: "Aveyron"}).where(Lieu.id == world.lieu_id)
    assert await _ids(world, territory="Aveyron") == [world.funded_challenge_id]
    # Combined: each narrows the others.
    assert await _ids(world, territory="Aveyron", status=ChallengeStatus.CONSENTED) == []
    assert await _ids(world, licence="mit", words="pass", lieu_id=world.lieu_id) == [
        world.fresh_challenge_id
    ]


async def test_the_envelope_filter_keeps_the_envelopes_challenges(world: World) -> None:
    in_funding = set(await _ids(world, envelope_id=world.envelope_id))
    # The settled envelope funded two challenges: no other envelope offers them again.
    assert world.funded_challenge_id not in in_funding
    assert world.consented_challenge_id in in_funding
    other = await factories.make_network("Autre réseau")
    elsewhere = await factories.make_envelope(other, [world.lieu_id])
    assert await _ids(world, envelope_id=elsewhere) == []
    assert await _ids(world, envelope_id=999_999) == []


async def test_pages_share_the_matches_and_count_them_all(world: World) -> None:
    made = [await _titled(world, f"Mutualiser {n}") for n in range(5)]
    first = await search_challenges(
        VISITOR, world.network_id, ChallengeQuery(words="mutualiser", per_page=2)
    )
    assert first.total == 5 and first.pages == 3
    pages = [await _ids(world, words="mutualiser", per_page=2, page=page) for page in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [2, 2, 1, 0]
    past = ChallengeQuery(words="mutualiser", per_page=2, page=9)
    assert (await search_challenges(VISITOR, world.network_id, past)).total == 5
    assert sorted(i for page in pages for i in page) == sorted(made)


async def test_drafts_are_found_by_their_proposers_only(world: World) -> None:
    rows = await Challenge.insert(
        Challenge(network=world.network_id, lieu=world.lieu_id, created_at=now())
    ).returning(Challenge.id)
    draft = rows[0]["id"]
    await _unpublished(draft, 1, "Un brouillon")
    member = Actor(user_id=1, member_of=frozenset({world.lieu_id}))
    other = Actor(user_id=2, member_of=frozenset({world.other_lieu_id}))
    assert await _ids(world, member, status=ChallengeStatus.DRAFT) == [draft]
    assert await _ids(world, other, status=ChallengeStatus.DRAFT) == []
    assert await _ids(world, status=ChallengeStatus.DRAFT) == []
    assert draft not in await _ids(world, per_page=100)


async def test_a_withdrawn_challenge_is_withdrawn_whatever_it_did(world: World) -> None:
    await Challenge.update({Challenge.withdrawn_at: now() - dt.timedelta(hours=1)}).where(
        Challenge.id == world.consented_challenge_id
    )
    assert await _ids(world, status=ChallengeStatus.WITHDRAWN) == [world.consented_challenge_id]
    assert await _ids(world, status=ChallengeStatus.CONSENTED) == []


async def test_a_private_network_is_searched_by_its_readers_only(world: World) -> None:
    private = await factories.make_network("Réseau privé", public=False)
    with pytest.raises(NotFound):  # hidden, as the network itself
        await search_challenges(VISITOR, private, ChallengeQuery(words="x"))


async def test_an_envelopes_challenges_are_those_its_inputs_read(world: World) -> None:
    from cobudget.db.tables import Envelope
    from cobudget.services import envelope_inputs
    from cobudget.services.queries.challenge_statuses import search_facts

    # Next rounds of the settled envelope: one carries over an unfunded challenge, one none.
    for carried in ([world.consented_challenge_id], []):
        next_round = await factories.make_envelope(world.network_id, [world.lieu_id])
        await Envelope.update(
            {
                Envelope.previous_envelope: world.settled_envelope_id,
                Envelope.carried_challenges: carried,
            }
        ).where(Envelope.id == next_round)
    facts = await search_facts(world.network_id)
    envelopes = await Envelope.select(Envelope.id).where(Envelope.network == world.network_id)
    assert len(envelopes) == 7
    for row in envelopes:
        record = await envelope_inputs.envelope(row["id"])
        expected = frozenset(await envelope_inputs.challenge_ids(record))
        assert facts.envelopes[row["id"]] == expected, row["id"]


async def test_a_withdrawn_challenge_leaves_the_envelope_filter_as_it_leaves_the_envelope(
    world: World,
) -> None:
    """A withdrawn challenge leaves every envelope (`envelope_inputs.challenge_ids`): searched by
    envelope, it is not listed there either."""
    from cobudget.db.tables import Envelope
    from cobudget.services import envelope_inputs
    from cobudget.services.queries.challenge_statuses import search_facts

    assert world.consented_challenge_id in await _ids(world, envelope_id=world.envelope_id)
    await Challenge.update({Challenge.withdrawn_at: now()}).where(
        Challenge.id == world.consented_challenge_id
    )
    assert world.consented_challenge_id not in await _ids(world, envelope_id=world.envelope_id)
    facts = await search_facts(world.network_id)
    for row in await Envelope.select(Envelope.id).where(Envelope.network == world.network_id):
        record = await envelope_inputs.envelope(row["id"])
        expected = frozenset(await envelope_inputs.challenge_ids(record))
        assert facts.envelopes[row["id"]] == expected, row["id"]


async def test_a_draft_envelope_is_searched_by_its_coordinators_only(world: World) -> None:
    """A draft envelope is its coordinators' only (and a next round's draft says which
    challenges it carries over): searched by anyone else, it keeps nothing, as an unknown one."""
    from cobudget.domain.permissions import Actor

    coordinator = Actor(user_id=1, coordinator_of=frozenset({world.network_id}))
    member = Actor(user_id=2, member_of=frozenset({world.lieu_id}))
    assert await _ids(world, coordinator, envelope_id=world.draft_envelope_id)
    for reader in (VISITOR, member):
        assert await _ids(world, reader, envelope_id=world.draft_envelope_id) == []
    assert await _ids(world, member, envelope_id=world.envelope_id)
