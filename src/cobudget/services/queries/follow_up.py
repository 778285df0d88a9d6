"""The money trail of a settled envelope (SPEC §7): for every euro, which challenge got it from
which lieu, co-funder or envelope match, how much of it the proposers reported as spent (line by
line, flagged above a maximum), and what it produced; with each challenge's reports.

Amounts come from the published settlement's transfers, spending and deliverables from the
reports that were published (or validated): a draft, or a report sent back, counts for nothing
until it is published.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from cobudget.db.tables import CofundingOrg, Deliverable, Lieu, Report, ReportSpending
from cobudget.domain import reports as rules
from cobudget.domain.errors import NotFound
from cobudget.domain.permissions import Action, Actor, Target, decide
from cobudget.engine import canonical
from cobudget.services import envelope_inputs, settlements
from cobudget.services.queries.networks import NetworkSummary, network_by_id
from cobudget.services.reports import spent_by_line


class Source(msgspec.Struct, frozen=True):
    kind: str  # lieu | cofunder | envelope
    id: int | None
    name: str
    source: str  # drawing_rights | own_funds | match
    amount_cents: int


class Line(msgspec.Struct, frozen=True):
    id: int
    label: str
    min_cents: int
    max_cents: int
    spent_cents: int
    over: bool


class DeliverableView(msgspec.Struct, frozen=True):
    title: str
    url: str
    licence: str
    report_id: int


class ReportSummary(msgspec.Struct, frozen=True):
    id: int
    status: str
    delivery: str
    published_at: dt.datetime | None
    created_at: dt.datetime


class Trail(msgspec.Struct, frozen=True):
    id: int
    title: str
    proposers: list[int]
    received_cents: int
    sources: list[Source]
    lines: list[Line]
    spent_cents: int
    deliverables: list[DeliverableView]
    reports: list[ReportSummary]
    can_report: bool


class FollowUp(msgspec.Struct, frozen=True):
    envelope_id: int
    title: str
    network: NetworkSummary
    amount_cents: int
    leftover_cents: int
    received_cents: int
    spent_cents: int
    challenges: list[Trail]
    can_review: bool


async def follow_up(actor: Actor, envelope_id: int) -> FollowUp:
    row = await envelope_inputs.envelope_row(envelope_id)
    network = await network_by_id(actor, int(str(row["network"])))
    record = await settlements.stored(envelope_id)
    if record is None:
        raise NotFound("settlement", envelope_id)
    settlement = record.decoded
    inputs = canonical.decode_input(record.inputs)
    by_id = {c.id: c for c in inputs.challenges}
    funded = [c for c in settlement.challenges if c.funded]
    lieu_ids = {t.from_id for t in settlement.transfers if t.from_kind == "lieu"}
    org_ids = {t.from_id for t in settlement.transfers if t.from_kind == "cofunder"}
    lieux = {
        r["id"]: r["name"]
        for r in await Lieu.select(Lieu.id, Lieu.name).where(Lieu.id.is_in(list(lieu_ids) or [0]))
    }
    orgs = {
        r["id"]: r["name"]
        for r in await CofundingOrg.select(CofundingOrg.id, CofundingOrg.name).where(
            CofundingOrg.id.is_in(list(org_ids) or [0])
        )
    }
    flows: dict[tuple[int, str, int | None, str], int] = {}
    for t in settlement.transfers:
        key = (t.challenge_id, t.from_kind, t.from_id, t.source)
        flows[key] = flows.get(key, 0) + t.amount_cents
    reports = await Report.select().where(Report.envelope == envelope_id).order_by(Report.id)
    counted = [r["id"] for r in reports if r["status"] in rules.COUNTED]
    spent = await spent_by_line(reports)
    deliverables: dict[int, list[DeliverableView]] = {}
    challenge_of = {r["id"]: r["challenge"] for r in reports}
    for d in (
        await Deliverable.select()
        .where(Deliverable.report.is_in(counted or [0]))
        .order_by(Deliverable.report, Deliverable.position)
    ):
        deliverables.setdefault(challenge_of[d["report"]], []).append(
            DeliverableView(
                title=d["title"], url=d["url"], licence=d["licence"], report_id=d["report"]
            )
        )
    can_review = decide(actor, Action.REPORT_REVIEW, Target(network_id=network.id)).allowed
    trails = []
    for outcome in funded:
        challenge = by_id[outcome.challenge_id]
        may_write = decide(
            actor,
            Action.REPORT_WRITE,
            Target(network_id=network.id, proposer_lieu_ids=frozenset(challenge.proposers)),
        ).allowed
        over = rules.over_maximum(
            spent, {line.id: line.max_cents for line in challenge.budget_lines}
        )
        lines = [
            Line(
                id=line.id,
                label=line.label,
                min_cents=line.min_cents,
                max_cents=line.max_cents,
                spent_cents=spent.get(line.id, 0),
                over=line.id in over,
            )
            for line in sorted(challenge.budget_lines, key=lambda line: line.id)
        ]
        sources = [
            Source(
                kind=kind,
                id=from_id,
                name=lieux.get(from_id or 0, "")
                if kind == "lieu"
                else orgs.get(from_id or 0, "")
                if kind == "cofunder"
                else "",
                source=source,
                amount_cents=amount,
            )
            for (cid, kind, from_id, source), amount in sorted(
                flows.items(), key=lambda item: (item[0][1], -item[1], item[0][2] or 0)
            )
            if cid == outcome.challenge_id and amount
        ]
        trails.append(
            Trail(
                id=outcome.challenge_id,
                title=challenge.label,
                proposers=challenge.proposers,
                received_cents=outcome.total_cents,
                sources=sources,
                lines=lines,
                spent_cents=sum(line.spent_cents for line in lines),
                deliverables=deliverables.get(outcome.challenge_id, []),
                reports=[
                    ReportSummary(
                        id=r["id"],
                        status=r["status"],
                        delivery=r["delivery"],
                        published_at=r["published_at"],
                        created_at=r["created_at"],
                    )
                    for r in reports
                    if r["challenge"] == outcome.challenge_id
                    and (r["status"] != rules.Status.DRAFT.value or may_write)
                ],
                can_report=may_write,
            )
        )
    trails.sort(key=lambda t: t.title.casefold())
    return FollowUp(
        envelope_id=envelope_id,
        title=str(row["title"]),
        network=network,
        amount_cents=settlement.envelope_cents,
        leftover_cents=settlement.leftover_cents,
        received_cents=sum(t.received_cents for t in trails),
        spent_cents=sum(t.spent_cents for t in trails),
        challenges=trails,
        can_review=can_review,
    )


class ReportLine(msgspec.Struct, frozen=True):
    id: int
    label: str
    max_cents: int
    spent_cents: int
    receipt: str


class ReportPage(msgspec.Struct, frozen=True):
    id: int
    envelope_id: int
    envelope_title: str
    challenge_id: int
    challenge_title: str
    status: str
    delivery: str
    progress: str
    lines: list[ReportLine]
    deliverables: list[DeliverableView]
    review_comment: str
    published_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    can_edit: bool
    can_review: bool


async def report_page(actor: Actor, report_id: int) -> ReportPage:
    """One report as its page shows it; a draft is its proposers' only."""
    report = await Report.select().where(Report.id == report_id).first()
    if report is None:
        raise NotFound("report", report_id)
    envelope_id = int(report["envelope"])
    row = await envelope_inputs.envelope_row(envelope_id)
    network = await network_by_id(actor, int(str(row["network"])))
    record = await settlements.stored(envelope_id)
    if record is None:  # pragma: no cover - reports exist only on settled envelopes
        raise NotFound("report", report_id)
    challenge = next(
        c for c in canonical.decode_input(record.inputs).challenges if c.id == report["challenge"]
    )
    target = Target(network_id=network.id, proposer_lieu_ids=frozenset(challenge.proposers))
    may_write = decide(actor, Action.REPORT_WRITE, target).allowed
    if report["status"] == rules.Status.DRAFT.value and not may_write:
        raise NotFound("report", report_id)
    spending = {
        s["budget_line"]: s
        for s in await ReportSpending.select().where(ReportSpending.report == report_id)
    }
    deliverables = (
        await Deliverable.select()
        .where(Deliverable.report == report_id)
        .order_by(Deliverable.position)
    )
    return ReportPage(
        id=report_id,
        envelope_id=envelope_id,
        envelope_title=str(row["title"]),
        challenge_id=challenge.id,
        challenge_title=challenge.label,
        status=report["status"],
        delivery=report["delivery"],
        progress=report["progress"],
        lines=[
            ReportLine(
                id=line.id,
                label=line.label,
                max_cents=line.max_cents,
                spent_cents=spending[line.id]["amount_cents"] if line.id in spending else 0,
                receipt=spending[line.id]["receipt"] if line.id in spending else "",
            )
            for line in sorted(challenge.budget_lines, key=lambda line: line.id)
        ],
        deliverables=[
            DeliverableView(
                title=d["title"], url=d["url"], licence=d["licence"], report_id=report_id
            )
            for d in deliverables
        ],
        review_comment=report["review_comment"],
        published_at=report["published_at"],
        reviewed_at=report["reviewed_at"],
        can_edit=may_write and rules.can_edit(report["status"]).allowed,
        can_review=decide(actor, Action.REPORT_REVIEW, Target(network_id=network.id)).allowed
        and rules.can_review(report["status"]).allowed,
    )
