"""Follow-up reports (SPEC §7): the proposers of a funded challenge write and publish them, a
coordinator validates them or asks for changes; everyone concerned is told by email.

What was funded, and the budget lines the spending is reported against, are read from the
published settlement's stored inputs, so a report is always about what the network funded —
not about a version published since.
"""

from __future__ import annotations

from dataclasses import dataclass

from cobudget.db.tables import (
    Coordinator,
    Deliverable,
    Report,
    ReportSpending,
)
from cobudget.db.transactions import write_transaction
from cobudget.domain import reports as rules
from cobudget.domain.errors import InvalidInput, NotAllowed, NotFound
from cobudget.domain.permissions import Action, Actor, Target, require
from cobudget.engine import canonical
from cobudget.engine.types import Challenge as FundedChallenge
from cobudget.services import audit, envelope_inputs, outbox, rounds, settlements
from cobudget.services.clock import now
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


async def funded(envelope_id: int, challenge_id: int) -> Funded:
    """The funded challenge, or InvalidInput when the envelope funded no such challenge."""
    row = await envelope_inputs.envelope_row(envelope_id)
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
        network_id=int(str(row["network"])),
        envelope_title=str(row["title"]),
        challenge=challenge,
        received_cents=outcome.total_cents,
    )


def target_of(found: Funded) -> Target:
    return Target(
        network_id=found.network_id, proposer_lieu_ids=frozenset(found.challenge.proposers)
    )


async def _report(report_id: int) -> dict[str, object]:
    row = await Report.select().where(Report.id == report_id).first()
    if row is None:
        raise NotFound("report", report_id)
    return row


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
    """Write a new report or edit one (a draft, or one sent back); publish it if asked."""
    found = await funded(envelope_id, challenge_id)
    require(actor, Action.REPORT_WRITE, target_of(found))
    if report_id is not None:
        existing = await _report(report_id)
        if existing["envelope"] != envelope_id or existing["challenge"] != challenge_id:
            raise NotFound("report", report_id)
        decision = rules.can_edit(str(existing["status"]))
        if not decision.allowed:
            raise NotAllowed(Action.REPORT_WRITE.value, decision.reason)
    checked = rules.check(form, frozenset(line.id for line in found.challenge.budget_lines))
    moment = now()
    async with write_transaction():
        values = {
            Report.progress: checked.progress,
            Report.delivery: checked.delivery,
        }
        if report_id is None:
            rows = await Report.insert(
                Report(
                    envelope=envelope_id,
                    challenge=challenge_id,
                    progress=checked.progress,
                    delivery=checked.delivery,
                    created_by=actor.user_id,
                    created_at=moment,
                )
            ).returning(Report.id)
            report_id = int(rows[0]["id"])
        else:
            fresh = await _report(report_id)
            if not rules.can_edit(str(fresh["status"])).allowed:
                raise NotAllowed(Action.REPORT_WRITE.value, "report_not_editable")
            await Report.update(values).where(Report.id == report_id)
            await ReportSpending.delete().where(ReportSpending.report == report_id)
            await Deliverable.delete().where(Deliverable.report == report_id)
        if checked.spending:
            await ReportSpending.insert(
                *(
                    ReportSpending(
                        report=report_id,
                        budget_line=line,
                        amount_cents=cents,
                        receipt=checked.receipts.get(line, ""),
                    )
                    for line, cents in sorted(checked.spending.items())
                )
            )
        if checked.deliverables:
            await Deliverable.insert(
                *(
                    Deliverable(
                        report=report_id,
                        title=d.title,
                        url=d.url,
                        licence=d.licence,
                        position=index,
                    )
                    for index, d in enumerate(checked.deliverables)
                )
            )
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
                "spending": {str(k): v for k, v in sorted(checked.spending.items())},
                "deliverables": [d.url for d in checked.deliverables],
                "delivery": checked.delivery,
            },
        )
        if publish:
            coordinators = await Coordinator.select(Coordinator.user.email).where(
                Coordinator.network == found.network_id
            )
            for address in sorted({r["user.email"] for r in coordinators}):
                await outbox.enqueue(
                    address,
                    "report_published",
                    title=found.challenge.label,
                    envelope=found.envelope_title,
                    link=f"{settings.base_url}/rapports/{report_id}",
                )
    return report_id


async def review(
    settings: Settings, actor: Actor, *, report_id: int, decision: str, comment: str
) -> None:
    """A coordinator validates a published report or sends it back with a comment."""
    report = await _report(report_id)
    found = await funded(int(str(report["envelope"])), int(str(report["challenge"])))
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
        allowed = rules.can_review(str(fresh["status"]))
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
            before={"status": fresh["status"]},
            after={"status": status, "comment": text},
        )
        for address in await rounds.emails_of_lieux(found.challenge.proposers):
            await outbox.enqueue(
                address,
                "report_validated" if decision == "validate" else "report_changes_requested",
                title=found.challenge.label,
                comment=text,
                link=f"{settings.base_url}/rapports/{report_id}",
            )


async def spent_by_line(reports: list[dict[str, object]]) -> dict[int, int]:
    """Budget line id → cents reported as spent, over the reports that count."""
    counted = [int(str(r["id"])) for r in reports if r["status"] in rules.COUNTED]
    spent: dict[int, int] = {}
    for s in await ReportSpending.select().where(ReportSpending.report.is_in(counted or [0])):
        spent[s["budget_line"]] = spent.get(s["budget_line"], 0) + s["amount_cents"]
    return spent

