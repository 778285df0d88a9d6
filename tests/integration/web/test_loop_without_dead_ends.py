"""Issue 16's loop without dead ends, through HTTP: no new version offered while a round is
open (and a late post comes back on its form), a position changed keeps its criterion, deadlines
refused on the form and shortened with notice, the missed quorum named, and the confirmation
step before closing a round or hiding a comment."""

from __future__ import annotations

import datetime as dt
import html
import re

from litestar.testing import AsyncTestClient

from cobudget.db.tables import (
    AuditEntry,
    ChallengeVersion,
    ConsentRound,
    Criterion,
    NotificationPreference,
    OutboxMessage,
    RoundComment,
    RoundPosition,
    User,
)
from tests.integration.conftest import post_form
from tests.integration.web import test_rounds
from tests.integration.web.test_rounds import Diagnosis, _as, _future, _latest_round_id
from tests.support import factories
from tests.support.text import plain

diagnosis = test_rounds.diagnosis  # the same network of four lieux, as a fixture of this module

PEOPLE = {"a@exemple.fr", "b@exemple.fr", "b2@exemple.fr", "c@exemple.fr", "d@exemple.fr"}
VERSION_2 = {
    "title": "Un outil de réservation",
    "problem": "Un texte que la proposeuse a mis longtemps à écrire.",
    "commons": "Un logiciel libre de réservation.",
    "users": "Les lieux",
    "licence": "etalab-2.0",
    "lines.0.label": "Développement",
    "lines.0.min": "1 000",
    "lines.0.max": "2 000",
}


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return plain(html.unescape(re.sub(r"\s+", " ", response.text)))


async def _open_round(client: AsyncTestClient, diagnosis: Diagnosis, days: int = 10) -> int:  # type: ignore[type-arg]
    page = f"/defis/{diagnosis.challenge_id}"
    coordo = await _as(client, "coordo@exemple.fr")
    opened = await post_form(coordo, f"{page}/tours", {"deadline": _future(days)}, form_page=page)
    assert opened.status_code == 303
    return await _latest_round_id(diagnosis.challenge_id)


async def _deadline(round_id: int) -> dt.datetime:
    row = (
        await ConsentRound.select(ConsentRound.deadline).where(ConsentRound.id == round_id).first()
    )
    assert row is not None
    return row["deadline"]  # type: ignore[no-any-return]


async def test_a_proposer_reads_why_no_new_version_during_a_round_and_keeps_a_late_text(
    client: AsyncTestClient,  # type: ignore[type-arg]
    diagnosis: Diagnosis,
) -> None:
    page = f"/defis/{diagnosis.challenge_id}"
    a = await _as(client, "a@exemple.fr")
    before = _text(await a.get(page))
    assert "Publier une nouvelle version" in before  # no round yet: amend freely
    form = _text(await a.get(f"{page}/modifier"))  # the form is opened…
    assert "Publier une nouvelle version du défi" in form
    await _open_round(client, diagnosis)  # …and a round opens meanwhile

    a = await _as(client, "a@exemple.fr")
    during = _text(await a.get(page))
    assert "Publier une nouvelle version" not in during
    assert "Un tour de consentement est en cours sur la version 1" in during
    assert "quand il sera clos" in during
    blocked = await a.get(f"{page}/modifier", follow_redirects=False)
    assert blocked.status_code == 303 and blocked.headers["location"].endswith("#nouvelle-version")

    late = await post_form(a, f"{page}/modifier", VERSION_2, form_page=page)
    assert late.status_code == 422
    assert "une nouvelle version ne peut être publiée qu’après sa clôture" in _text(late)
    assert "Un texte que la proposeuse a mis longtemps à écrire." in _text(late)
    assert (
        await ChallengeVersion.count().where(ChallengeVersion.challenge == diagnosis.challenge_id)
        == 1
    )


async def test_changing_a_position_shows_its_criterion_and_text_again(
    client: AsyncTestClient,  # type: ignore[type-arg]
    diagnosis: Diagnosis,
) -> None:
    page = f"/defis/{diagnosis.challenge_id}"
    coordo = await _as(client, "coordo@exemple.fr")
    await post_form(
        coordo,
        "/reseaux/reseau-du-diagnostic/diagnostic",
        {"criteria": "Ancrage territorial\nGouvernance", "quorum": "2"},
    )
    governance = await Criterion.select(Criterion.id).where(Criterion.name == "Gouvernance").first()
    assert governance is not None
    round_id = await _open_round(client, diagnosis)
    c = await _as(client, "c@exemple.fr")
    taken = await post_form(
        c,
        f"/tours/{round_id}/position",
        {
            "lieu": str(diagnosis.lieux["C"]),
            "kind": "objection",
            "text": "Personne ne décide de l’hébergement.",
            "criterion_id": str(governance["id"]),
        },
        form_page=page,
    )
    assert taken.status_code == 303
    form = (await c.get(page)).text
    assert re.search(rf'<option value="{governance["id"]}"\s+selected>Gouvernance</option>', form)
    assert 'value="objection" checked' in form
    assert "Personne ne décide de l’hébergement.</textarea>" in html.unescape(form)
    # Posting the form again as it is shown keeps the criterion.
    again = await post_form(
        c,
        f"/tours/{round_id}/position",
        {
            "lieu": str(diagnosis.lieux["C"]),
            "kind": "objection",
            "text": "Personne ne décide de l’hébergement.",
            "criterion_id": str(governance["id"]),
        },
        form_page=page,
    )
    assert again.status_code == 303
    assert "Gouvernance" in _text(await c.get(page)).split("Positions des lieux")[1]
    # Turning it into a consent with the criterion still selected is no dead end either.
    consented = await post_form(
        c,
        f"/tours/{round_id}/position",
        {
            "lieu": str(diagnosis.lieux["C"]),
            "kind": "consent",
            "text": "",
            "criterion_id": str(governance["id"]),
        },
        form_page=page,
    )
    assert consented.status_code == 303
    latest = (
        await RoundPosition.select(RoundPosition.kind, RoundPosition.criterion)
        .order_by(RoundPosition.id, ascending=False)
        .first()
    )
    assert latest == {"kind": "consent", "criterion": None}


async def test_a_deadline_beyond_sixty_days_comes_back_on_the_form_with_what_was_typed(
    client: AsyncTestClient,  # type: ignore[type-arg]
    diagnosis: Diagnosis,
) -> None:
    page = f"/defis/{diagnosis.challenge_id}"
    coordo = await _as(client, "coordo@exemple.fr")
    far = await post_form(coordo, f"{page}/tours", {"deadline": "2099-01-31T18:00"}, form_page=page)
    assert far.status_code == 422
    assert "Un tour dure 60 jours au plus" in _text(far)
    assert 'value="2099-01-31T18:00"' in far.text
    assert await ConsentRound.count() == 0 and await OutboxMessage.count() == 0
    assert (
        await post_form(coordo, f"{page}/tours", {"deadline": _future(61)}, form_page=page)
    ).status_code == 422
    assert (
        await post_form(coordo, f"{page}/tours", {"deadline": _future(59)}, form_page=page)
    ).status_code == 303


async def test_a_coordinator_shortens_a_deadline_and_every_lieu_is_told_once(
    client: AsyncTestClient,  # type: ignore[type-arg]
    diagnosis: Diagnosis,
) -> None:
    page = f"/defis/{diagnosis.challenge_id}"
    round_id = await _open_round(client, diagnosis, days=20)
    # D reads English; B's second person asked never to hear of a shortened deadline.
    await User.update({User.locale: "en"}).where(User.email == "d@exemple.fr")
    b2 = await User.select(User.id).where(User.email == "b2@exemple.fr").first()
    assert b2 is not None
    await NotificationPreference.insert(
        NotificationPreference(user=b2["id"], kind="round_shortened", mode="never")
    )
    coordo = await _as(client, "coordo@exemple.fr")
    deadline = await _deadline(round_id)
    before = await OutboxMessage.count()

    for typed, message in (
        ("2099-01-31T18:00", "Un tour dure 60 jours au plus"),
        (_future(0), "L’échéance doit être dans le futur"),
        ((dt.datetime.now() + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"), "24 heures"),
        ("demain", "Indiquez une date et une heure"),
    ):
        refused = await post_form(
            coordo, f"/tours/{round_id}/prolongation", {"deadline": typed}, form_page=page
        )
        assert refused.status_code == 422, typed
        assert message in _text(refused) and f'value="{typed}"' in refused.text
        assert await _deadline(round_id) == deadline
        assert await OutboxMessage.count() == before

    shortened = await post_form(
        coordo, f"/tours/{round_id}/prolongation", {"deadline": _future(3)}, form_page=page
    )
    assert shortened.status_code == 303
    assert await _deadline(round_id) < deadline
    told = await OutboxMessage.select().where(OutboxMessage.id > 0).order_by(OutboxMessage.id)
    new = {m["to_address"]: m for m in told[before:]}
    assert sorted(new) == sorted(PEOPLE - {"b2@exemple.fr"})
    french = [m for to, m in new.items() if to != "d@exemple.fr"]
    assert all(plain(m["subject"]) == "Échéance avancée : Un outil de réservation" for m in french)
    assert all("au lieu du" in m["body"] for m in french)
    assert new["d@exemple.fr"]["subject"] == "Deadline brought forward: Un outil de réservation"
    # Listed on each person's notifications, the one who opted out included.
    b2_page = _text(await (await _as(client, "b2@exemple.fr")).get("/mon-espace/notifications"))
    assert "Échéance avancée : Un outil de réservation" in b2_page
    coordo = await _as(client, "coordo@exemple.fr")
    audit = await AuditEntry.select().where(AuditEntry.action == "round.shorten")
    assert len(audit) == 1

    extended = await post_form(
        coordo, f"/tours/{round_id}/prolongation", {"deadline": _future(30)}, form_page=page
    )
    assert extended.status_code == 303
    assert await OutboxMessage.count() == before + len(new)  # extending tells nobody


async def test_only_a_coordinator_moves_a_deadline(
    client: AsyncTestClient,  # type: ignore[type-arg]
    diagnosis: Diagnosis,
) -> None:
    page = f"/defis/{diagnosis.challenge_id}"
    round_id = await _open_round(client, diagnosis)
    b = await _as(client, "b@exemple.fr")
    assert "Changer l’échéance" not in _text(await b.get(page))
    refused = await post_form(
        b, f"/tours/{round_id}/prolongation", {"deadline": _future(3)}, form_page=page
    )
    assert refused.status_code == 403
    assert await OutboxMessage.count() == len(PEOPLE)  # only the opening's


async def test_an_outcome_names_the_quorum_it_missed_in_french_and_english(
    client: AsyncTestClient,  # type: ignore[type-arg]
    diagnosis: Diagnosis,
) -> None:
    page = f"/defis/{diagnosis.challenge_id}"
    coordo = await _as(client, "coordo@exemple.fr")
    await post_form(
        coordo, "/reseaux/reseau-du-diagnostic/diagnostic", {"criteria": "", "quorum": "3"}
    )
    round_id = await _open_round(client, diagnosis)
    for key, kind, text in (("B", "consent", ""), ("C", "objection", "Pas de gouvernance.")):
        person = await _as(client, f"{key.lower()}@exemple.fr")
        response = await post_form(
            person,
            f"/tours/{round_id}/position",
            {"lieu": str(diagnosis.lieux[key]), "kind": kind, "text": text},
            form_page=page,
        )
        assert response.status_code == 303
    coordo = await _as(client, "coordo@exemple.fr")
    open_page = _text(await coordo.get(page))
    assert "Quorum non atteint" not in open_page  # not while the round is open
    closed = await post_form(coordo, f"/tours/{round_id}/cloture", {"confirm": "1"}, form_page=page)
    assert closed.status_code == 303
    french = _text(await coordo.get(page))
    assert "À amender" in french
    assert "Quorum non atteint : 2 positions sur 3 requises." in french
    await coordo.get(f"/langue/en?next={page}")
    english = _text(await coordo.get(page))
    assert "Quorum not reached: 2 positions of 3 required." in english
    api = (await coordo.get(f"/api/challenges/{diagnosis.challenge_id}/rounds")).json()
    assert api["items"][0]["quorum_missed"] is True


async def test_closing_a_round_early_asks_first_and_changes_nothing_until_confirmed(
    client: AsyncTestClient,  # type: ignore[type-arg]
    diagnosis: Diagnosis,
) -> None:
    page = f"/defis/{diagnosis.challenge_id}"
    round_id = await _open_round(client, diagnosis)
    b = await _as(client, "b@exemple.fr")
    assert (await post_form(b, f"/tours/{round_id}/cloture", {}, form_page=page)).status_code == 403
    coordo = await _as(client, "coordo@exemple.fr")
    asked = await post_form(coordo, f"/tours/{round_id}/cloture", {}, form_page=page)
    assert asked.status_code == 200
    text = _text(asked)
    assert "Clore ce tour de consentement maintenant ?" in text
    assert "Plus aucun lieu ne pourra prendre position" in text
    assert f'action="/tours/{round_id}/cloture"' in asked.text
    assert 'name="confirm" value="1"' in asked.text
    assert f'href="/defis/{diagnosis.challenge_id}#tour"' in asked.text  # the way back
    row = await ConsentRound.select(ConsentRound.closed_at).where(ConsentRound.id == round_id)
    assert row[0]["closed_at"] is None
    confirmed = await post_form(
        coordo, f"/tours/{round_id}/cloture", {"confirm": "1"}, form_page=page
    )
    assert confirmed.status_code == 303
    row = await ConsentRound.select(ConsentRound.closed_at).where(ConsentRound.id == round_id)
    assert row[0]["closed_at"] is not None


async def test_hiding_a_comment_asks_first_with_the_reason_that_will_be_shown(
    client: AsyncTestClient,  # type: ignore[type-arg]
    diagnosis: Diagnosis,
) -> None:
    page = f"/defis/{diagnosis.challenge_id}"
    round_id = await _open_round(client, diagnosis)
    comment_id = await factories.make_comment(round_id, diagnosis.lieux["B"], "Propos déplacé.")
    coordo = await _as(client, "coordo@exemple.fr")
    path = f"/commentaires/{comment_id}/masquer"
    blank = await post_form(coordo, path, {"reason": " "}, form_page=page)
    assert blank.status_code == 422  # the reason is asked on the page, before any confirmation
    asked = await post_form(coordo, path, {"reason": "Hors sujet"}, form_page=page)
    assert asked.status_code == 200 and "Masquer cette réaction ?" in _text(asked)
    assert "chacun lit : « Hors sujet »" in _text(asked)
    assert 'name="reason" value="Hors sujet"' in asked.text
    row = await RoundComment.select(RoundComment.hidden_at).where(RoundComment.id == comment_id)
    assert row[0]["hidden_at"] is None
    done = await post_form(coordo, path, {"reason": "Hors sujet", "confirm": "1"}, form_page=page)
    assert done.status_code == 303
    row = await RoundComment.select(RoundComment.hidden_at).where(RoundComment.id == comment_id)
    assert row[0]["hidden_at"] is not None


async def test_the_round_a_new_version_opens_stays_within_sixty_days(
    client: AsyncTestClient,  # type: ignore[type-arg]
    diagnosis: Diagnosis,
) -> None:
    """A round stored before the window (here 100 days long) ended « à amender »: the round the
    new version opens is as long as it, but no longer than 60 days."""
    round_id = await factories.make_round(
        diagnosis.challenge_id, 1, days=100, quorum=1, opened_days_ago=101
    )
    await RoundPosition.insert(
        RoundPosition(
            round=round_id,
            lieu=diagnosis.lieux["C"],
            kind="objection",
            text="Qui héberge ?",
            taken_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=100),
        )
    )
    page = f"/defis/{diagnosis.challenge_id}"
    a = await _as(client, "a@exemple.fr")
    published = await post_form(
        a,
        f"{page}/modifier",
        {**VERSION_2, f"objection.{diagnosis.lieux['C']}": "Un lieu du réseau, à tour de rôle."},
        form_page=page,
    )
    assert published.status_code == 303
    new_round = await _latest_round_id(diagnosis.challenge_id)
    row = await ConsentRound.select(ConsentRound.opened_at, ConsentRound.deadline).where(
        ConsentRound.id == new_round
    )
    assert new_round != round_id
    assert row[0]["deadline"] - row[0]["opened_at"] == dt.timedelta(days=60)


async def test_a_refused_position_question_or_comment_comes_back_with_what_was_typed(
    client: AsyncTestClient,  # type: ignore[type-arg]
    diagnosis: Diagnosis,
) -> None:
    page = f"/defis/{diagnosis.challenge_id}"
    round_id = await _open_round(client, diagnosis)
    c = await _as(client, "c@exemple.fr")
    lieu = str(diagnosis.lieux["C"])
    long_reason = "Trop long. " * 500
    refused = await post_form(
        c,
        f"/tours/{round_id}/position",
        {"lieu": lieu, "kind": "objection", "text": long_reason},
        form_page=page,
    )
    assert refused.status_code == 422 and "5000 caractères au plus" in _text(refused)
    assert long_reason.strip() in html.unescape(refused.text)
    assert 'value="objection" checked' in refused.text
    question = await post_form(
        c, f"/tours/{round_id}/questions", {"lieu": lieu, "text": "Q" * 2001}, form_page=page
    )
    assert question.status_code == 422 and "Q" * 2001 in question.text
    comment = await post_form(
        c, f"/tours/{round_id}/commentaires", {"as": f"lieu:{lieu}", "text": "R" * 5001}, page
    )
    assert comment.status_code == 422 and "R" * 5001 in comment.text

    comment_id = await factories.make_comment(round_id, diagnosis.lieux["B"], "Propos déplacé.")
    coordo = await _as(client, "coordo@exemple.fr")
    hide = await post_form(
        coordo, f"/commentaires/{comment_id}/masquer", {"reason": "x" * 1001}, form_page=page
    )
    assert hide.status_code == 422
    assert f'id="e-hide-{comment_id}"' in hide.text and "1000 caractères au plus" in _text(hide)
    assert 'value="' + "x" * 1001 + '"' in hide.text
