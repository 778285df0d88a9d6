"""An envelope's lifecycle (SPEC §4) as pure functions of its dates and its explicit moves.

    draft → proposals → diagnosis → funding → closed → settled → follow-up

The phase is never stored: it follows from the calendar whenever it is read, so no background
job is needed. A coordinator's explicit moves only change the calendar (advance: the current
phase ends now; extend: it ends later; reopen: funding opens again until a later date), and each
move is one audit entry. Diagnosis may keep running during funding when the calendar says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

from cobudget.domain.errors import NotAllowed
from cobudget.domain.permissions import ALLOWED, Decision


class Phase(StrEnum):
    DRAFT = "draft"
    PROPOSALS = "proposals"
    DIAGNOSIS = "diagnosis"
    FUNDING = "funding"
    CLOSED = "closed"
    SETTLED = "settled"
    FOLLOW_UP = "follow_up"


ORDER = tuple(Phase)


def pledges_hidden(hide_pledges: bool, phase: Phase) -> bool:
    """Whether who pledged what is hidden (SPEC §4): when the envelope says so, until it
    closes; totals stay visible."""
    return hide_pledges and ORDER.index(phase) < ORDER.index(Phase.CLOSED)


# The phases whose end a move can change, and the calendar field that ends each one.
_END_OF = {
    Phase.PROPOSALS: "diagnosis_from",
    Phase.DIAGNOSIS: "funding_from",
    Phase.FUNDING: "funding_until",
}


@dataclass(frozen=True)
class Calendar:
    """When each phase starts; `opened_at` None keeps the envelope a draft."""

    proposals_from: dt.datetime
    diagnosis_from: dt.datetime
    funding_from: dt.datetime
    funding_until: dt.datetime
    diagnosis_during_funding: bool = True
    opened_at: dt.datetime | None = None
    settled_at: dt.datetime | None = None
    follow_up_from: dt.datetime | None = None  # after settlement; None: right after it

    def check(self) -> dict[str, str]:
        """Field → message code for dates out of order (nothing is repaired)."""
        errors: dict[str, str] = {}
        if self.diagnosis_from < self.proposals_from:
            errors["diagnosis_from"] = "date_before_previous"
        if self.funding_from < self.diagnosis_from:
            errors["funding_from"] = "date_before_previous"
        if self.funding_until <= self.funding_from:
            errors["funding_until"] = "date_before_previous"
        return errors


def current_phase(calendar: Calendar, now: dt.datetime) -> Phase:
    """The one phase an envelope is in at `now` (the latest phase that has begun)."""
    if calendar.settled_at is not None:
        if calendar.follow_up_from is None or now >= calendar.follow_up_from:
            return Phase.FOLLOW_UP
        return Phase.SETTLED
    if calendar.opened_at is None:
        return Phase.DRAFT
    if now >= calendar.funding_until:
        return Phase.CLOSED
    if now >= calendar.funding_from:
        return Phase.FUNDING
    if now >= calendar.diagnosis_from:
        return Phase.DIAGNOSIS
    return Phase.PROPOSALS


def phase_ends_at(calendar: Calendar, now: dt.datetime) -> dt.datetime | None:
    """When the phase the envelope is in at `now` ends by its dates: proposals, diagnosis and
    funding end on a date; a draft waits to be opened, and nothing after funding ends by date."""
    field = _END_OF.get(current_phase(calendar, now))
    return None if field is None else getattr(calendar, field)


def diagnosis_is_running(calendar: Calendar, now: dt.datetime) -> bool:
    phase = current_phase(calendar, now)
    return phase is Phase.DIAGNOSIS or (
        phase is Phase.FUNDING and calendar.diagnosis_during_funding
    )


def pledges_are_open(calendar: Calendar, now: dt.datetime) -> bool:
    return current_phase(calendar, now) is Phase.FUNDING


def config_is_frozen(calendar: Calendar, now: dt.datetime) -> bool:
    """The configuration (amount, lieux and weights, rule, eligibility) is set in the draft; once
    the envelope is open only the calendar moves, through explicit, audited moves (SPEC §4)."""
    return current_phase(calendar, now) is not Phase.DRAFT


def open_envelope(calendar: Calendar, now: dt.datetime) -> Calendar:
    """The coordinator opens a draft: proposals start now at the latest."""
    return replace(calendar, opened_at=now, proposals_from=min(calendar.proposals_from, now))


def can_open(calendar: Calendar, now: dt.datetime) -> Decision:
    if current_phase(calendar, now) is not Phase.DRAFT:
        return Decision(False, "already_open")
    if calendar.check():
        return Decision(False, "calendar_out_of_order")
    if calendar.funding_until <= now:
        return Decision(False, "funding_already_over")
    return ALLOWED


def can_advance(calendar: Calendar, now: dt.datetime) -> Decision:
    phase = current_phase(calendar, now)
    return ALLOWED if phase in _END_OF else Decision(False, "nothing_to_advance")


def advance(calendar: Calendar, now: dt.datetime) -> Calendar:
    """End the current phase now: the next one begins (later dates move up if they must)."""
    _require(can_advance(calendar, now))
    field = _END_OF[current_phase(calendar, now)]
    moved = _set(calendar, field, now)
    return _keep_in_order(moved, field)


def can_extend(calendar: Calendar, until: dt.datetime, now: dt.datetime) -> Decision:
    phase = current_phase(calendar, now)
    if phase not in _END_OF:
        return Decision(False, "nothing_to_extend")
    if until <= now or until <= getattr(calendar, _END_OF[phase]):
        return Decision(False, "date_not_later")
    return ALLOWED


def extend(calendar: Calendar, until: dt.datetime, now: dt.datetime) -> Calendar:
    """The current phase ends later, at `until` (the following dates move with it if needed)."""
    _require(can_extend(calendar, until, now))
    field = _END_OF[current_phase(calendar, now)]
    return _keep_in_order(_set(calendar, field, until), field)


def can_reopen(calendar: Calendar, until: dt.datetime, now: dt.datetime) -> Decision:
    if current_phase(calendar, now) is not Phase.CLOSED:
        return Decision(False, "not_closed")
    if until <= now:
        return Decision(False, "date_not_later")
    return ALLOWED


def reopen(calendar: Calendar, until: dt.datetime, now: dt.datetime) -> Calendar:
    """Funding opens again until `until` (only before settlement)."""
    _require(can_reopen(calendar, until, now))
    return _keep_in_order(_set(calendar, "funding_until", until), "funding_until")


def can_close(calendar: Calendar, now: dt.datetime) -> Decision:
    phase = current_phase(calendar, now)
    return ALLOWED if phase is Phase.FUNDING else Decision(False, "not_in_funding")


def close(calendar: Calendar, now: dt.datetime) -> Calendar:
    """The coordinator closes funding now: pledges and positions freeze."""
    _require(can_close(calendar, now))
    return _keep_in_order(_set(calendar, "funding_until", now), "funding_until")


def can_settle(calendar: Calendar, now: dt.datetime) -> Decision:
    phase = current_phase(calendar, now)
    if phase in (Phase.SETTLED, Phase.FOLLOW_UP):
        return Decision(False, "already_settled")
    return ALLOWED if phase is Phase.CLOSED else Decision(False, "not_closed")


_FIELDS = ("proposals_from", "diagnosis_from", "funding_from", "funding_until")


def _keep_in_order(calendar: Calendar, moved: str) -> Calendar:
    """After one date moved, push the later dates after it and pull the earlier ones before it,
    so the calendar stays in order; the funding end stays strictly after the funding start (a
    funding that ends now started a moment before, at the latest)."""
    values = {name: getattr(calendar, name) for name in _FIELDS}
    if moved == "funding_until":
        if values["funding_from"] >= values["funding_until"]:
            values["funding_from"] = values["funding_until"] - dt.timedelta(microseconds=1)
        moved = "funding_from"
    start = _FIELDS.index(moved)
    for previous, name in zip(_FIELDS[start:], _FIELDS[start + 1 :], strict=False):
        if values[name] < values[previous]:
            values[name] = values[previous]
    for name in _FIELDS[:start]:
        values[name] = min(values[name], values[moved])
    if values["funding_until"] <= values["funding_from"]:
        values["funding_until"] = values["funding_from"] + dt.timedelta(minutes=1)
    return replace(calendar, **values)


def _set(calendar: Calendar, field: str, value: dt.datetime) -> Calendar:
    values = {name: getattr(calendar, name) for name in _FIELDS}
    values[field] = value
    return replace(calendar, **values)


def _require(decision: Decision) -> None:
    if not decision.allowed:
        raise NotAllowed("envelope.move", decision.reason)
