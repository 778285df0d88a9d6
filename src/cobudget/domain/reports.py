"""Follow-up reports (SPEC §7) as pure rules: what a report may say, and how it moves.

A funded challenge's proposers account for the money: spending against the budget lines of the
version that was funded (with receipt references), deliverables under a free licence, progress
in words, and a delivery status. A report is a draft until published; a coordinator then
validates it or asks for changes with a comment, and a report sent back can be published again.
"""

from __future__ import annotations

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


# The reports whose spending and deliverables count in the money trail, the exports and a
# lieu's record: a draft, or a report sent back for changes, counts for nothing until published.
COUNTED = frozenset({Status.PUBLISHED.value, Status.VALIDATED.value})

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
    """What the proposers type: amounts in euros per budget line id, as text."""

    progress: str = ""
    delivery: str = Delivery.IN_PROGRESS.value
    spending: dict[int, str] = field(default_factory=dict)
    receipts: dict[int, str] = field(default_factory=dict)
    deliverables: tuple[DeliverableForm, ...] = ()


@dataclass(frozen=True)
class CheckedReport:
    progress: str
    delivery: str
    spending: dict[int, int]  # budget line id → cents (lines left blank are absent)
    receipts: dict[int, str]
    deliverables: tuple[DeliverableForm, ...]


def _is_link(value: str) -> bool:
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc) and " " not in value


def check(form: ReportForm, budget_line_ids: frozenset[int]) -> CheckedReport:
    """The report as stored, or InvalidInput with a message code per field."""
    checker = Checker()
    progress = checker.text("progress", form.progress, max_length=5000, required=False)
    delivery = checker.choice("delivery", form.delivery, Delivery)
    spending: dict[int, int] = {}
    for line_id, text in form.spending.items():
        name = f"spending.{line_id}"
        if line_id not in budget_line_ids:
            checker.fail(name, "unknown_budget_line")
            continue
        if not text.strip():
            continue
        try:
            spending[line_id] = parse_euros(text)
        except InvalidAmount as error:
            checker.fail(name, error.code)
    receipts = {
        line_id: checker.text(f"receipt.{line_id}", text, max_length=200, required=False)
        for line_id, text in form.receipts.items()
        if line_id in spending
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
    checker.raise_if_any()
    return CheckedReport(progress, delivery, spending, receipts, tuple(deliverables))


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
    """The budget lines whose reported spending is above their maximum (flagged, not refused:
    the money was spent; the network needs to see it)."""
    return frozenset(line for line, cents in spent.items() if cents > maximum.get(line, 0))
