"""A person's own account (issue 17): name, email (confirmed by a link to the new address),
password (other sessions ended), language, their data as JSON, and deleting the account (what
they wrote stays, signed « ancien membre »)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import httpx
from litestar.testing import AsyncTestClient

from cobudget.db.tables import (
    AuditEntry,
    DiscussionComment,
    EmailChange,
    Invitation,
    Membership,
    Need,
    NotificationPreference,
    OutboxMessage,
    RoundComment,
    User,
    WebSession,
)
from cobudget.domain.errors import InvalidInput
from cobudget.services import outbox
from cobudget.services.clock import now
from cobudget.settings import Settings
from cobudget.web.app import create_app
from tests.integration.conftest import World, log_in, page_text, post_form
from tests.support import factories
from tests.support.factories import PASSWORD
from tests.support.mail import Mailbox, body_of, link_in

Client = AsyncTestClient  # type: ignore[type-arg]
PAGE = "/mon-compte"


async def _user(email: str) -> dict[str, object]:
    row = await User.select().where(User.email == email).first()
    assert row is not None
    return row


async def _post(client: Client, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    return await post_form(client, path, data, form_page=PAGE)


async def test_a_person_changes_their_name_and_a_blank_or_long_one_changes_nothing(
    client: Client, world: World
) -> None:
    await log_in(client, world.emails["member"])
    blank = await _post(client, f"{PAGE}/nom", {"name": "   "})
    assert blank.status_code == 422 and "Ce champ est obligatoire." in blank.text
    long = await _post(client, f"{PAGE}/nom", {"name": "x" * 121})
    assert long.status_code == 422 and "120 caractères au plus" in long.text
    assert (await _user(world.emails["member"]))["name"] == "Awa Membre"
    done = await _post(client, f"{PAGE}/nom", {"name": "  Awa   Nouvelle "})
    assert done.status_code == 303 and done.headers["location"] == f"{PAGE}?ok=name#nom"
    assert (await _user(world.emails["member"]))["name"] == "Awa Nouvelle"
    page = await client.get(f"{PAGE}?ok=name")
    assert "Votre nom est enregistré." in page.text and 'value="Awa Nouvelle"' in page.text


async def test_an_email_change_waits_for_the_link_sent_to_the_new_address(
    client: Client, world: World, settings: Settings, mailbox: Mailbox
) -> None:
    old = world.emails["member"]
    await log_in(client, old)
    asked = await _post(
        client, f"{PAGE}/email", {"new_email": "Awa@Ailleurs.fr", "email_password": PASSWORD}
    )
    assert asked.status_code == 303
    assert (await _user(old))["id"]  # the old address stays until the link is opened
    assert await outbox.send_due(settings) == 2
    told = await mailbox.wait_for(old)
    assert told["Subject"] == "Changement d’adresse e-mail demandé"
    assert "awa@ailleurs.fr" in body_of(told)
    message = await mailbox.wait_for("awa@ailleurs.fr")
    assert message["Subject"] == "Confirmez votre nouvelle adresse e-mail"
    path = link_in(message).removeprefix(settings.base_url)
    client.cookies.clear()  # the link works without a login: it is the proof
    shown = await client.get(path)
    assert shown.status_code == 200 and "awa@ailleurs.fr" in shown.text
    assert await User.count().where(User.email == old) == 1  # opening the page changes nothing
    confirmed = await post_form(client, path, {}, form_page=path)
    assert confirmed.status_code == 200 and "C’est fait" in confirmed.text
    assert await User.count().where(User.email == old) == 0
    await log_in(client, "awa@ailleurs.fr")
    client.cookies.clear()
    again = await post_form(client, path, {}, form_page="/connexion")
    assert again.status_code == 422 and "ne fonctionne plus" in again.text


async def test_an_email_change_is_refused_with_a_wrong_password_a_taken_or_the_same_address(
    client: Client, world: World
) -> None:
    await log_in(client, world.emails["member"])
    cases = [
        ({"new_email": "libre@exemple.fr", "email_password": "pas-le-bon"}, "mot de passe actuel"),
        ({"new_email": world.emails["coordinator"], "email_password": PASSWORD}, "existe déjà"),
        ({"new_email": world.emails["member"], "email_password": PASSWORD}, "déjà l’adresse"),
        ({"new_email": "pas-une-adresse", "email_password": PASSWORD}, "pas l’air valide"),
    ]
    for data, message in cases:
        response = await _post(client, f"{PAGE}/email", data)
        assert response.status_code == 422 and message in response.text, data
    assert await EmailChange.count() == 0
    assert await OutboxMessage.count() == 0


async def test_whether_an_address_has_an_account_is_told_only_after_the_right_password(
    client: Client, world: World
) -> None:
    """A session alone (a computer left open) cannot probe which addresses have an account:
    the password is checked first, and its failures are limited."""
    await log_in(client, world.emails["member"])
    probe = {"new_email": world.emails["coordinator"], "email_password": "pas-le-bon"}
    response = await _post(client, f"{PAGE}/email", probe)
    assert response.status_code == 422
    assert "mot de passe actuel" in response.text and "existe déjà" not in response.text


async def test_an_expired_link_or_an_address_taken_meanwhile_changes_nothing(
    client: Client, world: World, settings: Settings, mailbox: Mailbox
) -> None:
    member = world.emails["member"]
    await log_in(client, member)
    for new in ("un@exemple.fr", "deux@exemple.fr"):
        await _post(client, f"{PAGE}/email", {"new_email": new, "email_password": PASSWORD})
    await outbox.send_due(settings)
    expired = link_in(await mailbox.wait_for("un@exemple.fr")).removeprefix(settings.base_url)
    taken = link_in(await mailbox.wait_for("deux@exemple.fr")).removeprefix(settings.base_url)
    await EmailChange.update({EmailChange.expires_at: now() - dt.timedelta(minutes=1)}).where(
        EmailChange.new_email == "un@exemple.fr"
    )
    assert (await client.get(expired)).status_code == 404
    refused = await post_form(client, expired, {}, form_page=PAGE)
    assert refused.status_code == 422 and "ne fonctionne plus" in refused.text
    await factories.make_user("deux@exemple.fr", "Quelqu’un d’autre")
    refused = await post_form(client, taken, {}, form_page=PAGE)
    assert refused.status_code == 422 and "existe déjà" in refused.text
    assert await User.count().where(User.email == member) == 1


async def test_email_change_requests_are_rate_limited(client: Client, world: World) -> None:
    await log_in(client, world.emails["member"])
    statuses = [
        (
            await _post(
                client,
                f"{PAGE}/email",
                {"new_email": f"essai{i}@exemple.fr", "email_password": PASSWORD},
            )
        ).status_code
        for i in range(6)
    ]
    assert statuses == [303] * 5 + [429]
    assert await EmailChange.count() == 5


async def test_a_password_change_needs_the_current_one_and_ends_every_other_session(
    client: Client, world: World, settings: Settings, mailbox: Mailbox
) -> None:
    email = world.emails["member"]
    async with AsyncTestClient(app=create_app(settings), base_url="http://testserver.local") as o:
        await log_in(o, email)
        await log_in(client, email)
        wrong = await _post(
            client,
            f"{PAGE}/mot-de-passe",
            {
                "current_password": "pas-le-bon",
                "password": "un-nouveau-secret",
                "password_confirmation": "un-nouveau-secret",
            },
        )
        assert wrong.status_code == 422 and "pas votre mot de passe actuel" in wrong.text
        short = await _post(
            client,
            f"{PAGE}/mot-de-passe",
            {"current_password": PASSWORD, "password": "court", "password_confirmation": "court"},
        )
        assert short.status_code == 422 and "au moins 10 caractères" in short.text
        assert await WebSession.count() == 2
        done = await _post(
            client,
            f"{PAGE}/mot-de-passe",
            {
                "current_password": PASSWORD,
                "password": "un-nouveau-secret",
                "password_confirmation": "un-nouveau-secret",
            },
        )
        assert done.status_code == 303
        assert await WebSession.count() == 1
        assert (await client.get(PAGE)).status_code == 200  # this session stays
        assert (await o.get(PAGE)).status_code == 401  # the other one ended
    await outbox.send_due(settings)
    assert (await mailbox.wait_for(email))["Subject"] == "Votre mot de passe a changé"
    client.cookies.clear()
    await log_in(client, email, "un-nouveau-secret")


async def test_the_language_is_kept_on_the_account_and_applied(
    client: Client, world: World
) -> None:
    await log_in(client, world.emails["member"])
    bad = await _post(client, f"{PAGE}/langue", {"locale": "de"})
    assert bad.status_code == 422
    done = await _post(client, f"{PAGE}/langue", {"locale": "en"})
    assert done.status_code == 303 and "cobudget_lang=en" in done.headers["set-cookie"]
    assert (await _user(world.emails["member"]))["locale"] == "en"
    page = await client.get(PAGE)
    assert "My account" in page.text


async def _write_as(user_id: int, world: World) -> None:
    """The member's name on a round comment and a discussion comment of the world."""
    await RoundComment.update({RoundComment.author: user_id}).where(
        RoundComment.id == world.comment_id
    )
    await DiscussionComment.update({DiscussionComment.author: user_id}).where(
        DiscussionComment.id == world.discussion_id
    )


async def test_a_person_downloads_all_their_data_as_json(client: Client, world: World) -> None:
    member = await _user(world.emails["member"])
    await _write_as(int(str(member["id"])), world)
    await Need.update({Need.created_by: int(str(member["id"]))}).where(Need.id == world.need_id)
    await log_in(client, world.emails["member"])
    await _post(client, "/mon-espace/notifications", {"mode.question_asked": "daily"})
    response = await client.get(f"{PAGE}/donnees")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["profile"]["email"] == world.emails["member"]
    assert data["profile"]["name"] == "Awa Membre"
    assert [m["lieu_name"] for m in data["memberships"]["items"]] == ["La Fabrique"]
    assert data["notification_preferences"]["items"] == [
        {"kind": "question_asked", "mode": "daily"}
    ]
    assert [c["text"] for c in data["round_comments"]["items"]] == ["Belle idée."]
    assert [n["title"] for n in data["needs_published"]["items"]] == ["Un four à pain partagé"]
    assert len(data["discussion_comments"]["items"]) == 1
    assert not any(
        section.get("truncated") for section in data.values() if isinstance(section, dict)
    )
    # Only one's own: another person downloads theirs, with none of the member's.
    client.cookies.clear()
    await log_in(client, world.emails["coordinator"])
    other = json.loads((await client.get(f"{PAGE}/donnees")).content)
    assert other["profile"]["email"] == world.emails["coordinator"]
    assert other["round_comments"]["items"] == []


def test_every_column_that_names_a_person_is_in_their_data() -> None:
    """A table added later that points at a person must say what it keeps of them in the
    download (RGPD article 20), or this fails."""
    from piccolo.columns import ForeignKey

    from cobudget.db.tables import ALL_TABLES, User
    from cobudget.services.queries.account_data import _sections

    given = {(table, column._meta.name) for _, table, column, _ in _sections()}
    pointing = {
        (table, column._meta.name)
        for table in ALL_TABLES
        for column in table._meta.foreign_key_columns
        if isinstance(column, ForeignKey) and column._foreign_key_meta.resolved_references is User
    }
    assert pointing - given == set()


async def test_deleting_the_account_asks_first_then_the_password(
    client: Client, world: World
) -> None:
    await log_in(client, world.emails["member"])
    asked = await _post(client, f"{PAGE}/supprimer", {})
    assert asked.status_code == 200 and "Supprimer votre compte ?" in page_text(asked)
    assert 'name="confirm" value="1"' in asked.text and 'id="f-password"' in asked.text
    wrong = await _post(client, f"{PAGE}/supprimer", {"confirm": "1", "password": "pas-le-bon"})
    assert wrong.status_code == 422 and "pas votre mot de passe actuel" in wrong.text
    assert (await _user(world.emails["member"]))["deleted_at"] is None


async def test_a_deleted_person_is_gone_but_what_they_wrote_stays_as_ancien_membre(
    client: Client, world: World
) -> None:
    email = world.emails["member"]
    member = await _user(email)
    user_id = int(str(member["id"]))
    await _write_as(user_id, world)
    await Invitation.insert(
        Invitation(
            token_hash="x" * 64,
            kind="member",
            email=email,
            network=world.network_id,
            lieu=world.other_lieu_id,
            created_at=now(),
            expires_at=now() + dt.timedelta(days=3),
        )
    )
    await log_in(client, email)
    await _post(client, "/mon-espace/notifications", {"mode.question_asked": "daily"})
    done = await _post(client, f"{PAGE}/supprimer", {"confirm": "1", "password": PASSWORD})
    assert done.status_code == 303 and done.headers["location"] == "/"
    row = await User.select().where(User.id == user_id).first()
    assert row is not None and row["deleted_at"] is not None
    assert row["name"] == "" and "@" not in row["email"] and row["password_hash"] == "!deleted"
    for table in (WebSession, Membership, NotificationPreference):
        assert await table.count().where(table.user == user_id) == 0  # type: ignore[attr-defined]
    assert await Invitation.count().where(Invitation.email == email) == 0
    assert await RoundComment.count().where(RoundComment.author == user_id) == 1
    entry = await AuditEntry.select().where(AuditEntry.action == "user.deleted").first()
    assert entry is not None and entry["before"] is None and entry["after"] is None
    assert (await client.get(PAGE)).status_code == 401
    login = await post_form(client, "/connexion", {"email": email, "password": PASSWORD})
    assert login.status_code == 422
    page = page_text(await client.get(f"/defis/{world.challenge_id}"))
    assert "Awa Membre" not in page and page.count("ancien membre") >= 2
    api = (await client.get(f"/api/challenges/{world.challenge_id}/discussion")).json()
    assert [c["author"] for c in api["items"] if c["id"] == world.discussion_id] == [
        "ancien membre"
    ]


async def test_the_last_admin_of_a_lieu_or_coordinator_cannot_delete_their_account(
    client: Client, world: World
) -> None:
    for role in ("lieu_admin", "coordinator", "site_admin"):
        client.cookies.clear()
        await log_in(client, world.emails[role])
        refused = await _post(client, f"{PAGE}/supprimer", {"confirm": "1", "password": PASSWORD})
        assert refused.status_code == 403, role
        assert "dernière personne" in refused.text
    # With a second admin, the first may go.
    member = await _user(world.emails["member"])
    await Membership.update({Membership.is_admin: True}).where(
        Membership.user == int(str(member["id"]))
    )
    client.cookies.clear()
    await log_in(client, world.emails["lieu_admin"])
    done = await _post(client, f"{PAGE}/supprimer", {"confirm": "1", "password": PASSWORD})
    assert done.status_code == 303


async def test_two_accounts_confirming_the_same_new_address_at_once_get_it_once(
    client: Client, world: World, settings: Settings, mailbox: Mailbox
) -> None:
    from cobudget.services import email_change

    for role in ("member", "cofunder"):
        client.cookies.clear()
        await log_in(client, world.emails[role])
        await _post(
            client, f"{PAGE}/email", {"new_email": "commune@exemple.fr", "email_password": PASSWORD}
        )
    await outbox.send_due(settings)
    links = [link_in(m).rsplit("/", 1)[1] for m in mailbox.to("commune@exemple.fr")]
    assert len(links) == 2
    results = await asyncio.gather(
        *(email_change.confirm(token) for token in links), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, InvalidInput)]
    assert len(refused) == 1 and refused[0].fields == {"token": "email_taken"}
    assert await User.count().where(User.email == "commune@exemple.fr") == 1


async def test_a_deleted_persons_email_leaves_every_audit_entry_before_and_after(
    client: Client, world: World
) -> None:
    """An invitation cancelled before the person joined keeps their address in its audit
    entry's `before`; deleting the account replaces it there too."""
    email = "invitee.annulee@exemple.fr"
    await log_in(client, world.emails["lieu_admin"])
    people = f"/lieux/{world.lieu_slug}/personnes"
    await post_form(client, f"{people}/inviter", {"email": email}, form_page=people)
    row = await Invitation.select(Invitation.id).where(Invitation.email == email).first()
    assert row is not None
    cancelled = await post_form(
        client, f"/lieux/{world.lieu_slug}/invitations/{row['id']}/annulation", {}, form_page=people
    )
    assert cancelled.status_code == 303, cancelled.text
    user_id = await factories.make_user(email, "Invitée Annulée")
    await factories.add_member(user_id, world.other_lieu_id)
    client.cookies.clear()
    await log_in(client, email)
    done = await _post(client, f"{PAGE}/supprimer", {"confirm": "1", "password": PASSWORD})
    assert done.status_code == 303
    entries = await AuditEntry.select(AuditEntry.action, AuditEntry.before, AuditEntry.after)
    assert [e["action"] for e in entries if email in f"{e['before']}{e['after']}"] == []


async def test_a_reset_link_sent_to_the_old_address_dies_with_the_email_change(
    client: Client, world: World, settings: Settings, mailbox: Mailbox
) -> None:
    """Whoever reads the old mailbox no longer holds the account once its email changed: a
    password-reset link sent there before the change stops working."""
    from cobudget.services import accounts, email_change

    old = world.emails["member"]
    await accounts.request_password_reset(settings, email=old, address="203.0.113.9")
    await log_in(client, old)
    await _post(
        client, f"{PAGE}/email", {"new_email": "awa@ailleurs.fr", "email_password": PASSWORD}
    )
    await outbox.send_due(settings)
    reset = next(m for m in mailbox.to(old) if "/mot-de-passe/" in link_in(m))
    change = link_in(await mailbox.wait_for("awa@ailleurs.fr")).rsplit("/", 1)[1]
    await email_change.confirm(change)
    user_id = int(str((await _user("awa@ailleurs.fr"))["id"]))
    try:
        await accounts.reset_password(
            settings,
            token=link_in(reset).rsplit("/", 1)[1],
            password="un-autre-mot-de-passe",
            confirmation="un-autre-mot-de-passe",
            address="203.0.113.9",
        )
    except InvalidInput as error:
        assert error.fields == {"token": "reset_link_invalid"}
    else:
        raise AssertionError(f"the old address's reset link still worked for {user_id}")


async def test_two_site_admins_deleting_their_accounts_at_once_leave_one(
    db: str, smtp: tuple[Mailbox, int], tmp_path: Path
) -> None:
    """Two app processes on PostgreSQL (one on SQLite), each site admin's deletion in its own,
    sent together, several times over: one goes, the other is refused as the last, never
    both (the site admins' rows are held while the rule is asked)."""
    from tests.integration.web.test_money_races import _logged_in
    from tests.support.database import backend
    from tests.support.processes import app_processes

    processes = 2 if backend() == "postgresql" else 1
    with app_processes(processes, db, smtp[1], tmp_path) as urls:
        for round_ in range(4):
            emails = [f"admin{round_}.{n}@exemple.fr" for n in (1, 2)]
            await User.update({User.is_site_admin: False}).where(User.is_site_admin.eq(True))
            for email in emails:
                await factories.make_user(email, "Admin", site_admin=True)
            clients = [await _logged_in(urls[n % len(urls)], e) for n, e in enumerate(emails)]

            async def delete(client: httpx.AsyncClient, token: str) -> int:
                response = await client.post(
                    f"{PAGE}/supprimer",
                    data={"confirm": "1", "password": PASSWORD, "_csrf_token": token},
                )
                return response.status_code

            statuses = sorted(await asyncio.gather(*(delete(*c) for c in clients)))
            assert await User.count().where(User.is_site_admin.eq(True)) == 1, statuses
            assert statuses == [303, 403], statuses
            for client, _token in clients:
                await client.aclose()
