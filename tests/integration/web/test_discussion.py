"""A challenge's discussion through HTTP (issue 16): visitors read it, members of the network's
lieux, its co-funders and its coordinators write (comments and replies), anyone of them flags a
comment once, coordinators hide one with a reason everyone reads; bad input comes back on the
form with what was typed and writes nothing; a long discussion is read in pages of threads."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from litestar.testing import AsyncTestClient

from cobudget.db.tables import (
    AuditEntry,
    CofundingOrg,
    Criterion,
    DiscussionComment,
    DiscussionFlag,
)
from cobudget.domain import discussion as rules
from cobudget.services.clock import now
from tests.integration.api.conftest import make_draft_challenge
from tests.integration.conftest import World, page_text, post_form
from tests.support import factories

Client = AsyncTestClient  # type: ignore[type-arg]


async def _comments(challenge_id: int) -> list[dict[str, Any]]:
    return list(
        await DiscussionComment.select()
        .where(DiscussionComment.challenge == challenge_id)
        .order_by(DiscussionComment.id)
    )


async def _post(client: Client, world: World, **fields: str) -> Any:
    data = {"as": f"lieu:{world.lieu_id}", "text": "Et l’hébergement ?"} | fields
    return await post_form(
        client, f"/defis/{world.challenge_id}/discussion", data, f"/defis/{world.challenge_id}"
    )


async def test_a_visitor_reads_the_discussion_without_a_form(
    as_role: Callable, world: World
) -> None:  # type: ignore[type-arg]
    client = await as_role("visitor")
    response = await client.get(f"/defis/{world.challenge_id}")
    assert response.status_code == 200
    text = page_text(response)
    assert 'id="discussion"' in response.text
    assert "Nous avons le même besoin." in text
    assert "Connectez-vous pour prendre part à la discussion." in text
    assert "Publier le commentaire" not in text


async def test_a_member_comments_for_their_lieu_about_a_version_and_a_criterion(
    as_role: Callable,  # type: ignore[type-arg]
    world: World,
) -> None:
    criterion = await Criterion.insert(
        Criterion(network=world.network_id, name="Ancrage territorial", position=1)
    ).returning(Criterion.id)
    client = await as_role("member")
    page = await client.get(f"/defis/{world.challenge_id}")
    assert "Publier le commentaire" in page.text
    response = await _post(
        client, world, version="1", criterion_id=str(criterion[0]["id"]), text="  Et la v1 ?  "
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/defis/{world.challenge_id}?ok=discussion")
    stored = (await _comments(world.challenge_id))[-1]
    assert (stored["lieu"], stored["org"], stored["version"], stored["text"]) == (
        world.lieu_id,
        None,
        1,
        "Et la v1 ?",
    )
    assert stored["criterion"] == criterion[0]["id"] and stored["thread"] is None
    assert await AuditEntry.count().where(AuditEntry.action == "discussion.comment") == 1
    text = page_text(await client.get(f"/defis/{world.challenge_id}"))
    assert "Et la v1 ?" in text
    assert "à propos de la version 1" in text and "critère : Ancrage territorial" in text
    assert "Awa Membre</strong> (La Fabrique)" in text


async def test_a_co_funder_writes_for_its_organisation_and_a_coordinator_in_their_own_name(
    as_role: Callable,  # type: ignore[type-arg]
    world: World,
) -> None:
    client = await as_role("cofunder")
    page = page_text(await client.get(f"/defis/{world.challenge_id}"))
    assert "Publier le commentaire" in page
    org = await CofundingOrg.select(CofundingOrg.id).first()
    assert org is not None
    assert (await _post(client, world, **{"as": f"org:{org['id']}"})).status_code == 303
    client = await as_role("coordinator")
    assert (await _post(client, world, **{"as": "self", "text": "Merci !"})).status_code == 303
    rows = (await _comments(world.challenge_id))[-2:]
    assert [(row["lieu"], row["org"]) for row in rows] == [(None, org["id"]), (None, None)]
    text = page_text(await client.get(f"/defis/{world.challenge_id}"))
    assert "Paul Cofinanceur</strong> (Département Test)" in text
    assert "Inès Coordination" in text


async def test_nobody_speaks_for_a_lieu_they_do_not_belong_to(
    as_role: Callable,  # type: ignore[type-arg]
    world: World,
) -> None:
    client = await as_role("member")
    before = await _comments(world.challenge_id)
    response = await _post(client, world, **{"as": f"lieu:{world.other_lieu_id}"})
    assert response.status_code == 403
    response = await _post(client, world, **{"as": "self"})
    assert response.status_code == 403
    client = await as_role("site_admin")
    assert (await _post(client, world)).status_code == 403
    assert await _comments(world.challenge_id) == before


async def test_a_reply_to_a_reply_joins_the_same_thread(as_role: Callable, world: World) -> None:  # type: ignore[type-arg]
    client = await as_role("member")
    first = await _post(client, world, parent=str(world.discussion_id), text="Chez nous aussi.")
    assert first.status_code == 303
    reply_id = (await _comments(world.challenge_id))[-1]["id"]
    second = await _post(client, world, parent=str(reply_id), text="Et chez vous ?")
    assert second.status_code == 303
    rows = (await _comments(world.challenge_id))[-2:]
    assert [row["thread"] for row in rows] == [world.discussion_id, world.discussion_id]
    text = page_text(await client.get(f"/defis/{world.challenge_id}"))
    # The replies are listed under their thread's first comment, in order.
    assert text.index("Nous avons le même besoin.") < text.index("Chez nous aussi.")
    assert text.index("Chez nous aussi.") < text.index("Et chez vous ?")


async def test_bad_input_comes_back_on_the_form_with_what_was_typed_and_writes_nothing(
    as_role: Callable,  # type: ignore[type-arg]
    world: World,
) -> None:
    client = await as_role("member")
    other = await factories.make_discussion_comment(world.fresh_challenge_id, world.lieu_id)
    before = await _comments(world.challenge_id)
    typed = "Un texte que je ne veux pas perdre"
    cases = [
        ({"text": "   "}, "Ce champ est obligatoire."),
        ({"text": "x" * (rules.MAX_TEXT + 1)}, "Ce texte est trop long : 5000 caractères au plus."),
        ({"text": typed, "parent": "999999"}, "Ce commentaire n’existe pas dans la discussion"),
        ({"text": typed, "parent": str(other)}, "Ce commentaire n’existe pas dans la discussion"),
        ({"text": typed, "parent": "abc"}, "Ce commentaire n’existe pas dans la discussion"),
        ({"text": typed, "version": "3"}, "Choisissez une des versions publiées du défi."),
        ({"text": typed, "parent": "9" * 30}, "Ce commentaire n’existe pas dans la discussion"),
        ({"text": typed, "version": "9" * 5000}, "Choisissez une des versions publiées du défi."),
        ({"text": typed, "as": "lieu:" + "9" * 30}, "Choisissez une des options proposées."),
        ({"text": typed, "criterion_id": "999"}, "Ce critère n’est pas un critère du réseau."),
        ({"text": typed, "as": "quelqu’un"}, "Choisissez une des options proposées."),
    ]
    for fields, message in cases:
        response = await _post(client, world, **fields)
        assert response.status_code == 422, fields
        text = page_text(response)
        assert message in text, (fields, text[-3000:])
        assert "Votre envoi n’a pas été enregistré" in text
        if fields["text"] == typed:
            assert typed in text, fields
    # A reply refused keeps its text in its own form, opened.
    response = await _post(client, world, parent=str(world.discussion_id), text="x" * 5001)
    assert response.status_code == 422
    assert f'name="parent" value="{world.discussion_id}"' in response.text
    assert '<details class="reply" open>' in response.text
    assert await _comments(world.challenge_id) == before


async def test_a_thread_holds_a_bounded_number_of_replies(as_role: Callable, world: World) -> None:  # type: ignore[type-arg]
    await DiscussionComment.insert(
        *(
            DiscussionComment(
                challenge=world.challenge_id,
                thread=world.discussion_id,
                lieu=world.lieu_id,
                text=f"Réponse {i}",
                created_at=now(),
            )
            for i in range(rules.MAX_REPLIES)
        )
    )
    client = await as_role("member")
    response = await _post(client, world, parent=str(world.discussion_id), text="Une de plus")
    assert response.status_code == 422
    assert "Cette conversation compte déjà 100 réponses" in page_text(response)


async def test_drafts_have_no_discussion(as_role: Callable, world: World) -> None:  # type: ignore[type-arg]
    draft = await make_draft_challenge(world.network_id, world.lieu_id)
    client = await as_role("member")
    page = await client.get(f"/defis/{draft}")
    assert page.status_code == 200 and 'id="discussion"' not in page.text
    response = await post_form(
        client, f"/defis/{draft}/discussion", {"as": f"lieu:{world.lieu_id}", "text": "Tôt"}
    )
    assert response.status_code == 404
    assert await _comments(draft) == []


async def test_a_flag_is_counted_once_per_person_and_shown_to_the_coordinators(
    as_role: Callable,  # type: ignore[type-arg]
    world: World,
) -> None:
    path = f"/discussion/{world.discussion_id}/signalement"
    client = await as_role("member")
    first = await post_form(client, path, {})
    assert first.status_code == 303 and "ok=flagged#" in first.headers["location"]
    again = await post_form(client, path, {})
    assert again.status_code == 303 and "ok=flagged_already" in again.headers["location"]
    page = page_text(await client.get(again.headers["location"]))
    assert "il n’est compté qu’une fois" in page
    assert "1 signalement" not in page  # the count is the coordinators'
    client = await as_role("cofunder")
    assert (await post_form(client, path, {})).status_code == 303
    assert await DiscussionFlag.count().where(DiscussionFlag.comment == world.discussion_id) == 2
    client = await as_role("coordinator")
    assert "2 signalements" in page_text(await client.get(f"/defis/{world.challenge_id}"))


async def test_a_coordinator_hides_a_comment_with_a_reason_everyone_reads(
    as_role: Callable,  # type: ignore[type-arg]
    world: World,
) -> None:
    path = f"/discussion/{world.discussion_id}/masquer"
    client = await as_role("coordinator")
    refused = await post_form(client, path, {"reason": "  "})
    assert refused.status_code == 422
    assert "Ce champ est obligatoire." in page_text(refused)
    asked = await post_form(client, path, {"reason": "Propos blessants"})  # asks first
    assert asked.status_code == 200 and "Masquer cette réaction ?" in page_text(asked)
    assert "chacun lit : « Propos blessants »" in page_text(asked)
    assert (await _comments(world.challenge_id))[0]["hidden_at"] is None
    response = await post_form(client, path, {"reason": "Propos blessants", "confirm": "1"})
    assert response.status_code == 303
    row = (await _comments(world.challenge_id))[0]
    assert row["hidden_reason"] == "Propos blessants" and row["hidden_by"] is not None
    assert row["text"] == "Nous avons le même besoin."  # kept, and in the audit log
    entry = await AuditEntry.select().where(AuditEntry.action == "discussion.hide").first()
    assert entry is not None
    assert json.loads(entry["before"]) == {"text": "Nous avons le même besoin."}
    for role in ("visitor", "member"):
        client = await as_role(role)
        text = page_text(await client.get(f"/defis/{world.challenge_id}"))
        assert "Masqué par la coordination : Propos blessants" in text
        assert "Nous avons le même besoin." not in text


async def test_a_long_discussion_is_read_in_pages_of_whole_threads(
    as_role: Callable,  # type: ignore[type-arg]
    world: World,
) -> None:
    await DiscussionComment.insert(
        *(
            DiscussionComment(
                challenge=world.challenge_id,
                lieu=world.lieu_id,
                text=f"Fil {i:03d}",
                created_at=now(),
            )
            for i in range(rules.PAGE_COMMENTS + 4)
        )
    )
    client = await as_role("visitor")
    response = await client.get(f"/defis/{world.challenge_id}")
    text = page_text(response)
    assert response.text.count('<article id="commentaire-') == rules.PAGE_COMMENTS
    assert "Fil 203" in text and "Fil 003" not in text
    assert "Nous avons le même besoin." not in text
    assert "discussion?avant=" in response.text
    cursor = response.text.split("discussion?avant=")[1].split("#")[0]
    older = await client.get(f"/defis/{world.challenge_id}/discussion?avant={cursor}")
    assert older.status_code == 200
    huge = await client.get(f"/defis/{world.challenge_id}/discussion?avant={'9' * 30}")
    assert huge.status_code == 400
    older_text = page_text(older)
    assert older.text.count('<article id="commentaire-') == 5
    assert "Fil 003" in older_text and "Fil 000" in older_text
    assert "Nous avons le même besoin." in older_text
    assert "discussion?avant=" not in older.text


async def test_a_form_on_a_page_of_older_threads_comes_back_to_that_page(
    as_role: Callable,  # type: ignore[type-arg]
    world: World,
) -> None:
    await DiscussionComment.insert(
        *(
            DiscussionComment(
                challenge=world.challenge_id, lieu=world.lieu_id, text=f"Fil {i}", created_at=now()
            )
            for i in range(rules.PAGE_COMMENTS)
        )
    )
    client = await as_role("member")
    older = f"/defis/{world.challenge_id}/discussion?avant={world.discussion_id + 1}"
    page = await client.get(older)
    assert 'name="avant"' in page.text and "Nous avons le même besoin." in page_text(page)
    fields = {"parent": str(world.discussion_id), "avant": str(world.discussion_id + 1)}
    refused = await _post(client, world, **fields, text=" ")
    assert refused.status_code == 422
    text = page_text(refused)
    assert "Nous avons le même besoin." in text and "Ce champ est obligatoire." in text
    answered = await _post(client, world, **fields, text="Une réponse tardive")
    assert answered.status_code == 303
    assert answered.headers["location"].startswith(f"{older}&ok=discussion#commentaire-")
    assert "Une réponse tardive" in page_text(await client.get(answered.headers["location"]))


async def test_one_person_posting_without_end_is_stopped_past_the_hours_limit(
    as_role: Callable,  # type: ignore[type-arg]
    world: World,
) -> None:
    """A thousand posts from one person: the hour's limit is written, the rest refused (429,
    with when to try again), and a refused comment counts for nothing."""
    from cobudget.db.tables import LoginAttempt
    from cobudget.services.discussion import COMMENTS_PER_HOUR

    client = await as_role("member")
    assert (await _post(client, world, text="")).status_code == 422  # refused: not counted
    before = len(await _comments(world.challenge_id))
    key = f"discussion:{await _user_of(world)}"
    await LoginAttempt.insert(  # the hour's comments so far, but one
        *(LoginAttempt(key=key, at=now()) for _ in range(COMMENTS_PER_HOUR - 1))
    )
    assert (await _post(client, world, text="La dernière de l’heure")).status_code == 303
    refused = await _post(client, world, text="Encore une")
    assert refused.status_code == 429
    assert "Trop de commentaires publiés en une heure." in page_text(refused)
    assert "Retry-After" in refused.headers
    assert len(await _comments(world.challenge_id)) == before + 1


async def _user_of(world: World) -> int:
    from cobudget.db.tables import User

    row = await User.select(User.id).where(User.email == world.emails["member"]).first()
    assert row is not None
    return int(row["id"])
