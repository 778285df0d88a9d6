"""The site admin (issue 17): every network with its coordinators, its lieux and whether it is
public; the people of the instance, searched and paged within bounds; a coordinator appointed
from the list, removed (confirmed first, never the last one, even by two removals at once),
a pending appointment resent or cancelled. Everything audited."""

from __future__ import annotations

import asyncio

from cobudget.db.tables import AuditEntry, Coordinator, Invitation, User
from cobudget.domain.errors import InvalidInput
from cobudget.services import coordinators, outbox
from cobudget.services.actors import load_actor
from cobudget.services.queries.site_admin import PAGE_SIZE
from cobudget.settings import Settings
from tests.integration.conftest import World, page_text, post_form
from tests.support import factories
from tests.support.mail import Mailbox, link_in


async def _user(email: str) -> int:
    row = await User.select(User.id).where(User.email == email).first()
    assert row is not None
    return int(row["id"])


async def _appoint(client, world: World, email: str) -> int:  # type: ignore[no-untyped-def]
    response = await post_form(
        client, f"/reseaux/{world.network_slug}/coordinateurs", {"email": email, "from": "admin"}
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/admin/reseaux?ok=appointed")
    row = await Invitation.select(Invitation.id).where(Invitation.email == email).first()
    return int(row["id"]) if row else 0


async def test_the_site_admin_lists_networks_with_coordinators_lieux_and_visibility(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    await factories.make_network("Réseau Discret", public=False)
    client = await as_role("site_admin")
    page = await client.get("/admin/reseaux")
    assert page.status_code == 200
    text = page_text(page)
    assert "Réseau Test" in text and "Réseau Discret" in text
    assert "public · 2 lieux" in " ".join(text.split())
    assert "privé · 0 lieu" in " ".join(text.split())
    assert "Inès Coordination" in text and world.emails["coordinator"] in text
    # The only coordinator cannot be removed: no button, a word why.
    assert "ne peut être retirée qu’après la nomination d’une autre" in text
    assert "Personne ne coordonne ce réseau" in text  # the new one
    assert 'href="/admin/reseaux"' in (await client.get("/")).text  # in the menu


async def test_the_site_admin_searches_and_pages_people_within_bounds(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    for number in range(PAGE_SIZE + 5):
        await factories.make_user(f"personne.{number:03}@exemple.fr", f"Personne {number:03}")
    client = await as_role("site_admin")
    first = page_text(await client.get("/admin/personnes"))
    assert "Awa Membre" in first and "La Fabrique" in first  # her lieu
    assert "Inès Coordination" in first and "Réseau Test" in first  # what she coordinates
    assert 'rel="next"' in first
    second = await client.get("/admin/personnes?page=2")
    assert second.status_code == 200 and 'rel="prev"' in second.text
    found = page_text(await client.get("/admin/personnes?q=MEMBRE"))
    assert "Awa Membre" in found and "Jules Admin" not in found
    by_email = page_text(await client.get("/admin/personnes?q=coordinator%40"))
    assert "Inès Coordination" in by_email and "Awa Membre" not in by_email
    # The wildcards of LIKE are taken as typed.
    assert "Personne ne correspond" in page_text(await client.get("/admin/personnes?q=%25"))
    assert "Personne ne correspond" in page_text(await client.get("/admin/personnes?q=_"))
    too_long = await client.get("/admin/personnes?q=" + "x" * 121)
    assert too_long.status_code == 422 and "120 caractères au plus" in page_text(too_long)
    too_far = await client.get("/admin/personnes?page=100000")
    assert too_far.status_code == 422
    nonsense = await client.get("/admin/personnes?page=abc")
    assert nonsense.status_code == 422


async def test_the_site_admin_appoints_from_the_list_and_a_refusal_comes_back_there(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("site_admin")
    await _appoint(client, world, "future.coordo@exemple.fr")
    page = page_text(await client.get("/admin/reseaux"))
    assert "Nominations en attente" in page and "future.coordo@exemple.fr" in page
    refused = await post_form(
        client,
        f"/reseaux/{world.network_slug}/coordinateurs",
        {"email": world.emails["coordinator"], "from": "admin"},
    )
    assert refused.status_code == 422
    assert "Les réseaux de l’instance" in page_text(refused)
    assert "coordonne déjà" in page_text(refused)


async def test_a_coordinator_is_removed_after_confirming_and_loses_the_rights_at_once(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    second = await factories.make_user("deuxieme.coordo@exemple.fr", "Deuxième Coordo")
    await factories.add_coordinator(second, world.network_id)
    coordinator = await _user(world.emails["coordinator"])
    client = await as_role("site_admin")
    path = f"/admin/reseaux/{world.network_slug}/coordinateurs/{coordinator}/retrait"
    asked = await post_form(client, path, {})
    assert asked.status_code == 200 and "Retirer cette personne de la coordination" in asked.text
    assert await Coordinator.count().where(Coordinator.network == world.network_id) == 2
    done = await post_form(client, path, {"confirm": "1"})
    assert done.status_code == 303
    assert not await Coordinator.exists().where(Coordinator.user == coordinator)
    entry = (
        await AuditEntry.select()
        .where(AuditEntry.action == "coordinator.remove")
        .output(load_json=True)
        .first()
    )
    assert entry is not None and entry["before"] == {"user_id": coordinator}
    former = await as_role("coordinator")
    assert (await former.get(f"/reseaux/{world.network_slug}/journal")).status_code == 403


async def test_the_last_coordinator_cannot_be_removed(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    coordinator = await _user(world.emails["coordinator"])
    client = await as_role("site_admin")
    response = await post_form(
        client,
        f"/admin/reseaux/{world.network_slug}/coordinateurs/{coordinator}/retrait",
        {"confirm": "1"},
    )
    assert response.status_code == 422
    assert "au moins une personne à sa coordination" in page_text(response)
    assert await Coordinator.exists().where(Coordinator.user == coordinator)
    assert await AuditEntry.count().where(AuditEntry.action == "coordinator.remove") == 0
    stranger = await _user(world.emails["member"])
    not_one = await post_form(
        client,
        f"/admin/reseaux/{world.network_slug}/coordinateurs/{stranger}/retrait",
        {"confirm": "1"},
    )
    assert not_one.status_code == 422 and "ne coordonne pas" in page_text(not_one)


async def test_two_removals_at_once_leave_a_coordinator(world: World) -> None:
    """Both coordinators removed at the same moment: the rule is asked with the network's
    coordinator rows held, so one removal waits for the other and is refused."""
    second = await factories.make_user("deuxieme.coordo@exemple.fr", "Deuxième Coordo")
    await factories.add_coordinator(second, world.network_id)
    first = await _user(world.emails["coordinator"])
    admin = await load_actor(await _user(world.emails["site_admin"]))

    async def remove(user_id: int) -> str:
        try:
            await coordinators.remove_coordinator(
                admin, network_id=world.network_id, user_id=user_id, confirmed=True
            )
        except InvalidInput as error:
            return error.fields["coordinator"]
        return "removed"

    outcomes = sorted(await asyncio.gather(remove(first), remove(second)))
    assert outcomes == ["last_coordinator", "removed"]
    assert await Coordinator.count().where(Coordinator.network == world.network_id) == 1


async def test_a_pending_appointment_is_resent_with_a_new_link_then_cancelled(
    as_role, world: World, settings: Settings, mailbox: Mailbox
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("site_admin")
    invitation = await _appoint(client, world, "nommee@exemple.fr")
    await outbox.send_due(settings)
    old = link_in(await mailbox.wait_for("nommee@exemple.fr")).removeprefix(settings.base_url)
    mailbox.clear()
    resent = await post_form(client, f"/admin/invitations/{invitation}/renvoi", {})
    assert resent.status_code == 303 and resent.headers["location"] == "/admin/reseaux?ok=resent"
    await outbox.send_due(settings)
    new = link_in(await mailbox.wait_for("nommee@exemple.fr")).removeprefix(settings.base_url)
    assert new != old
    cancelled = await post_form(client, f"/admin/invitations/{invitation}/annulation", {})
    assert cancelled.status_code == 303
    assert not await Invitation.exists().where(Invitation.id == invitation)
    actions = {
        row["action"]
        for row in await AuditEntry.select(AuditEntry.action).where(
            AuditEntry.action.like("invitation.%")
        )
    }
    assert actions == {"invitation.resend", "invitation.cancel"}
    client.cookies.clear()
    assert (await client.get(new)).status_code == 404


async def test_an_invitation_to_a_lieu_is_no_appointment(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    lieu_admin = await as_role("lieu_admin")
    await post_form(
        lieu_admin, f"/lieux/{world.lieu_slug}/personnes/inviter", {"email": "membre@exemple.fr"}
    )
    row = (
        await Invitation.select(Invitation.id)
        .where(Invitation.email == "membre@exemple.fr")
        .first()
    )
    assert row is not None
    client = await as_role("site_admin")
    for action in ("renvoi", "annulation"):
        response = await post_form(client, f"/admin/invitations/{row['id']}/{action}", {})
        assert response.status_code == 404
    assert await Invitation.exists().where(Invitation.id == row["id"])
