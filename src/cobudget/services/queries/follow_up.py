"""The money trail of a settled envelope (SPEC §7): for every euro, which challenge got it from
which lieu, co-funder or envelope match, how much of it was spent (line by line), and what it
produced; with each challenge's reports.

Amounts come from the published settlement's transfers. Only validated reports count as spent;
published reports awaiting validation are counted apart (`pending…`), and so are their
deliverables; a draft, or a report sent back, counts for nothing until published again.
Spending paid from the lieu's own money is counted apart from what the challenge received
(docs/follow-up.md says how each figure adds up).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from cobudget.db.tables import CofundingOrg, Deliverable, Lieu, Report, ReportSpending
from cobudget.domain import reports as rules
from cobudget.domain.errors import NotFound
from cobudget.domain.permissions import Action, Actor, Target, decide
from cobudget.engine import canonical
from cobudget.engine.types import BudgetLine
from cobudget.services import envelope_inputs, settlements
from cobudget.services.queries.networks import NetworkSummary, network_by_id
from cobudget.services.reports import LineSpending, line_spending


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
    spent_cents: int  # validated, paid from what the challenge received
    own_funds_cents: int  # validated, paid from the lieu's own money
    pending_cents: int  # awaiting validation, paid from what the challenge received
    pending_own_funds_cents: int  # awaiting validation, paid from the lieu's own money
    over: bool  # all of it above the maximum: only reports written before they were checked


class DeliverableView(msgspec.Struct, frozen=True):
    title: str
    url: str
    licence: str
    report_id: int


class ReportSummary(msgspec.Struct, frozen=True):
    id: int
    period: int
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
    spent_cents: int  # validated, paid from what was received (never above received_cents)
    pending_cents: int  # awaiting validation, paid from what was received
    unreported_cents: int  # received_cents - spent_cents - pending_cents (0 at least)
    own_funds_cents: int  # validated, paid from the lieu's own money, beyond what was received
    pending_own_funds_cents: int
    deliverables: list[DeliverableView]  # of validated reports
    pending_deliverables: list[DeliverableView]  # of published reports awaiting validation
    reports: list[ReportSummary]
    next_period: int  # the period the proposers write for now
    report_action: str  # start | resume | awaiting | "" (the reader does not write reports)
    report_id: int | None  # the report to resume, when report_action is resume


class FollowUp(msgspec.Struct, frozen=True):
    envelope_id: int
    title: str
    network: NetworkSummary
    amount_cents: int
    leftover_cents: int
    received_cents: int
    spent_cents: int
    pending_cents: int
    own_funds_cents: int
    challenges: list[Trail]
    can_review: bool


def _lines(budget_lines: list[BudgetLine], spending: LineSpending) -> list[Line]:
    maximum = {line.id: line.max_cents for line in budget_lines}
    total = {
        line.id: sum(
            figures.get(line.id, 0)
            for figures in (
                spending.spent,
                spending.own_funds,
                spending.pending,
                spending.pending_own_funds,
            )
        )
        for line in budget_lines
    }
    over = rules.over_maximum(total, maximum)
    return [
        Line(
            id=line.id,
            label=line.label,
            min_cents=line.min_cents,
            max_cents=line.max_cents,
            spent_cents=spending.spent.get(line.id, 0),
            own_funds_cents=spending.own_funds.get(line.id, 0),
            pending_cents=spending.pending.get(line.id, 0),
            pending_own_funds_cents=spending.pending_own_funds.get(line.id, 0),
            over=line.id in over,
        )
        for line in sorted(budget_lines, key=lambda line: line.id)
    ]


async def _deliverables(reports: list[dict[str, Any]]) -> dict[int, list[DeliverableView]]:
    """Report id → its deliverables, for the reports that are validated or awaiting it."""
    held = [r["id"] for r in reports if r["status"] in rules.HELD]
    by_report: dict[int, list[DeliverableView]] = {}
    for d in (
        await Deliverable.select()
        .where(Deliverable.report.is_in(held or [0]))
        .order_by(Deliverable.report, Deliverable.position)
    ):
        by_report.setdefault(d["report"], []).append(
            DeliverableView(
                title=d["title"], url=d["url"], licence=d["licence"], report_id=d["report"]
            )
        )
    return by_report


def _report_action(period: rules.Period) -> str:
    if period.report_id is None:
        return "start"
    return "resume" if rules.can_write(period).allowed else "awaiting"


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
    spending = await line_spending(reports)
    deliverables = await _deliverables(reports)
    can_review = decide(actor, Action.REPORT_REVIEW, Target(network_id=network.id)).allowed
    trails = []
    for outcome in funded:
        challenge = by_id[outcome.challenge_id]
        mine = [r for r in reports if r["challenge"] == outcome.challenge_id]
        may_write = decide(
            actor,
            Action.REPORT_WRITE,
            Target(network_id=network.id, proposer_lieu_ids=frozenset(challenge.proposers)),
        ).allowed
        lines = _lines(challenge.budget_lines, spending)
        spent = sum(line.spent_cents for line in lines)
        pending = sum(line.pending_cents for line in lines)
        period = rules.current_period((r["id"], r["period"], r["status"]) for r in mine)
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
                spent_cents=spent,
                pending_cents=pending,
                unreported_cents=max(0, outcome.total_cents - spent - pending),
                own_funds_cents=sum(line.own_funds_cents for line in lines),
                pending_own_funds_cents=sum(line.pending_own_funds_cents for line in lines),
                deliverables=[
                    d
                    for r in mine
                    if r["status"] == rules.Status.VALIDATED
                    for d in deliverables.get(r["id"], [])
                ],
                pending_deliverables=[
                    d
                    for r in mine
                    if r["status"] == rules.Status.PUBLISHED
                    for d in deliverables.get(r["id"], [])
                ],
                reports=[
                    ReportSummary(
                        id=r["id"],
                        period=r["period"],
                        status=r["status"],
                        delivery=r["delivery"],
                        published_at=r["published_at"],
                        created_at=r["created_at"],
                    )
                    for r in mine
                    if r["status"] != rules.Status.DRAFT.value or may_write
                ],
                next_period=period.number,
                report_action=_report_action(period) if may_write else "",
                report_id=period.report_id if may_write else None,
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
        pending_cents=sum(t.pending_cents for t in trails),
        own_funds_cents=sum(t.own_funds_cents for t in trails),
        challenges=trails,
        can_review=can_review,
    )


class ReportLine(msgspec.Struct, frozen=True):
    id: int
    label: str
    max_cents: int
    spent_cents: int  # paid from what the challenge received
    own_funds_cents: int  # paid from the lieu's own money
    receipt: str


class ReportPage(msgspec.Struct, frozen=True):
    id: int
    envelope_id: int
    envelope_title: str
    challenge_id: int
    challenge_title: str
    period: int
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
    amounts: dict[tuple[int, str], int] = {}
    receipts: dict[int, str] = {}
    for s in await ReportSpending.select().where(ReportSpending.report == report_id):
        amounts[(s["budget_line"], s["paid_from"])] = s["amount_cents"]
        receipts[s["budget_line"]] = receipts.get(s["budget_line"]) or s["receipt"]
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
        period=report["period"],
        status=report["status"],
        delivery=report["delivery"],
        progress=report["progress"],
        lines=[
            ReportLine(
                id=line.id,
                label=line.label,
                max_cents=line.max_cents,
                spent_cents=amounts.get((line.id, rules.PaidFrom.ENVELOPE.value), 0),
                own_funds_cents=amounts.get((line.id, rules.PaidFrom.OWN_FUNDS.value), 0),
                receipt=receipts.get(line.id, ""),
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
