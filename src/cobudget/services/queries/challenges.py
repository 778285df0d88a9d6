"""Reads behind the challenge pages: a challenge with its versions, who proposes it, who shares
its problem; a version; the differences between two versions; a network's challenges."""

from __future__ import annotations

import datetime as dt

import msgspec

from cobudget.db.tables import (
    BudgetLine,
    Challenge,
    ChallengeVersion,
    ConcernedLieu,
    CoProposer,
    Lieu,
    NetworkLieu,
)
from cobudget.domain import challenges as rules
from cobudget.domain.errors import NotFound
from cobudget.domain.permissions import Actor
from cobudget.services.challenges import load_version, proposer_lieu_ids
from cobudget.services.queries.networks import NetworkSummary, network_by_id


class LieuRef(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str


class ConcernView(msgspec.Struct, frozen=True):
    lieu: LieuRef
    note: str
    declared_at: dt.datetime


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


class ChallengeSummary(msgspec.Struct, frozen=True):
    id: int
    title: str
    lieu: LieuRef
    version: int
    total_min_cents: int
    total_max_cents: int
    concerned_count: int


def _ref(row: dict[str, object], prefix: str = "") -> LieuRef:
    return LieuRef(
        id=int(str(row[f"{prefix}id"])),
        slug=str(row[f"{prefix}slug"]),
        name=str(row[f"{prefix}name"]),
    )


async def _lieux(ids: set[int] | frozenset[int]) -> list[LieuRef]:
    if not ids:
        return []
    rows = (
        await Lieu.select(Lieu.id, Lieu.slug, Lieu.name)
        .where(Lieu.id.is_in(list(ids)))
        .order_by(Lieu.name)
    )
    return [_ref(row) for row in rows]


async def challenge_page(actor: Actor, challenge_id: int) -> ChallengePage:
    challenge = await Challenge.select().where(Challenge.id == challenge_id).first()
    if challenge is None:
        raise NotFound("challenge", challenge_id)
    network = await network_by_id(actor, int(str(challenge["network"])))
    proposers = await proposer_lieu_ids(challenge_id)
    can_edit = bool(actor.member_of & proposers)
    current = int(str(challenge["current_version"]))
    if not current and not can_edit:
        raise NotFound("challenge", challenge_id)  # a draft is its proposers' only
    version = await load_version(challenge_id, current or 1)
    pending = (
        await CoProposer.select(CoProposer.lieu)
        .where(CoProposer.challenge == challenge_id)
        .where(CoProposer.accepted_at.is_null())
    )
    pending_ids = {row["lieu"] for row in pending}
    concerned_rows = (
        await ConcernedLieu.select(
            ConcernedLieu.note,
            ConcernedLieu.declared_at,
            ConcernedLieu.lieu.id,
            ConcernedLieu.lieu.slug,
            ConcernedLieu.lieu.name,
        )
        .where(ConcernedLieu.challenge == challenge_id)
        .order_by(ConcernedLieu.declared_at)
    )
    versions = (
        await ChallengeVersion.select(ChallengeVersion.number, ChallengeVersion.published_at)
        .where(ChallengeVersion.challenge == challenge_id)
        .order_by(ChallengeVersion.number)
    )
    network_lieux = {
        row["lieu"]
        for row in await NetworkLieu.select(NetworkLieu.lieu).where(
            NetworkLieu.network == network.id
        )
    }
    concerned_ids = {row["lieu.id"] for row in concerned_rows}
    return ChallengePage(
        id=challenge_id,
        network=network,
        version=version,
        is_draft=not current,
        total_min_cents=rules.total_min_cents(version.budget_lines),
        total_max_cents=rules.total_max_cents(version.budget_lines),
        proposers=await _lieux(proposers),
        pending_co_proposers=await _lieux(pending_ids),
        concerned=[
            ConcernView(lieu=_ref(row, "lieu."), note=row["note"], declared_at=row["declared_at"])
            for row in concerned_rows
        ],
        versions=[
            VersionRef(number=row["number"], published_at=row["published_at"])
            for row in versions
            if row["published_at"] is not None
        ],
        can_edit=can_edit,
        lieux_may_concern=await _lieux(
            (actor.member_of & network_lieux) - proposers - concerned_ids
        )
        if current
        else [],
        lieux_invited=await _lieux(actor.member_of & pending_ids),
        network_lieu_ids=frozenset(network_lieux),
    )


async def version_page(
    actor: Actor, challenge_id: int, number: int
) -> tuple[ChallengePage, rules.ChallengeVersion]:
    page = await challenge_page(actor, challenge_id)
    if page.is_draft or not 1 <= number <= page.version.number:
        raise NotFound("challenge_version", number)
    return page, await load_version(challenge_id, number)


async def version_diff(
    actor: Actor, challenge_id: int, old: int, new: int
) -> tuple[ChallengePage, rules.ChallengeVersion, rules.ChallengeVersion, rules.VersionDiff]:
    page, before = await version_page(actor, challenge_id, old)
    _page, after = await version_page(actor, challenge_id, new)
    return page, before, after, rules.diff_versions(before, after)


async def network_challenges(actor: Actor, network_id: int) -> list[ChallengeSummary]:
    """The network's published challenges with their current title and totals, in a fixed
    number of queries whatever their count (this list is on every network page)."""
    await network_by_id(actor, network_id)  # refuses a network the actor may not read
    rows = (
        await Challenge.select(
            Challenge.id,
            Challenge.current_version,
            Challenge.lieu.id,
            Challenge.lieu.slug,
            Challenge.lieu.name,
        )
        .where(Challenge.network == network_id)
        .where(Challenge.current_version > 0)
        .order_by(Challenge.id, ascending=False)
    )
    ids = [row["id"] for row in rows] or [0]
    current = {row["id"]: row["current_version"] for row in rows}
    versions = {
        row["challenge"]: row
        for row in await ChallengeVersion.select(
            ChallengeVersion.id,
            ChallengeVersion.challenge,
            ChallengeVersion.number,
            ChallengeVersion.title,
        ).where(ChallengeVersion.challenge.is_in(ids))
        if current.get(row["challenge"]) == row["number"]
    }
    totals: dict[int, list[int]] = {}
    for line in await BudgetLine.select(
        BudgetLine.version, BudgetLine.min_cents, BudgetLine.max_cents
    ).where(BudgetLine.version.is_in([v["id"] for v in versions.values()] or [0])):
        total = totals.setdefault(line["version"], [0, 0])
        total[0] += line["min_cents"]
        total[1] += line["max_cents"]
    counts: dict[int, int] = {}
    for row in await ConcernedLieu.select(ConcernedLieu.challenge).where(
        ConcernedLieu.challenge.is_in(ids)
    ):
        counts[row["challenge"]] = counts.get(row["challenge"], 0) + 1
    summaries = []
    for row in rows:
        version = versions[row["id"]]
        minimum, maximum = totals.get(version["id"], [0, 0])
        summaries.append(
            ChallengeSummary(
                id=row["id"],
                title=version["title"],
                lieu=_ref(row, "lieu."),
                version=row["current_version"],
                total_min_cents=minimum,
                total_max_cents=maximum,
                concerned_count=counts.get(row["id"], 0),
            )
        )
    return summaries
