"""Consent rounds of SPEC §5 as pure rules: who may speak in a round, and what the round decided.

A round runs on one version of a challenge. It is open on the half-open interval
`[opened_at, closes_at)`, where `closes_at` is the deadline or the earlier moment a coordinator
closed it. Its outcome is *read* from those dates and from the history of positions whenever a
page asks: no background job ever has to close anything, and reading twice gives the same answer.

A position counts only if it was taken while the round was open, which is exactly when
`may_take_position` accepts one; so nothing said after the close can change the outcome. Of
each lieu's history only the latest entry stands (SPEC §2: one lieu, one position), and a
withdrawal removes it. Proposer lieux and lieux outside the network never count.

Every decision is a `permissions.Decision` (allowed, or a stable reason code) so services turn a
refusal into `NotAllowed` the same way as for the role table. Times are aware datetimes passed in
by the caller; this module never reads the clock.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from cobudget.domain.errors import NotAllowed
from cobudget.domain.permissions import ALLOWED, Decision

POSITION_TEXT_MAX_LENGTH = 5000
# A round's deadline lies at most this long after it opens (or is reopened): a diagnosis that
# runs for months is forgotten, and a typo such as 2099 would freeze the challenge (issue 16).
MAX_ROUND_LENGTH = timedelta(days=60)
# A shortened deadline leaves the lieux at least this long, from the moment they are told, to
# take a position: one working day, so that no round is closed by surprise.
MIN_NOTICE = timedelta(hours=24)
QUESTION_MAX_LENGTH = 2000
ANSWER_MAX_LENGTH = 5000


class PositionKind(StrEnum):
    CONSENT = "consent"
    CONCERN = "concern"  # consent with a reservation, which must be written
    OBJECTION = "objection"  # must give a reason, optionally tied to a network criterion


class Outcome(StrEnum):
    OPEN = "open"  # not decided yet: the round has not opened or not closed
    CONSENTED = "consented"
    TO_AMEND = "to_amend"
    NO_QUORUM = "no_quorum"


# How close each decided outcome leaves the challenge to envelope money, best last: consented
# is eligible now; no quorum needs only more lieux to speak (extend or reopen, same version);
# to amend needs a new version, an answer to every objection and a whole new round.
_RANK = {Outcome.TO_AMEND: 0, Outcome.NO_QUORUM: 1, Outcome.CONSENTED: 2}


def outcome_rank(outcome: Outcome) -> int:
    """Order of decided outcomes: to_amend (0) < no_quorum (1) < consented (2).

    Raises ValueError for `Outcome.OPEN`, which is not a decision and has no rank.
    """
    if outcome is Outcome.OPEN:
        raise ValueError("an open round has no outcome to rank")
    return _RANK[outcome]


def _require_aware(name: str, moment: datetime | None) -> None:
    if moment is not None and moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


@dataclass(frozen=True)
class Position:
    """One entry of a lieu's history in a round: a position taken, changed, or withdrawn.

    `seq` is the entry's storage sequence number (increasing as entries are written); it breaks
    ties between entries taken at the same instant, the later `seq` being the later entry.
    """

    seq: int
    lieu_id: int
    kind: PositionKind
    taken_at: datetime
    text: str = ""
    criterion_id: int | None = None
    withdrawn: bool = False

    def __post_init__(self) -> None:
        _require_aware("taken_at", self.taken_at)


@dataclass(frozen=True)
class Round:
    """A consent round on version `version` of one challenge.

    `closed_at` is set when a coordinator closed the round before its deadline. The network's
    member lieux and the challenge's proposer lieux are copied in when the round opens, so the
    round is judged by the lieux it was opened for.
    """

    id: int
    version: int
    opened_at: datetime
    deadline: datetime
    quorum: int
    proposer_lieu_ids: frozenset[int]
    member_lieu_ids: frozenset[int]
    closed_at: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("opened_at", "deadline", "closed_at"):
            _require_aware(name, getattr(self, name))

    @property
    def closes_at(self) -> datetime:
        """The deadline, or the earlier moment a coordinator closed the round."""
        if self.closed_at is not None and self.closed_at < self.deadline:
            return self.closed_at
        return self.deadline

    @property
    def eligible_lieu_ids(self) -> frozenset[int]:
        """Lieux whose position may count: members of the network that do not propose."""
        return self.member_lieu_ids - self.proposer_lieu_ids

    def is_open(self, now: datetime) -> bool:
        return self.opened_at <= now < self.closes_at

    def has_closed(self, now: datetime) -> bool:
        return now >= self.closes_at


def standing_positions(round: Round, positions: Iterable[Position]) -> dict[int, Position]:
    """Lieu id → the position that stands for it: its latest entry taken while the round was
    open, unless that entry is a withdrawal. Entries are accepted in any order (SPEC §5)."""
    latest: dict[int, Position] = {}
    eligible = round.eligible_lieu_ids
    for position in sorted(positions, key=lambda p: (p.taken_at, p.seq)):
        if position.lieu_id in eligible and round.is_open(position.taken_at):
            latest[position.lieu_id] = position
    return {lieu_id: p for lieu_id, p in latest.items() if not p.withdrawn}


def round_outcome(round: Round, positions: Iterable[Position], now: datetime) -> Outcome:
    """SPEC §5: open until closed; then to amend if an objection stands, consented if at least
    `quorum` distinct lieux hold a position, no quorum otherwise."""
    if not round.has_closed(now):
        return Outcome.OPEN
    standing = standing_positions(round, positions).values()
    if any(p.kind is PositionKind.OBJECTION for p in standing):
        return Outcome.TO_AMEND
    return Outcome.CONSENTED if len(standing) >= round.quorum else Outcome.NO_QUORUM


def standing_objections(
    round: Round, positions: Iterable[Position], now: datetime
) -> tuple[Position, ...]:
    """The objections that stood when the round closed (their lieux are told of the new
    version); empty while the round is open. Sorted by lieu id."""
    if not round.has_closed(now):
        return ()
    standing = standing_positions(round, positions)
    return tuple(
        standing[lieu_id]
        for lieu_id in sorted(standing)
        if standing[lieu_id].kind is PositionKind.OBJECTION
    )


# --- who may speak in a round -----------------------------------------------------------------


def _while_open(round: Round, now: datetime) -> Decision:
    if now < round.opened_at:
        return Decision(False, "round_not_open")
    if round.has_closed(now):
        return Decision(False, "round_closed")
    return ALLOWED


def may_take_position(round: Round, lieu_id: int, now: datetime) -> Decision:
    """A member lieu other than the proposers, while the round is open (also to change one)."""
    if lieu_id in round.proposer_lieu_ids:
        return Decision(False, "proposer_cannot_position")
    if lieu_id not in round.member_lieu_ids:
        return Decision(False, "not_a_member_lieu")
    return _while_open(round, now)


def may_withdraw_position(
    round: Round, positions: Iterable[Position], lieu_id: int, now: datetime
) -> Decision:
    """As `may_take_position`, and the lieu must hold a position to withdraw."""
    decision = may_take_position(round, lieu_id, now)
    if decision.allowed and lieu_id not in standing_positions(round, positions):
        return Decision(False, "no_position")
    return decision


def may_ask_question(round: Round, lieu_id: int, now: datetime) -> Decision:
    """Clarifying questions come from member lieux other than the proposers, while open."""
    if lieu_id in round.proposer_lieu_ids:
        return Decision(False, "proposer_cannot_ask")
    if lieu_id not in round.member_lieu_ids:
        return Decision(False, "not_a_member_lieu")
    return _while_open(round, now)


def may_answer_question(round: Round, lieu_id: int) -> Decision:
    """Only the proposers answer. An answer is accepted after the close too: a question asked
    just before the deadline deserves one, and once closed it can no longer sway a position."""
    if lieu_id not in round.proposer_lieu_ids:
        return Decision(False, "proposers_only")
    return ALLOWED


def validate_position(
    kind: str, text: str | None, criterion_id: int | None, criteria_ids: Collection[int]
) -> dict[str, str]:
    """Field → message code for a position form; empty when it is acceptable.

    A concern needs its text and an objection its reason (SPEC §5: an objection is argued, not
    a preference); a criterion, for a concern or an objection only, must be one of the network's.
    """
    errors: dict[str, str] = {}
    valid_kinds = {k.value: k for k in PositionKind}
    chosen = valid_kinds.get(kind)
    if chosen is None:
        errors["kind"] = "invalid_choice"
    cleaned = (text or "").strip()
    if not cleaned and chosen is PositionKind.CONCERN:
        errors["text"] = "concern_needs_text"
    elif not cleaned and chosen is PositionKind.OBJECTION:
        errors["text"] = "objection_needs_reason"
    elif len(cleaned) > POSITION_TEXT_MAX_LENGTH:
        errors["text"] = f"too_long:{POSITION_TEXT_MAX_LENGTH}"
    if criterion_id is not None:
        if chosen is PositionKind.CONSENT:
            errors["criterion_id"] = "criterion_not_for_consent"
        elif criterion_id not in criteria_ids:
            errors["criterion_id"] = "unknown_criterion"
    return errors


def _required_text(text: str | None, max_length: int) -> dict[str, str]:
    cleaned = (text or "").strip()
    if not cleaned:
        return {"text": "required"}
    if len(cleaned) > max_length:
        return {"text": f"too_long:{max_length}"}
    return {}


def validate_question(text: str | None) -> dict[str, str]:
    return _required_text(text, QUESTION_MAX_LENGTH)


def validate_answer(text: str | None) -> dict[str, str]:
    """For answers to questions and the proposers' answers to objections alike."""
    return _required_text(text, ANSWER_MAX_LENGTH)


# --- what may change when ---------------------------------------------------------------------
# A challenge has at most one round undecided at a time (`can_open_round` sees to it), so its
# latest round, with that round's positions, is all these rules need to know of its past.


def can_open_round(
    new: Round,
    *,
    current_version: int,
    latest: Round | None,
    latest_positions: Iterable[Position],
    now: datetime,
) -> Decision:
    """A coordinator (or the network's calendar) opens `new` on the challenge's current version.

    Refused while another round is undecided, once the current version was consented (nothing
    left to diagnose), and after "to amend" until the proposers publish a new version; allowed
    after "no quorum" (SPEC §5: the round can be reopened). The quorum must be reachable by the
    lieux allowed to take a position.
    """
    if new.version != current_version:
        return Decision(False, "not_current_version")
    if new.opened_at < now:
        return Decision(False, "opening_in_past")
    if new.deadline <= new.opened_at:
        return Decision(False, "deadline_before_opening")
    if new.quorum < 1:
        return Decision(False, "quorum_too_small")
    if new.quorum > len(new.eligible_lieu_ids):
        return Decision(False, "quorum_unreachable")
    if latest is not None:
        outcome = round_outcome(latest, latest_positions, now)
        if outcome is Outcome.OPEN:
            return Decision(False, "round_already_open")
        if latest.version == new.version and outcome is Outcome.CONSENTED:
            return Decision(False, "already_consented")
        if latest.version == new.version and outcome is Outcome.TO_AMEND:
            return Decision(False, "version_needs_amendment")
    return ALLOWED


def can_close_round(round: Round, now: datetime) -> Decision:
    """A coordinator closes a round early; only an open round can be closed."""
    return _while_open(round, now)


def close_round(round: Round, now: datetime) -> Round:
    """The round closed by a coordinator at `now`. Raises NotAllowed unless it is open."""
    decision = can_close_round(round, now)
    if not decision.allowed:
        raise NotAllowed("round.close", decision.reason)
    return replace(round, closed_at=now)


def deadline_window(reference: datetime) -> datetime:
    """The latest deadline a round opened (or reopened) at `reference` may have."""
    return reference + MAX_ROUND_LENGTH


def deadline_error(deadline: datetime, *, opened_at: datetime, now: datetime) -> str | None:
    """Why a new round's deadline is refused (a message code), or None: it must be in the
    future and at most `MAX_ROUND_LENGTH` after the opening."""
    _require_aware("deadline", deadline)
    if deadline <= max(now, opened_at):
        return "deadline_in_past"
    if deadline > deadline_window(opened_at):
        return "deadline_too_far"
    return None


def is_shortening(latest: Round, new_deadline: datetime, now: datetime) -> bool:
    """The new deadline comes before the close of a round still open: the lieux must be told."""
    return latest.is_open(now) and new_deadline < latest.closes_at


def can_extend_round(
    latest: Round,
    latest_positions: Iterable[Position],
    *,
    new_deadline: datetime,
    current_version: int,
    now: datetime,
) -> Decision:
    """Move the deadline of the challenge's latest round (SPEC §5: "no quorum: the round can be
    extended"; issue 16: and shortened, with notice). Allowed while it is undecided or after no
    quorum, on the current version. A later deadline may reach `MAX_ROUND_LENGTH` after the
    opening, or after now when a closed round is reopened; an earlier one is for an open round
    only and leaves at least `MIN_NOTICE` from now. Positions already taken keep counting. A
    decided round (consented, to amend) stays decided.

    Reasons about the date itself (`deadline_in_past`, `deadline_too_far`, `notice_too_short`,
    `deadline_unchanged`) are the form's to show; the others are refusals of the move."""
    _require_aware("new_deadline", new_deadline)
    if latest.version != current_version:
        return Decision(False, "not_current_version")
    if round_outcome(latest, latest_positions, now) in (Outcome.CONSENTED, Outcome.TO_AMEND):
        return Decision(False, "round_decided")
    if new_deadline <= now:
        return Decision(False, "deadline_in_past")
    still_open = latest.is_open(now)
    reference = latest.opened_at if still_open else now
    if new_deadline > deadline_window(reference):
        return Decision(False, "deadline_too_far")
    if new_deadline == latest.closes_at:
        return Decision(False, "deadline_unchanged")
    if new_deadline < latest.closes_at:
        if not still_open:
            return Decision(False, "deadline_in_past")
        if new_deadline < now + MIN_NOTICE:
            return Decision(False, "notice_too_short")
    return ALLOWED


DEADLINE_FIELD_REASONS = frozenset(
    {"deadline_in_past", "deadline_too_far", "notice_too_short", "deadline_unchanged"}
)


@dataclass(frozen=True)
class QuorumCount:
    """How many lieux held a position when a round closed, against the quorum it needed."""

    taken: int
    required: int

    @property
    def missed(self) -> bool:
        return self.taken < self.required


def quorum_count(round: Round, positions: Iterable[Position], now: datetime) -> QuorumCount | None:
    """Once the round has closed, its standing positions against its quorum (an outcome "to
    amend" says so too: an objection decides it, and the page still tells that too few lieux
    spoke); None while it is open."""
    if not round.has_closed(now):
        return None
    return QuorumCount(taken=len(standing_positions(round, positions)), required=round.quorum)


def extend_round(round: Round, new_deadline: datetime) -> Round:
    """The round reopened (if a coordinator had closed it) until `new_deadline`."""
    return replace(round, deadline=new_deadline, closed_at=None)
