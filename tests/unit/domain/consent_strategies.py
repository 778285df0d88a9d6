"""Hypothesis strategies for consent rounds: small rounds and histories of positions.

Times are whole minutes after `T0`, and histories reach from before the opening to after the
close, so entries at the very instants of opening and closing, ties in time, proposers and lieux
outside the network all turn up often.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from cobudget.domain.consent import Position, PositionKind, Round

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LIEUX = range(1, 11)  # lieu ids; members are drawn among 1..8, so 9 and 10 are always outside
kinds = st.sampled_from(list(PositionKind))


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@st.composite
def rounds(draw: st.DrawFn) -> Round:
    """A round opened at T0 with 1..8 member lieux, at least one of which does not propose."""
    members = draw(st.frozensets(st.integers(1, 8), min_size=2, max_size=8))
    proposers = draw(st.frozensets(st.sampled_from(sorted(members)), min_size=1, max_size=2))
    if proposers == members:
        proposers = frozenset({min(members)})
    deadline = draw(st.integers(1, 60))
    closed_early = draw(st.one_of(st.none(), st.integers(1, 70)))
    return Round(
        id=1,
        version=1,
        opened_at=T0,
        deadline=at(deadline),
        quorum=draw(st.integers(1, len(members - proposers))),
        proposer_lieu_ids=proposers,
        member_lieu_ids=members,
        closed_at=None if closed_early is None else at(closed_early),
    )


def minutes_of(moment: datetime) -> int:
    return (moment - T0) // timedelta(minutes=1)


@st.composite
def entries(
    draw: st.DrawFn,
    round: Round,
    *,
    lieu_ids: st.SearchStrategy[int] | None = None,
    start: int | None = None,
    end: int | None = None,
    seq_from: int = 0,
    withdrawals: bool = True,
) -> list[Position]:
    """A history of 0..12 entries, in no particular order, with distinct sequence numbers
    (which are not in time order either: ties in time are frequent).

    By default any lieu (proposers and outsiders too), from 5 minutes before the opening to 5
    minutes after the close; `start`/`end` (minutes, inclusive) narrow the times.
    """
    first = -5 if start is None else start
    last = minutes_of(round.closes_at) + 5 if end is None else end
    lieu = st.sampled_from(list(LIEUX)) if lieu_ids is None else lieu_ids
    withdrawn = st.sampled_from([False, False, False, True]) if withdrawals else st.just(False)
    rows = draw(st.lists(st.tuples(lieu, kinds, st.integers(first, last), withdrawn), max_size=12))
    return [
        Position(
            seq=seq_from + n,
            lieu_id=lieu_id,
            kind=kind,
            taken_at=at(minute),
            text="parce que",
            withdrawn=is_withdrawn,
        )
        for n, (lieu_id, kind, minute, is_withdrawn) in enumerate(rows)
    ]


@st.composite
def rounds_with_histories(draw: st.DrawFn) -> tuple[Round, list[Position]]:
    round = draw(rounds())
    return round, draw(entries(round))


def after_close(round: Round) -> st.SearchStrategy[datetime]:
    """A moment at or after the round's close, when its outcome can be read."""
    return st.integers(0, 10_000).map(lambda m: round.closes_at + timedelta(minutes=m))


def while_open(round: Round) -> st.SearchStrategy[datetime]:
    """A moment while the round is open, to the minute."""
    return st.integers(0, minutes_of(round.closes_at) - 1).map(at)
