"""The people of a lieu (issue 17): its admin sees the members and their roles, changes a role,
removes someone (confirmed first), cancels or resends a pending invitation; a member leaves; the
last admin stays, whoever asks and however many ask at once; everything audited; a removed
person loses the lieu's rights at their next request. And the lieu's public profile: territory,
address, contact."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import AuditEntry, Invitation, Lieu, Membership, User
from cobudget.domain.errors import InvalidInput, NotAllowed
from cobudget.services import outbox, people
from cobudget.services.actors import load_actor
from cobudget.settings import Settings
from tests.integration.conftest import World, client_with, log_in, page_text, post_form
from tests.support import factories
from tests.support.database import backend
from tests.support.mail import Mailbox, link_in
from tests.support.processes import app_processes

CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def _user(email: str) -> int:
    row = await User.select(User.id).where(User.email == email).first()
    assert row is not None
    return int(row["id"])


async def _is_admin(user_id: int, lieu_id: int) -> bool | None:
    row = (
        await Membership.select(Membership.is_admin)
        .where(Membership.user == user_id)
        .where(Membership.lieu == lieu_id)
        .first()
    )
    return None if row is None else bool(row["is_admin"])


async def _actions(name: str) -> int:
    return await AuditEntry.count().where(AuditEntry.action == name)


async def _invite(client: AsyncTestClient, world: World, email: str) -> int:  # type: ignore[type-arg]
    response = await post_form(
        client, f"/lieux/{world.lieu_slug}/personnes/inviter", {"email": email}
    )
    assert response.status_code == 200, response.text
    row = await Invitation.select(Invitation.id).where(Invitation.email == email).first()
    assert row is not None
    return int(row["id"])


async def test_the_lieu_admin_sees_the_members_their_roles_and_the_pending_invitations(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("lieu_admin")
    await _invite(client, world, "bientot@exemple.fr")
    page = await client.get(f"/lieux/{world.lieu_slug}/personnes")
    assert page.status_code == 200
    text = page_text(page)
    assert "Awa Membre" in text and "Jules Admin" in text and "(vous)" in text
    assert world.emails["member"] in text and "administration" in text
    assert "bientot@exemple.fr" in text and "membre d’un lieu" in text
    # The only admin is told why they cannot step down.
    assert "La seule personne qui administre le lieu" in text  # no button to demote or remove them
    # From the lieu's page too.
    lieu_page = await client.get(f"/lieux/{world.lieu_slug}")
    assert f'href="/lieux/{world.lieu_slug}/personnes"' in lieu_page.text


async def test_a_second_invitation_to_the_same_address_is_listed_once(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("lieu_admin")
    first = await _invite(client, world, "deux.fois@exemple.fr")
    second = await _invite(client, world, "deux.fois@exemple.fr")
    assert first == second
    page = await client.get(f"/lieux/{world.lieu_slug}/personnes")
    assert page.text.count("Renvoyer à deux.fois@exemple.fr") == 1


async def test_the_admin_promotes_a_member_then_makes_them_a_member_again(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("lieu_admin")
    member = await _user(world.emails["member"])
    path = f"/lieux/{world.lieu_slug}/personnes/{member}/role"
    promoted = await post_form(client, path, {"role": "admin"})
    assert promoted.status_code == 303
    assert promoted.headers["location"] == f"/lieux/{world.lieu_slug}/personnes?ok=role"
    assert await _is_admin(member, world.lieu_id) is True
    entry = await AuditEntry.select().where(AuditEntry.action == "person.set_role").first()
    assert entry is not None and entry["entity_id"] == world.lieu_id
    assert entry["network"] == world.network_id
    # The new admin has the lieu's admin rights at their next request.
    member_client = await as_role("member")
    assert (await member_client.get(f"/lieux/{world.lieu_slug}/personnes")).status_code == 200
    back = await post_form(member_client, path, {"role": "member"})
    assert back.status_code == 303 and await _is_admin(member, world.lieu_id) is False
    assert await _actions("person.set_role") == 2


async def test_an_unknown_role_or_person_is_refused_and_changes_nothing(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("lieu_admin")
    member = await _user(world.emails["member"])
    odd = await post_form(
        client, f"/lieux/{world.lieu_slug}/personnes/{member}/role", {"role": "roi"}
    )
    assert odd.status_code == 422 and "Choisissez une des options" in page_text(odd)
    outsider = await _user(world.emails["cofunder"])
    stranger = await post_form(
        client, f"/lieux/{world.lieu_slug}/personnes/{outsider}/role", {"role": "admin"}
    )
    assert stranger.status_code == 422
    assert "ne fait pas (ou plus) partie du lieu" in page_text(stranger)
    assert await _actions("person.set_role") == 0


async def test_the_last_admin_can_be_neither_demoted_nor_removed_nor_leave(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("lieu_admin")
    admin = await _user(world.emails["lieu_admin"])
    base = f"/lieux/{world.lieu_slug}"
    demoted = await post_form(client, f"{base}/personnes/{admin}/role", {"role": "member"})
    assert demoted.status_code == 422
    assert "au moins une personne qui l’administre" in page_text(demoted)
    removed = await post_form(client, f"{base}/personnes/{admin}/retrait", {"confirm": "1"})
    assert removed.status_code == 422
    left = await post_form(client, f"{base}/quitter", {"confirm": "1"})
    assert left.status_code == 422 and "Rien n’a été changé" in page_text(left)
    assert await _is_admin(admin, world.lieu_id) is True
    assert await AuditEntry.count().where(AuditEntry.action.like("person.%")) == 0


async def test_removing_someone_is_confirmed_first_and_their_rights_end_at_once(
    as_role, world: World, app
) -> None:  # type: ignore[no-untyped-def]
    member = await _user(world.emails["member"])
    # The member is logged in, in a client of their own, and may propose a challenge.
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as member_client:
        await log_in(member_client, world.emails["member"])
        propose = f"/reseaux/{world.network_slug}/defis/nouveau"
        assert (await member_client.get(propose)).status_code == 200
        client = await as_role("lieu_admin")
        path = f"/lieux/{world.lieu_slug}/personnes/{member}/retrait"
        asked = await post_form(client, path, {})
        assert asked.status_code == 200 and "Retirer cette personne du lieu ?" in page_text(asked)
        assert await _is_admin(member, world.lieu_id) is False  # still there
        done = await post_form(client, path, {"confirm": "1"})
        assert done.status_code == 303
        assert await _is_admin(member, world.lieu_id) is None
        entry = (
            await AuditEntry.select()
            .where(AuditEntry.action == "person.remove")
            .output(load_json=True)
            .first()
        )
        assert entry is not None and entry["before"]["user_id"] == member  # type: ignore[index]
        # Same session, next request: the lieu's rights are gone.
        assert (await member_client.get(propose)).status_code == 403


async def test_a_member_leaves_the_lieu_after_confirming(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("member")
    page = await client.get(f"/lieux/{world.lieu_slug}")
    assert "Quitter ce lieu" in page.text
    asked = await post_form(client, f"/lieux/{world.lieu_slug}/quitter", {})
    assert asked.status_code == 200 and "Quitter La Fabrique ?" in page_text(asked)
    done = await post_form(client, f"/lieux/{world.lieu_slug}/quitter", {"confirm": "1"})
    assert done.status_code == 303 and done.headers["location"] == "/mon-espace"
    member = await _user(world.emails["member"])
    assert await _is_admin(member, world.lieu_id) is None
    assert await _actions("person.leave") == 1
    again = await post_form(client, f"/lieux/{world.lieu_slug}/quitter", {"confirm": "1"})
    assert again.status_code == 403


async def test_an_admin_leaves_once_another_admin_is_named(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("lieu_admin")
    member = await _user(world.emails["member"])
    await post_form(client, f"/lieux/{world.lieu_slug}/personnes/{member}/role", {"role": "admin"})
    left = await post_form(client, f"/lieux/{world.lieu_slug}/quitter", {"confirm": "1"})
    assert left.status_code == 303
    assert await _is_admin(await _user(world.emails["lieu_admin"]), world.lieu_id) is None
    assert await _is_admin(member, world.lieu_id) is True


async def test_an_admin_demoted_meanwhile_acts_no_more_even_with_their_earlier_rights(
    world: World,
) -> None:
    """The rights read when a request began are checked again inside the transaction."""
    admin = await _user(world.emails["lieu_admin"])
    member = await _user(world.emails["member"])
    stale = await load_actor(admin)  # read while still admin
    await factories.add_member(
        await factories.make_user("autre@exemple.fr"), world.lieu_id, admin=True
    )
    await Membership.update({Membership.is_admin: False}).where(Membership.user == admin)
    with pytest.raises(NotAllowed) as refused:
        await people.change_role(stale, lieu_id=world.lieu_id, user_id=member, role="admin")
    assert refused.value.reason == "lieu_admin_only"
    assert await _is_admin(member, world.lieu_id) is False


async def test_an_invitation_is_cancelled_and_its_link_stops_working(
    as_role, world: World, settings: Settings, mailbox: Mailbox
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("lieu_admin")
    invitation = await _invite(client, world, "annulee@exemple.fr")
    await outbox.send_due(settings)
    link = link_in(await mailbox.wait_for("annulee@exemple.fr")).removeprefix(settings.base_url)
    response = await post_form(
        client, f"/lieux/{world.lieu_slug}/invitations/{invitation}/annulation", {}
    )
    assert response.status_code == 303
    assert not await Invitation.exists().where(Invitation.id == invitation)
    entry = (
        await AuditEntry.select()
        .where(AuditEntry.action == "invitation.cancel")
        .output(load_json=True)
        .first()
    )
    assert entry is not None and entry["before"]["email"] == "annulee@exemple.fr"  # type: ignore[index]
    client.cookies.clear()
    assert (await client.get(link)).status_code == 404
    # Twice: there is nothing left to cancel.
    client = await as_role("lieu_admin")
    twice = await post_form(
        client, f"/lieux/{world.lieu_slug}/invitations/{invitation}/annulation", {}
    )
    assert twice.status_code == 404


async def test_a_resent_invitation_has_a_new_link_and_expiry_and_the_old_link_dies(
    as_role, world: World, settings: Settings, mailbox: Mailbox
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("lieu_admin")
    invitation = await _invite(client, world, "relance@exemple.fr")
    await outbox.send_due(settings)
    old_link = link_in(await mailbox.wait_for("relance@exemple.fr")).removeprefix(settings.base_url)
    await Invitation.update({Invitation.expires_at: Invitation.created_at}).where(
        Invitation.id == invitation
    )  # expired meanwhile: it may still be sent again
    listed = await client.get(f"/lieux/{world.lieu_slug}/personnes")
    assert "expirée" in listed.text
    mailbox.clear()
    response = await post_form(
        client, f"/lieux/{world.lieu_slug}/invitations/{invitation}/renvoi", {}
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("?ok=resent")
    await outbox.send_due(settings)
    new_link = link_in(await mailbox.wait_for("relance@exemple.fr")).removeprefix(settings.base_url)
    assert new_link != old_link
    assert await _actions("invitation.resend") == 1
    client.cookies.clear()
    assert (await client.get(old_link)).status_code == 404
    page = await client.get(new_link)
    assert page.status_code == 200 and "Créez votre compte" in page.text
    assert await Invitation.count().where(Invitation.email == "relance@exemple.fr") == 1


async def test_resending_counts_against_the_invitation_limits(
    world: World, settings: Settings
) -> None:
    async with client_with(settings, invitations_per_email_per_day=2) as client:
        await log_in(client, world.emails["lieu_admin"])
        invitation = await _invite(client, world, "limite@exemple.fr")
        path = f"/lieux/{world.lieu_slug}/invitations/{invitation}/renvoi"
        assert (await post_form(client, path, {})).status_code == 303
        refused = await post_form(client, path, {})
        assert refused.status_code == 429
    assert await _actions("invitation.resend") == 1


async def test_an_invitation_of_another_lieu_is_not_found_through_this_one(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    other_admin = await factories.make_user("admin.comptoir@exemple.fr", "Zoé Comptoir")
    await factories.add_member(other_admin, world.other_lieu_id, admin=True)
    client = await as_role("lieu_admin")
    invitation = await _invite(client, world, "ailleurs@exemple.fr")
    client.cookies.clear()
    await log_in(client, "admin.comptoir@exemple.fr")
    comptoir = await Lieu.select(Lieu.slug).where(Lieu.id == world.other_lieu_id).first()
    assert comptoir is not None
    for action in ("annulation", "renvoi"):
        response = await post_form(
            client, f"/lieux/{comptoir['slug']}/invitations/{invitation}/{action}", {}
        )
        assert response.status_code == 404
    assert await Invitation.exists().where(Invitation.id == invitation)


async def test_the_profile_takes_territory_address_and_contact_and_shows_them(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("lieu_admin")
    form = await client.get(f"/lieux/{world.lieu_slug}/modifier")
    assert 'name="territory"' in form.text and 'value="Tarn"' in form.text
    response = await post_form(
        client,
        f"/lieux/{world.lieu_slug}/modifier",
        {
            "name": "La Fabrique",
            "town": "Albi",
            "territory": "Albigeois",
            "address": "12 rue des Communs\n81000 Albi",
            "contact_email": "Bonjour@LaFabrique.fr",
            "contact_phone": "+33 5 63 00 00 00",
            "description": "Un lieu.\n\nDeux paragraphes.",
            "website": "https://lafabrique.fr",
        },
    )
    assert response.status_code == 303
    client.cookies.clear()
    page = page_text(await client.get(f"/lieux/{world.lieu_slug}"))
    assert "Albigeois" in page
    assert "12 rue des Communs<br>" in page and "81000 Albi" in page
    assert 'href="mailto:bonjour@lafabrique.fr"' in page
    assert 'href="tel:+33563000000"' in page and "+33 5 63 00 00 00" in page
    api = await client.get(f"/api/lieux/{world.lieu_id}")
    assert api.status_code == 200
    body = api.json()
    assert body["territory"] == "Albigeois" and body["contact_email"] == "bonjour@lafabrique.fr"
    assert body["contact_phone"] == "+33 5 63 00 00 00"
    assert body["address"] == "12 rue des Communs\n81000 Albi"
    entry = (
        await AuditEntry.select()
        .where(AuditEntry.action == "lieu.edit_profile")
        .output(load_json=True)
        .first()
    )
    assert entry is not None and entry["after"]["territory"] == "Albigeois"  # type: ignore[index]


async def test_a_bad_contact_is_refused_next_to_its_field_and_changes_nothing(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("lieu_admin")
    response = await post_form(
        client,
        f"/lieux/{world.lieu_slug}/modifier",
        {
            "name": "La Fabrique",
            "town": "Albi",
            "territory": "x" * 121,
            "address": "y" * 401,
            "contact_email": "pas-une-adresse",
            "contact_phone": "appelez-nous",
        },
    )
    assert response.status_code == 422
    text = page_text(response)
    for field in ("territory", "address", "contact_email", "contact_phone"):
        assert f'id="e-{field}"' in text
    assert "numéro de téléphone n’a pas l’air valide" in text
    row = (
        await Lieu.select(Lieu.territory, Lieu.contact_email)
        .where(Lieu.id == world.lieu_id)
        .first()
    )
    assert row == {"territory": "Tarn", "contact_email": ""}


async def _logged_in(url: str, email: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(base_url=url, timeout=60)
    token = CSRF_INPUT.search((await client.get("/connexion")).text)
    assert token is not None
    response = await client.post(
        "/connexion",
        data={"email": email, "password": factories.PASSWORD, "_csrf_token": token.group(1)},
    )
    assert response.status_code in (200, 303), response.text
    return client, token.group(1)


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    db: str, smtp: tuple[Mailbox, int], tmp_path: Path
) -> None:
    """Two app processes on PostgreSQL (one on SQLite, the embedded default), each admin's
    request in its own, sent together, several times over: one demotion wins, the other is
    refused (the last admin, or no longer an admin), never both."""
    network = await factories.make_network("Réseau Course")
    lieu = await factories.make_lieu(network, "Le Relais")
    first = await factories.make_user("une@exemple.fr", "Une")
    second = await factories.make_user("deux@exemple.fr", "Deux")
    for user in (first, second):
        await factories.add_member(user, lieu, admin=True)
    processes = 2 if backend() == "postgresql" else 1
    with app_processes(processes, db, smtp[1], tmp_path) as urls:
        clients = [
            await _logged_in(urls[0], "une@exemple.fr"),
            await _logged_in(urls[-1], "deux@exemple.fr"),
        ]

        async def demote(index: int, user: int) -> int:
            client, token = clients[index]
            response = await client.post(
                f"/lieux/le-relais/personnes/{user}/role",
                data={"role": "member", "_csrf_token": token},
            )
            return response.status_code

        for _round in range(5):
            await Membership.update({Membership.is_admin: True}).where(Membership.lieu == lieu)
            statuses = sorted(await asyncio.gather(demote(0, second), demote(1, first)))
            admins = (
                await Membership.count()
                .where(Membership.lieu == lieu)
                .where(Membership.is_admin.eq(True))
            )
            assert admins == 1, statuses
            # One won (303, back to the page), the other was refused.
            assert statuses[0] == 303 and statuses[1] in (403, 422), statuses
        for client, _token in clients:
            await client.aclose()


async def test_the_last_admin_steps_down_once_a_member_is_promoted(world: World) -> None:
    """The same rule through the services: refused alone, allowed once another admin is named."""
    admin = await _user(world.emails["lieu_admin"])
    member = await _user(world.emails["member"])
    actor = await load_actor(admin)
    with pytest.raises(InvalidInput) as refused:
        await people.remove(actor, lieu_id=world.lieu_id, user_id=admin, confirmed=True)
    assert refused.value.fields == {"person": "last_admin"}
    await people.change_role(actor, lieu_id=world.lieu_id, user_id=member, role="admin")
    await people.remove(actor, lieu_id=world.lieu_id, user_id=admin, confirmed=True)
    assert await _is_admin(member, world.lieu_id) is True
    assert await _is_admin(admin, world.lieu_id) is None
