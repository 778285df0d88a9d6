"""The envelope lifecycle of SPEC §4: the phase follows from the dates and explicit moves."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cobudget.domain.errors import NotAllowed
from cobudget.domain.lifecycle import (
    ORDER,
    Calendar,
    Phase,
    advance,
    can_open,
    can_settle,
    close,
    config_is_frozen,
    current_phase,
    diagnosis_is_running,
    extend,
    open_envelope,
    phase_ends_at,
    pledges_are_open,
    reopen,
)

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def day(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


CALENDAR = Calendar(
    proposals_from=day(0),
    diagnosis_from=day(10),
    funding_from=day(20),
    funding_until=day(30),
    opened_at=day(0),
)


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    gaps = draw(st.lists(st.integers(min_value=0, max_value=20 * 24 * 60), min_size=3, max_size=3))
    start = T0 + dt.timedelta(minutes=draw(st.integers(min_value=0, max_value=1000)))
    proposals = start
    diagnosis = proposals + dt.timedelta(minutes=gaps[0])
    funding = diagnosis + dt.timedelta(minutes=gaps[1])
    until = funding + dt.timedelta(minutes=gaps[2] + 1)
    opened = draw(st.booleans())
    return Calendar(
        proposals_from=proposals,
        diagnosis_from=diagnosis,
        funding_from=funding,
        funding_until=until,
        diagnosis_during_funding=draw(st.booleans()),
        opened_at=start if opened else None,
    )


@st.composite
def open_calendars_in(draw: st.DrawFn, phase: Phase) -> tuple[Calendar, dt.datetime]:
    """An open calendar and a moment inside `phase`, drawn directly (no filtering)."""
    from dataclasses import replace

    calendar = replace(draw(calendars()), opened_at=T0)
    start, end = {
        Phase.PROPOSALS: (calendar.proposals_from, calendar.diagnosis_from),
        Phase.DIAGNOSIS: (calendar.diagnosis_from, calendar.funding_from),
        Phase.FUNDING: (calendar.funding_from, calendar.funding_until),
    }[phase]
    assume(end > start)
    seconds = draw(st.integers(min_value=0, max_value=int((end - start).total_seconds()) - 1))
    return calendar, start + dt.timedelta(seconds=seconds)


phases_with_an_end = st.sampled_from([Phase.PROPOSALS, Phase.DIAGNOSIS, Phase.FUNDING])
moments = st.integers(min_value=-10 * 24 * 60, max_value=80 * 24 * 60).map(
    lambda minutes: T0 + dt.timedelta(minutes=minutes)
)


def test_each_phase_follows_from_the_dates() -> None:
    assert [current_phase(CALENDAR, day(n)) for n in (1, 10, 25, 30, 40)] == [
        Phase.PROPOSALS,
        Phase.DIAGNOSIS,
        Phase.FUNDING,
        Phase.CLOSED,
        Phase.CLOSED,
    ]
    assert current_phase(Calendar(day(0), day(1), day(2), day(3)), day(5)) is Phase.DRAFT


def test_diagnosis_keeps_running_during_funding_when_the_calendar_says_so() -> None:
    assert diagnosis_is_running(CALENDAR, day(25))
    from dataclasses import replace

    assert not diagnosis_is_running(replace(CALENDAR, diagnosis_during_funding=False), day(25))


def test_settling_needs_a_closed_envelope_and_happens_once() -> None:
    from dataclasses import replace

    assert can_settle(CALENDAR, day(25)).reason == "not_closed"
    assert can_settle(CALENDAR, day(31)).allowed
    settled = replace(CALENDAR, settled_at=day(31))
    assert current_phase(settled, day(32)) is Phase.FOLLOW_UP
    assert can_settle(settled, day(32)).reason == "already_settled"


def test_an_envelope_cannot_open_with_dates_out_of_order() -> None:
    draft = Calendar(
        proposals_from=day(0), diagnosis_from=day(5), funding_from=day(3), funding_until=day(9)
    )
    assert draft.check() == {"funding_from": "date_before_previous"}
    assert can_open(draft, day(0)).reason == "calendar_out_of_order"


@given(calendars(), moments, moments)
def test_the_phase_never_goes_back_as_time_passes(
    calendar: Calendar, a: dt.datetime, b: dt.datetime
) -> None:
    early, late = sorted((a, b))
    assert ORDER.index(current_phase(calendar, early)) <= ORDER.index(current_phase(calendar, late))


@given(calendars(), moments)
def test_the_configuration_is_frozen_exactly_once_the_envelope_is_open(
    calendar: Calendar, now: dt.datetime
) -> None:
    assert config_is_frozen(calendar, now) == (calendar.opened_at is not None)


@given(calendars(), moments)
def test_the_current_phase_lasts_until_its_end_and_not_a_moment_longer(
    calendar: Calendar, now: dt.datetime
) -> None:
    phase = current_phase(calendar, now)
    ends = phase_ends_at(calendar, now)
    if phase not in (Phase.PROPOSALS, Phase.DIAGNOSIS, Phase.FUNDING):
        assert ends is None
        return
    assert ends is not None and ends > now
    assert current_phase(calendar, ends - dt.timedelta(microseconds=1)) is phase
    assert current_phase(calendar, ends) is not phase


@given(calendars(), moments)
def test_pledges_are_open_only_during_funding(calendar: Calendar, now: dt.datetime) -> None:
    assert pledges_are_open(calendar, now) == (current_phase(calendar, now) is Phase.FUNDING)


@given(phases_with_an_end.flatmap(lambda phase: open_calendars_in(phase)))
def test_advancing_starts_the_next_phase_now_and_keeps_the_dates_in_order(
    case: tuple[Calendar, dt.datetime],
) -> None:
    calendar, now = case
    phase = current_phase(calendar, now)
    moved = advance(calendar, now)
    assert current_phase(moved, now) is ORDER[ORDER.index(phase) + 1]
    assert not moved.check()


@given(
    phases_with_an_end.flatmap(lambda phase: open_calendars_in(phase)),
    st.integers(min_value=1, max_value=30 * 24 * 60),
)
def test_extending_keeps_the_phase_and_ends_it_later(
    case: tuple[Calendar, dt.datetime], minutes: int
) -> None:
    calendar, now = case
    phase = current_phase(calendar, now)
    ends = {
        Phase.PROPOSALS: calendar.diagnosis_from,
        Phase.DIAGNOSIS: calendar.funding_from,
        Phase.FUNDING: calendar.funding_until,
    }[phase]
    until = max(ends, now) + dt.timedelta(minutes=minutes)
    moved = extend(calendar, until, now)
    assert current_phase(moved, now) is phase
    assert current_phase(moved, until - dt.timedelta(seconds=1)) is phase
    assert not moved.check()


@given(open_calendars_in(Phase.FUNDING), st.integers(min_value=1, max_value=30 * 24 * 60))
def test_closing_then_reopening_gives_funding_back_until_the_new_date(
    case: tuple[Calendar, dt.datetime], minutes: int
) -> None:
    calendar, now = case
    closed = close(calendar, now)
    assert current_phase(closed, now) is Phase.CLOSED and not pledges_are_open(closed, now)
    assert not closed.check()
    until = now + dt.timedelta(minutes=minutes)
    reopened = reopen(closed, until, now)
    assert current_phase(reopened, now) is Phase.FUNDING
    assert current_phase(reopened, until) is Phase.CLOSED


def test_moves_outside_their_phase_are_refused() -> None:
    with pytest.raises(NotAllowed) as refused:
        close(CALENDAR, day(5))
    assert refused.value.reason == "not_in_funding"
    with pytest.raises(NotAllowed):
        reopen(CALENDAR, day(40), day(25))
    with pytest.raises(NotAllowed):
        advance(CALENDAR, day(35))


def test_opening_a_draft_starts_proposals_now_at_the_latest() -> None:
    draft = Calendar(
        proposals_from=day(3), diagnosis_from=day(10), funding_from=day(20), funding_until=day(30)
    )
    assert can_open(draft, day(1)).allowed
    opened = open_envelope(draft, day(1))
    assert current_phase(opened, day(1)) is Phase.PROPOSALS
