"""Reads behind the challenge pages: a challenge with its versions, who proposes it, who shares
its problem; a version; the differences between two versions; a network's challenges.

A challenge page reads its data in five queries whatever the number of versions, budget lines,
co-proposers, concerned lieux and network lieux: the versions joined to their challenge and
network, every budget line of every version, the co-proposers, the concerned lieux, and the
network's lieux (one query per kind of thing, never one per row)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import msgspec
from piccolo.querystring import QueryString

from cobudget.db.rows import fetch
from cobudget.db.tables import (
    BudgetLine,
    Challenge,
    ChallengeVersion,
    ConcernedLieu,
    CoProposer,
    NetworkLieu,
)
from cobudget.domain import challenges as rules
from cobudget.domain.errors import NotFound
from cobudget.domain.permissions import Action, Actor, Target, require
from cobudget.services.challenges import (
    LINE_COLUMNS,
    VERSION_COLUMNS,
    LineRow,
    VersionRow,
    version_of,
)
from cobudget.services.kept_reads import kept
from cobudget.services.queries.networks import NetworkSummary, network_by_id


class LieuRef(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str


class ConcernView(msgspec.Struct, frozen=True):
    lieu: LieuRef
    note: str
    declared_at: dt.datetime


class NeedRef(msgspec.Struct, frozen=True):
    id: int
    title: str
    lieu: LieuRef  # the proposing lieu: a need becomes a challenge of its own lieu


class VersionRef(msgspec.Struct, frozen=True):
    number: int
    published_at: dt.datetime | None


class ChallengePage(msgspec.Struct, frozen=True):
    id: int
    network: NetworkSummary
    version: rules.ChallengeVersion
    is_draft: bool
    total_min_cents: int
    total_max_cents: int
    proposers: list[LieuRef]
    pending_co_proposers: list[LieuRef]
    concerned: list[ConcernView]
    versions: list[VersionRef]
    can_edit: bool
    # The actor's lieux that may say « nous aussi » / answer a co-proposal.
    lieux_may_concern: list[LieuRef]
    lieux_invited: list[LieuRef]
    network_lieu_ids: frozenset[int]
    network_lieux: list[LieuRef]  # by name; the diagnosis names the lieux that take positions
    picture_id: int | None = None  # its picture (services/documents.py), if it has one
    from_need: NeedRef | None = None  # the need of the proposing lieu it was made from
    # Withdrawn by its proposing lieu (issue 17): when, and why; its history stays readable.
    withdrawn_at: dt.datetime | None = None
    withdrawal_reason: str = ""
    proposing_lieu_id: int = 0
    can_withdraw: bool = False  # the reader belongs to the proposing lieu; not yet withdrawn

    @property
    def proposer_ids(self) -> frozenset[int]:
        return frozenset(lieu.id for lieu in self.proposers)


class ChallengeSummary(msgspec.Struct, frozen=True):
    id: int
    title: str
    lieu: LieuRef
    version: int
    total_min_cents: int
    total_max_cents: int
    concerned_count: int
    withdrawn: bool = False  # by its proposers (issue 17)


class _VersionOfChallenge(VersionRow, frozen=True):
    """A version with its challenge, the challenge's proposing lieu and its network."""

    current_version: int
    withdrawn_at: dt.datetime | None
    withdrawal_reason: str
    lieu_id: int
    lieu_slug: str
    lieu_name: str
    network_id: int
    network_slug: str
    network_name: str
    network_region: str
    network_description: str
    network_is_public: bool
    picture_id: int | None = None
    need_id: int | None = None
    need_title: str | None = None


# The challenge's picture, read in the versions' own query (a correlated subquery).
_PICTURE = QueryString(
    "(SELECT MAX(document.id) FROM document WHERE document.challenge ="
    " challenge_version.challenge AND document.kind = 'challenge_picture')"
).as_alias("picture_id")

_HEADING_COLUMNS = (
    ChallengeVersion.challenge.current_version.as_alias("current_version"),
    ChallengeVersion.challenge.withdrawn_at.as_alias("withdrawn_at"),
    ChallengeVersion.challenge.withdrawal_reason.as_alias("withdrawal_reason"),
    ChallengeVersion.challenge._.lieu._.id.as_alias("lieu_id"),
    ChallengeVersion.challenge._.lieu._.slug.as_alias("lieu_slug"),
    ChallengeVersion.challenge._.lieu._.name.as_alias("lieu_name"),
    ChallengeVersion.challenge._.network._.id.as_alias("network_id"),
    ChallengeVersion.challenge._.network._.slug.as_alias("network_slug"),
    ChallengeVersion.challenge._.network._.name.as_alias("network_name"),
    ChallengeVersion.challenge._.network._.region.as_alias("network_region"),
    ChallengeVersion.challenge._.network._.description.as_alias("network_description"),
    ChallengeVersion.challenge._.network._.is_public.as_alias("network_is_public"),
    _PICTURE,
    # The need it was made from, if any (issue 17), read in the same query.
    QueryString(
        "(SELECT need.id FROM need WHERE need.challenge = challenge_version.challenge"
        " ORDER BY need.id LIMIT 1)"
    ).as_alias("need_id"),
    QueryString(
        "(SELECT need.title FROM need WHERE need.challenge = challenge_version.challenge"
        " ORDER BY need.id LIMIT 1)"
    ).as_alias("need_title"),
)


class _CoProposerRow(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str
    accepted_at: dt.datetime | None


class _ConcernRow(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str
    note: str
    declared_at: dt.datetime


class _SummaryRow(msgspec.Struct, frozen=True):
    id: int
    current_version: int
    withdrawn_at: dt.datetime | None
    lieu_id: int
    lieu_slug: str
    lieu_name: str


class _TitleRow(msgspec.Struct, frozen=True):
    id: int
    challenge: int
    number: int
    title: str


_TITLE_COLUMNS = (
    ChallengeVersion.id,
    ChallengeVersion.challenge,
    ChallengeVersion.number,
    ChallengeVersion.title,
)


class _LineTotal(msgspec.Struct, frozen=True):
    version: int
    min_cents: int
    max_cents: int


class _ChallengeOf(msgspec.Struct, frozen=True):
    challenge: int


class _Loaded(msgspec.Struct, frozen=True):
    page: ChallengePage
    versions: dict[int, rules.ChallengeVersion]  # every version, by number


def _by_name(lieux: Iterable[LieuRef], order: dict[int, int]) -> list[LieuRef]:
    """Lieux in the order of the network's lieux (sorted by name by the database, as every
    list of lieux is); a lieu that has left the network comes after them, by name."""
    return sorted(lieux, key=lambda lieu: (order.get(lieu.id, len(order)), lieu.name))


class _Shared(msgspec.Struct, frozen=True):
    """A challenge as every reader sees it (kept: `services/kept_reads.py`): its page without
    what the reader may do, and what that is decided from."""

    loaded: _Loaded  # can_edit False; no lieu may concern or is invited
    concerned_ids: frozenset[int]


async def _load(actor: Actor, challenge_id: int) -> _Loaded:
    shared = await kept(("challenge", challenge_id), lambda: _read(challenge_id))
    page = shared.loaded.page
    require(
        actor,
        Action.NETWORK_READ,
        Target(network_id=page.network.id, network_is_public=page.network.is_public),
    )
    proposer_ids = page.proposer_ids
    can_edit = bool(actor.member_of & proposer_ids)
    if page.is_draft and not can_edit:
        raise NotFound("challenge", challenge_id)  # a draft is its proposers' only
    if not (actor.member_of or can_edit):
        return shared.loaded
    closed = page.is_draft or page.withdrawn_at is not None
    may_concern = frozenset() if closed else actor.member_of - proposer_ids - shared.concerned_ids
    mine = msgspec.structs.replace(
        page,
        can_edit=can_edit,
        can_withdraw=not closed and page.proposing_lieu_id in actor.member_of,
        lieux_may_concern=[lieu for lieu in page.network_lieux if lieu.id in may_concern],
        lieux_invited=[]
        if closed
        else [lieu for lieu in page.pending_co_proposers if lieu.id in actor.member_of],
    )
    return _Loaded(page=mine, versions=shared.loaded.versions)


async def _read(challenge_id: int) -> _Shared:
    versions = await fetch(
        ChallengeVersion.select(*VERSION_COLUMNS, *_HEADING_COLUMNS)
        .where(ChallengeVersion.challenge == challenge_id)
        .order_by(ChallengeVersion.number),
        _VersionOfChallenge,
    )
    if not versions:
        raise NotFound("challenge", challenge_id)
    heading = versions[0]
    network = NetworkSummary(
        id=heading.network_id,
        slug=heading.network_slug,
        name=heading.network_name,
        region=heading.network_region,
        description=heading.network_description,
        is_public=heading.network_is_public,
    )
    co_proposers = await fetch(
        CoProposer.select(
            CoProposer.lieu.id.as_alias("id"),
            CoProposer.lieu.slug.as_alias("slug"),
            CoProposer.lieu.name.as_alias("name"),
            CoProposer.accepted_at,
        )
        .where(CoProposer.challenge == challenge_id)
        .order_by(CoProposer.lieu.name),
        _CoProposerRow,
    )
    proposer_refs = [LieuRef(heading.lieu_id, heading.lieu_slug, heading.lieu_name)] + [
        LieuRef(row.id, row.slug, row.name) for row in co_proposers if row.accepted_at is not None
    ]
    current = heading.current_version
    lines: dict[int, list[LineRow]] = {row.id: [] for row in versions}
    for line in await fetch(
        BudgetLine.select(*LINE_COLUMNS)
        .where(BudgetLine.version.challenge == challenge_id)
        .order_by(BudgetLine.version, BudgetLine.position),
        LineRow,
    ):
        lines.setdefault(line.version, []).append(line)
    by_number = {row.number: version_of(row, lines[row.id]) for row in versions}
    version = by_number.get(current or 1)
    if version is None:
        raise NotFound("challenge_version", current or 1)
    concerned = await fetch(
        ConcernedLieu.select(
            ConcernedLieu.lieu.id.as_alias("id"),
            ConcernedLieu.lieu.slug.as_alias("slug"),
            ConcernedLieu.lieu.name.as_alias("name"),
            ConcernedLieu.note,
            ConcernedLieu.declared_at,
        )
        .where(ConcernedLieu.challenge == challenge_id)
        .order_by(ConcernedLieu.declared_at),
        _ConcernRow,
    )
    network_lieux = await fetch(
        NetworkLieu.select(
            NetworkLieu.lieu.id.as_alias("id"),
            NetworkLieu.lieu.slug.as_alias("slug"),
            NetworkLieu.lieu.name.as_alias("name"),
        )
        .where(NetworkLieu.network == network.id)
        .order_by(NetworkLieu.lieu.name),
        LieuRef,
    )
    order = {lieu.id: index for index, lieu in enumerate(network_lieux)}
    pending = [
        LieuRef(row.id, row.slug, row.name) for row in co_proposers if row.accepted_at is None
    ]
    page = ChallengePage(
        id=challenge_id,
        network=network,
        version=version,
        is_draft=not current,
        total_min_cents=rules.total_min_cents(version.budget_lines),
        total_max_cents=rules.total_max_cents(version.budget_lines),
        proposers=_by_name(proposer_refs, order),
        pending_co_proposers=pending,
        concerned=[
            ConcernView(
                lieu=LieuRef(row.id, row.slug, row.name), note=row.note, declared_at=row.declared_at
            )
            for row in concerned
        ],
        versions=[
            VersionRef(number=row.number, published_at=row.published_at)
            for row in versions
            if row.published_at is not None
        ],
        can_edit=False,
        lieux_may_concern=[],
        lieux_invited=[],
        network_lieu_ids=frozenset(order),
        network_lieux=network_lieux,
        picture_id=heading.picture_id,
        from_need=NeedRef(
            heading.need_id,
            heading.need_title or "",
            LieuRef(heading.lieu_id, heading.lieu_slug, heading.lieu_name),
        )
        if heading.need_id is not None
        else None,
        withdrawn_at=heading.withdrawn_at,
        withdrawal_reason=heading.withdrawal_reason,
        proposing_lieu_id=heading.lieu_id,
    )
    return _Shared(
        loaded=_Loaded(page=page, versions=by_number),
        concerned_ids=frozenset(row.id for row in concerned),
    )


async def challenge_page(actor: Actor, challenge_id: int) -> ChallengePage:
    return (await _load(actor, challenge_id)).page


def _published(loaded: _Loaded, number: int) -> rules.ChallengeVersion:
    page = loaded.page
    if page.is_draft or not 1 <= number <= page.version.number or number not in loaded.versions:
        raise NotFound("challenge_version", number)
    return loaded.versions[number]


async def version_page(
    actor: Actor, challenge_id: int, number: int
) -> tuple[ChallengePage, rules.ChallengeVersion]:
    loaded = await _load(actor, challenge_id)
    return loaded.page, _published(loaded, number)


async def version_diff(
    actor: Actor, challenge_id: int, old: int, new: int
) -> tuple[ChallengePage, rules.ChallengeVersion, rules.ChallengeVersion, rules.VersionDiff]:
    loaded = await _load(actor, challenge_id)
    before, after = _published(loaded, old), _published(loaded, new)
    return loaded.page, before, after, rules.diff_versions(before, after)


async def network_challenges(actor: Actor, network_id: int) -> tuple[ChallengeSummary, ...]:
    """The network's published challenges with their current title and totals, in a fixed
    number of queries whatever their count (this list is on every network page); the same for
    every reader, so kept (`services/kept_reads.py`)."""
    await network_by_id(actor, network_id)  # refuses a network the actor may not read
    return await kept(("network-challenges", network_id), lambda: _network_challenges(network_id))


async def _network_challenges(network_id: int) -> tuple[ChallengeSummary, ...]:
    rows = await fetch(
        Challenge.select(
            Challenge.id,
            Challenge.current_version,
            Challenge.withdrawn_at,
            Challenge.lieu.id.as_alias("lieu_id"),
            Challenge.lieu.slug.as_alias("lieu_slug"),
            Challenge.lieu.name.as_alias("lieu_name"),
        )
        .where(Challenge.network == network_id)
        .where(Challenge.current_version > 0)
        .order_by(Challenge.id, ascending=False),
        _SummaryRow,
    )
    ids = [row.id for row in rows] or [0]
    current = {row.id: row.current_version for row in rows}
    versions = {
        row.challenge: row
        for row in await fetch(
            ChallengeVersion.select(*_TITLE_COLUMNS).where(ChallengeVersion.challenge.is_in(ids)),
            _TitleRow,
        )
        if current.get(row.challenge) == row.number
    }
    return tuple(await _summaries(rows, versions))


class _PageVersion(_TitleRow, frozen=True):
    current_version: int
    withdrawn_at: dt.datetime | None
    lieu_id: int
    lieu_slug: str
    lieu_name: str


async def challenge_summaries(ids: list[int]) -> dict[int, ChallengeSummary]:
    """The summaries of a page of challenges (a search's), in three queries: the current
    version of each (the draft, for a draft) with its challenge and proposing lieu, the budget
    lines of those versions, the concerned lieux. Unknown ids are left out."""
    versions = {
        row.challenge: row
        for row in await fetch(
            ChallengeVersion.select(
                *_TITLE_COLUMNS,
                ChallengeVersion.challenge._.current_version.as_alias("current_version"),
                ChallengeVersion.challenge._.withdrawn_at.as_alias("withdrawn_at"),
                ChallengeVersion.challenge._.lieu._.id.as_alias("lieu_id"),
                ChallengeVersion.challenge._.lieu._.slug.as_alias("lieu_slug"),
                ChallengeVersion.challenge._.lieu._.name.as_alias("lieu_name"),
            ).where(ChallengeVersion.challenge.is_in(ids or [0])),
            _PageVersion,
        )
        if row.number == (row.current_version or 1)
    }
    heads = [
        _SummaryRow(
            v.challenge, v.current_version, v.withdrawn_at, v.lieu_id, v.lieu_slug, v.lieu_name
        )
        for v in versions.values()
    ]
    return {summary.id: summary for summary in await _summaries(heads, dict(versions))}


async def _summaries(
    rows: list[_SummaryRow], versions: dict[int, _TitleRow]
) -> list[ChallengeSummary]:
    """Challenges with their version's title and totals and their count of concerned lieux:
    two queries (the budget lines, the concerned lieux), whatever their number."""
    ids = [row.id for row in rows] or [0]
    totals: dict[int, list[int]] = {}
    for line in await fetch(
        BudgetLine.select(BudgetLine.version, BudgetLine.min_cents, BudgetLine.max_cents).where(
            BudgetLine.version.is_in([v.id for v in versions.values()] or [0])
        ),
        _LineTotal,
    ):
        total = totals.setdefault(line.version, [0, 0])
        total[0] += line.min_cents
        total[1] += line.max_cents
    counts: dict[int, int] = {}
    for concern in await fetch(
        ConcernedLieu.select(ConcernedLieu.challenge).where(ConcernedLieu.challenge.is_in(ids)),
        _ChallengeOf,
    ):
        counts[concern.challenge] = counts.get(concern.challenge, 0) + 1
    summaries = []
    for row in rows:
        version = versions[row.id]
        minimum, maximum = totals.get(version.id, [0, 0])
        summaries.append(
            ChallengeSummary(
                id=row.id,
                title=version.title,
                lieu=LieuRef(row.lieu_id, row.lieu_slug, row.lieu_name),
                version=row.current_version,
                total_min_cents=minimum,
                total_max_cents=maximum,
                concerned_count=counts.get(row.id, 0),
                withdrawn=row.withdrawn_at is not None,
            )
        )
    return summaries
