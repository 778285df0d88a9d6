"""Consent rounds of SPEC §5 as pure rules: worked cases, refusals, and one property per invariant."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cobudget.domain.consent import (
    Outcome,
    Position,
    PositionKind,
    Round,
    can_close_round,
    can_extend_round,
    can_open_round,
    close_round,
    extend_round,
    may_answer_question,
    may_ask_question,
    may_take_position,
    may_withdraw_position,
    outcome_rank,
    round_outcome,
    standing_positions,
    validate_answer,
    validate_position,
    validate_question,
)
from cobudget.domain.errors import NotAllowed
from tests.unit.domain.consent_strategies import (
    LIEUX,
    after_close,
    at,
    entries,
    minutes_of,
    rounds,
    rounds_with_histories,
    while_open,
)

CONSENT, CONCERN, OBJECTION = PositionKind.CONSENT, PositionKind.CONCERN, PositionKind.OBJECTION
PROPOSER, B, C, D, E, OUTSIDER = 1, 2, 3, 4, 5, 9
# A proposes; B, C, D, E are the other member lieux; quorum 3; open 09:00 → 10:00 (minute 60).
ROUND = Round(
    id=1,
    version=1,
    opened_at=at(0),
    deadline=at(60),
    quorum=3,
    proposer_lieu_ids=frozenset({PROPOSER}),
    member_lieu_ids=frozenset({PROPOSER, B, C, D, E}),
)
AFTER = at(61)


def pos(
    seq: int, lieu: int, kind: PositionKind, minute: int, *, withdrawn: bool = False
) -> Position:
    return Position(
        seq=seq, lieu_id=lieu, kind=kind, taken_at=at(minute), text="texte", withdrawn=withdrawn
    )


# --- worked cases -------------------------------------------------------------------------------

WORKED = [
    (
        "three consents reach the quorum",
        [pos(1, B, CONSENT, 5), pos(2, C, CONSENT, 6), pos(3, D, CONSENT, 7)],
        Outcome.CONSENTED,
    ),
    (
        "a concern is a consent that counts toward the quorum",
        [pos(1, B, CONSENT, 5), pos(2, C, CONCERN, 6), pos(3, D, CONCERN, 7)],
        Outcome.CONSENTED,
    ),
    (
        "two lieux are not a quorum of three",
        [pos(1, B, CONSENT, 5), pos(2, C, CONSENT, 6)],
        Outcome.NO_QUORUM,
    ),
    ("nobody spoke", [], Outcome.NO_QUORUM),
    ("one objection is enough, even below quorum", [pos(1, B, OBJECTION, 5)], Outcome.TO_AMEND),
    (
        "one objection among consents",
        [
            pos(1, B, CONSENT, 5),
            pos(2, C, CONSENT, 6),
            pos(3, D, CONSENT, 7),
            pos(4, E, OBJECTION, 8),
        ],
        Outcome.TO_AMEND,
    ),
    (
        "an objection changed into a consent no longer stands",
        [
            pos(1, B, OBJECTION, 5),
            pos(2, B, CONSENT, 9),
            pos(3, C, CONSENT, 6),
            pos(4, D, CONSENT, 7),
        ],
        Outcome.CONSENTED,
    ),
    (
        "a withdrawn objection no longer stands, nor counts",
        [
            pos(1, B, OBJECTION, 5),
            pos(2, B, OBJECTION, 9, withdrawn=True),
            pos(3, C, CONSENT, 6),
            pos(4, D, CONSENT, 7),
        ],
        Outcome.NO_QUORUM,
    ),
    (
        "two people of one lieu count once",
        [pos(1, B, CONSENT, 5), pos(2, B, CONSENT, 6), pos(3, C, CONSENT, 7)],
        Outcome.NO_QUORUM,
    ),
    (
        "the proposers' own positions never count",
        [
            pos(1, PROPOSER, OBJECTION, 5),
            pos(2, B, CONSENT, 5),
            pos(3, C, CONSENT, 6),
            pos(4, D, CONSENT, 7),
        ],
        Outcome.CONSENTED,
    ),
    (
        "a lieu outside the network never counts",
        [
            pos(1, OUTSIDER, OBJECTION, 5),
            pos(2, B, CONSENT, 5),
            pos(3, C, CONSENT, 6),
            pos(4, D, CONSENT, 7),
        ],
        Outcome.CONSENTED,
    ),
    (
        "an objection at the deadline came too late",
        [
            pos(1, B, CONSENT, 5),
            pos(2, C, CONSENT, 6),
            pos(3, D, CONSENT, 7),
            pos(4, E, OBJECTION, 60),
        ],
        Outcome.CONSENTED,
    ),
    (
        "a consent just before the deadline counts",
        [pos(1, B, CONSENT, 5), pos(2, C, CONSENT, 6), pos(3, D, CONSENT, 59)],
        Outcome.CONSENTED,
    ),
    (
        "entries at the same instant are ordered by sequence",
        [
            pos(7, B, CONSENT, 5),
            pos(3, B, OBJECTION, 5),
            pos(1, C, CONSENT, 6),
            pos(2, D, CONSENT, 6),
        ],
        Outcome.CONSENTED,
    ),
    (
        "history is read in any order",
        [
            pos(4, B, CONSENT, 9),
            pos(3, C, CONSENT, 6),
            pos(1, B, OBJECTION, 5),
            pos(2, D, CONSENT, 7),
        ],
        Outcome.CONSENTED,
    ),
]


@pytest.mark.parametrize(
    ("history", "expected"), [(h, e) for _, h, e in WORKED], ids=[name for name, _, _ in WORKED]
)
def test_worked_cases_of_spec_section_5(history: list[Position], expected: Outcome) -> None:
    assert round_outcome(ROUND, history, AFTER) is expected


def test_the_round_is_open_until_its_deadline_and_decided_from_then_on() -> None:
    history = [pos(1, B, CONSENT, 5), pos(2, C, CONSENT, 6), pos(3, D, CONSENT, 7)]
    assert round_outcome(ROUND, history, at(-1)) is Outcome.OPEN
    assert round_outcome(ROUND, history, at(59)) is Outcome.OPEN
    assert round_outcome(ROUND, history, at(60)) is Outcome.CONSENTED
    assert round_outcome(ROUND, history, at(60 * 24 * 365)) is Outcome.CONSENTED


def test_a_coordinator_closing_early_decides_on_what_was_said_before_the_close() -> None:
    closed = replace(ROUND, closed_at=at(30))
    history = [
        pos(1, B, CONSENT, 5),
        pos(2, C, CONSENT, 6),
        pos(3, D, CONSENT, 29),
        pos(4, E, OBJECTION, 30),
    ]
    assert round_outcome(closed, history, at(30)) is Outcome.CONSENTED
    assert round_outcome(closed, history, at(29)) is Outcome.OPEN


def test_a_close_after_the_deadline_changes_nothing() -> None:
    late = replace(ROUND, closed_at=at(90))
    assert late.closes_at == ROUND.deadline
    history = [pos(1, B, OBJECTION, 70)]
    assert round_outcome(late, history, at(95)) is Outcome.NO_QUORUM


def test_standing_positions_keep_the_latest_entry_and_drop_withdrawals() -> None:
    history = [
        pos(1, B, OBJECTION, 5),
        pos(2, B, CONCERN, 9),
        pos(3, C, CONSENT, 6),
        pos(4, C, CONSENT, 8, withdrawn=True),
    ]
    assert standing_positions(ROUND, history) == {B: history[1]}


def test_decided_outcomes_are_ranked_to_amend_then_no_quorum_then_consented() -> None:
    ranked = sorted([Outcome.CONSENTED, Outcome.TO_AMEND, Outcome.NO_QUORUM], key=outcome_rank)
    assert ranked == [Outcome.TO_AMEND, Outcome.NO_QUORUM, Outcome.CONSENTED]
    with pytest.raises(ValueError):
        outcome_rank(Outcome.OPEN)


def test_naive_times_are_refused_as_a_programming_error() -> None:
    with pytest.raises(ValueError):
        replace(ROUND, deadline=datetime(2026, 11, 2, 10, 0))
    with pytest.raises(ValueError):
        Position(seq=1, lieu_id=B, kind=CONSENT, taken_at=datetime(2026, 11, 2, 9, 5))


# --- who may speak ------------------------------------------------------------------------------

SPEAKING = [
    ("a member lieu while open", B, at(10), ""),
    ("at the very opening", B, at(0), ""),
    ("a proposer lieu", PROPOSER, at(10), "proposer_cannot_position"),
    ("a lieu outside the network", OUTSIDER, at(10), "not_a_member_lieu"),
    ("before the opening", B, at(-1), "round_not_open"),
    ("at the deadline", B, at(60), "round_closed"),
    ("after the deadline", B, at(600), "round_closed"),
    ("a proposer after the deadline", PROPOSER, at(600), "proposer_cannot_position"),
]


@pytest.mark.parametrize(
    ("lieu", "now", "reason"), [s[1:] for s in SPEAKING], ids=[s[0] for s in SPEAKING]
)
def test_who_may_take_a_position_and_when(lieu: int, now: datetime, reason: str) -> None:
    decision = may_take_position(ROUND, lieu, now)
    assert decision.allowed == (not reason)
    assert decision.reason == reason


def test_a_round_closed_by_a_coordinator_takes_no_more_positions() -> None:
    assert may_take_position(replace(ROUND, closed_at=at(20)), B, at(20)).reason == "round_closed"


def test_only_a_lieu_holding_a_position_may_withdraw_it() -> None:
    history = [pos(1, B, OBJECTION, 5), pos(2, C, CONSENT, 6, withdrawn=True)]
    assert may_withdraw_position(ROUND, history, B, at(10)).allowed
    assert may_withdraw_position(ROUND, history, C, at(10)).reason == "no_position"
    assert may_withdraw_position(ROUND, history, B, at(60)).reason == "round_closed"


def test_questions_come_from_other_member_lieux_while_the_round_is_open() -> None:
    assert may_ask_question(ROUND, B, at(10)).allowed
    assert may_ask_question(ROUND, PROPOSER, at(10)).reason == "proposer_cannot_ask"
    assert may_ask_question(ROUND, OUTSIDER, at(10)).reason == "not_a_member_lieu"
    assert may_ask_question(ROUND, B, at(60)).reason == "round_closed"


def test_only_proposers_answer_and_they_may_after_the_close() -> None:
    assert may_answer_question(ROUND, PROPOSER).allowed
    assert may_answer_question(ROUND, B).reason == "proposers_only"


CRITERIA = {11, 12}
POSITION_FORMS = [
    ("a bare consent", "consent", "", None, {}),
    ("a consent with a word", "consent", "Très utile", None, {}),
    ("a concern with its text", "concern", "Le budget semble court", 11, {}),
    (
        "an objection with a reason and a criterion",
        "objection",
        "Aucun lieu ne s'en servirait",
        12,
        {},
    ),
    ("a concern without text", "concern", "   ", None, {"text": "concern_needs_text"}),
    ("an objection without reason", "objection", None, None, {"text": "objection_needs_reason"}),
    (
        "an objection tied to another network's criterion",
        "objection",
        "raison",
        99,
        {"criterion_id": "unknown_criterion"},
    ),
    (
        "a consent tied to a criterion",
        "consent",
        "",
        11,
        {"criterion_id": "criterion_not_for_consent"},
    ),
    ("an unknown kind", "veto", "non", None, {"kind": "invalid_choice"}),
    ("a text too long", "concern", "x" * 5001, None, {"text": "too_long:5000"}),
    ("a text at the limit", "objection", "x" * 5000, None, {}),
]


@pytest.mark.parametrize(
    ("kind", "text", "criterion", "errors"),
    [f[1:] for f in POSITION_FORMS],
    ids=[f[0] for f in POSITION_FORMS],
)
def test_position_forms_get_one_message_code_per_field(
    kind: str, text: str | None, criterion: int | None, errors: dict[str, str]
) -> None:
    assert validate_position(kind, text, criterion, CRITERIA) == errors


def test_questions_and_answers_need_a_text_of_bounded_length() -> None:
    assert validate_question("Qui hébergera l'outil ?") == {}
    assert validate_question("  ") == {"text": "required"}
    assert validate_question("x" * 2001) == {"text": "too_long:2000"}
    assert validate_answer(None) == {"text": "required"}
    assert validate_answer("x" * 5001) == {"text": "too_long:5000"}


# --- what may change when -----------------------------------------------------------------------

NEXT = replace(ROUND, id=2, opened_at=at(120), deadline=at(180))
CONSENTS = [pos(1, B, CONSENT, 5), pos(2, C, CONSENT, 6), pos(3, D, CONSENT, 7)]
OPENING = [
    ("a first round", NEXT, None, [], at(120), ""),
    ("a round scheduled by the calendar", NEXT, None, [], at(100), ""),
    ("a reopening after no quorum", NEXT, ROUND, CONSENTS[:1], at(120), ""),
    (
        "a round on an old version",
        replace(NEXT, version=0),
        None,
        [],
        at(120),
        "not_current_version",
    ),
    (
        "a round opening in the past",
        replace(NEXT, opened_at=at(100)),
        None,
        [],
        at(120),
        "opening_in_past",
    ),
    (
        "a deadline before the opening",
        replace(NEXT, deadline=at(120)),
        None,
        [],
        at(120),
        "deadline_before_opening",
    ),
    ("a quorum of zero", replace(NEXT, quorum=0), None, [], at(120), "quorum_too_small"),
    (
        "a quorum above the lieux that may speak",
        replace(NEXT, quorum=5),
        None,
        [],
        at(120),
        "quorum_unreachable",
    ),
    (
        "while another round is open",
        replace(NEXT, opened_at=at(30)),
        ROUND,
        [],
        at(30),
        "round_already_open",
    ),
    ("on a consented version", NEXT, ROUND, CONSENTS, at(120), "already_consented"),
    (
        "on a version to amend",
        NEXT,
        ROUND,
        [pos(1, B, OBJECTION, 5)],
        at(120),
        "version_needs_amendment",
    ),
    (
        "on a new version after to amend",
        replace(NEXT, version=2),
        ROUND,
        [pos(1, B, OBJECTION, 5)],
        at(120),
        "",
    ),
]


@pytest.mark.parametrize(
    ("new", "latest", "history", "now", "reason"),
    [o[1:] for o in OPENING],
    ids=[o[0] for o in OPENING],
)
def test_when_a_round_may_open(
    new: Round, latest: Round | None, history: list[Position], now: datetime, reason: str
) -> None:
    current = 1 if reason == "not_current_version" else new.version
    decision = can_open_round(
        new, current_version=current, latest=latest, latest_positions=history, now=now
    )
    assert decision.reason == reason
    assert decision.allowed == (not reason)


def test_a_coordinator_closes_only_an_open_round() -> None:
    closed = close_round(ROUND, at(30))
    assert closed.closed_at == at(30)
    assert closed.closes_at == at(30)
    assert can_close_round(ROUND, at(-1)).reason == "round_not_open"
    assert can_close_round(ROUND, at(60)).reason == "round_closed"
    with pytest.raises(NotAllowed) as refused:
        close_round(closed, at(40))
    assert refused.value.reason == "round_closed"


def test_a_round_without_quorum_can_be_extended_and_keeps_its_positions() -> None:
    history = CONSENTS[:2]
    assert round_outcome(ROUND, history, at(70)) is Outcome.NO_QUORUM
    assert can_extend_round(
        ROUND, history, new_deadline=at(200), current_version=1, now=at(70)
    ).allowed
    extended = extend_round(ROUND, at(200))
    assert may_take_position(extended, D, at(100)).allowed
    assert (
        round_outcome(extended, [*history, pos(3, D, CONSENT, 100)], at(200)) is Outcome.CONSENTED
    )


EXTENDING = [
    ("an open round", [], at(30), at(90), ""),
    ("a round closed without quorum", [], at(70), at(90), ""),
    ("a consented round", CONSENTS, at(70), at(90), "round_decided"),
    ("a round to amend", [pos(1, B, OBJECTION, 5)], at(70), at(90), "round_decided"),
    ("to a deadline already past", [], at(70), at(65), "deadline_in_past"),
    ("to an earlier deadline within a day", [], at(30), at(45), "notice_too_short"),
    ("to the same deadline", [], at(30), at(60), "deadline_unchanged"),
]


@pytest.mark.parametrize(
    ("history", "now", "new_deadline", "reason"),
    [e[1:] for e in EXTENDING],
    ids=[e[0] for e in EXTENDING],
)
def test_when_a_round_may_be_extended(
    history: list[Position], now: datetime, new_deadline: datetime, reason: str
) -> None:
    decision = can_extend_round(
        ROUND, history, new_deadline=new_deadline, current_version=1, now=now
    )
    assert decision.reason == reason


def test_a_round_on_an_old_version_cannot_be_extended() -> None:
    decision = can_extend_round(ROUND, [], new_deadline=at(200), current_version=2, now=at(70))
    assert decision.reason == "not_current_version"


def test_a_coordinator_closed_round_extended_is_open_again() -> None:
    closed = close_round(ROUND, at(20))
    assert can_extend_round(closed, [], new_deadline=at(40), current_version=1, now=at(25)).allowed
    assert extend_round(closed, at(40)).is_open(at(30))


# --- invariants ---------------------------------------------------------------------------------


def _outcome_after(round: Round, history: list[Position], now: datetime | None = None) -> Outcome:
    return round_outcome(round, history, round.closes_at if now is None else now)


@given(rounds_with_histories(), st.data())
def test_the_outcome_depends_only_on_the_latest_position_of_each_lieu(
    case: tuple[Round, list[Position]], data: st.DataObject
) -> None:
    """Shuffling the history, or slipping in before an entry of the round another entry of the
    same lieu (which that entry supersedes), changes nothing."""
    round, history = case
    superseded = []
    for n, entry in enumerate(history):
        if round.is_open(entry.taken_at) and data.draw(st.booleans()):
            earlier = entry.taken_at - timedelta(minutes=data.draw(st.integers(0, 5)))
            superseded.append(
                replace(
                    entry,
                    seq=-1000 - n,
                    taken_at=earlier,
                    kind=data.draw(st.sampled_from(list(PositionKind))),
                    withdrawn=data.draw(st.booleans()),
                )
            )
    noisy = data.draw(st.permutations([*history, *superseded]))
    assert _outcome_after(round, noisy) is _outcome_after(round, history)


@given(rounds_with_histories(), st.data())
def test_the_outcome_is_the_one_spec_section_5_defines(
    case: tuple[Round, list[Position]], data: st.DataObject
) -> None:
    """An independent reading of SPEC §5, one lieu at a time, agrees with `round_outcome`."""
    round, history = case
    now = data.draw(after_close(round))
    eligible = round.member_lieu_ids - round.proposer_lieu_ids
    standing = {}
    for lieu in eligible:
        said = [
            p
            for p in history
            if p.lieu_id == lieu and round.opened_at <= p.taken_at < round.closes_at
        ]
        if said:
            last = max(said, key=lambda p: (p.taken_at, p.seq))
            if not last.withdrawn:
                standing[lieu] = last.kind
    if PositionKind.OBJECTION in standing.values():
        expected = Outcome.TO_AMEND
    elif len(standing) >= round.quorum:
        expected = Outcome.CONSENTED
    else:
        expected = Outcome.NO_QUORUM
    assert round_outcome(round, history, now) is expected


@given(rounds_with_histories(), st.data())
def test_two_people_of_one_lieu_count_once(
    case: tuple[Round, list[Position]], data: st.DataObject
) -> None:
    """A second person of a lieu restating the lieu's standing position (its latest entry, same
    kind, same time) adds nothing: duplicating those entries changes no outcome. (Copying an
    entry the lieu has since replaced would not be a restatement: at the same time and with a
    later sequence number it becomes the lieu's latest word, which is the intended rule.)"""
    round, history = case
    latest: dict[int, Position] = {}
    for entry in history:
        current = latest.get(entry.lieu_id)
        if current is None or (entry.taken_at, entry.seq) > (current.taken_at, current.seq):
            latest[entry.lieu_id] = entry
    copies = [
        replace(entry, seq=1000 + entry.seq)
        for entry in latest.values()
        if data.draw(st.booleans())
    ]
    assert _outcome_after(round, [*history, *copies]) is _outcome_after(round, history)


@given(rounds(), st.data())
def test_quorum_counts_distinct_lieux(round: Round, data: st.DataObject) -> None:
    """Without objection, the round is consented exactly when enough distinct lieux spoke,
    however many entries each lieu (or the proposers, or outsiders) wrote."""
    eligible = sorted(round.eligible_lieu_ids)
    speakers = data.draw(st.sets(st.sampled_from(eligible)))
    end = minutes_of(round.closes_at) - 1
    history: list[Position] = []
    for lieu in speakers:
        times = data.draw(st.lists(st.integers(0, end), min_size=1, max_size=3))
        history += [
            Position(
                seq=len(history) + i,
                lieu_id=lieu,
                kind=data.draw(st.sampled_from([CONSENT, CONCERN])),
                taken_at=at(t),
            )
            for i, t in enumerate(times)
        ]
    others = st.sampled_from(sorted(set(LIEUX) - round.eligible_lieu_ids))
    history += data.draw(entries(round, lieu_ids=others, seq_from=100))
    expected = Outcome.CONSENTED if len(speakers) >= round.quorum else Outcome.NO_QUORUM
    assert _outcome_after(round, history) is expected


@given(rounds_with_histories(), st.data())
def test_withdrawing_an_objection_never_makes_the_outcome_worse(
    case: tuple[Round, list[Position]], data: st.DataObject
) -> None:
    """An eligible lieu objects at some moment of the round, then withdraws that objection just
    after: the outcome never ranks lower (to_amend < no_quorum < consented), so in particular a
    consented round stays consented and no withdrawal creates "to amend"."""
    round, history = case
    lieu = data.draw(st.sampled_from(sorted(round.eligible_lieu_ids)))
    moment = data.draw(while_open(round))
    objection = Position(seq=500, lieu_id=lieu, kind=OBJECTION, taken_at=moment, text="raison")
    withdrawal = replace(objection, seq=501, withdrawn=True)
    before = _outcome_after(round, [*history, objection])
    after = _outcome_after(round, [*history, objection, withdrawal])
    assert outcome_rank(after) >= outcome_rank(before)
    if before is not Outcome.TO_AMEND:
        assert after is before


@given(rounds_with_histories(), st.data())
def test_turning_an_objection_into_a_consent_never_makes_the_outcome_worse(
    case: tuple[Round, list[Position]], data: st.DataObject
) -> None:
    round, history = case
    lieu = data.draw(st.sampled_from(sorted(round.eligible_lieu_ids)))
    moment = data.draw(while_open(round))
    objection = Position(seq=500, lieu_id=lieu, kind=OBJECTION, taken_at=moment, text="raison")
    consent = replace(objection, seq=501, kind=data.draw(st.sampled_from([CONSENT, CONCERN])))
    before = _outcome_after(round, [*history, objection])
    after = _outcome_after(round, [*history, objection, consent])
    assert outcome_rank(after) >= outcome_rank(before)


@given(rounds_with_histories(), st.data())
def test_no_position_taken_after_the_close_changes_the_outcome(
    case: tuple[Round, list[Position]], data: st.DataObject
) -> None:
    round, history = case
    closes = minutes_of(round.closes_at)
    late = data.draw(entries(round, start=closes, end=closes + 60, seq_from=1000))
    now = data.draw(after_close(round))
    assert round_outcome(round, [*history, *late], now) is round_outcome(round, history, now)


@given(rounds(), st.data())
def test_no_position_is_accepted_after_the_close(round: Round, data: st.DataObject) -> None:
    now = data.draw(after_close(round))
    for lieu in LIEUX:
        assert not may_take_position(round, lieu, now).allowed
        assert not may_ask_question(round, lieu, now).allowed


@given(rounds(), st.data())
def test_a_position_is_accepted_exactly_from_eligible_lieux_while_open(
    round: Round, data: st.DataObject
) -> None:
    now = at(data.draw(st.integers(-5, minutes_of(round.closes_at) + 5)))
    for lieu in LIEUX:
        expected = lieu in round.eligible_lieu_ids and round.is_open(now)
        assert may_take_position(round, lieu, now).allowed == expected


@given(rounds_with_histories(), st.data())
def test_proposers_never_count(case: tuple[Round, list[Position]], data: st.DataObject) -> None:
    round, history = case
    proposers = st.sampled_from(sorted(round.proposer_lieu_ids))
    theirs = data.draw(entries(round, lieu_ids=proposers, seq_from=1000))
    assert _outcome_after(round, [*history, *theirs]) is _outcome_after(round, history)


@given(rounds_with_histories(), st.data())
def test_lieux_outside_the_network_never_count(
    case: tuple[Round, list[Position]], data: st.DataObject
) -> None:
    round, history = case
    outsiders = st.sampled_from(sorted(set(LIEUX) - round.member_lieu_ids))
    theirs = data.draw(entries(round, lieu_ids=outsiders, seq_from=1000))
    assert _outcome_after(round, [*history, *theirs]) is _outcome_after(round, history)


@given(rounds_with_histories(), st.data())
def test_the_outcome_is_open_until_the_close_and_never_changes_afterwards(
    case: tuple[Round, list[Position]], data: st.DataObject
) -> None:
    """No background job: the outcome is read from the dates, the same whenever it is read."""
    round, history = case
    assert round_outcome(round, history, data.draw(while_open(round))) is Outcome.OPEN
    first, later = data.draw(after_close(round)), data.draw(after_close(round))
    assert (
        round_outcome(round, history, first)
        is round_outcome(round, history, later)
        is not Outcome.OPEN
    )
