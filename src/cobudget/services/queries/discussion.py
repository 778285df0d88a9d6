"""Reads behind a challenge's discussion (issue 16): a page of whole threads for the challenge
page, the flat list the API pages through, and what the reader may do there.

Fixed reads whatever the number of comments: a page of threads is one bounded query (each
comment's flags counted in its own row by a correlated subquery), kept by data version since
every reader sees it alike (`services/kept_reads.py`); the network's criteria come from the
challenge page's diagnosis (read here only on the older threads' page), and a co-funder's
organisations are one more query for co-funders only. What the reader may do is decided per
request on top.
"""

from __future__ import annotations

import datetime as dt

import msgspec
from piccolo.columns.combination import WhereRaw
from piccolo.query.mixins import OrderByRaw
from piccolo.querystring import QueryString

from cobudget.db.rows import fetch
from cobudget.db.tables import CofundingOrg, Criterion, DiscussionComment
from cobudget.domain import discussion as rules
from cobudget.domain.permissions import Action, Actor, Target, decide
from cobudget.services.discussion import place
from cobudget.services.kept_reads import kept
from cobudget.services.queries.challenges import ChallengePage
from cobudget.services.queries.person_names import shown_name

_FLAGS = QueryString(
    "(SELECT COUNT(*) FROM discussion_flag WHERE discussion_flag.comment = discussion_comment.id)"
).as_alias("flags")


class _Row(msgspec.Struct, frozen=True):
    id: int
    thread: int | None
    author_name: str | None
    author_deleted_at: dt.datetime | None
    lieu_name: str | None
    org_name: str | None
    version: int | None
    criterion_name: str | None
    text: str
    created_at: dt.datetime
    hidden_at: dt.datetime | None
    hidden_reason: str
    flags: int


_COLUMNS = (
    DiscussionComment.id,
    DiscussionComment.thread,
    DiscussionComment.author.name.as_alias("author_name"),
    DiscussionComment.author.deleted_at.as_alias("author_deleted_at"),
    DiscussionComment.lieu.name.as_alias("lieu_name"),
    DiscussionComment.org.name.as_alias("org_name"),
    DiscussionComment.version,
    DiscussionComment.criterion.name.as_alias("criterion_name"),
    DiscussionComment.text,
    DiscussionComment.created_at,
    DiscussionComment.hidden_at,
    DiscussionComment.hidden_reason,
    _FLAGS,
)


class CommentView(msgspec.Struct, frozen=True):
    id: int
    thread: int | None  # the thread's first comment, for a reply
    author: str  # « ancien membre » for a deleted account (queries/person_names.py)
    speaks_for: str | None  # the lieu's or the organisation's name; None: in their own name
    version: int | None
    criterion: str | None
    text: str | None  # None once hidden
    hidden_reason: str
    created_at: dt.datetime
    flags: int
    former_member: bool = False


class ThreadView(msgspec.Struct, frozen=True):
    comment: CommentView
    replies: tuple[CommentView, ...]


class _Shared(msgspec.Struct, frozen=True):
    """A page of the discussion as every reader sees it (kept)."""

    threads: tuple[ThreadView, ...]
    older_than: int | None


class DiscussionPanel(msgspec.Struct, frozen=True):
    challenge_id: int
    threads: list[ThreadView]  # newest thread first
    older_than: int | None  # the next page: /defis/{id}/discussion?avant={older_than}
    before: int | None  # this page's own cursor (None: the newest)
    versions: list[int]  # the published versions a comment may be about
    criteria: list[tuple[int, str]]
    speak_as: list[tuple[str, str]]  # ("lieu:3", name), ("org:2", name), ("self", "")
    can_flag: bool
    can_hide: bool


def _view(row: _Row) -> CommentView:
    return CommentView(
        id=row.id,
        thread=row.thread,
        author=shown_name(row.author_name, row.author_deleted_at),
        speaks_for=row.lieu_name or row.org_name,
        version=row.version,
        criterion=row.criterion_name,
        text=None if row.hidden_at else row.text,
        hidden_reason=row.hidden_reason,
        created_at=row.created_at,
        flags=row.flags,
        former_member=row.author_deleted_at is not None,
    )


class _Named(msgspec.Struct, frozen=True):
    id: int
    name: str


# A thread's place: its first comment's id (a reply's thread, or the comment itself).
_THREAD_ID = "COALESCE(discussion_comment.thread, discussion_comment.id)"


async def _shared(challenge_id: int, before: int | None) -> _Shared:
    """One read of the newest threads (older than the comment `before`), bounded: at most
    PAGE_COMMENTS comments and one more, to know whether older threads exist."""
    query = DiscussionComment.select(*_COLUMNS).where(DiscussionComment.challenge == challenge_id)
    if before is not None:
        query = query.where(WhereRaw(f"{_THREAD_ID} < {{}}", before))
    rows = await fetch(
        query.order_by(OrderByRaw(_THREAD_ID), ascending=False)
        .order_by(DiscussionComment.id)
        .limit(rules.PAGE_COMMENTS + 1),
        _Row,
    )
    page = rules.page_of_threads(rows)
    return _Shared(
        threads=tuple(
            ThreadView(comment=_view(root), replies=tuple(_view(reply) for reply in thread))
            for root, thread in page.threads
        ),
        older_than=page.older_than,
    )


async def _criteria(network_id: int) -> list[tuple[int, str]]:
    rows = await fetch(
        Criterion.select(Criterion.id, Criterion.name)
        .where(Criterion.network == network_id)
        .order_by(Criterion.position),
        _Named,
    )
    return [(row.id, row.name) for row in rows]


async def _my_orgs(actor: Actor, network_id: int) -> list[_Named]:
    """The reader's co-funding organisations in the network (read for co-funders only)."""
    if not actor.cofunder_of:
        return []
    return await fetch(
        CofundingOrg.select(CofundingOrg.id, CofundingOrg.name)
        .where(CofundingOrg.network == network_id)
        .where(CofundingOrg.id.is_in(sorted(actor.cofunder_of)))
        .order_by(CofundingOrg.name),
        _Named,
    )


def _speak_as(actor: Actor, challenge: ChallengePage, orgs: list[_Named]) -> list[tuple[str, str]]:
    """In whose names the reader may write: their lieux in the network, their organisations
    in it, and their own name if they coordinate it."""
    choices = [
        (f"lieu:{lieu.id}", lieu.name)
        for lieu in challenge.network_lieux
        if lieu.id in actor.member_of
    ]
    choices += [(f"org:{org.id}", org.name) for org in orgs]
    if challenge.network.id in actor.coordinator_of:
        choices.append(("self", ""))
    return choices


async def panel(
    actor: Actor,
    challenge: ChallengePage,
    *,
    before: int | None = None,
    criteria: list[tuple[int, str]] | None = None,
    orgs: list[tuple[int, str]] | None = None,
) -> DiscussionPanel | None:
    """The discussion of a challenge page (None for a draft, which has none): the newest page
    of threads, or the one older than the comment `before`. `criteria` and `orgs` (the
    network's criteria, the reader's co-funding organisations in it): when the page has read
    them already (its diagnosis has)."""
    if challenge.is_draft:
        return None
    network_id = challenge.network.id
    shared = await kept(("discussion", challenge.id, before), lambda: _shared(challenge.id, before))
    if criteria is None:
        criteria = await _criteria(network_id)
    my_orgs = (
        [_Named(id=i, name=name) for i, name in orgs]
        if orgs is not None
        else await _my_orgs(actor, network_id)
    )
    target = Target(
        network_id=network_id,
        network_lieu_ids=challenge.network_lieu_ids,
        network_org_ids=frozenset(org.id for org in my_orgs),
    )
    return DiscussionPanel(
        challenge_id=challenge.id,
        threads=list(shared.threads),
        older_than=shared.older_than,
        before=before,
        versions=[ref.number for ref in challenge.versions],
        criteria=criteria,
        speak_as=_speak_as(actor, challenge, my_orgs),
        can_flag=decide(actor, Action.DISCUSSION_FLAG, target).allowed,
        can_hide=decide(actor, Action.COMMENT_HIDE, target).allowed,
    )


class ApiPage(msgspec.Struct, frozen=True):
    total: int
    items: tuple[CommentView, ...]


async def _api_page(challenge_id: int, offset: int, limit: int) -> ApiPage:
    total = await DiscussionComment.count().where(DiscussionComment.challenge == challenge_id)
    rows = await fetch(
        DiscussionComment.select(*_COLUMNS)
        .where(DiscussionComment.challenge == challenge_id)
        .order_by(DiscussionComment.id)
        .offset(offset)
        .limit(limit),
        _Row,
    )
    return ApiPage(total=total, items=tuple(_view(row) for row in rows))


async def api_page(actor: Actor, challenge_id: int, *, page: int, per_page: int) -> ApiPage:
    """Every comment of the challenge's discussion in the order written (a reply names its
    thread), one page of them: the database pages, so a long discussion is never read whole."""
    found = await place(actor, challenge_id)
    offset = (page - 1) * per_page
    return await kept(
        ("discussion-api", found.challenge_id, offset, per_page),
        lambda: _api_page(found.challenge_id, offset, per_page),
    )
