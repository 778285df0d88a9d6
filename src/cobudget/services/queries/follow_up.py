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
from collections.abc import Iterable

import msgspec

from cobudget.db.rows import fetch, fetch_one
from cobudget.db.tables import CofundingOrg, Deliverable, Lieu, Report, ReportSpending
from cobudget.domain import reports as rules
from cobudget.domain.errors import NotFound
from cobudget.domain.permissions import Action, Actor, Target, decide
from cobudget.engine.settlement import Settlement
from cobudget.engine.types import BudgetLine
from cobudget.services import envelope_inputs, settlements
from cobudget.services.kept_reads import kept
from cobudget.services.queries.documents import DocumentView, receipts_of
from cobudget.services.queries.networks import NetworkSummary, network_by_id
from cobudget.services.reports import LineSpending, line_spending


class _Name(msgspec.Struct, frozen=True):
    id: int
    name: str


class _Report(msgspec.Struct, frozen=True):
    id: int
    envelope: int
    challenge: int
    period: int
    status: str
    delivery: str
    progress: str
    review_comment: str
    published_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    created_at: dt.datetime


_REPORT_COLUMNS = (
    Report.id,
    Report.envelope,
    Report.challenge,
    Report.period,
    Report.status,
    Report.delivery,
    Report.progress,
    Report.review_comment,
    Report.published_at,
    Report.reviewed_at,
    Report.created_at,
)


class _Deliverable(msgspec.Struct, frozen=True):
    report: int
    title: str
    url: str
    licence: str


class _Spending(msgspec.Struct, frozen=True):
    budget_line: int
    paid_from: str
    amount_cents: int
    receipt: str


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
    # The receipts of its validated and published reports (services/documents.py).
    receipts: tuple[DocumentView, ...] = ()


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


async def _deliverables(report_ids: Iterable[int]) -> dict[int, list[DeliverableView]]:
    """Report id → its deliverables, in their order, in one query (none without reports)."""
    by_report: dict[int, list[DeliverableView]] = {}
    ids = sorted(report_ids)
    if not ids:
        return by_report
    for d in await fetch(
        Deliverable.select(
            Deliverable.report, Deliverable.title, Deliverable.url, Deliverable.licence
        )
        .where(Deliverable.report.is_in(ids))
        .order_by(Deliverable.report)
        .order_by(Deliverable.position),
        _Deliverable,
    ):
        by_report.setdefault(d.report, []).append(
            DeliverableView(title=d.title, url=d.url, licence=d.licence, report_id=d.report)
        )
    return by_report


async def _names(table: type[Lieu] | type[CofundingOrg], ids: set[int]) -> dict[int, str]:
    """Id → name, in one query (none when there is no one to name: most envelopes have no
    co-funder)."""
    if not ids:
        return {}
    rows = await fetch(table.select(table.id, table.name).where(table.id.is_in(sorted(ids))), _Name)
    return {r.id: r.name for r in rows}


def _contributors(settlement: Settlement, kind: str) -> set[int]:
    return {t.from_id for t in settlement.transfers if t.from_kind == kind and t.from_id}


def _sources(
    settlement: Settlement, lieux: dict[int, str], orgs: dict[int, str]
) -> dict[int, list[Source]]:
    """Challenge id → where its money came from: the transfers added up by contributor and
    source, each kind apart, the largest first (one pass over the transfers, not one per
    challenge: a large envelope has thousands)."""
    flows: dict[tuple[int, str, int | None, str], int] = {}
    for t in settlement.transfers:
        key = (t.challenge_id, t.from_kind, t.from_id, t.source)
        flows[key] = flows.get(key, 0) + t.amount_cents
    by_challenge: dict[int, list[Source]] = {}
    for (cid, kind, from_id, source), amount in sorted(
        flows.items(), key=lambda item: (item[0][1], -item[1], item[0][2] or 0)
    ):
        if not amount:
            continue
        names = lieux if kind == "lieu" else orgs if kind == "cofunder" else {}
        by_challenge.setdefault(cid, []).append(
            Source(
                kind=kind,
                id=from_id,
                name=names.get(from_id or 0, ""),
                source=source,
                amount_cents=amount,
            )
        )
    return by_challenge


def _report_action(period: rules.Period) -> str:
    if period.report_id is None:
        return "start"
    return "resume" if rules.can_write(period).allowed else "awaiting"


class _SharedTrail(msgspec.Struct, frozen=True):
    """A challenge's trail as every reader sees it, with what a reader's role decides apart."""

    trail: Trail  # its reports without drafts; no report action
    with_drafts: list[ReportSummary]  # every report, for those who write them
    period: rules.Period


class _Shared(msgspec.Struct, frozen=True):
    """The follow-up of an envelope as every reader sees it (kept: `services/kept_reads.py`)."""

    amount_cents: int
    leftover_cents: int
    trails: tuple[_SharedTrail, ...]


async def follow_up(actor: Actor, envelope_id: int) -> FollowUp:
    row = await envelope_inputs.envelope(envelope_id)
    network = await network_by_id(actor, row.network)
    shared = await kept(("follow-up", envelope_id), lambda: _shared(envelope_id))
    trails = [_for_reader(actor, network.id, s) for s in shared.trails]
    return FollowUp(
        envelope_id=envelope_id,
        title=row.title,
        network=network,
        amount_cents=shared.amount_cents,
        leftover_cents=shared.leftover_cents,
        received_cents=sum(t.received_cents for t in trails),
        spent_cents=sum(t.spent_cents for t in trails),
        pending_cents=sum(t.pending_cents for t in trails),
        own_funds_cents=sum(t.own_funds_cents for t in trails),
        challenges=trails,
        can_review=decide(actor, Action.REPORT_REVIEW, Target(network_id=network.id)).allowed,
    )


def _for_reader(actor: Actor, network_id: int, shared: _SharedTrail) -> Trail:
    """A challenge's trail as this reader sees it: its proposers also see their drafts and
    what to write next."""
    may_write = decide(
        actor,
        Action.REPORT_WRITE,
        Target(network_id=network_id, proposer_lieu_ids=frozenset(shared.trail.proposers)),
    ).allowed
    if not may_write:
        return shared.trail
    return msgspec.structs.replace(
        shared.trail,
        reports=shared.with_drafts,
        report_action=_report_action(shared.period),
        report_id=shared.period.report_id,
    )


async def _shared(envelope_id: int) -> _Shared:
    record = await settlements.stored(envelope_id)
    if record is None:
        raise NotFound("settlement", envelope_id)
    stored = envelope_inputs.decoded(record.digest, record.inputs, record.settlement)
    settlement, inputs = stored.settlement, stored.inputs
    by_id = {c.id: c for c in inputs.challenges}
    funded = [c for c in settlement.challenges if c.funded]
    sources = _sources(
        settlement,
        await _names(Lieu, _contributors(settlement, "lieu")),
        await _names(CofundingOrg, _contributors(settlement, "cofunder")),
    )
    reports = await fetch(
        Report.select(*_REPORT_COLUMNS).where(Report.envelope == envelope_id).order_by(Report.id),
        _Report,
    )
    by_challenge: dict[int, list[_Report]] = {}
    for r in reports:
        by_challenge.setdefault(r.challenge, []).append(r)
    spending = await line_spending([{"id": r.id, "status": r.status} for r in reports])
    deliverables = await _deliverables(r.id for r in reports if r.status in rules.HELD)
    receipts = await receipts_of(r.id for r in reports if r.status in rules.HELD)
    trails = []
    for outcome in funded:
        challenge = by_id[outcome.challenge_id]
        mine = by_challenge.get(outcome.challenge_id, [])
        lines = _lines(challenge.budget_lines, spending)
        spent = sum(line.spent_cents for line in lines)
        pending = sum(line.pending_cents for line in lines)
        period = rules.current_period((r.id, r.period, r.status) for r in mine)
        every_report = [
            ReportSummary(
                id=r.id,
                period=r.period,
                status=r.status,
                delivery=r.delivery,
                published_at=r.published_at,
                created_at=r.created_at,
            )
            for r in mine
        ]
        trail = Trail(
            id=outcome.challenge_id,
            title=challenge.label,
            proposers=challenge.proposers,
            received_cents=outcome.total_cents,
            sources=sources.get(outcome.challenge_id, []),
            lines=lines,
            spent_cents=spent,
            pending_cents=pending,
            unreported_cents=max(0, outcome.total_cents - spent - pending),
            own_funds_cents=sum(line.own_funds_cents for line in lines),
            pending_own_funds_cents=sum(line.pending_own_funds_cents for line in lines),
            deliverables=[
                d
                for r in mine
                if r.status == rules.Status.VALIDATED
                for d in deliverables.get(r.id, [])
            ],
            pending_deliverables=[
                d
                for r in mine
                if r.status == rules.Status.PUBLISHED
                for d in deliverables.get(r.id, [])
            ],
            reports=[r for r in every_report if r.status != rules.Status.DRAFT.value],
            next_period=period.number,
            report_action="",
            report_id=None,
            receipts=tuple(f for r in mine for f in receipts.get(r.id, [])),
        )
        trails.append(_SharedTrail(trail=trail, with_drafts=every_report, period=period))
    trails.sort(key=lambda t: t.trail.title.casefold())
    return _Shared(
        amount_cents=settlement.envelope_cents,
        leftover_cents=settlement.leftover_cents,
        trails=tuple(trails),
    )


class ReportLine(msgspec.Struct, frozen=True):
    id: int
    label: str
    max_cents: int
    spent_cents: int  # paid from what the challenge received
    own_funds_cents: int  # paid from the lieu's own money
    receipt: str
    files: tuple[DocumentView, ...] = ()  # its receipts as files


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
    files: tuple[DocumentView, ...] = ()  # receipts of the report as a whole

    @property
    def all_files(self) -> tuple[DocumentView, ...]:
        """Its receipts, of the report as a whole and of each line."""
        return self.files + tuple(f for line in self.lines for f in line.files)


async def report_page(actor: Actor, report_id: int) -> ReportPage:
    """One report as its page shows it; a draft is its proposers' only."""
    report = await fetch_one(
        Report.select(*_REPORT_COLUMNS).where(Report.id == report_id).first(), _Report
    )
    if report is None:
        raise NotFound("report", report_id)
    envelope_id = report.envelope
    row = await envelope_inputs.envelope(envelope_id)
    network = await network_by_id(actor, row.network)
    record = await settlements.stored(envelope_id)
    if record is None:  # pragma: no cover - reports exist only on settled envelopes
        raise NotFound("report", report_id)
    inputs = envelope_inputs.decoded(record.digest, record.inputs, record.settlement).inputs
    challenge = next(c for c in inputs.challenges if c.id == report.challenge)
    target = Target(network_id=network.id, proposer_lieu_ids=frozenset(challenge.proposers))
    may_write = decide(actor, Action.REPORT_WRITE, target).allowed
    if report.status == rules.Status.DRAFT.value and not may_write:
        raise NotFound("report", report_id)
    amounts: dict[tuple[int, str], int] = {}
    receipts: dict[int, str] = {}
    for s in await fetch(
        ReportSpending.select(
            ReportSpending.budget_line,
            ReportSpending.paid_from,
            ReportSpending.amount_cents,
            ReportSpending.receipt,
        ).where(ReportSpending.report == report_id),
        _Spending,
    ):
        amounts[(s.budget_line, s.paid_from)] = s.amount_cents
        receipts[s.budget_line] = receipts.get(s.budget_line) or s.receipt
    deliverables = (await _deliverables([report_id])).get(report_id, [])
    files = (await receipts_of([report_id])).get(report_id, [])
    return ReportPage(
        id=report_id,
        envelope_id=envelope_id,
        envelope_title=row.title,
        challenge_id=challenge.id,
        challenge_title=challenge.label,
        period=report.period,
        status=report.status,
        delivery=report.delivery,
        progress=report.progress,
        lines=[
            ReportLine(
                id=line.id,
                label=line.label,
                max_cents=line.max_cents,
                spent_cents=amounts.get((line.id, rules.PaidFrom.ENVELOPE.value), 0),
                own_funds_cents=amounts.get((line.id, rules.PaidFrom.OWN_FUNDS.value), 0),
                receipt=receipts.get(line.id, ""),
                files=tuple(f for f in files if f.budget_line == line.id),
            )
            for line in sorted(challenge.budget_lines, key=lambda line: line.id)
        ],
        deliverables=deliverables,
        review_comment=report.review_comment,
        published_at=report.published_at,
        reviewed_at=report.reviewed_at,
        can_edit=may_write and rules.can_edit(report.status).allowed,
        can_review=decide(actor, Action.REPORT_REVIEW, Target(network_id=network.id)).allowed
        and rules.can_review(report.status).allowed,
        files=tuple(f for f in files if f.budget_line is None),
    )
