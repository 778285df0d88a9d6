"""The collective diagnosis through HTTP (SPEC §5): a round opens, lieux ask, object, consent;
the round closes « à amender »; the proposers answer in a new version that opens a new round,
the objector is told by email; the new round consents. Refusals write nothing."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import (
    AuditEntry,
    ConsentRound,
    Criterion,
    ObjectionAnswer,
    OutboxMessage,
    RoundComment,
    RoundPosition,
)
from cobudget.services import outbox
from cobudget.settings import Settings
from tests.integration.conftest import log_in, page_text, post_form
from tests.support import factories
from tests.support.mail import Mailbox


@dataclass(frozen=True)
class Diagnosis:
    challenge_id: int
    lieux: dict[str, int]  # A proposes; B, C, D diagnose
    network_slug: str


@pytest.fixture
async def diagnosis(db: str) -> Diagnosis:
    network_id = await factories.make_network("Réseau du Diagnostic", quorum=2)
    lieux = {}
    for key, name in (("A", "Atelier A"), ("B", "Bistrot B"), ("C", "Cowork C"), ("D", "Dépôt D")):
        lieux[key] = await factories.make_lieu(network_id, name)
        user = await factories.make_user(f"{key.lower()}@exemple.fr", f"Personne {key}")
        await factories.add_member(user, lieux[key])
    second_b = await factories.make_user("b2@exemple.fr", "Deuxième B")
    await factories.add_member(second_b, lieux["B"])
    coordinator = await factories.make_user("coordo@exemple.fr", "Coordination")
    await factories.add_coordinator(coordinator, network_id)
    challenge_id = await factories.make_challenge(network_id, lieux["A"], "Un outil de réservation")
    return Diagnosis(challenge_id, lieux, "reseau-du-diagnostic")


async def _as(client: AsyncTestClient, email: str) -> AsyncTestClient:  # type: ignore[type-arg]
    client.cookies.clear()
    await log_in(client, email)
    return client


async def _latest_round_id(challenge_id: int) -> int:
    row = (
        await ConsentRound.select(ConsentRound.id)
        .where(ConsentRound.challenge == challenge_id)
        .order_by(ConsentRound.id, ascending=False)
        .first()
    )
    assert row is not None
    return int(row["id"])


def _future(days: int = 10) -> str:
    return (dt.datetime.now() + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


async def test_the_whole_diagnosis_of_a_challenge(
    client: AsyncTestClient,
    diagnosis: Diagnosis,
    settings: Settings,
    mailbox: Mailbox,  # type: ignore[type-arg]
) -> None:
    page = f"/defis/{diagnosis.challenge_id}"
    coordo = await _as(client, "coordo@exemple.fr")
    configured = await post_form(
        coordo,
        f"/reseaux/{diagnosis.network_slug}/diagnostic",
        {"criteria": "Ancrage territorial\nGouvernance", "quorum": "2"},
    )
    assert configured.status_code == 303
    criterion = await Criterion.select().where(Criterion.name == "Gouvernance").first()
    assert criterion is not None
    opened = await post_form(coordo, f"{page}/tours", {"deadline": _future()}, form_page=page)
    assert opened.status_code == 303
    round_id = await _latest_round_id(diagnosis.challenge_id)
    assert await OutboxMessage.count() == 5  # every person of the network’s lieux is told
    assert "En cours" in (await coordo.get(page)).text

    b = await _as(client, "b@exemple.fr")
    asked = await post_form(
        b,
        f"/tours/{round_id}/questions",
        {"lieu": str(diagnosis.lieux["B"]), "text": "Qui hébergera l’outil ?"},
        form_page=page,
    )
    assert asked.status_code == 303
    a = await _as(client, "a@exemple.fr")
    text = (await a.get(page)).text
    question_id = int(text.split("/questions/")[1].split("/")[0])
    answered = await post_form(
        a,
        f"/questions/{question_id}/reponse",
        {"text": "Un lieu du réseau, à tour de rôle."},
        form_page=page,
    )
    assert answered.status_code == 303

    c = await _as(client, "c@exemple.fr")
    objected = await post_form(
        c,
        f"/tours/{round_id}/position",
        {
            "lieu": str(diagnosis.lieux["C"]),
            "kind": "objection",
            "text": "Aucune gouvernance prévue pour l’hébergement.",
            "criterion_id": str(criterion["id"]),
        },
        form_page=page,
    )
    assert objected.status_code == 303
    b = await _as(client, "b@exemple.fr")
    await post_form(
        b,
        f"/tours/{round_id}/position",
        {"lieu": str(diagnosis.lieux["B"]), "kind": "consent"},
        form_page=page,
    )

    coordo = await _as(client, "coordo@exemple.fr")
    assert (
        await post_form(coordo, f"/tours/{round_id}/cloture", {"confirm": "1"}, form_page=page)
    ).status_code == 303
    closed = (await coordo.get(page)).text
    assert (
        "À amender" in closed and "Aucune gouvernance prévue" in closed and "Gouvernance" in closed
    )

    a = await _as(client, "a@exemple.fr")
    edit = f"{page}/modifier"
    form = (await a.get(edit)).text
    assert "Objection soulevée par Cowork C" in form
    version2 = {
        "title": "Un outil de réservation",
        "problem": "Chaque lieu réserve à sa façon.",
        "commons": "Un logiciel libre de réservation.",
        "users": "Les lieux",
        "licence": "etalab-2.0",
        "lines.0.label": "Développement",
        "lines.0.min": "1 000",
        "lines.0.max": "2 000",
        "lines.1.label": "Gouvernance partagée",
        "lines.1.min": "300",
        "lines.1.max": "500",
    }
    unanswered = await post_form(a, edit, version2, form_page=edit)
    assert unanswered.status_code == 422 and "répond à l’objection" in unanswered.text
    published = await post_form(
        a,
        edit,
        {
            **version2,
            f"objection.{diagnosis.lieux['C']}": "Un comité des lieux utilisateurs décidera de l’hébergement.",
        },
        form_page=edit,
    )
    assert published.status_code == 303
    answer = await ObjectionAnswer.select().first()
    assert answer is not None and answer["version"] == 2
    mailbox.clear()
    await outbox.send_due(settings)
    told = await mailbox.wait_for("c@exemple.fr")
    assert "Votre objection a reçu une réponse" in told["Subject"]
    new_round = await _latest_round_id(diagnosis.challenge_id)
    assert new_round != round_id

    for key in ("B", "D"):
        person = await _as(client, f"{key.lower()}@exemple.fr")
        response = await post_form(
            person,
            f"/tours/{new_round}/position",
            {"lieu": str(diagnosis.lieux[key]), "kind": "consent"},
            form_page=page,
        )
        assert response.status_code == 303
    coordo = await _as(client, "coordo@exemple.fr")
    await post_form(coordo, f"/tours/{new_round}/cloture", {"confirm": "1"}, form_page=page)
    final = page_text(await (await _as(client, "d@exemple.fr")).get(page))
    # The outcome is a badge in the heading (issue 18): its words, read without the tags.
    assert "Tour sur la version 2 : Consenti" in re.sub(r"<[^>]+>", "", final)
    assert "Un comité des lieux utilisateurs" in final  # the objection shows its answer
    client.cookies.clear()
    public = (await client.get(page)).text  # everything is public in a public network
    assert "Qui hébergera l’outil ?" in public and "Aucune gouvernance prévue" in public


async def test_one_lieu_has_one_position_that_a_second_member_changes(
    client: AsyncTestClient,
    diagnosis: Diagnosis,  # type: ignore[type-arg]
) -> None:
    round_id = await factories.make_round(diagnosis.challenge_id, 1, quorum=2)
    page = f"/defis/{diagnosis.challenge_id}"
    b = await _as(client, "b@exemple.fr")
    await post_form(
        b,
        f"/tours/{round_id}/position",
        {"lieu": str(diagnosis.lieux["B"]), "kind": "objection", "text": "Trop cher."},
        form_page=page,
    )
    b2 = await _as(client, "b2@exemple.fr")
    text = page_text(await b2.get(page))
    assert "Position prise pour Bistrot B : Objection" in text
    await post_form(
        b2,
        f"/tours/{round_id}/position",
        {"lieu": str(diagnosis.lieux["B"]), "kind": "concern", "text": "Surveillons le coût."},
        form_page=page,
    )
    text = (await b2.get(page)).text
    assert "1 lieu a pris position." in text and "Consentement avec réserve" in text
    withdrawn = await post_form(
        b2,
        f"/tours/{round_id}/position",
        {"lieu": str(diagnosis.lieux["B"]), "action": "withdraw"},
        form_page=page,
    )
    assert withdrawn.status_code == 303
    assert "0 lieu a pris position." in (await b2.get(page)).text
    assert await RoundPosition.count() == 3  # the history is kept


async def test_bad_positions_are_refused_and_write_nothing(
    client: AsyncTestClient,
    diagnosis: Diagnosis,  # type: ignore[type-arg]
) -> None:
    round_id = await factories.make_round(diagnosis.challenge_id, 1, quorum=2)
    page = f"/defis/{diagnosis.challenge_id}"
    b = await _as(client, "b@exemple.fr")
    no_reason = await post_form(
        b,
        f"/tours/{round_id}/position",
        {"lieu": str(diagnosis.lieux["B"]), "kind": "objection", "text": " "},
        form_page=page,
    )
    assert no_reason.status_code == 422 and "Une objection donne sa raison" in no_reason.text
    other_lieu = await post_form(
        b,
        f"/tours/{round_id}/position",
        {"lieu": str(diagnosis.lieux["C"]), "kind": "consent"},
        form_page=page,
    )
    assert other_lieu.status_code == 403  # B's member cannot speak for C
    a = await _as(client, "a@exemple.fr")
    proposer = await post_form(
        a,
        f"/tours/{round_id}/position",
        {"lieu": str(diagnosis.lieux["A"]), "kind": "consent"},
        form_page=page,
    )
    assert proposer.status_code == 403 and "ne prennent pas position" in proposer.text
    empty_question = await post_form(
        b,
        f"/tours/{round_id}/questions",
        {"lieu": str(diagnosis.lieux["B"]), "text": ""},
        form_page=page,
    )
    assert empty_question.status_code == 403  # logged in as A now: a proposer does not ask
    assert await RoundPosition.count() == 0


async def test_a_round_closes_at_its_deadline_without_any_job(
    client: AsyncTestClient,
    diagnosis: Diagnosis,  # type: ignore[type-arg]
) -> None:
    round_id = await factories.make_round(
        diagnosis.challenge_id, 1, quorum=2, days=1, opened_days_ago=2
    )
    page = f"/defis/{diagnosis.challenge_id}"
    b = await _as(client, "b@exemple.fr")
    assert "Quorum non atteint" in (await b.get(page)).text
    late = await post_form(
        b,
        f"/tours/{round_id}/position",
        {"lieu": str(diagnosis.lieux["B"]), "kind": "consent"},
        form_page=page,
    )
    assert late.status_code == 403 and "pas ouvert" in late.text
    late_question = await post_form(
        b,
        f"/tours/{round_id}/questions",
        {"lieu": str(diagnosis.lieux["B"]), "text": "Encore là ?"},
        form_page=page,
    )
    assert late_question.status_code == 403
    assert await RoundPosition.count() == 0


async def test_a_coordinator_hides_an_abusive_comment_and_the_log_keeps_it(
    client: AsyncTestClient,
    diagnosis: Diagnosis,  # type: ignore[type-arg]
) -> None:
    round_id = await factories.make_round(diagnosis.challenge_id, 1, quorum=2)
    page = f"/defis/{diagnosis.challenge_id}"
    b = await _as(client, "b@exemple.fr")
    await post_form(
        b,
        f"/tours/{round_id}/commentaires",
        {"as": f"lieu:{diagnosis.lieux['B']}", "text": "Propos injurieux"},
        form_page=page,
    )
    comment = await RoundComment.select().first()
    assert comment is not None
    coordo = await _as(client, "coordo@exemple.fr")
    hidden = await post_form(
        coordo,
        f"/commentaires/{comment['id']}/masquer",
        {"reason": "Propos injurieux envers un lieu", "confirm": "1"},
        form_page=page,
    )
    assert hidden.status_code == 303
    text = (await coordo.get(page)).text
    assert (
        "Réaction masquée par la coordination" in text and "Propos injurieux envers un lieu" in text
    )
    entry = (
        await AuditEntry.select()
        .where(AuditEntry.action == "comment.hide")
        .output(load_json=True)
        .first()
    )
    assert entry is not None and entry["before"] == {"text": "Propos injurieux"}


async def test_opening_a_round_refuses_a_past_deadline_and_a_second_open_round(
    client: AsyncTestClient,
    diagnosis: Diagnosis,  # type: ignore[type-arg]
) -> None:
    page = f"/defis/{diagnosis.challenge_id}"
    coordo = await _as(client, "coordo@exemple.fr")
    past = await post_form(
        coordo, f"{page}/tours", {"deadline": "2020-01-01T12:00"}, form_page=page
    )
    assert past.status_code == 422 and "dans le futur" in past.text
    garbage = await post_form(coordo, f"{page}/tours", {"deadline": "demain"}, form_page=page)
    assert garbage.status_code == 422 and "date et une heure" in garbage.text
    assert (
        await post_form(coordo, f"{page}/tours", {"deadline": _future()}, form_page=page)
    ).status_code == 303
    again = await post_form(coordo, f"{page}/tours", {"deadline": _future()}, form_page=page)
    assert again.status_code == 403 and "déjà ouvert" in again.text
    assert await ConsentRound.count() == 1


async def test_diagnosis_settings_refuse_a_bad_quorum(
    client: AsyncTestClient, diagnosis: Diagnosis
) -> None:  # type: ignore[type-arg]
    coordo = await _as(client, "coordo@exemple.fr")
    path = f"/reseaux/{diagnosis.network_slug}/diagnostic"
    bad = await post_form(coordo, path, {"criteria": "Gouvernance", "quorum": "0"}, form_page=path)
    assert bad.status_code == 422 and "entre 1 et 100" in bad.text
    assert await Criterion.count() == 0
