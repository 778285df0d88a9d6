"""Setting up a network: the site admin creates it and appoints coordinators, a coordinator
invites lieux and co-funders and sets each lieu's status, a lieu admin edits and invites.
Every invitation arrives through a real SMTP server and is accepted through its link."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from cobudget.db.tables import (
    AuditEntry,
    CofunderPerson,
    CofundingOrg,
    Coordinator,
    Invitation,
    Lieu,
    Membership,
    Network,
    NetworkLieu,
    OutboxMessage,
    User,
)
from cobudget.services import outbox
from cobudget.settings import Settings
from tests.integration.conftest import World, page_text, post_form
from tests.support.mail import Mailbox, link_in
from tests.support.text import plain


async def _accept(
    client: AsyncTestClient,
    settings: Settings,
    mailbox: Mailbox,
    email: str,  # type: ignore[type-arg]
    name: str = "Nouvelle Personne",
) -> int:
    await outbox.send_due(settings)
    path = link_in(await mailbox.wait_for(email)).removeprefix(settings.base_url)
    client.cookies.clear()
    page = await client.get(path)
    assert page.status_code == 200 and "Créez votre compte" in page.text
    response = await post_form(
        client,
        path,
        {"name": name, "password": "un-secret-solide", "password_confirmation": "un-secret-solide"},
        form_page=path,
    )
    assert response.status_code == 303, response.text
    user = await User.select(User.id).where(User.email == email).first()
    assert user is not None
    return int(user["id"])


async def test_site_admin_creates_a_network_and_it_is_audited(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("site_admin")
    response = await post_form(
        client,
        "/admin/reseaux/nouveau",
        {"name": "Réseau Bretagne", "region": "Bretagne", "description": "", "is_public": "on"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/reseaux/reseau-bretagne/gerer"
    network = await Network.select().where(Network.slug == "reseau-bretagne").first()
    assert network is not None and network["is_public"]
    entry = await AuditEntry.select().where(AuditEntry.action == "network.create").first()
    assert entry is not None and entry["entity_id"] == network["id"]


async def test_duplicate_or_empty_network_name_is_refused_next_to_the_field(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("site_admin")
    duplicate = await post_form(client, "/admin/reseaux/nouveau", {"name": "Réseau Test"})
    assert duplicate.status_code == 422
    assert 'id="e-name"' in duplicate.text and "Un réseau porte déjà ce nom." in duplicate.text
    empty = await post_form(client, "/admin/reseaux/nouveau", {"name": "  "})
    assert empty.status_code == 422 and "Ce champ est obligatoire." in empty.text
    too_long = await post_form(client, "/admin/reseaux/nouveau", {"name": "x" * 121})
    assert too_long.status_code == 422 and "120 caractères au plus" in too_long.text
    assert await Network.count() == 1


async def test_site_admin_appoints_an_existing_person_as_coordinator(
    as_role,
    world: World,
    settings: Settings,
    mailbox: Mailbox,  # type: ignore[no-untyped-def]
) -> None:
    client = await as_role("site_admin")
    response = await post_form(
        client, f"/reseaux/{world.network_slug}/coordinateurs", {"email": world.emails["member"]}
    )
    assert response.status_code == 303
    member = await User.select(User.id).where(User.email == world.emails["member"]).first()
    assert await Coordinator.exists().where(Coordinator.user == member["id"])  # type: ignore[index]
    await outbox.send_due(settings)
    message = await mailbox.wait_for(world.emails["member"])
    assert plain(message["Subject"]) == "Vous coordonnez désormais le réseau « Réseau Test »"
    again = await post_form(
        client, f"/reseaux/{world.network_slug}/coordinateurs", {"email": world.emails["member"]}
    )
    assert again.status_code == 422 and "coordonne déjà" in again.text


async def test_site_admin_invites_a_new_coordinator_who_signs_up_through_the_link(
    as_role,
    world: World,
    settings: Settings,
    mailbox: Mailbox,  # type: ignore[no-untyped-def]
) -> None:
    client = await as_role("site_admin")
    await post_form(
        client,
        f"/reseaux/{world.network_slug}/coordinateurs",
        {"email": "nouvelle.coordo@exemple.fr"},
    )
    user_id = await _accept(client, settings, mailbox, "nouvelle.coordo@exemple.fr")
    assert await Coordinator.exists().where(Coordinator.user == user_id)
    page = await client.get(f"/reseaux/{world.network_slug}/gerer")
    assert page.status_code == 200 and "Inviter un lieu" in page.text


async def test_coordinator_invites_a_lieu_whose_admin_signs_up_and_sees_it(
    as_role,
    world: World,
    settings: Settings,
    mailbox: Mailbox,  # type: ignore[no-untyped-def]
) -> None:
    client = await as_role("coordinator")
    response = await post_form(
        client,
        f"/reseaux/{world.network_slug}/lieux/inviter",
        {
            "name": "La Grange",
            "town": "Saint-Flour",
            "legal_form": "scop",
            "territory": "Cantal",
            "description": "Médiation numérique",
            "weight": "2",
            "email": "grange@exemple.fr",
        },
    )
    assert response.status_code == 303
    lieu = await Lieu.select().where(Lieu.name == "La Grange").first()
    assert lieu is not None and lieu["legal_form"] == "scop" and lieu["territory"] == "Cantal"
    link = await NetworkLieu.select().where(NetworkLieu.lieu == lieu["id"]).first()
    assert link is not None and link["weight"] == 2
    message_count = await OutboxMessage.count()
    assert message_count == 1
    await outbox.send_due(settings)
    message = await mailbox.wait_for("grange@exemple.fr")
    # No name a user chose goes into a subject (issue 14); the body quotes them.
    assert plain(message["Subject"]) == "Invitation : administrer un lieu sur Cobudget des communs"
    assert "le lieu « La Grange » dans le réseau « Réseau Test »" in plain(message.get_content())
    user_id = await _accept(client, settings, mailbox, "grange@exemple.fr", "Sophie Vidal")
    assert (
        await Membership.exists()
        .where(Membership.user == user_id)
        .where(Membership.lieu == lieu["id"])
        .where(Membership.is_admin.eq(True))
    )
    space = await client.get("/mon-espace")
    assert "La Grange" in space.text and "vous administrez ce lieu" in space.text
    welcome = mailbox.to("grange@exemple.fr")
    assert len(welcome) == 1  # the welcome email is still in the outbox
    await outbox.send_due(settings)
    assert [m["Subject"] for m in mailbox.to("grange@exemple.fr")][
        -1
    ] == "Bienvenue sur Cobudget des communs"


async def test_an_invitation_link_works_once(
    as_role, world: World, settings: Settings, mailbox: Mailbox
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("coordinator")
    await post_form(
        client,
        f"/reseaux/{world.network_slug}/lieux/inviter",
        {
            "name": "La Grange",
            "town": "Saint-Flour",
            "legal_form": "scop",
            "weight": "1",
            "email": "grange@exemple.fr",
        },
    )
    await outbox.send_due(settings)
    path = link_in(await mailbox.wait_for("grange@exemple.fr")).removeprefix(settings.base_url)
    await _accept(client, settings, mailbox, "grange@exemple.fr")
    client.cookies.clear()
    assert (await client.get(path)).status_code == 404
    assert (await client.get("/invitations/pas-un-jeton")).status_code == 404


async def test_invite_lieu_refuses_bad_input_and_writes_nothing(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("coordinator")
    path = f"/reseaux/{world.network_slug}/lieux/inviter"
    cases = [
        (
            {"name": "", "town": "Albi", "legal_form": "scop", "email": "a@b.fr", "weight": "1"},
            "e-name",
            "obligatoire",
        ),
        (
            {
                "name": "La Fabrique",
                "town": "Albi",
                "legal_form": "scop",
                "email": "a@b.fr",
                "weight": "1",
            },
            "e-name",
            "porte déjà ce nom",
        ),
        (
            {
                "name": "Neuf",
                "town": "Albi",
                "legal_form": "scop",
                "email": "pas-un-email",
                "weight": "1",
            },
            "e-email",
            "n’a pas l’air valide",
        ),
        (
            {
                "name": "Neuf",
                "town": "Albi",
                "legal_form": "sarl",
                "email": "a@b.fr",
                "weight": "1",
            },
            "e-legal_form",
            "Choisissez une des options",
        ),
        (
            {
                "name": "Neuf",
                "town": "Albi",
                "legal_form": "scop",
                "email": "a@b.fr",
                "weight": "0",
            },
            "e-weight",
            "entre 1 et 100",
        ),
        (
            {
                "name": "Neuf",
                "town": "Albi",
                "legal_form": "scop",
                "email": "a@b.fr",
                "weight": "un",
            },
            "e-weight",
            "nombre entier",
        ),
    ]
    for data, error_id, message in cases:
        response = await post_form(client, path, data)
        assert response.status_code == 422, data
        assert f'id="{error_id}"' in response.text and message in response.text, data
    assert await Lieu.count() == 2
    assert await Invitation.count() == 0 and await OutboxMessage.count() == 0


async def test_coordinator_sets_legal_form_territory_and_weight(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("coordinator")
    response = await post_form(
        client,
        f"/reseaux/{world.network_slug}/lieux/{world.lieu_id}/statut",
        {"legal_form": "scic", "territory": "Pays Albigeois", "weight": "3"},
    )
    assert response.status_code == 303
    lieu = await Lieu.select().where(Lieu.id == world.lieu_id).first()
    assert lieu is not None and (lieu["legal_form"], lieu["territory"]) == (
        "scic",
        "Pays Albigeois",
    )
    entry = (
        await AuditEntry.select()
        .where(AuditEntry.action == "lieu.set_status")
        .output(load_json=True)
        .first()
    )
    assert entry is not None
    assert entry["before"]["legal_form"] == "association" and entry["after"]["weight"] == 3
    bad = await post_form(
        client,
        f"/reseaux/{world.network_slug}/lieux/{world.lieu_id}/statut",
        {"legal_form": "nope", "territory": "", "weight": "1"},
    )
    assert bad.status_code == 422 and "Choisissez une des options" in bad.text
    unknown = await post_form(
        client,
        f"/reseaux/{world.network_slug}/lieux/99999/statut",
        {"legal_form": "scic", "territory": "", "weight": "1"},
    )
    assert unknown.status_code == 404


async def test_coordinator_invites_a_cofunder_whose_contact_signs_up(
    as_role,
    world: World,
    settings: Settings,
    mailbox: Mailbox,  # type: ignore[no-untyped-def]
) -> None:
    client = await as_role("coordinator")
    response = await post_form(
        client,
        f"/reseaux/{world.network_slug}/cofinanceurs/inviter",
        {
            "name": "Fondation du Massif",
            "kind": "fondation",
            "description": "",
            "email": "fondation@exemple.fr",
        },
    )
    assert response.status_code == 303
    org = await CofundingOrg.select().where(CofundingOrg.name == "Fondation du Massif").first()
    assert org is not None
    user_id = await _accept(client, settings, mailbox, "fondation@exemple.fr")
    assert (
        await CofunderPerson.exists()
        .where(CofunderPerson.user == user_id)
        .where(CofunderPerson.org == org["id"])
    )
    duplicate = await post_form(
        client,
        f"/reseaux/{world.network_slug}/cofinanceurs/inviter",
        {"name": "Département Test", "kind": "collectivite", "email": "x@exemple.fr"},
    )
    assert duplicate.status_code == 403  # logged in now as the co-funder: not a coordinator


async def test_lieu_admin_invites_a_person_who_joins_the_lieu(
    as_role,
    world: World,
    settings: Settings,
    mailbox: Mailbox,  # type: ignore[no-untyped-def]
) -> None:
    client = await as_role("lieu_admin")
    response = await post_form(
        client, f"/lieux/{world.lieu_slug}/personnes/inviter", {"email": "benevole@exemple.fr"}
    )
    assert (
        response.status_code == 200 and "Invitation envoyée à benevole@exemple.fr" in response.text
    )
    user_id = await _accept(client, settings, mailbox, "benevole@exemple.fr")
    assert (
        await Membership.exists()
        .where(Membership.user == user_id)
        .where(Membership.lieu == world.lieu_id)
        .where(Membership.is_admin.eq(False))
    )
    client.cookies.clear()
    again = await as_role("lieu_admin")
    duplicate = await post_form(
        again, f"/lieux/{world.lieu_slug}/personnes/inviter", {"email": world.emails["member"]}
    )
    assert duplicate.status_code == 422 and "fait déjà partie du lieu" in duplicate.text


async def test_lieu_admin_edits_the_lieu_profile(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("lieu_admin")
    response = await post_form(
        client,
        f"/lieux/{world.lieu_slug}/modifier",
        {
            "name": "La Fabrique",
            "town": "Albi",
            "description": "Fablab et atelier bois.\r\nOuvert le samedi.\r\n\r\n<b>Un café</b> aussi.",
            "website": "https://fabrique.example",
        },
    )
    assert response.status_code == 303
    page = await client.get(f"/lieux/{world.lieu_slug}")
    assert "https://fabrique.example" in page.text
    # Its paragraphs and line breaks survive, and what was typed is never markup.
    assert "<p>Fablab et atelier bois.<br>\nOuvert le samedi.</p>" in page.text
    assert "<p>&lt;b&gt;Un café&lt;/b&gt; aussi.</p>" in page.text
    bad = await post_form(
        client,
        f"/lieux/{world.lieu_slug}/modifier",
        {"name": "La Fabrique", "town": "", "website": "ftp://x"},
    )
    assert bad.status_code == 422
    assert "Ce champ est obligatoire." in bad.text and "https://" in bad.text


async def test_an_existing_account_must_be_logged_in_to_accept(
    as_role,
    world: World,
    settings: Settings,
    mailbox: Mailbox,  # type: ignore[no-untyped-def]
) -> None:
    client = await as_role("lieu_admin")
    await post_form(
        client,
        f"/lieux/{world.lieu_slug}/personnes/inviter",
        {"email": world.emails["cofunder"], "as_admin": "on"},
    )
    await outbox.send_due(settings)
    path = link_in(await mailbox.wait_for(world.emails["cofunder"])).removeprefix(settings.base_url)
    client.cookies.clear()
    refused = await post_form(client, path, {}, form_page=path)
    assert refused.status_code == 403 and "connectez-vous avec ce compte" in refused.text
    cofunder = await as_role("cofunder")
    accepted = await post_form(cofunder, path, {}, form_page=path)
    assert accepted.status_code == 303
    assert "La Fabrique" in (await cofunder.get("/mon-espace")).text


async def test_a_second_invitation_to_the_same_address_refreshes_the_first(
    as_role,  # type: ignore[no-untyped-def]
    world: World,
    settings: Settings,
    mailbox: Mailbox,
) -> None:
    """Invited twice to the same lieu, first as a member, then as an admin: one invitation
    waits, with the role chosen last; the first email's link no longer works, the second's
    does (issue 17)."""
    from cobudget.db.tables import Invitation, Membership, User

    client = await as_role("lieu_admin")
    path = f"/lieux/{world.lieu_slug}/personnes/inviter"
    email = "nouvelle.personne@exemple.fr"
    await post_form(client, path, {"email": email})
    await outbox.send_due(settings)
    first = link_in(await mailbox.wait_for(email)).removeprefix(settings.base_url)
    mailbox.clear()
    assert (await post_form(client, path, {"email": email, "as_admin": "on"})).status_code < 400
    await outbox.send_due(settings)
    second = link_in(await mailbox.wait_for(email)).removeprefix(settings.base_url)
    assert first != second
    rows = await Invitation.select(Invitation.kind).where(Invitation.email == email)
    assert rows == [{"kind": "lieu_admin"}]

    client.cookies.clear()
    assert (await client.get(first)).status_code == 404
    accepted = await post_form(
        client,
        second,
        {
            "name": "Nouvelle Personne",
            "password": "un-mot-de-passe-solide",
            "password_confirmation": "un-mot-de-passe-solide",
        },
        second,
    )
    assert accepted.status_code == 303, page_text(accepted)[:600]
    user = await User.select(User.id).where(User.email == email).first()
    assert user is not None
    roles = await Membership.select(Membership.is_admin).where(Membership.user == user["id"])
    assert roles == [{"is_admin": True}]
