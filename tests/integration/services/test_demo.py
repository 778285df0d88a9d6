"""The demo data loads into an empty database, once, and every page it leads to renders; it
tells the whole story (issue 18) through the services, and starting it sends no email."""

from __future__ import annotations

import time
from collections import defaultdict

from litestar.testing import AsyncTestClient

from cobudget.db.tables import (
    AuditEntry,
    Challenge,
    ChallengeVersion,
    ConsentRound,
    Envelope,
    Lieu,
    Need,
    NeedJoin,
    Notification,
    ObjectionAnswer,
    OutboxMessage,
    Report,
    RoundPosition,
    RoundQuestion,
    User,
)
from cobudget.services.clock import now
from cobudget.services.demo import DEMO_PASSWORD, PEOPLE, load_demo
from tests.integration.conftest import log_in, page_text


async def test_demo_network_has_every_role_and_challenges_in_every_state(
    client: AsyncTestClient,
) -> None:  # type: ignore[type-arg]
    assert await load_demo() is True
    assert await load_demo() is False  # never over existing data
    assert await Lieu.count() == 12 and await User.count() == len(PEOPLE) == 14
    network = await client.get("/reseaux/reseau-des-tiers-lieux-du-massif-demo")
    assert network.status_code == 200 and "Un outil de réservation partagé" in network.text
    outcomes = []
    for row in await Challenge.select(Challenge.id, Challenge.current_version):
        page = await client.get(f"/defis/{row['id']}")
        if not row["current_version"]:
            assert page.status_code == 404  # the draft is its proposers' only
            continue
        assert page.status_code == 200
        outcomes += [label for label in ("Consenti", "À amender", "En cours") if label in page.text]
    assert sorted(set(outcomes)) == ["Consenti", "En cours", "À amender"]
    # An envelope in funding with its live projection, and a settled one with its follow-up.
    ids = {row["title"]: row["id"] for row in await Envelope.select(Envelope.id, Envelope.title)}
    funding = await client.get(f"/enveloppes/{ids['Enveloppe 2027 — communs des tiers-lieux']}")
    assert "Projection en direct" in funding.text and "Serait financé" in funding.text
    settled = ids["Enveloppe 2026 — communs numériques"]
    follow_up = await client.get(f"/enveloppes/{settled}/suivi")
    assert "Une cartographie ouverte des tiers-lieux" in follow_up.text
    assert "Carte des tiers-lieux du Massif" in follow_up.text
    # Its validated report is one the checks of SPEC §7 accept.
    trail = (await client.get(f"/api/envelopes/{settled}/follow-up")).json()
    for challenge in trail["challenges"]:
        assert challenge["spent_cents"] <= challenge["received_cents"]
        assert all(line["spent_cents"] <= line["max_cents"] for line in challenge["lines"])
    assert trail["spent_cents"] == 350_000
    # Two challenges funded: one reported and validated, one whose report is still to come.
    reports = sorted(len(challenge["reports"]) for challenge in trail["challenges"])
    assert reports == [0, 1]
    verified = await client.get(f"/enveloppes/{settled}/verification")
    assert "le calcul donne exactement la même répartition" in page_text(verified)
    await log_in(client, "coordination@demo.cobudget.fr", DEMO_PASSWORD)
    assert (
        await client.get("/reseaux/reseau-des-tiers-lieux-du-massif-demo/gerer")
    ).status_code == 200


async def test_demo_loads_in_bounded_time_and_records_its_emails_as_sent(db: str) -> None:
    """Told through the services (about 2 s here on SQLite), its emails and notifications are
    all written, as the app writes them, and none waits to be sent or digested."""
    started = time.monotonic()
    assert await load_demo() is True
    assert time.monotonic() - started < 20
    assert await OutboxMessage.count() > 0  # the services wrote them ...
    assert await OutboxMessage.count().where(OutboxMessage.status != "sent") == 0  # ... none goes
    waiting = Notification.digested_at.is_null() & (Notification.delivery == "daily")
    assert await Notification.count().where(waiting) == 0


async def test_demo_has_a_version_2_that_answers_the_objection_of_its_first_round(
    client: AsyncTestClient,  # type: ignore[type-arg]
) -> None:
    assert await load_demo() is True
    answers = await ObjectionAnswer.select(
        ObjectionAnswer.round.challenge.as_alias("challenge"),
        ObjectionAnswer.round.id.as_alias("round"),
        ObjectionAnswer.lieu,
        ObjectionAnswer.version,
        ObjectionAnswer.text,
    )
    assert len(answers) == 1
    answer = answers[0]
    assert answer["version"] == 2 and "charte de sortie" in answer["text"]
    # The objection it answers: the same lieu's, in the round on version 1.
    objection = (
        await RoundPosition.select(
            RoundPosition.text, RoundPosition.round.version.as_alias("version")
        )
        .where(
            (RoundPosition.round == answer["round"])
            & (RoundPosition.lieu == answer["lieu"])
            & (RoundPosition.kind == "objection")
        )
        .first()
    )
    assert objection is not None and objection["version"] == 1
    challenge = (
        await Challenge.select(Challenge.current_version)
        .where(Challenge.id == answer["challenge"])
        .first()
    )
    assert challenge == {"current_version": 2}
    # Version 2's round, opened by the amendment itself, consented: the objector consents too.
    second = (
        await ConsentRound.select(ConsentRound.id, ConsentRound.deadline)
        .where((ConsentRound.challenge == answer["challenge"]) & (ConsentRound.version == 2))
        .first()
    )
    assert second is not None and second["deadline"] < now()
    kinds = {
        row["lieu"]: row["kind"]
        for row in await RoundPosition.select(RoundPosition.lieu, RoundPosition.kind).where(
            RoundPosition.round == second["id"]
        )
    }
    assert kinds[answer["lieu"]] == "consent" and set(kinds.values()) == {"consent"}
    page = await client.get(f"/defis/{answer['challenge']}")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert objection["text"].split(":")[0] in text and "charte de sortie" in text
    assert "Consenti" in text


async def test_demo_has_a_round_in_progress_and_a_challenge_to_amend(db: str) -> None:
    assert await load_demo() is True
    moment = now()
    open_rounds = await ConsentRound.select(ConsentRound.challenge).where(
        (ConsentRound.opened_at < moment)
        & (ConsentRound.deadline > moment)
        & ConsentRound.closed_at.is_null()
    )
    assert len(open_rounds) == 1
    waiting = await RoundQuestion.select(RoundQuestion.id).where(
        (RoundQuestion.round.challenge == open_rounds[0]["challenge"])
        & (RoundQuestion.answer == "")
    )
    assert waiting, "a question waits for the proposers' answer in the round in progress"
    # A challenge still « à amender »: an objection stands in its latest, finished round.
    objected = await RoundPosition.select(
        RoundPosition.round.challenge.as_alias("challenge")
    ).where(RoundPosition.kind == "objection")
    answered = {
        row["round.challenge"]
        for row in await ObjectionAnswer.select(ObjectionAnswer.round.challenge)
    }
    assert {row["challenge"] for row in objected} - answered


async def test_demo_challenges_ask_different_questions_and_take_different_positions(
    db: str,
) -> None:
    assert await load_demo() is True
    questions = await RoundQuestion.select(
        RoundQuestion.round.challenge.as_alias("challenge"), RoundQuestion.text
    )
    texts = [row["text"] for row in questions]
    assert len(texts) >= 6 and len(set(texts)) == len(texts)  # no two questions alike
    positions: dict[int, set[tuple[int, str, str]]] = defaultdict(set)
    for row in await RoundPosition.select(
        RoundPosition.round.challenge.as_alias("challenge"),
        RoundPosition.lieu,
        RoundPosition.kind,
        RoundPosition.text,
    ):
        positions[row["challenge"]].add((row["lieu"], row["kind"], row["text"]))
    sets = [frozenset(found) for found in positions.values()]
    assert len(sets) >= 7 and len(set(sets)) == len(sets)  # no two challenges heard alike
    concerns = [text for found in sets for _lieu, kind, text in found if kind == "concern"]
    assert len(concerns) == len(set(concerns)) >= 5


async def test_demo_was_written_by_the_services_of_each_step(db: str) -> None:
    """Who did each step is recorded, as the app records it, in the audit log too."""
    assert await load_demo() is True
    assert await ConsentRound.count().where(ConsentRound.opened_by.is_null()) == 0
    assert await RoundPosition.count().where(RoundPosition.taken_by.is_null()) == 0
    actions = {row["action"] for row in await AuditEntry.select(AuditEntry.action)}
    assert {
        "challenge.publish",
        "challenge.draft",
        "challenge.amend",
        "challenge.concern",
        "round.open",
        "position.take",
        "question.ask",
        "question.answer",
        "envelope.create",
        "envelope.open",
        "pledge.set",
        "envelope.settle",
        "report.publish",
        "report.validate",
        "need.publish",
        "need.join",
    } <= actions
    assert await ChallengeVersion.count().where(ChallengeVersion.number == 2) == 1


async def test_demo_has_needs_and_a_settled_envelope_with_a_validated_report(db: str) -> None:
    assert await load_demo() is True
    # Needs in several themes, some shared (« nous aussi »), two turned into challenges.
    found = await Need.select(Need.theme, Need.challenge.id.as_alias("challenge"))
    assert len(found) >= 6 and len({row["theme"] for row in found}) >= 4
    assert await NeedJoin.count() >= 5
    made = await Challenge.select(Challenge.id).where(
        Challenge.id.is_in([row["challenge"] for row in found if row["challenge"]] or [0])
    )
    assert len(made) == 2
    settled = await Envelope.select(Envelope.id, Envelope.settled_at).where(
        Envelope.settled_at.is_not_null()
    )
    assert len(settled) == 1 and settled[0]["settled_at"] < now()
    assert (
        await Report.count().where(
            (Report.envelope == settled[0]["id"]) & (Report.status == "validated")
        )
        == 1
    )
