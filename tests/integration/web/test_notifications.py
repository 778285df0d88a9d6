"""Notifications through HTTP (issue 16): for every event, who is told, once, in their own
language, with a one-click unsubscribe; the daily digest; « never »; the unsubscribe link and
its one-click POST, and a token refused when altered; the language kept on the account."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import (
    ConsentRound,
    Envelope,
    Notification,
    NotificationPreference,
    RoundPosition,
    Support,
    User,
)
from cobudget.services import notifications, outbox
from cobudget.services.clock import now
from cobudget.settings import Settings
from tests.integration.conftest import World, log_in, page_text, post_form
from tests.support import factories
from tests.support.mail import Mailbox, body_of, link_in
from tests.support.text import plain


@dataclass(frozen=True)
class Net:
    network_id: int
    challenge_id: int
    lieux: dict[str, int]  # A proposes; B, C, D diagnose


@pytest.fixture
async def net(db: str) -> Net:
    """Four lieux, one person each (a@ reads English), a second French person in A, and a
    coordinator; A proposes a challenge."""
    network_id = await factories.make_network("Réseau des Nouvelles", quorum=2)
    lieux = {}
    for key, name in (("A", "Atelier A"), ("B", "Bistrot B"), ("C", "Cowork C"), ("D", "Dépôt D")):
        lieux[key] = await factories.make_lieu(network_id, name)
        user = await factories.make_user(
            f"{key.lower()}@exemple.fr", f"Personne {key}", locale="en" if key == "A" else "fr"
        )
        await factories.add_member(user, lieux[key])
    await factories.add_member(await factories.make_user("a2@exemple.fr", "Deuxième A"), lieux["A"])
    await factories.add_coordinator(
        await factories.make_user("coordo@exemple.fr", "Coordination"), network_id
    )
    challenge_id = await factories.make_challenge(network_id, lieux["A"], "Un outil commun")
    return Net(network_id, challenge_id, lieux)


async def _as(client: AsyncTestClient, email: str) -> AsyncTestClient:  # type: ignore[type-arg]
    client.cookies.clear()
    await log_in(client, email)
    return client


async def _send(settings: Settings) -> None:
    while await outbox.send_due(settings, limit=100):
        pass


def _only(mailbox: Mailbox, address: str) -> EmailMessage:
    received = mailbox.to(address)
    assert len(received) == 1, [m["Subject"] for m in received]
    return received[0]


def _nothing_for(mailbox: Mailbox, *addresses: str) -> None:
    for address in addresses:
        assert mailbox.to(address) == [], (address, [m["Subject"] for m in mailbox.to(address)])


def _unsubscribe_url(message: EmailMessage) -> str:
    header = str(message["List-Unsubscribe"])
    assert header.startswith("<") and header.endswith(">")
    return header[1:-1]


async def _position(
    round_id: int,
    lieu_id: int,
    kind: str,
    text: str = "",
    days_ago: float = 0,
    by: str | None = None,
) -> None:
    """A position taken `days_ago`, by the person of address `by`."""
    taken_by = None
    if by is not None:
        row = await User.select(User.id).where(User.email == by).first()
        taken_by = row["id"] if row else None
    await RoundPosition.insert(
        RoundPosition(
            round=round_id,
            lieu=lieu_id,
            kind=kind,
            text=text,
            taken_by=taken_by,
            taken_at=now() - dt.timedelta(days=days_ago),
        )
    )


async def test_a_question_tells_the_proposers_once_each_in_their_language(
    client: AsyncTestClient,  # type: ignore[type-arg]
    net: Net,
    settings: Settings,
    mailbox: Mailbox,
) -> None:
    round_id = await factories.make_round(net.challenge_id, 1, quorum=2)
    page = f"/defis/{net.challenge_id}"
    b = await _as(client, "b@exemple.fr")
    asked = await post_form(
        b,
        f"/tours/{round_id}/questions",
        {"lieu": str(net.lieux["B"]), "text": "Qui héberge l’outil ?"},
        form_page=page,
    )
    assert asked.status_code == 303
    await _send(settings)
    english = _only(mailbox, "a@exemple.fr")
    french = _only(mailbox, "a2@exemple.fr")
    assert english["Subject"] == "Question from Bistrot B on “Un outil commun”"
    assert plain(french["Subject"]) == "Question posée par Bistrot B sur « Un outil commun »"
    assert "Qui héberge l’outil ?" in body_of(english)
    assert f"http://testserver.local{page}#tour" in body_of(english)
    # One-click unsubscribe (RFC 8058): the header, and the same address in the body.
    assert english["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert _unsubscribe_url(english) in body_of(english)
    assert "/desabonnement/" in _unsubscribe_url(english)
    _nothing_for(mailbox, "b@exemple.fr", "c@exemple.fr", "d@exemple.fr", "coordo@exemple.fr")
    assert await Notification.count() == 2

    a = await _as(client, "a@exemple.fr")  # this browser shows the account's English
    listed = await a.get("/mon-espace/notifications")
    assert listed.status_code == 200
    assert "Question from Bistrot B on “Un outil commun”" in listed.text
    assert f'href="{page}#tour"' in listed.text
    french_list = await a.get("/mon-espace/notifications?lang=fr")
    assert "Question posée par Bistrot B sur « Un outil commun »" in page_text(french_list)


async def test_an_answer_tells_the_lieu_that_asked_and_nobody_else(
    client: AsyncTestClient,  # type: ignore[type-arg]
    net: Net,
    settings: Settings,
    mailbox: Mailbox,
) -> None:
    round_id = await factories.make_round(net.challenge_id, 1, quorum=2)
    question_id = await factories.make_question(round_id, net.lieux["B"], "Combien de lieux ?")
    a = await _as(client, "a2@exemple.fr")
    answered = await post_form(
        a,
        f"/questions/{question_id}/reponse",
        {"text": "Tous ceux du réseau."},
        form_page=f"/defis/{net.challenge_id}",
    )
    assert answered.status_code == 303
    await _send(settings)
    told = _only(mailbox, "b@exemple.fr")
    assert plain(told["Subject"]) == "Réponse à votre question sur « Un outil commun »"
    assert "Combien de lieux ?" in body_of(told) and "Tous ceux du réseau." in body_of(told)
    _nothing_for(mailbox, "a@exemple.fr", "a2@exemple.fr", "c@exemple.fr", "d@exemple.fr")


async def test_an_objection_tells_the_proposers_and_a_consent_does_not(
    client: AsyncTestClient,  # type: ignore[type-arg]
    net: Net,
    settings: Settings,
    mailbox: Mailbox,
) -> None:
    round_id = await factories.make_round(net.challenge_id, 1, quorum=2)
    page = f"/defis/{net.challenge_id}"
    b = await _as(client, "b@exemple.fr")
    await post_form(
        b,
        f"/tours/{round_id}/position",
        {"lieu": str(net.lieux["B"]), "kind": "consent"},
        form_page=page,
    )
    await _send(settings)
    assert mailbox.messages == []
    c = await _as(client, "c@exemple.fr")
    objected = await post_form(
        c,
        f"/tours/{round_id}/position",
        {"lieu": str(net.lieux["C"]), "kind": "objection", "text": "Pas de gouvernance."},
        form_page=page,
    )
    assert objected.status_code == 303
    await _send(settings)
    assert plain(_only(mailbox, "a2@exemple.fr")["Subject"]) == (
        "Objection soulevée par Cowork C sur « Un outil commun »"
    )
    assert "Pas de gouvernance." in body_of(_only(mailbox, "a@exemple.fr"))
    _nothing_for(mailbox, "b@exemple.fr", "c@exemple.fr", "d@exemple.fr")


async def test_a_closed_round_tells_its_outcome_and_missed_quorum_once(
    client: AsyncTestClient,  # type: ignore[type-arg]
    net: Net,
    settings: Settings,
    mailbox: Mailbox,
) -> None:
    round_id = await factories.make_round(net.challenge_id, 1, quorum=2)
    await _position(round_id, net.lieux["B"], "consent")
    coordo = await _as(client, "coordo@exemple.fr")
    closed = await post_form(
        coordo,
        f"/tours/{round_id}/cloture",
        {"confirm": "1"},
        form_page=f"/defis/{net.challenge_id}",
    )
    assert closed.status_code == 303
    # The worker's sweep later (the deadline passed too) does not tell it again.
    await notifications.sweep(settings, now() + dt.timedelta(days=8))
    await _send(settings)
    french = _only(mailbox, "b@exemple.fr")
    assert plain(french["Subject"]) == "Tour clos sans quorum : Un outil commun"
    assert "1 lieu a pris position, il en fallait 2" in body_of(french)
    english = _only(mailbox, "a@exemple.fr")
    assert "1 lieu took a position, 2 were needed" in body_of(english)
    _only(mailbox, "a2@exemple.fr")
    _nothing_for(mailbox, "c@exemple.fr", "d@exemple.fr")  # they took no part


async def test_a_round_past_its_deadline_is_told_closed_once_by_two_sweeps_at_once(
    net: Net, settings: Settings, mailbox: Mailbox
) -> None:
    round_id = await factories.make_round(net.challenge_id, 1, quorum=2, opened_days_ago=8)
    await _position(round_id, net.lieux["C"], "objection", "Trop flou.", days_ago=2)
    await asyncio.gather(notifications.sweep(settings), notifications.sweep(settings))
    await notifications.sweep(settings)
    await _send(settings)
    objector = _only(mailbox, "c@exemple.fr")
    assert plain(objector["Subject"]) == "Tour clos, défi à amender : Un outil commun"
    # An objection decides « à amender », and the mail names the quorum it missed too.
    assert "Quorum non atteint : 1 position sur 2 requises." in body_of(objector)
    proposer = _only(mailbox, "a@exemple.fr")
    assert proposer["Subject"] == "Round closed, challenge to amend: Un outil commun"
    assert "Quorum not reached: 1 position of 2 required." in body_of(proposer)
    _nothing_for(mailbox, "b@exemple.fr", "d@exemple.fr")


async def test_after_an_amendment_the_objector_is_told_once_and_the_others_of_the_new_round(
    client: AsyncTestClient,  # type: ignore[type-arg]
    net: Net,
    settings: Settings,
    mailbox: Mailbox,
) -> None:
    round_id = await factories.make_round(net.challenge_id, 1, quorum=2, opened_days_ago=8)
    await _position(
        round_id, net.lieux["C"], "objection", "Trop flou.", days_ago=2, by="c@exemple.fr"
    )
    await ConsentRound.update({ConsentRound.closed_at: now()}).where(ConsentRound.id == round_id)
    await notifications.sweep(settings)  # nothing: the round was closed by hand, untold
    a = await _as(client, "a2@exemple.fr")
    edit = f"/defis/{net.challenge_id}/modifier"
    published = await post_form(
        a,
        edit,
        {
            "title": "Un outil commun",
            "problem": "Chaque lieu réserve à sa façon.",
            "commons": "Un logiciel libre, gouverné par les lieux.",
            "users": "Les lieux",
            "licence": "etalab-2.0",
            "lines.0.label": "Développement",
            "lines.0.min": "1 000",
            "lines.0.max": "2 000",
            f"objection.{net.lieux['C']}": "Un comité des lieux décide.",
        },
        form_page=edit,
    )
    assert published.status_code == 303, published.text
    await _send(settings)
    told = _only(mailbox, "c@exemple.fr")  # one email: the answer, with the new round
    assert "Votre objection a reçu une réponse" in told["Subject"]
    for address in ("b@exemple.fr", "d@exemple.fr"):
        assert "Tour de consentement ouvert" in _only(mailbox, address)["Subject"]


async def test_answering_a_co_proposal_tells_the_proposer_lieu(
    client: AsyncTestClient,  # type: ignore[type-arg]
    net: Net,
    settings: Settings,
    mailbox: Mailbox,
) -> None:
    accepted = await factories.make_challenge(
        net.network_id, net.lieux["A"], "Une cagnotte", co_proposer=net.lieux["B"]
    )
    declined = await factories.make_challenge(
        net.network_id, net.lieux["A"], "Un annuaire", co_proposer=net.lieux["C"]
    )
    b = await _as(client, "b@exemple.fr")
    await post_form(
        b,
        f"/defis/{accepted}/co-porteurs/{net.lieux['B']}",
        {"answer": "accept"},
        form_page=f"/defis/{accepted}",
    )
    c = await _as(client, "c@exemple.fr")
    await post_form(
        c,
        f"/defis/{declined}/co-porteurs/{net.lieux['C']}",
        {"answer": "decline"},
        form_page=f"/defis/{declined}",
    )
    await _send(settings)
    subjects = sorted(plain(str(m["Subject"])) for m in mailbox.to("a2@exemple.fr"))
    assert subjects == [
        "Bistrot B porte avec vous « Une cagnotte »",
        "Cowork C décline de porter « Un annuaire »",
    ]
    assert len(mailbox.to("a@exemple.fr")) == 2
    _nothing_for(mailbox, "b@exemple.fr", "c@exemple.fr", "d@exemple.fr")


async def test_a_round_reminder_goes_once_48_hours_before_to_lieux_that_have_not_spoken(
    net: Net, settings: Settings, mailbox: Mailbox
) -> None:
    round_id = await factories.make_round(net.challenge_id, 1, quorum=2, days=3)
    await _position(round_id, net.lieux["B"], "consent")
    await notifications.sweep(settings)  # three days before: too early
    await _send(settings)
    assert mailbox.messages == []
    later = now() + dt.timedelta(days=1, hours=12)  # 36 hours before the deadline
    await notifications.sweep(settings, later)
    await notifications.sweep(settings, later + dt.timedelta(hours=1))
    await _send(settings)
    assert "Plus que deux jours pour prendre position" in _only(mailbox, "c@exemple.fr")["Subject"]
    _only(mailbox, "d@exemple.fr")
    _nothing_for(mailbox, "a@exemple.fr", "a2@exemple.fr", "b@exemple.fr")


async def test_a_funding_reminder_goes_once_to_lieux_of_the_envelope_that_gave_nothing(
    net: Net, settings: Settings, mailbox: Mailbox
) -> None:
    envelope_id = await factories.make_envelope(
        net.network_id, [net.lieux["A"], net.lieux["B"], net.lieux["C"]], rule="equal_shares"
    )
    await Support.insert(
        Support(
            envelope=envelope_id,
            lieu=net.lieux["A"],
            challenge=net.challenge_id,
            points=1,
            updated_at=now(),
        )
    )
    row = await Envelope.select(Envelope.funding_until).where(Envelope.id == envelope_id).first()
    assert row is not None
    moment = row["funding_until"] - dt.timedelta(hours=24)
    await notifications.sweep(settings, moment)
    await notifications.sweep(settings, moment + dt.timedelta(hours=2))
    await _send(settings)
    told = _only(mailbox, "b@exemple.fr")
    assert plain(told["Subject"]) == "Plus que deux jours pour contribuer : Enveloppe 2027"
    assert f"/enveloppes/{envelope_id}" in body_of(told)
    _only(mailbox, "c@exemple.fr")
    _nothing_for(mailbox, "a@exemple.fr", "a2@exemple.fr", "d@exemple.fr")


async def test_a_daily_digest_gathers_the_days_notifications_in_one_email_once(
    client: AsyncTestClient,  # type: ignore[type-arg]
    net: Net,
    settings: Settings,
    mailbox: Mailbox,
) -> None:
    a = await _as(client, "a@exemple.fr")
    saved = await post_form(
        a,
        "/mon-espace/notifications",
        {"mode.question_asked": "daily", "mode.objection_raised": "daily"},
        form_page="/mon-espace/notifications",
    )
    assert saved.status_code == 303
    round_id = await factories.make_round(net.challenge_id, 1, quorum=2)
    page = f"/defis/{net.challenge_id}"
    b = await _as(client, "b@exemple.fr")
    await post_form(
        b,
        f"/tours/{round_id}/questions",
        {"lieu": str(net.lieux["B"]), "text": "Pour qui ?"},
        form_page=page,
    )
    await post_form(
        b,
        f"/tours/{round_id}/position",
        {"lieu": str(net.lieux["B"]), "kind": "objection", "text": "Trop cher."},
        form_page=page,
    )
    await _send(settings)
    assert len(mailbox.to("a2@exemple.fr")) == 2  # a2 wants them at once
    _nothing_for(mailbox, "a@exemple.fr")
    tomorrow = now() + dt.timedelta(days=1, hours=1)
    await asyncio.gather(
        notifications.send_digests(settings, tomorrow),
        notifications.send_digests(settings, tomorrow),
    )
    await notifications.send_digests(settings, tomorrow + dt.timedelta(hours=1))
    await _send(settings)
    digest = _only(mailbox, "a@exemple.fr")
    assert digest["Subject"] == "Your daily summary: 2 notifications"
    body = body_of(digest)
    assert "Question from Bistrot B" in body and "Objection from Bistrot B" in body
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


async def test_never_sends_nothing_but_still_lists_and_a_bad_choice_is_refused_in_place(
    client: AsyncTestClient,  # type: ignore[type-arg]
    net: Net,
    settings: Settings,
    mailbox: Mailbox,
) -> None:
    a = await _as(client, "a2@exemple.fr")
    refused = await post_form(
        a,
        "/mon-espace/notifications",
        {"mode.question_asked": "never", "mode.round_opened": "parfois"},
        form_page="/mon-espace/notifications",
    )
    assert refused.status_code == 422
    assert "Choisissez une des options proposées." in page_text(refused)
    assert await NotificationPreference.count() == 0  # nothing stored, not even the good one
    await post_form(
        a,
        "/mon-espace/notifications",
        {"mode.question_asked": "never"},
        form_page="/mon-espace/notifications",
    )
    form = (await a.get("/mon-espace/notifications")).text
    assert '<option value="never" selected>' in form
    round_id = await factories.make_round(net.challenge_id, 1, quorum=2)
    b = await _as(client, "b@exemple.fr")
    await post_form(
        b,
        f"/tours/{round_id}/questions",
        {"lieu": str(net.lieux["B"]), "text": "Pour qui ?"},
        form_page=f"/defis/{net.challenge_id}",
    )
    await _send(settings)
    _only(mailbox, "a@exemple.fr")
    _nothing_for(mailbox, "a2@exemple.fr")
    a = await _as(client, "a2@exemple.fr")
    assert "Question posée par Bistrot B" in page_text(await a.get("/mon-espace/notifications"))


async def test_the_unsubscribe_link_and_its_one_click_post_stop_that_kind_only(
    client: AsyncTestClient,  # type: ignore[type-arg]
    net: Net,
    settings: Settings,
    mailbox: Mailbox,
) -> None:
    round_id = await factories.make_round(net.challenge_id, 1, quorum=2)
    question_id = await factories.make_question(round_id, net.lieux["B"])
    await post_form(
        await _as(client, "a@exemple.fr"),
        f"/questions/{question_id}/reponse",
        {"text": "Nous."},
        form_page=f"/defis/{net.challenge_id}",
    )
    await _send(settings)
    url = _unsubscribe_url(_only(mailbox, "b@exemple.fr")).removeprefix("http://testserver.local")
    client.cookies.clear()  # no login needed
    stored = await NotificationPreference.count()
    page = await client.get(url)  # a mail scanner opening the link changes nothing
    assert page.status_code == 200
    assert "Ne plus recevoir ces e-mails ?" in page_text(page)
    assert await NotificationPreference.count() == stored
    page = await client.post(url, data={})  # the page's one button
    assert page.status_code == 200
    assert "Désabonnement enregistré" in page.text
    b_id = (await User.select(User.id).where(User.email == "b@exemple.fr").first())["id"]  # type: ignore[index]
    modes = await notifications.preferences(factories_actor(b_id))
    assert modes["question_answered"] == "never" and modes["question_asked"] == "now"

    # The one-click: a POST from the mail client, no page, no CSRF token, no session.
    token = notifications.unsubscribe_token(settings, b_id, "round_opened")
    posted = await client.post(f"/desabonnement/{token}", data={"List-Unsubscribe": "One-Click"})
    assert posted.status_code == 200 and posted.text == ""
    assert (await notifications.preferences(factories_actor(b_id)))["round_opened"] == "never"

    # Altered, made up, or turned to another person or kind: refused, nothing stored.
    before = await NotificationPreference.count()
    user, kind, signature = token.split(".")
    other_id = (await User.select(User.id).where(User.email == "c@exemple.fr").first())["id"]  # type: ignore[index]
    for forged in (
        f"{user}.{kind}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        f"{other_id}.{kind}.{signature}",
        f"{user}.round_closed.{signature}",
        f"{user}.{kind}.",
        "nimportequoi",
    ):
        assert (await client.get(f"/desabonnement/{forged}")).status_code == 404, forged
        assert (await client.post(f"/desabonnement/{forged}")).status_code == 404, forged
    assert await NotificationPreference.count() == before

    # b is no longer told of answers, but still of what it did not stop.
    mailbox.clear()
    second = await factories.make_question(round_id, net.lieux["B"], "Et après ?")
    await post_form(
        await _as(client, "a@exemple.fr"),
        f"/questions/{second}/reponse",
        {"text": "On verra."},
        form_page=f"/defis/{net.challenge_id}",
    )
    await _send(settings)
    _nothing_for(mailbox, "b@exemple.fr")


def factories_actor(user_id: int):  # type: ignore[no-untyped-def]
    from cobudget.domain.permissions import Actor

    return Actor(user_id=user_id)


async def test_the_language_switch_keeps_the_language_on_the_account(
    client: AsyncTestClient,  # type: ignore[type-arg]
    net: Net,
) -> None:
    await client.get("/langue/en", follow_redirects=False)  # a visitor: only the cookie
    b = await _as(client, "b@exemple.fr")
    switched = await b.get("/langue/en", follow_redirects=False)
    assert switched.status_code == 303
    row = await User.select(User.locale).where(User.email == "b@exemple.fr").first()
    assert row == {"locale": "en"}
    await b.get("/langue/fr", follow_redirects=False)
    row = await User.select(User.locale).where(User.email == "b@exemple.fr").first()
    assert row == {"locale": "fr"}


async def test_a_person_who_signs_up_in_english_keeps_english_and_is_welcomed_in_it(
    as_role,  # type: ignore[no-untyped-def]
    world: World,
    settings: Settings,
    mailbox: Mailbox,
) -> None:
    client = await as_role("coordinator")
    await post_form(
        client,
        f"/reseaux/{world.network_slug}/lieux/inviter",
        {"name": "La Grange", "town": "Aurillac", "legal_form": "scop", "weight": "1"}
        | {"email": "grange@exemple.fr"},
    )
    await _send(settings)
    path = link_in(_only(mailbox, "grange@exemple.fr")).removeprefix(settings.base_url)
    client.cookies.clear()
    client.cookies.set("cobudget_lang", "en")
    response = await post_form(
        client,
        path,
        {
            "name": "Grange",
            "password": "un-secret-solide",
            "password_confirmation": "un-secret-solide",
        },
        form_page=path,
    )
    assert response.status_code == 303, response.text
    row = await User.select(User.locale).where(User.email == "grange@exemple.fr").first()
    assert row == {"locale": "en"}
    mailbox.clear()
    await _send(settings)
    assert _only(mailbox, "grange@exemple.fr")["Subject"] == "Welcome to Cobudget des communs"


async def test_recent_notifications_read_once_however_many_there_are(net: Net) -> None:
    from cobudget.db.engine import queries_run
    from cobudget.domain.permissions import Actor
    from cobudget.services.queries.notifications import recent_notifications

    row = await User.select(User.id).where(User.email == "a@exemple.fr").first()
    assert row is not None
    actor = Actor(user_id=row["id"])
    counts = []
    for more in (0, 30):
        if more:
            await Notification.insert(
                *(
                    Notification(
                        user=row["id"],
                        kind="question_answered",
                        params={"title": f"Défi {index}", "question": "?", "answer": "!"},
                        path=f"/defis/{index}#tour",
                        created_at=now(),
                    )
                    for index in range(more)
                )
            )
        before = queries_run()
        items = await recent_notifications(actor)
        counts.append(queries_run() - before)
    assert counts == [1, 1]
    assert len(items) == 20 and plain(items[0].text) == "Réponse à votre question sur « Défi 29 »"


async def test_logging_in_shows_the_accounts_language_unless_the_browser_chose_one(
    client: AsyncTestClient,  # type: ignore[type-arg]
    net: Net,
) -> None:
    from tests.conftest import csrf_token
    from tests.support.factories import PASSWORD

    async def log_in_as_a() -> str:
        token = await csrf_token(client)
        response = await client.post(
            "/connexion",
            data={"email": "a@exemple.fr", "password": PASSWORD, "_csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303
        return ";".join(response.headers.get_list("set-cookie"))

    client.cookies.clear()
    assert "cobudget_lang=en" in await log_in_as_a()
    client.cookies.clear()
    client.cookies.set("cobudget_lang", "fr")  # this browser chose French: it stays French
    assert "cobudget_lang" not in await log_in_as_a()
