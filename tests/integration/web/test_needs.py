"""A lieu's needs before any envelope (SPEC §5, issue 17): published, edited and archived by its
members; « nous aussi » from another lieu of the network, once per lieu; the network's needs
grouped by theme and filtered; a need turned into a challenge in one step; the open data."""

from __future__ import annotations

import asyncio
import json

from litestar.testing import AsyncTestClient

from cobudget.db.tables import AuditEntry, Challenge, Need, NeedJoin, OutboxMessage, User
from cobudget.domain.permissions import Actor
from cobudget.services import needs
from cobudget.services.clock import now
from tests.integration.conftest import World, log_in, page_text, post_form
from tests.support import factories
from tests.support.text import plain

GOOD = {
    "title": "Un atelier vélo partagé",
    "lacks": "Pas d’outillage pour réparer les vélos de nos adhérents.",
    "commons": "Une méthode d’atelier participatif documentée.",
    "min": "2 000",
    "max": "6 500,50",
    "theme": "mobilite",
    "horizon": "3",
}

COMPTOIR_MEMBER = "membre.comptoir@exemple.fr"


async def _publish_from_need(client: AsyncTestClient, world: World):  # type: ignore[no-untyped-def,type-arg]
    """Post the challenge form, published, filled from the world's need."""
    return await post_form(
        client,
        f"/reseaux/{world.network_slug}/defis/nouveau",
        {
            "need": str(world.need_id),
            "lieu": str(world.lieu_id),
            "title": "Un four à pain partagé",
            "problem": "Nous réservons nos salles sur un tableur partagé.",
            "commons": "Un logiciel libre de réservation.",
            "licence": "etalab-2.0",
            "lines.0.label": "Étude",
            "lines.0.min": "1 000",
            "lines.0.max": "2 000",
            "action": "publish",
        },
    )


async def _as_comptoir(client: AsyncTestClient, world: World) -> AsyncTestClient:  # type: ignore[type-arg]
    """The client logged in as a member of the other lieu of the network (Le Comptoir)."""
    if not await User.exists().where(User.email == COMPTOIR_MEMBER):
        user = await factories.make_user(COMPTOIR_MEMBER, "Léa Comptoir")
        await factories.add_member(user, world.other_lieu_id)
    client.cookies.clear()
    await log_in(client, COMPTOIR_MEMBER)
    return client


async def test_a_member_publishes_a_need_that_visitors_read_on_the_lieu_page(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("member")
    response = await post_form(client, f"/lieux/{world.lieu_slug}/besoins/nouveau", GOOD)
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith(f"/lieux/{world.lieu_slug}")
    row = await Need.select().where(Need.title == GOOD["title"]).first()
    assert row is not None
    assert (row["min_cents"], row["max_cents"], row["horizon_years"], row["theme"]) == (
        200_000,
        650_050,
        3,
        "mobilite",
    )
    assert row["network"] == world.network_id and row["lieu"] == world.lieu_id
    assert await AuditEntry.exists().where(AuditEntry.action == "need.publish")
    visitor = await as_role("visitor")
    text = page_text(await visitor.get(f"/lieux/{world.lieu_slug}"))
    assert GOOD["title"] in text and "entre 2 000,00 € et 6 500,50 €" in text
    assert "d’ici 3 ans" in text and "Mobilité" in text
    assert "En faire un défi" not in text  # only its lieu's members


async def test_bad_input_is_refused_field_by_field_and_writes_nothing(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("lieu_admin")
    before = await Need.count()
    bad = {**GOOD, "title": "", "min": "7 000", "max": "12,345", "theme": "luxe", "horizon": "9"}
    response = await post_form(client, f"/lieux/{world.lieu_slug}/besoins/nouveau", bad)
    assert response.status_code == 422
    text = page_text(response)
    assert "Ce champ est obligatoire." in text
    assert "Deux chiffres après la virgule au plus" in text
    assert "Choisissez une des options proposées." in text
    assert "Indiquez un nombre entre 1 et 3." in text
    reversed_range = {**GOOD, "min": "7 000", "max": "1 000"}
    response = await post_form(client, f"/lieux/{world.lieu_slug}/besoins/nouveau", reversed_range)
    assert response.status_code == 422
    assert "Le minimum ne peut pas dépasser le maximum." in page_text(response)
    assert await Need.count() == before


async def test_a_lieu_shows_a_bounded_number_of_needs(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("member")
    active = await Need.count().where(Need.lieu == world.lieu_id)
    for n in range(needs.rules.MAX_ACTIVE_NEEDS_PER_LIEU - active):
        await factories.make_need(world.network_id, world.lieu_id, f"Besoin {n}")
    response = await post_form(client, f"/lieux/{world.lieu_slug}/besoins/nouveau", GOOD)
    assert response.status_code == 422
    assert "archivez-en un avant d’en publier un autre" in page_text(response)
    # Archiving one makes room again.
    response = await post_form(client, f"/besoins/{world.need_id}/archiver", {"confirm": "1"})
    assert response.status_code == 303
    response = await post_form(client, f"/lieux/{world.lieu_slug}/besoins/nouveau", GOOD)
    assert response.status_code == 303


async def test_a_member_edits_then_archives_a_need_after_confirming(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("member")
    form = await client.get(f"/besoins/{world.need_id}/modifier")
    assert form.status_code == 200 and "Un four à pain partagé" in form.text
    assert 'value="5000,00"' in form.text  # the amounts as typed back, in euros
    response = await post_form(
        client, f"/besoins/{world.need_id}/modifier", {**GOOD, "title": "Un four à bois"}
    )
    assert response.status_code == 303
    row = await Need.select(Need.title, Need.theme).where(Need.id == world.need_id).first()
    assert row == {"title": "Un four à bois", "theme": "mobilite"}
    audit = await AuditEntry.select().where(AuditEntry.action == "need.edit").first()
    assert audit is not None and json.loads(audit["before"])["title"] == "Un four à pain partagé"

    asked = await post_form(client, f"/besoins/{world.need_id}/archiver", {})
    assert asked.status_code == 200 and "Archiver le besoin « Un four à bois » ?" in page_text(
        asked
    )
    assert await Need.exists().where(Need.id == world.need_id).where(Need.archived_at.is_null())
    done = await post_form(client, f"/besoins/{world.need_id}/archiver", {"confirm": "1"})
    assert done.status_code == 303
    assert await AuditEntry.exists().where(AuditEntry.action == "need.archive")
    text = page_text(await client.get(f"/lieux/{world.lieu_slug}"))
    assert "Un four à bois" not in text
    # An archived need is no longer edited.
    response = await post_form(client, f"/besoins/{world.need_id}/modifier", GOOD)
    assert response.status_code == 422 and "Ce besoin est archivé." in page_text(response)


async def test_another_lieu_says_nous_aussi_once_and_withdraws_it(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await _as_comptoir(client, world)
    page = page_text(await client.get(f"/reseaux/{world.network_slug}/besoins"))
    assert "Nous aussi (Le Comptoir)" in page
    for _ in range(2):  # saying it twice stores it once
        response = await post_form(
            client,
            f"/besoins/{world.need_id}/nous-aussi",
            {"lieu": str(world.other_lieu_id), "back": f"/reseaux/{world.network_slug}/besoins"},
        )
        assert response.status_code == 303
        assert response.headers["location"] == (
            f"/reseaux/{world.network_slug}/besoins#besoin-{world.need_id}"
        )
    assert await NeedJoin.count().where(NeedJoin.need == world.need_id) == 1
    assert await AuditEntry.count().where(AuditEntry.action == "need.join") == 1
    text = page_text(await client.get(f"/lieux/{world.lieu_slug}"))
    assert "1 autre lieu dit « nous aussi » :" in text and "Le Comptoir" in text
    assert "Retirer le « nous aussi » donné pour Le Comptoir" in text

    response = await post_form(
        client, f"/besoins/{world.need_id}/nous-aussi/retirer", {"lieu": str(world.other_lieu_id)}
    )
    assert response.status_code == 303
    assert await NeedJoin.count().where(NeedJoin.need == world.need_id) == 0
    assert await AuditEntry.exists().where(AuditEntry.action == "need.leave")


async def test_a_lieu_cannot_say_nous_aussi_to_its_own_need_nor_for_another_lieu(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("member")
    own = await post_form(
        client, f"/besoins/{world.need_id}/nous-aussi", {"lieu": str(world.lieu_id)}
    )
    assert own.status_code == 403 and "Ce besoin est celui de votre lieu." in page_text(own)
    other = await post_form(
        client, f"/besoins/{world.other_need_id}/nous-aussi", {"lieu": str(world.other_lieu_id)}
    )
    assert other.status_code == 403
    assert await NeedJoin.count() == 0


async def test_two_nous_aussi_at_once_store_one_row(world: World) -> None:
    user = await factories.make_user("deux.fois@exemple.fr", "Deux Fois")
    await factories.add_member(user, world.other_lieu_id)
    actor = Actor(user_id=user, member_of=frozenset({world.other_lieu_id}))
    await asyncio.gather(
        *(needs.join(actor, need_id=world.need_id, lieu_id=world.other_lieu_id) for _ in range(4))
    )
    assert await NeedJoin.count().where(NeedJoin.need == world.need_id) == 1


async def test_the_network_groups_its_needs_by_theme_shared_ones_first_and_filters(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    third = await factories.make_lieu(world.network_id, "La Grange")
    await factories.make_need(world.network_id, third, "Une cuisine partagée", theme="alimentation")
    await factories.make_need(
        world.network_id, world.lieu_id, "Un site web", theme="numerique", horizon_years=1
    )
    visitor = await as_role("visitor")
    network = page_text(await visitor.get(f"/reseaux/{world.network_slug}"))
    assert f'href="/reseaux/{world.network_slug}/besoins"' in network
    text = page_text(await visitor.get(f"/reseaux/{world.network_slug}/besoins"))
    # Alimentation: Le Comptoir and La Grange (2 lieux); Numérique: La Fabrique (1 lieu).
    assert text.index('id="theme-alimentation"') < text.index('id="theme-numerique"')
    assert "2 lieux" in text and "1 lieu" in text
    filtered = page_text(
        await visitor.get(f"/reseaux/{world.network_slug}/besoins?theme=numerique&horizon=1")
    )
    assert "Un site web" in filtered and "Une cuisine partagée" not in filtered
    assert "Un four à pain partagé" not in filtered  # numérique, but in two years
    unknown = await visitor.get(f"/reseaux/{world.network_slug}/besoins?theme=luxe")
    assert unknown.status_code == 200
    assert "Ce filtre n’existe pas : tous les besoins sont affichés." in page_text(unknown)
    assert "Une cuisine partagée" in page_text(unknown)


async def test_a_need_becomes_a_challenge_and_its_joined_lieux_are_told(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    as_role,  # type: ignore[no-untyped-def]
) -> None:
    await _as_comptoir(client, world)
    await post_form(
        client, f"/besoins/{world.need_id}/nous-aussi", {"lieu": str(world.other_lieu_id)}
    )
    member = await as_role("member")
    lieu_page = page_text(await member.get(f"/lieux/{world.lieu_slug}"))
    link = f"/reseaux/{world.network_slug}/defis/nouveau?besoin={world.need_id}"
    assert link in lieu_page
    form = await member.get(link)
    assert form.status_code == 200
    assert 'value="Un four à pain partagé"' in form.text
    assert "Nous réservons nos salles sur un tableur partagé." in form.text  # the problem
    assert f'name="need" value="{world.need_id}"' in form.text
    before = await OutboxMessage.count()
    response = await _publish_from_need(member, world)
    assert response.status_code == 303, response.text
    challenge_id = int(response.headers["location"].split("?")[0].rsplit("/", 1)[1])
    need = await Need.select(Need.challenge).where(Need.id == world.need_id).first()
    assert need == {"challenge": challenge_id}
    assert await AuditEntry.exists().where(AuditEntry.action == "need.challenge")
    told = await OutboxMessage.select(OutboxMessage.to_address, OutboxMessage.subject).where(
        OutboxMessage.id > before
    )
    assert [row["to_address"] for row in told] == [COMPTOIR_MEMBER]
    assert "devient le défi « Un four à pain partagé »" in plain(told[0]["subject"])
    challenge_page = page_text(await member.get(f"/defis/{challenge_id}"))
    assert "Ce défi est né d’un besoin publié par La Fabrique" in challenge_page
    lieu_page = page_text(await member.get(f"/lieux/{world.lieu_slug}"))
    assert f'href="/defis/{challenge_id}"' in lieu_page and link not in lieu_page
    # One need makes one challenge.
    again = await member.get(link)
    assert again.status_code == 422 or "déjà devenu un défi" in page_text(again)
    assert await Challenge.count().where(Challenge.id > challenge_id) == 0


async def test_only_the_lieu_turns_its_need_into_a_challenge(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("member")
    response = await client.get(
        f"/reseaux/{world.network_slug}/defis/nouveau?besoin={world.other_need_id}"
    )
    assert response.status_code == 403
    before = await Challenge.count()
    response = await post_form(
        client,
        f"/reseaux/{world.network_slug}/defis/nouveau",
        {
            "need": str(world.other_need_id),
            "lieu": str(world.lieu_id),
            "title": "Détourné",
            "problem": "Un problème.",
            "commons": "Un commun.",
            "licence": "etalab-2.0",
            "lines.0.label": "Étude",
            "lines.0.min": "1 000",
            "lines.0.max": "2 000",
            "action": "publish",
        },
    )
    assert response.status_code == 404
    assert await Challenge.count() == before
    assert await Need.exists().where(Need.id == world.other_need_id).where(Need.challenge.is_null())


async def test_the_needs_are_open_data_in_csv_and_json(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    await NeedJoin.insert(NeedJoin(need=world.need_id, lieu=world.other_lieu_id, declared_at=now()))
    await Need.update({Need.title: "=HYPERLINK(1)"}).where(Need.id == world.other_need_id)
    visitor = await as_role("visitor")
    csv = await visitor.get(f"/reseaux/{world.network_slug}/donnees/besoins.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    lines = csv.text.splitlines()
    assert lines[0].startswith("need_id,network_id,lieu_id,lieu_name,title,lacks")
    assert "'=HYPERLINK(1)" in csv.text  # never read as a formula
    body = json.loads(
        (await visitor.get(f"/reseaux/{world.network_slug}/donnees/besoins.json")).text
    )
    assert body["table"] == "needs" and body["columns"][0] == "need_id"
    rows = {row["need_id"]: row for row in body["rows"]}
    assert rows[world.need_id]["min_cents"] == 500_000
    assert rows[world.need_id]["joined_lieu_ids"] == str(world.other_lieu_id)
    assert rows[world.other_need_id]["title"] == "=HYPERLINK(1)"
    missing = await visitor.get(f"/reseaux/{world.network_slug}/donnees/autre.csv")
    assert missing.status_code == 404


async def test_a_draft_made_from_a_need_tells_the_joined_lieux_when_it_is_published(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    await NeedJoin.insert(NeedJoin(need=world.need_id, lieu=world.other_lieu_id, declared_at=now()))
    admin = await factories.make_user("admin.comptoir@exemple.fr", "Admin Comptoir")
    await factories.add_member(admin, world.other_lieu_id, admin=True)
    member = await as_role("member")
    form = {
        "need": str(world.need_id),
        "lieu": str(world.lieu_id),
        "title": "Un four à pain partagé",
        "problem": "Pas de four.",
        "commons": "Des plans libres de four.",
        "licence": "etalab-2.0",
        "lines.0.label": "Étude",
        "lines.0.min": "1 000",
        "lines.0.max": "2 000",
    }
    before = await OutboxMessage.count()
    response = await post_form(
        member, f"/reseaux/{world.network_slug}/defis/nouveau", {**form, "action": "draft"}
    )
    assert response.status_code == 303
    challenge_id = int(response.headers["location"].split("?")[0].rsplit("/", 1)[1])
    assert await OutboxMessage.count() == before  # a draft tells no one
    mine = page_text(await member.get(f"/lieux/{world.lieu_slug}"))
    assert "Un brouillon de défi est né de ce besoin" in mine
    visitor = await as_role("visitor")
    public = page_text(await visitor.get(f"/lieux/{world.lieu_slug}"))
    assert f"/defis/{challenge_id}" not in public
    api = (await visitor.get(f"/api/lieux/{world.lieu_id}/needs")).json()
    assert {item["id"]: item["challenge_id"] for item in api["items"]}[world.need_id] is None

    member = await as_role("member")
    response = await post_form(
        member, f"/defis/{challenge_id}/modifier", {**form, "action": "publish"}
    )
    assert response.status_code == 303
    told = await OutboxMessage.select(OutboxMessage.to_address).where(OutboxMessage.id > before)
    # The lieu that joined (its admins; the « nous aussi » was stored without its author).
    assert [row["to_address"] for row in told] == ["admin.comptoir@exemple.fr"]
    public = page_text(await (await as_role("visitor")).get(f"/lieux/{world.lieu_slug}"))
    assert f'href="/defis/{challenge_id}"' in public


async def test_a_person_who_said_nous_aussi_then_deleted_their_account_is_not_written_to(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    as_role,  # type: ignore[no-untyped-def]
) -> None:
    """Their « nous aussi » stays (it is the lieu's), but their address is gone: the challenge
    made from the need writes to nobody in their place (not to the deleted account's
    placeholder, which is no address)."""
    await _as_comptoir(client, world)
    await post_form(
        client, f"/besoins/{world.need_id}/nous-aussi", {"lieu": str(world.other_lieu_id)}
    )
    deleted = await post_form(
        client,
        "/mon-compte/supprimer",
        {"confirm": "1", "password": factories.PASSWORD},
        form_page="/mon-compte",
    )
    assert deleted.status_code == 303, deleted.text
    assert await NeedJoin.count().where(NeedJoin.need == world.need_id) == 1
    member = await as_role("member")
    before = await OutboxMessage.count()
    response = await _publish_from_need(member, world)
    assert response.status_code == 303, response.text
    told = await OutboxMessage.select(OutboxMessage.to_address).where(OutboxMessage.id > before)
    assert all("@" in row["to_address"] for row in told), told


async def test_the_open_data_holds_every_need_past_the_pages_bound(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    """Archived needs pile up over the years: the export ("every need", docs/open-data.md)
    keeps the newest ones too once the network holds more than a page shows."""
    moment = now()
    await Need.insert(
        *(
            Need(
                network=world.network_id,
                lieu=world.other_lieu_id,
                title=f"Ancien besoin {n}",
                theme="autre",
                horizon_years=1,
                created_at=moment,
                updated_at=moment,
                archived_at=moment,
            )
            for n in range(needs.rules.MAX_NEEDS_PER_PAGE)
        )
    )
    client = await as_role("member")
    response = await post_form(client, f"/lieux/{world.lieu_slug}/besoins/nouveau", GOOD)
    assert response.status_code == 303, response.text
    visitor = await as_role("visitor")
    body = json.loads(
        (await visitor.get(f"/reseaux/{world.network_slug}/donnees/besoins.json")).text
    )
    assert GOOD["title"] in {row["title"] for row in body["rows"]}
    assert len(body["rows"]) == await Need.count().where(Need.network == world.network_id)


async def test_a_lieu_publishes_a_bounded_number_of_needs_a_day(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    """Publishing and archiving again and again cannot flood the network's record."""
    client = await as_role("member")
    published = await Need.count().where(Need.lieu == world.lieu_id)
    for n in range(needs.rules.MAX_NEEDS_PUBLISHED_PER_LIEU_PER_DAY - published):
        need_id = await factories.make_need(world.network_id, world.lieu_id, f"Besoin {n}")
        await Need.update({Need.archived_at: now()}).where(Need.id == need_id)
    before = await Need.count()
    response = await post_form(client, f"/lieux/{world.lieu_slug}/besoins/nouveau", GOOD)
    assert response.status_code == 422
    assert "besoins aujourd’hui" in page_text(response)
    assert await Need.count() == before
