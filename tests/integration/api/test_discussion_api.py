"""A challenge's discussion through the JSON API (issue 16): anyone reads it, paginated; members,
co-funders and coordinators write through the page's services and role table, with the session
cookie and the CSRF header; every refusal is a JSON problem that changes nothing."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from cobudget.db.tables import DiscussionComment, DiscussionFlag
from tests.conftest import csrf_token
from tests.integration.api.conftest import make_draft_challenge, problem
from tests.integration.conftest import World, log_in
from tests.support import factories

Client = AsyncTestClient  # type: ignore[type-arg]


async def _post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    headers = {"x-csrftoken": await csrf_token(client, "/")}
    return await client.post(path, json=body, headers=headers)


async def _count() -> int:
    return int(await DiscussionComment.count())


async def test_anyone_reads_a_discussion_page_by_page(client: Client, world: World) -> None:
    reply = await factories.make_discussion_comment(
        world.challenge_id, world.other_lieu_id, "Pareil.", thread=world.discussion_id
    )
    response = await client.get(
        f"/api/challenges/{world.challenge_id}/discussion", params={"per_page": 1, "page": 2}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["total"], body["page"], body["per_page"]) == (2, 2, 1)
    [item] = body["items"]
    assert item["id"] == reply and item["thread"] == world.discussion_id
    assert item["speaks_for"] == "Le Comptoir" and item["text"] == "Pareil."
    assert item["flags"] == 0 and item["hidden_reason"] == ""


async def test_a_draft_has_no_discussion(client: Client, world: World) -> None:
    draft = await make_draft_challenge(world.network_id, world.lieu_id)
    problem(await client.get(f"/api/challenges/{draft}/discussion"), 404)
    await log_in(client, world.emails["member"])
    body = {"speaks_as": f"lieu:{world.lieu_id}", "text": "Déjà ?"}
    problem(await _post(client, f"/api/challenges/{draft}/discussion", body), 404)


async def test_a_member_comments_replies_and_a_coordinator_hides(
    client: Client, world: World
) -> None:
    path = f"/api/challenges/{world.challenge_id}/discussion"
    body = {"speaks_as": f"lieu:{world.lieu_id}", "text": "Et l’hébergement ?"}
    problem(await _post(client, path, body), 401)
    await log_in(client, world.emails["member"])
    created = await _post(client, path, body)
    assert created.status_code == 201, created.text
    comment_id = created.json()["id"]
    reply = await _post(client, path, body | {"text": "Réponse", "parent_id": comment_id})
    assert reply.status_code == 201
    stored = await DiscussionComment.select(DiscussionComment.thread).where(
        DiscussionComment.id == reply.json()["id"]
    )
    assert stored == [{"thread": comment_id}]

    flagged = await _post(client, f"/api/discussion/{comment_id}/flags")
    assert flagged.status_code == 200 and flagged.json() == {"counted": True}
    again = await _post(client, f"/api/discussion/{comment_id}/flags")
    assert again.json() == {"counted": False}
    assert await DiscussionFlag.count() == 1

    problem(await _post(client, f"/api/discussion/{comment_id}/hide", {"reason": "Non"}), 403)
    client.cookies.clear()
    await log_in(client, world.emails["coordinator"])
    hidden = await _post(client, f"/api/discussion/{comment_id}/hide", {"reason": "Hors sujet"})
    assert hidden.status_code == 200, hidden.text
    items = (await client.get(path)).json()["items"]
    shown = next(item for item in items if item["id"] == comment_id)
    assert shown["text"] is None and shown["hidden_reason"] == "Hors sujet"
    assert shown["flags"] == 1


async def test_refusals_are_problems_that_write_nothing(client: Client, world: World) -> None:
    path = f"/api/challenges/{world.challenge_id}/discussion"
    await log_in(client, world.emails["member"])
    before = await _count()
    other = await factories.make_discussion_comment(world.fresh_challenge_id, world.lieu_id)
    mine = f"lieu:{world.lieu_id}"
    cases = [
        ({"speaks_as": mine, "text": "  "}, 422, "discussion.text"),
        ({"speaks_as": mine, "text": "x" * 5001}, 422, "discussion.text"),
        ({"speaks_as": mine, "text": "Oui", "parent_id": other}, 422, "discussion.parent"),
        ({"speaks_as": mine, "text": "Oui", "parent_id": 999_999}, 422, "discussion.parent"),
        ({"speaks_as": mine, "text": "Oui", "version": 9}, 422, "discussion.version"),
        ({"speaks_as": "n’importe", "text": "Oui"}, 422, "discussion.as"),
        ({"speaks_as": f"lieu:{world.other_lieu_id}", "text": "Oui"}, 403, None),
        ({"speaks_as": "self", "text": "Oui"}, 403, None),
        ({"speaks_as": mine, "text": "Oui", "extra": 1}, 400, None),
    ]
    for body, status, field in cases:
        found = problem(await _post(client, path, body), status)
        if field:
            assert field in found["errors"], (body, found)
    assert await _count() == before + 1  # the other challenge's comment only
    headers: dict[str, str] = {}
    no_csrf = await client.post(path, json=cases[0][0], headers=headers)
    assert no_csrf.status_code == 403
