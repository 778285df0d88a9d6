"""Raising a challenge (SPEC §5): drafts, publication, versions and their differences,
co-proposers who accept, « nous aussi »; bad input refused field by field, writing nothing."""

from __future__ import annotations

from cobudget.db.tables import (
    AuditEntry,
    BudgetLine,
    Challenge,
    ChallengeVersion,
    ConcernedLieu,
    OutboxMessage,
)
from cobudget.services import outbox
from cobudget.settings import Settings
from tests.integration.conftest import World, post_form
from tests.support import factories
from tests.support.mail import Mailbox

GOOD = {
    "title": "Une documentation partagée des services",
    "problem": "Chaque lieu réécrit sa page de services.",
    "commons": "Un modèle de documentation libre, tenu à jour ensemble.",
    "users": "Les lieux du réseau et leurs publics",
    "licence": "etalab-2.0",
    "lines.0.label": "Rédaction",
    "lines.0.min": "2 000",
    "lines.0.max": "3 500,50",
    "lines.1.label": "Mise en page",
    "lines.1.min": "500",
    "lines.1.max": "800",
    "requested": "",
}


def plain(text: str) -> str:
    """Babel writes French amounts with narrow no-break spaces; compare with plain ones."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


async def _count_rows() -> tuple[int, int, int]:
    return await Challenge.count(), await ChallengeVersion.count(), await BudgetLine.count()


async def test_a_member_publishes_a_challenge_that_visitors_read(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("member")
    response = await post_form(
        client,
        f"/reseaux/{world.network_slug}/defis/nouveau",
        {**GOOD, "lieu": str(world.lieu_id), "action": "publish"},
    )
    assert response.status_code == 303
    challenge_id = int(response.headers["location"].split("?")[0].rsplit("/", 1)[1])
    lines = await BudgetLine.select().order_by(BudgetLine.position)
    assert [(row["label"], row["min_cents"], row["max_cents"]) for row in lines[-2:]] == [
        ("Rédaction", 200_000, 350_050),
        ("Mise en page", 50_000, 80_000),
    ]
    assert await AuditEntry.exists().where(AuditEntry.action == "challenge.publish")
    visitor = await as_role("visitor")
    page = await visitor.get(f"/defis/{challenge_id}")
    assert page.status_code == 200
    assert "Une documentation partagée des services" in page.text
    assert "3 500,50" in plain(page.text) and "4 300,50" in plain(page.text)  # a maximum, the total
    network = await visitor.get(f"/reseaux/{world.network_slug}")
    assert "Une documentation partagée des services" in network.text


async def test_a_draft_is_seen_by_its_proposers_only_until_published(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("member")
    response = await post_form(
        client,
        f"/reseaux/{world.network_slug}/defis/nouveau",
        {**GOOD, "lieu": str(world.lieu_id), "action": "draft"},
    )
    path = response.headers["location"].split("?")[0]
    assert "Brouillon" in (await client.get(path)).text
    admin = await as_role("coordinator")
    assert (await admin.get(path)).status_code == 404
    assert (
        "Une documentation partagée" not in (await admin.get(f"/reseaux/{world.network_slug}")).text
    )
    lieu_admin = await as_role("lieu_admin")  # another person of the same lieu
    published = await post_form(
        lieu_admin, f"{path}/modifier", {**GOOD, "action": "publish"}, form_page=f"{path}/modifier"
    )
    assert published.status_code == 303
    assert (await (await as_role("visitor")).get(path)).status_code == 200


async def test_bad_amounts_and_lines_are_refused_next_to_their_field(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("member")
    before = await _count_rows()
    path = f"/reseaux/{world.network_slug}/defis/nouveau"
    cases = [
        ({"lines.0.min": "4 000"}, "e-lines.0.max", "Le minimum ne peut pas dépasser le maximum."),
        ({"lines.0.min": "-5"}, "e-lines.0.min", "ne peut pas être négatif"),
        ({"lines.0.max": "12,345"}, "e-lines.0.max", "Deux chiffres après la virgule au plus"),
        ({"lines.0.max": "beaucoup"}, "e-lines.0.max", "Indiquez un montant en euros"),
        ({"title": ""}, "e-title", "Ce champ est obligatoire."),
        ({"requested": "99 999"}, "e-requested", "dépasse la somme des maximums"),
        (
            {
                "lines.0.label": "",
                "lines.0.min": "",
                "lines.0.max": "",
                "lines.1.label": "",
                "lines.1.min": "",
                "lines.1.max": "",
            },
            "e-lines",
            "au moins un poste",
        ),
        ({f"co_proposer.{999999}": "on"}, "e-co_proposers", "doit être membre du réseau"),
    ]
    for change, marker, message in cases:
        response = await post_form(
            client, path, {**GOOD, **change, "lieu": str(world.lieu_id), "action": "publish"}
        )
        assert response.status_code == 422, change
        assert marker in response.text and message in response.text, change
    assert await _count_rows() == before
    assert await AuditEntry.count().where(AuditEntry.entity == "challenge") == 0


async def test_amending_publishes_a_new_version_and_keeps_the_old_one(
    world: World, as_role
) -> None:  # type: ignore[no-untyped-def]
    challenge_id = await factories.make_challenge(
        world.network_id, world.lieu_id, "Un inventaire partagé"
    )
    client = await as_role("member")
    form = {
        **GOOD,
        "title": "Un inventaire partagé du matériel",
        "lines.0.label": "Développement",
        "lines.0.min": "1 000",
        "lines.0.max": "2 500",
        "lines.1.label": "Formation",
        "lines.1.min": "300",
        "lines.1.max": "600",
    }
    amended = await post_form(
        client, f"/defis/{challenge_id}/modifier", form, form_page=f"/defis/{challenge_id}/modifier"
    )
    assert amended.status_code == 303
    assert (
        await Challenge.select(Challenge.current_version)
        .where(Challenge.id == challenge_id)
        .first()
    ) == {"current_version": 2}
    first = await client.get(f"/defis/{challenge_id}/versions/1")
    assert first.status_code == 200 and "Un inventaire partagé" in first.text
    assert "2 000,00" in plain(first.text)
    diff = await client.get(f"/defis/{challenge_id}/comparer?de=1&a=2")
    assert diff.status_code == 200
    assert "Un inventaire partagé du matériel" in diff.text
    assert "Formation" in diff.text and "ajouté" in diff.text
    assert "2 000,00 € → 2 500,00 €" in plain(diff.text)
    same = await post_form(
        client, f"/defis/{challenge_id}/modifier", form, form_page=f"/defis/{challenge_id}/modifier"
    )
    assert same.status_code == 422 and "ne change rien" in same.text
    assert await ChallengeVersion.count().where(ChallengeVersion.challenge == challenge_id) == 2


async def test_someone_outside_the_proposing_lieux_cannot_amend(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("member")  # member of the test lieu; the challenge is the other lieu's
    response = await post_form(
        client,
        f"/defis/{world.challenge_id}/modifier",
        GOOD,
        form_page=f"/defis/{world.challenge_id}",
    )
    assert response.status_code == 403
    assert "Seuls les lieux qui portent ce défi" in response.text
    assert (
        await ChallengeVersion.count().where(ChallengeVersion.challenge == world.challenge_id) == 2
    )


async def test_other_lieux_say_us_too_and_the_page_counts_them(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("member")
    page = await client.get(f"/defis/{world.challenge_id}")
    assert "Nous aussi" in page.text
    response = await post_form(
        client,
        f"/defis/{world.challenge_id}/nous-aussi",
        {"lieu": str(world.lieu_id), "note": "Nos salles aussi"},
        form_page=f"/defis/{world.challenge_id}",
    )
    assert response.status_code == 303
    page = await client.get(f"/defis/{world.challenge_id}")
    assert "1 lieu partage ce problème" in page.text and "Nos salles aussi" in page.text
    again = await post_form(
        client,
        f"/defis/{world.challenge_id}/nous-aussi",
        {"lieu": str(world.lieu_id), "note": "Et nos ateliers"},
        form_page=f"/defis/{world.challenge_id}",
    )
    assert again.status_code == 303
    assert await ConcernedLieu.count() == 1  # one lieu counts once


async def test_a_proposing_lieu_cannot_say_us_too(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    own = await factories.make_challenge(world.network_id, world.lieu_id)
    client = await as_role("member")
    response = await post_form(
        client, f"/defis/{own}/nous-aussi", {"lieu": str(world.lieu_id)}, form_page=f"/defis/{own}"
    )
    assert response.status_code == 403 and "porte déjà ce défi" in response.text
    assert await ConcernedLieu.count() == 0


async def test_co_proposers_are_told_by_email_and_become_proposers_when_they_accept(
    as_role,
    world: World,
    settings: Settings,
    mailbox: Mailbox,  # type: ignore[no-untyped-def]
) -> None:
    client = await as_role("coordinator")
    other_member = await factories.make_user("comptoir@exemple.fr", "Louise Comptoir")
    await factories.add_member(other_member, world.other_lieu_id, admin=True)
    client = await as_role("member")
    response = await post_form(
        client,
        f"/reseaux/{world.network_slug}/defis/nouveau",
        {
            **GOOD,
            "lieu": str(world.lieu_id),
            "action": "publish",
            f"co_proposer.{world.other_lieu_id}": "on",
        },
    )
    challenge_id = int(response.headers["location"].split("?")[0].rsplit("/", 1)[1])
    assert await OutboxMessage.count() == 1
    await outbox.send_due(settings)
    message = await mailbox.wait_for("comptoir@exemple.fr")
    assert "Une documentation partagée des services" in message["Subject"]
    client.cookies.clear()
    from tests.integration.conftest import log_in

    await log_in(client, "comptoir@exemple.fr")
    page = await client.get(f"/defis/{challenge_id}")
    assert "Accepter pour Le Comptoir" in page.text
    accepted = await post_form(
        client,
        f"/defis/{challenge_id}/co-porteurs/{world.other_lieu_id}",
        {"answer": "accept"},
        form_page=f"/defis/{challenge_id}",
    )
    assert accepted.status_code == 303
    edit = await client.get(f"/defis/{challenge_id}/modifier")
    assert edit.status_code == 200  # Le Comptoir now proposes it too
