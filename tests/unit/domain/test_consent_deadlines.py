"""Issue 16's rules on consent rounds: deadlines within a bounded window, shortened with notice,
and the quorum named when an outcome missed it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cobudget.domain.consent import (
    DEADLINE_FIELD_REASONS,
    MAX_ROUND_LENGTH,
    MIN_NOTICE,
    Outcome,
    Position,
    PositionKind,
    Round,
    can_extend_round,
    close_round,
    deadline_error,
    is_shortening,
    quorum_count,
    round_outcome,
    standing_positions,
)
from tests.unit.domain.consent_strategies import T0, rounds_with_histories

DAY = timedelta(days=1)
B, C, D = 2, 3, 4
LONG = Round(
    id=1,
    version=1,
    opened_at=T0,
    deadline=T0 + 20 * DAY,
    quorum=3,
    proposer_lieu_ids=frozenset({1}),
    member_lieu_ids=frozenset({1, B, C, D}),
)


def _position(seq: int, lieu: int, kind: PositionKind, taken_at: datetime) -> Position:
    return Position(seq=seq, lieu_id=lieu, kind=kind, taken_at=taken_at, text="parce que")


def test_a_deadline_in_2099_is_refused_as_too_far() -> None:
    far = T0.replace(year=2099)
    assert deadline_error(far, opened_at=T0, now=T0) == "deadline_too_far"
    assert deadline_error(T0 + MAX_ROUND_LENGTH, opened_at=T0, now=T0) is None
    assert deadline_error(T0, opened_at=T0, now=T0) == "deadline_in_past"


@given(st.integers(-10 * 24 * 60, 200 * 24 * 60))
def test_a_new_deadline_is_accepted_exactly_within_the_window(minutes: int) -> None:
    deadline = T0 + timedelta(minutes=minutes)
    error = deadline_error(deadline, opened_at=T0, now=T0)
    assert (error is None) == (T0 < deadline <= T0 + MAX_ROUND_LENGTH)
    assert error in (None, "deadline_in_past", "deadline_too_far")


@given(st.integers(0, 19 * 24 * 60), st.integers(-30 * 24 * 60, 90 * 24 * 60))
def test_a_moved_deadline_of_an_open_round_stays_in_the_window_with_notice(
    now_minutes: int, deadline_minutes: int
) -> None:
    now = T0 + timedelta(minutes=now_minutes)
    new = T0 + timedelta(minutes=deadline_minutes)
    decision = can_extend_round(LONG, [], new_deadline=new, current_version=1, now=now)
    if decision.allowed:
        assert now < new <= T0 + MAX_ROUND_LENGTH and new != LONG.deadline
        if is_shortening(LONG, new, now):
            assert new >= now + MIN_NOTICE
    else:
        assert decision.reason in DEADLINE_FIELD_REASONS
        assert not (now + MIN_NOTICE <= new <= T0 + MAX_ROUND_LENGTH and new != LONG.deadline)


def test_shortening_leaves_a_day_and_is_told_apart_from_extending() -> None:
    now = T0 + 5 * DAY
    soon = now + MIN_NOTICE - timedelta(minutes=1)
    shorter = now + MIN_NOTICE
    assert can_extend_round(LONG, [], new_deadline=soon, current_version=1, now=now).reason == (
        "notice_too_short"
    )
    assert can_extend_round(LONG, [], new_deadline=shorter, current_version=1, now=now).allowed
    assert is_shortening(LONG, shorter, now)
    assert not is_shortening(LONG, LONG.deadline + DAY, now)


def test_a_round_reopened_after_no_quorum_gets_a_window_from_now() -> None:
    now = T0 + 50 * DAY
    assert can_extend_round(
        LONG, [], new_deadline=now + 59 * DAY, current_version=1, now=now
    ).allowed
    assert (
        can_extend_round(LONG, [], new_deadline=now + 61 * DAY, current_version=1, now=now).reason
        == "deadline_too_far"
    )


def test_an_objection_at_two_of_three_names_the_missed_quorum() -> None:
    history = [
        _position(1, B, PositionKind.CONSENT, T0 + DAY),
        _position(2, C, PositionKind.OBJECTION, T0 + DAY),
    ]
    closed = close_round(LONG, T0 + 2 * DAY)
    now = T0 + 3 * DAY
    assert round_outcome(closed, history, now) is Outcome.TO_AMEND
    count = quorum_count(closed, history, now)
    assert count is not None and count.missed and (count.taken, count.required) == (2, 3)
    assert quorum_count(LONG, history, T0 + DAY) is None


@given(rounds_with_histories())
def test_the_quorum_count_agrees_with_the_outcome(
    round_and_history: tuple[Round, list[Position]],
) -> None:
    round, history = round_and_history
    now = round.closes_at
    count = quorum_count(round, history, now)
    assert count is not None
    assert count.taken == len(standing_positions(round, history))
    assert count.required == round.quorum
    outcome = round_outcome(round, history, now)
    if outcome is Outcome.NO_QUORUM:
        assert count.missed
    if outcome is Outcome.CONSENTED:
        assert not count.missed


@pytest.mark.parametrize("reason", sorted(DEADLINE_FIELD_REASONS))
def test_every_deadline_reason_has_a_message(reason: str) -> None:
    from cobudget.web.messages import field_message

    assert field_message(reason) != reason and "?" not in field_message(reason)[:1]
