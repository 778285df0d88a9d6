"""Follow-up reports (SPEC §7) as pure rules: what a report may say, and how it moves.

A funded challenge's proposers account for the money: spending against the budget lines of the
version that was funded (with receipt references), each paid from the money the challenge
received or from the lieu's own funds, deliverables under a free licence, progress in words,
and a delivery status. A report is a draft until published; a coordinator then validates it or
asks for changes with a comment, and a report sent back can be published again.

A report cannot lie (SPEC §7): it is never empty; spending on a line, over every report of the
challenge that is validated or awaiting validation, stays within the line's maximum; and the
spending paid from what the challenge received stays within what it received. One report per
period: the reports of a funded challenge in an envelope are numbered, and the next period
starts only once the last report is validated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlparse

from cobudget.domain.challenges import InvalidAmount, Licence, parse_euros
from cobudget.domain.permissions import ALLOWED, Decision
from cobudget.domain.validation import Checker

MAX_DELIVERABLES = 20


class Status(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CHANGES_REQUESTED = "changes_requested"
    VALIDATED = "validated"


class Delivery(StrEnum):
    IN_PROGRESS = "in_progress"
    DELIVERED = "delivered"


class PaidFrom(StrEnum):
    ENVELOPE = "envelope"  # the money the challenge received from the settlement
    OWN_FUNDS = "own_funds"  # the lieu's own money, beyond what the challenge received


# The reports whose spending counts against a line's maximum and what the challenge received:
# validated, or published and awaiting validation. Only validated ones count as spent in the
# money trail; a draft, or a report sent back, counts for nothing until it is published again.
HELD = frozenset({Status.PUBLISHED.value, Status.VALIDATED.value})

# Every licence we offer is free except "other", which a report must not use for deliverables:
# the network funds commons, so what they produce must be reusable (Etalab 2.0 by default).
FREE_LICENCES = frozenset(licence.value for licence in Licence if licence is not Licence.OTHER)


@dataclass(frozen=True)
class DeliverableForm:
    title: str = ""
    url: str = ""
    licence: str = Licence.ETALAB_2_0.value


@dataclass(frozen=True)
class ReportForm:
    """What the proposers type: amounts in euros per budget line id, as text; `spending` is paid
    from what the challenge received, `own_funds` from the lieu's own money."""

    progress: str = ""
    delivery: str = Delivery.IN_PROGRESS.value
    spending: dict[int, str] = field(default_factory=dict)
    own_funds: dict[int, str] = field(default_factory=dict)
    receipts: dict[int, str] = field(default_factory=dict)
    deliverables: tuple[DeliverableForm, ...] = ()


@dataclass(frozen=True)
class CheckedReport:
    progress: str
    delivery: str
    spending: dict[int, int]  # budget line id → cents paid from what the challenge received
    own_funds: dict[int, int]  # budget line id → cents paid from the lieu's own money
    receipts: dict[int, str]
    deliverables: tuple[DeliverableForm, ...]

    def by_line(self) -> dict[int, int]:
        """Budget line id → cents spent on it, whoever paid."""
        return {
            line: self.spending.get(line, 0) + self.own_funds.get(line, 0)
            for line in sorted({*self.spending, *self.own_funds})
        }


def _is_link(value: str) -> bool:
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc) and " " not in value


def _amounts(
    checker: Checker, prefix: str, texts: dict[int, str], budget_line_ids: frozenset[int]
) -> dict[int, int]:
    """Cents per budget line; a blank or zero amount is no spending."""
    amounts: dict[int, int] = {}
    for line_id, text in texts.items():
        name = f"{prefix}.{line_id}"
        if line_id not in budget_line_ids:
            checker.fail(name, "unknown_budget_line")
            continue
        if not text.strip():
            continue
        try:
            cents = parse_euros(text)
        except InvalidAmount as error:
            checker.fail(name, error.code)
            continue
        if cents:
            amounts[line_id] = cents
    return amounts


def check(form: ReportForm, budget_line_ids: frozenset[int]) -> CheckedReport:
    """The report as stored, or InvalidInput with a message code per field. A report says at
    least one thing: some spending, a deliverable, or its progress in words."""
    checker = Checker()
    progress = checker.text("progress", form.progress, max_length=5000, required=False)
    delivery = checker.choice("delivery", form.delivery, Delivery)
    spending = _amounts(checker, "spending", form.spending, budget_line_ids)
    own_funds = _amounts(checker, "own_funds", form.own_funds, budget_line_ids)
    receipts = {
        line_id: checker.text(f"receipt.{line_id}", text, max_length=200, required=False)
        for line_id, text in form.receipts.items()
        if line_id in spending or line_id in own_funds
    }
    deliverables = []
    for index, deliverable in enumerate(form.deliverables):
        if not (deliverable.title.strip() or deliverable.url.strip()):
            continue  # an empty row of the form
        title = checker.text(f"deliverable.{index}.title", deliverable.title, max_length=200)
        url = deliverable.url.strip()
        if not _is_link(url) or len(url) > 500:
            checker.fail(f"deliverable.{index}.url", "invalid_link")
        if deliverable.licence not in FREE_LICENCES:
            checker.fail(f"deliverable.{index}.licence", "licence_not_free")
        deliverables.append(DeliverableForm(title=title, url=url, licence=deliverable.licence))
    if len(deliverables) > MAX_DELIVERABLES:
        checker.fail("deliverables", f"too_many:{MAX_DELIVERABLES}")
    if not (checker.errors or spending or own_funds or deliverables or progress):
        checker.fail("report", "report_empty")
    checker.raise_if_any()
    return CheckedReport(progress, delivery, spending, own_funds, receipts, tuple(deliverables))


@dataclass(frozen=True)
class Held:
    """What the challenge's other reports, validated or awaiting validation, already hold."""

    by_line: dict[int, int]  # budget line id → cents, whoever paid
    envelope_cents: int  # paid from what the challenge received, over every line


def check_amounts(
    report: CheckedReport, *, maximum: dict[int, int], received_cents: int, held: Held
) -> None:
    """InvalidInput when the report would take a line beyond its maximum (counting what the
    other reports hold), or the spending paid from what the challenge received beyond what it
    received. The codes carry the room left, in cents, so the message can say it."""
    checker = Checker()
    for line, cents in report.by_line().items():
        before = held.by_line.get(line, 0)
        if before + cents > maximum.get(line, 0):
            room = max(0, maximum.get(line, 0) - before)
            checker.fail(f"spending.{line}", f"above_line_maximum:{room}")
    envelope = sum(report.spending.values())
    if envelope and held.envelope_cents + envelope > received_cents:
        room = max(0, received_cents - held.envelope_cents)
        checker.fail("spending", f"above_received:{room}")
    checker.raise_if_any()


@dataclass(frozen=True)
class Period:
    """The period the proposers write for now, and its report when it has one."""

    number: int
    report_id: int | None = None
    status: str | None = None


def current_period(reports: Iterable[tuple[int, int, str]]) -> Period:
    """From the challenge's reports in the envelope, as (id, period, status): the last period
    while its report is not validated, else the next one (with no report yet)."""
    last = max(reports, key=lambda r: (r[1], r[0]), default=None)
    if last is None:
        return Period(1)
    report_id, number, status = last
    if status == Status.VALIDATED:
        return Period(number + 1)
    return Period(number, report_id, status)


def can_write(period: Period) -> Decision:
    """Writing starts the period's report or takes up the one in progress; a published report
    awaits its review, and the next period waits for its validation."""
    if period.status == Status.PUBLISHED:
        return Decision(False, "report_awaiting_review")
    return ALLOWED


def can_edit(status: str) -> Decision:
    """The proposers edit a draft, or a report sent back to them."""
    if status in (Status.DRAFT, Status.CHANGES_REQUESTED):
        return ALLOWED
    return Decision(False, "report_not_editable")


def can_review(status: str) -> Decision:
    """A coordinator reviews a published report, once."""
    if status == Status.PUBLISHED:
        return ALLOWED
    return Decision(False, "report_not_published")


def over_maximum(spent: dict[int, int], maximum: dict[int, int]) -> frozenset[int]:
    """The budget lines whose spending is above their maximum. `check_amounts` refuses it since
    reports are checked; reports written before could still say it, and the page flags them."""
    return frozenset(line for line, cents in spent.items() if cents > maximum.get(line, 0))
