"""Follow-up reports (SPEC §7): the proposers of a funded challenge write and publish them, a
coordinator validates them or asks for changes; everyone concerned is told by email.

What was funded, and the budget lines the spending is reported against, are read from the
published settlement's stored inputs, so a report is always about what the network funded —
not about a version published since.

A report is checked against the challenge's other reports inside the write transaction, with
the challenge's row held (FOR UPDATE on PostgreSQL; SQLite's writers take turns), so two
concurrent writes can never together take a line beyond its maximum or the spending beyond
what the challenge received, nor start the same period twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec

from cobudget.db.rows import fetch, fetch_one
from cobudget.db.tables import (
    Challenge,
    Coordinator,
    Deliverable,
    Envelope,
    Report,
    ReportSpending,
)
from cobudget.db.transactions import for_update, inserted_id, write_transaction
from cobudget.domain import reports as rules
from cobudget.domain.errors import InvalidInput, NotAllowed, NotFound
from cobudget.domain.permissions import Action, Actor, Target, require
from cobudget.domain.reports import Period
from cobudget.engine import canonical
from cobudget.engine.types import Challenge as FundedChallenge
from cobudget.services import audit, outbox, rounds, settlements
from cobudget.services.clock import now
from cobudget.services.envelopes import Email, emails
from cobudget.services.queries.networks import network_by_id
from cobudget.settings import Settings

REVIEW_DECISIONS = ("validate", "request_changes")


@dataclass(frozen=True)
class Funded:
    """A challenge as the settlement funded it."""

    envelope_id: int
    network_id: int
    envelope_title: str
    challenge: FundedChallenge
    received_cents: int


class _Envelope(msgspec.Struct, frozen=True):
    network: int
    title: str


async def funded(actor: Actor, envelope_id: int, challenge_id: int) -> Funded:
    """The funded challenge, or InvalidInput when the envelope funded no such challenge; for
    whoever may read the network only (to others, a private envelope is an unknown one)."""
    row = await fetch_one(
        Envelope.select(Envelope.network, Envelope.title).where(Envelope.id == envelope_id).first(),
        _Envelope,
    )
    if row is None:
        raise NotFound("envelope", envelope_id)
    await network_by_id(actor, row.network)
    record = await settlements.stored(envelope_id)
    if record is None:
        raise InvalidInput({"challenge": "challenge_not_funded"})
    outcome = next(
        (c for c in record.decoded.challenges if c.challenge_id == challenge_id and c.funded), None
    )
    if outcome is None:
        raise InvalidInput({"challenge": "challenge_not_funded"})
    inputs = canonical.decode_input(record.inputs)
    challenge = next(c for c in inputs.challenges if c.id == challenge_id)
    return Funded(
        envelope_id=envelope_id,
        network_id=row.network,
        envelope_title=row.title,
        challenge=challenge,
        received_cents=outcome.total_cents,
    )


def target_of(found: Funded) -> Target:
    return Target(
        network_id=found.network_id, proposer_lieu_ids=frozenset(found.challenge.proposers)
    )


class _Report(msgspec.Struct, frozen=True):
    envelope: int
    challenge: int
    status: str


async def _report(report_id: int) -> _Report:
    row = await fetch_one(
        Report.select(Report.envelope, Report.challenge, Report.status)
        .where(Report.id == report_id)
        .first(),
        _Report,
    )
    if row is None:
        raise NotFound("report", report_id)
    return row


async def period_to_write(actor: Actor, envelope_id: int, challenge_id: int) -> Period:
    """The period the proposers write for now: its report in progress to take up, or a new
    one; refused while the last report awaits its review."""
    found = await funded(actor, envelope_id, challenge_id)
    require(actor, Action.REPORT_WRITE, target_of(found))
    return await _report_to_write(envelope_id, challenge_id, None)


async def _held(envelope_id: int, challenge_id: int, report_id: int | None) -> rules.Held:
    """What the challenge's other reports, validated or awaiting validation, hold."""
    by_line: dict[int, int] = {}
    envelope = 0
    rows = await fetch(
        ReportSpending.select(
            ReportSpending.budget_line, ReportSpending.amount_cents, ReportSpending.paid_from
        ).where(
            ReportSpending.report.envelope == envelope_id,
            ReportSpending.report.challenge == challenge_id,
            ReportSpending.report.status.is_in(sorted(rules.HELD)),
            ReportSpending.report != (report_id or 0),
        ),
        _Spending,
    )
    for row in rows:
        by_line[row.budget_line] = by_line.get(row.budget_line, 0) + row.amount_cents
        if row.paid_from == rules.PaidFrom.ENVELOPE:
            envelope += row.amount_cents
    return rules.Held(by_line=by_line, envelope_cents=envelope)


class _Spending(msgspec.Struct, frozen=True):
    budget_line: int
    amount_cents: int
    paid_from: str


class _Period(msgspec.Struct, frozen=True):
    id: int
    period: int
    status: str


async def _report_to_write(envelope_id: int, challenge_id: int, report_id: int | None) -> Period:
    """The period written: the one of `report_id` when editing it, else the current one (its
    report in progress, or a new period). Refused when the report cannot be written now."""
    rows = await fetch(
        Report.select(Report.id, Report.period, Report.status).where(
            Report.envelope == envelope_id, Report.challenge == challenge_id
        ),
        _Period,
    )
    if report_id is None:
        period = rules.current_period((r.id, r.period, r.status) for r in rows)
        decision = rules.can_write(period)
    else:
        row = next((r for r in rows if r.id == report_id), None)
        if row is None:
            raise NotFound("report", report_id)
        period = Period(row.period, report_id, row.status)
        decision = rules.can_edit(row.status)
    if not decision.allowed:
        raise NotAllowed(Action.REPORT_WRITE.value, decision.reason)
    return period


async def save(
    settings: Settings,
    actor: Actor,
    *,
    envelope_id: int,
    challenge_id: int,
    form: rules.ReportForm,
    publish: bool,
    report_id: int | None = None,
) -> int:
    """Write the period's report (a new one, or the draft or sent-back one in progress; with
    `report_id`, that one); publish it if asked. Checked against the challenge's other reports
    in the same transaction: bad input and refusals write nothing."""
    found = await funded(actor, envelope_id, challenge_id)
    require(actor, Action.REPORT_WRITE, target_of(found))
    await _report_to_write(envelope_id, challenge_id, report_id)  # refuse early, outside
    checked = rules.check(form, frozenset(line.id for line in found.challenge.budget_lines))
    moment = now()
    async with write_transaction():
        await for_update(Challenge.select(Challenge.id).where(Challenge.id == challenge_id))
        period = await _report_to_write(envelope_id, challenge_id, report_id)
        rules.check_amounts(
            checked,
            maximum={line.id: line.max_cents for line in found.challenge.budget_lines},
            received_cents=found.received_cents,
            held=await _held(envelope_id, challenge_id, period.report_id),
        )
        report_id = await _store(actor, envelope_id, challenge_id, period, checked, moment)
        if publish:
            await Report.update(
                {Report.status: rules.Status.PUBLISHED.value, Report.published_at: moment}
            ).where(Report.id == report_id)
        await audit.record(
            actor,
            "report.publish" if publish else "report.save",
            entity="report",
            entity_id=report_id,
            network_id=found.network_id,
            after={
                "challenge_id": challenge_id,
                "envelope_id": envelope_id,
                "period": period.number,
                "spending": {str(k): v for k, v in sorted(checked.spending.items())},
                "own_funds": {str(k): v for k, v in sorted(checked.own_funds.items())},
                "deliverables": [d.url for d in checked.deliverables],
                "delivery": checked.delivery,
            },
        )
        if publish:
            coordinators = await fetch(
                Coordinator.select(Coordinator.user.email).where(
                    Coordinator.network == found.network_id
                ),
                Email,
            )
            await outbox.enqueue_many(
                emails(coordinators),
                "report_published",
                title=found.challenge.label,
                envelope=found.envelope_title,
                link=f"{settings.base_url}/rapports/{report_id}",
            )
    return report_id


async def _store(
    actor: Actor,
    envelope_id: int,
    challenge_id: int,
    period: Period,
    checked: rules.CheckedReport,
    moment: dt.datetime,
) -> int:
    """Insert the period's report, or replace what its report says; its id."""
    if period.report_id is None:
        report_id = await inserted_id(
            Report.insert(
                Report(
                    envelope=envelope_id,
                    challenge=challenge_id,
                    period=period.number,
                    progress=checked.progress,
                    delivery=checked.delivery,
                    created_by=actor.user_id,
                    created_at=moment,
                )
            ).returning(Report.id)
        )
    else:
        report_id = period.report_id
        await Report.update(
            {Report.progress: checked.progress, Report.delivery: checked.delivery}
        ).where(Report.id == report_id)
        await ReportSpending.delete().where(ReportSpending.report == report_id)
        await Deliverable.delete().where(Deliverable.report == report_id)
    spending = [
        ReportSpending(
            report=report_id,
            budget_line=line,
            amount_cents=cents,
            receipt=checked.receipts.get(line, ""),
            paid_from=paid_from.value,
        )
        for paid_from, amounts in (
            (rules.PaidFrom.ENVELOPE, checked.spending),
            (rules.PaidFrom.OWN_FUNDS, checked.own_funds),
        )
        for line, cents in sorted(amounts.items())
    ]
    if spending:
        await ReportSpending.insert(*spending)
    if checked.deliverables:
        await Deliverable.insert(
            *(
                Deliverable(
                    report=report_id, title=d.title, url=d.url, licence=d.licence, position=index
                )
                for index, d in enumerate(checked.deliverables)
            )
        )
    return report_id


async def review(
    settings: Settings, actor: Actor, *, report_id: int, decision: str, comment: str
) -> None:
    """A coordinator validates a published report or sends it back with a comment."""
    report = await _report(report_id)
    found = await funded(actor, report.envelope, report.challenge)
    require(actor, Action.REPORT_REVIEW, Target(network_id=found.network_id))
    if decision not in REVIEW_DECISIONS:
        raise InvalidInput({"decision": "invalid_choice"})
    text = " ".join(comment.split()) if len(comment) <= 2000 else comment.strip()
    if decision == "request_changes" and not text:
        raise InvalidInput({"comment": "required"})
    if len(text) > 2000:
        raise InvalidInput({"comment": "too_long:2000"})
    status = (
        rules.Status.VALIDATED if decision == "validate" else rules.Status.CHANGES_REQUESTED
    ).value
    async with write_transaction():
        fresh = await _report(report_id)
        allowed = rules.can_review(fresh.status)
        if not allowed.allowed:
            raise NotAllowed(Action.REPORT_REVIEW.value, allowed.reason)
        await Report.update(
            {
                Report.status: status,
                Report.reviewed_by: actor.user_id,
                Report.reviewed_at: now(),
                Report.review_comment: text,
            }
        ).where(Report.id == report_id)
        await audit.record(
            actor,
            f"report.{decision}",
            entity="report",
            entity_id=report_id,
            network_id=found.network_id,
            before={"status": fresh.status},
            after={"status": status, "comment": text},
        )
        await outbox.enqueue_many(
            await rounds.emails_of_lieux(found.challenge.proposers),
            "report_validated" if decision == "validate" else "report_changes_requested",
            title=found.challenge.label,
            comment=text,
            link=f"{settings.base_url}/rapports/{report_id}",
        )


@dataclass(frozen=True)
class LineSpending:
    """Budget line id → cents, as the follow-up counts them (docs/follow-up.md): spending of
    validated reports (`spent` paid from what the challenge received, `own_funds` from the
    lieu's own money), and of published reports awaiting validation, apart (`pending…`)."""

    spent: dict[int, int]
    own_funds: dict[int, int]
    pending: dict[int, int]
    pending_own_funds: dict[int, int]


class ReportStatus(Protocol):
    """Any typed row of Report with its id and status."""

    @property
    def id(self) -> int: ...
    @property
    def status(self) -> str: ...


class _ReportStatus(msgspec.Struct, frozen=True):
    id: int
    status: str


class _LineSpending(msgspec.Struct, frozen=True):
    report: int
    budget_line: int
    amount_cents: int
    paid_from: str


async def line_spending(reports: Iterable[ReportStatus | Mapping[str, Any]]) -> LineSpending:
    """The spending of `reports` (typed rows of Report, or rows read as mappings by the readers
    not typed yet), by budget line, in one query."""
    rows = [
        msgspec.convert(r, _ReportStatus, strict=False) if isinstance(r, Mapping) else r
        for r in reports
    ]
    status = {r.id: r.status for r in rows if r.status in rules.HELD}
    figures = LineSpending({}, {}, {}, {})
    for s in await fetch(
        ReportSpending.select(
            ReportSpending.report,
            ReportSpending.budget_line,
            ReportSpending.amount_cents,
            ReportSpending.paid_from,
        ).where(ReportSpending.report.is_in(sorted(status) or [0])),
        _LineSpending,
    ):
        validated = status[s.report] == rules.Status.VALIDATED
        envelope = s.paid_from == rules.PaidFrom.ENVELOPE
        into = (
            (figures.spent if envelope else figures.own_funds)
            if validated
            else (figures.pending if envelope else figures.pending_own_funds)
        )
        into[s.budget_line] = into.get(s.budget_line, 0) + s.amount_cents
    return figures
