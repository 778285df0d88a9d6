"""API: a challenge's discussion (issue 16), read by anyone who may read the challenge, written
through the page's own services and role table: comment or reply, flag, hide (coordinators).
Writes need the session cookie and the CSRF token in the `x-csrftoken` header, as the pledge."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import get, post
from litestar.params import JSONBody

from cobudget.domain import discussion as rules
from cobudget.services import discussion
from cobudget.services.queries import discussion as queries
from cobudget.web.api.pagination import Id, Paged, PagingDep, as_schema
from cobudget.web.api.problems import READ, problems
from cobudget.web.forms import MAX_ID, ActorDep

WRITE = problems(400, 401, 403, 404, 413, 422)


class DiscussionCommentOut(msgspec.Struct, frozen=True):
    id: int
    thread: int | None  # the id of the thread's first comment, for a reply
    author: str
    speaks_for: str | None  # the lieu or organisation it was written for; None: own name
    version: int | None  # the version it is about, if any
    criterion: str | None
    text: str | None  # None once hidden by the coordinators
    hidden_reason: str  # why it was hidden (public)
    created_at: dt.datetime
    flags: int  # people who flagged it to the coordinators


class DiscussionPage(Paged, frozen=True):
    items: list[DiscussionCommentOut]


class DiscussionCommentIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    # In whose name: "lieu:N" (a member), "org:N" (a co-funder), "self" (a coordinator).
    speaks_as: Annotated[str, msgspec.Meta(max_length=40)]
    text: Annotated[str, msgspec.Meta(max_length=2 * rules.MAX_TEXT)]
    version: Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)] | None = None
    criterion_id: Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)] | None = None
    # A reply: the comment it answers (a reply to a reply joins the same thread).
    parent_id: Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)] | None = None


class CommentRef(msgspec.Struct, frozen=True):
    id: int


class FlagOut(msgspec.Struct, frozen=True):
    counted: bool  # False: this person had already flagged it, it counts once


class HideIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=2 * rules.MAX_REASON)]


@get(
    "/challenges/{challenge_id:int}/discussion",
    responses=READ,
    summary="A challenge's discussion, every comment in the order written",
)
async def comments(actor: ActorDep, challenge_id: Id, paging: PagingDep) -> DiscussionPage:
    found = await queries.api_page(actor, challenge_id, page=paging.page, per_page=paging.per_page)
    return as_schema(
        {
            "total": found.total,
            "page": paging.page,
            "per_page": paging.per_page,
            "items": found.items,
        },
        DiscussionPage,
    )


@post(
    "/challenges/{challenge_id:int}/discussion",
    status_code=201,
    responses=WRITE,
    summary="Comment on a challenge, or reply",
)
async def post_comment(
    actor: ActorDep, challenge_id: Id, data: JSONBody[DiscussionCommentIn]
) -> CommentRef:
    comment_id = await discussion.post(
        actor,
        challenge_id=challenge_id,
        speaker=data.speaks_as,
        text=data.text,
        version=data.version,
        criterion_id=data.criterion_id,
        parent_id=data.parent_id,
    )
    return CommentRef(id=comment_id)


@post(
    "/discussion/{comment_id:int}/flags",
    status_code=200,
    responses=problems(400, 401, 403, 404),
    summary="Flag a comment to the coordinators (counted once per person)",
)
async def flag(actor: ActorDep, comment_id: Id) -> FlagOut:
    return FlagOut(counted=await discussion.flag(actor, comment_id=comment_id))


@post(
    "/discussion/{comment_id:int}/hide",
    status_code=200,
    responses=WRITE,
    summary="Hide a comment, with a reason everyone reads (coordinators)",
)
async def hide(actor: ActorDep, comment_id: Id, data: JSONBody[HideIn]) -> CommentRef:
    await discussion.hide(actor, comment_id=comment_id, reason=data.reason)
    return CommentRef(id=comment_id)


ROUTES = [comments, post_comment, flag, hide]
