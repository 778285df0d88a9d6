"""The role table of SPEC §2 as one pure policy: (actor, action, target) → allowed or a reason.

Every use case asks `require(...)` before it changes anything, so a refusal never writes.
The actor's roles are facts loaded by the services (which lieux they belong to, which networks
they coordinate...); this module only decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from cobudget.domain.errors import LoginRequired, NotAllowed, NotFound


class Action(StrEnum):
    NETWORK_READ = "network.read"
    NETWORK_CREATE = "network.create"
    COORDINATOR_APPOINT = "coordinator.appoint"  # and cancel or resend a pending appointment
    COORDINATOR_REMOVE = "coordinator.remove"
    SITE_ADMINISTER = "site.administer"  # the lists of networks and people
    NETWORK_MANAGE = "network.manage"  # the coordinators' dashboard and audit log
    LIEU_INVITE = "lieu.invite"
    LIEU_SET_STATUS = "lieu.set_status"  # legal form, territory, weight in the network
    LIEU_EDIT_PROFILE = "lieu.edit_profile"
    PERSON_INVITE = "person.invite"
    # The lieu's people: list, change a role, remove; its pending invitations: cancel, resend.
    PERSON_MANAGE = "person.manage"
    LIEU_LEAVE = "lieu.leave"  # a member leaves the lieu themselves
    COFUNDER_INVITE = "cofunder.invite"
    CHALLENGE_PROPOSE = "challenge.propose"  # for the acting lieu, in the target network
    CHALLENGE_EDIT = "challenge.edit"  # drafts and new versions: the proposing lieux
    CHALLENGE_CONCERN = "challenge.concern"  # « nous aussi », for the acting lieu
    CO_PROPOSAL_ANSWER = "co_proposal.answer"  # accept or decline, for the invited lieu
    NETWORK_CONFIGURE = "network.configure"  # diagnosis criteria, quorum
    ENVELOPE_MANAGE = "envelope.manage"  # configure, open, move the calendar, close, settle
    ROUND_MANAGE = "round.manage"  # open, close, extend consent rounds
    COMMENT_HIDE = "comment.hide"
    ROUND_SPEAK = "round.speak"  # take a position, ask a question, for the acting lieu
    QUESTION_ANSWER = "question.answer"  # the proposing lieux
    COMMENT = "comment"  # for the acting lieu, or for a co-funding organisation
    # A challenge's discussion: for the acting lieu, the acting co-funding organisation, or a
    # coordinator in their own name; flagging: anyone who may take part in the network's.
    DISCUSS = "discussion.comment"
    DISCUSSION_FLAG = "discussion.flag"
    PLEDGE = "pledge"  # for the acting lieu, or for the actor's co-funding organisation
    # A lieu's own money (beyond the envelope) commits the organisation: its admins only.
    PLEDGE_OWN_FUNDS = "pledge.own_funds"
    REPORT_WRITE = "report.write"  # follow-up reports of a funded challenge: its proposers
    REPORT_REVIEW = "report.review"  # validate a report or ask for changes: coordinators
    # A lieu's needs (SPEC §5): publish, edit, archive, turn into a challenge. Any member of the
    # lieu, as for proposing a challenge: a need is the first step of one, and says what the
    # lieu lacks, not what it commits (its admins keep what commits the organisation).
    NEED_WRITE = "need.write"
    NEED_JOIN = "need.join"  # « nous aussi » on another lieu's need, for the acting lieu


@dataclass(frozen=True)
class Actor:
    """Who is asking, with the roles that matter to the role table."""

    user_id: int | None = None
    is_site_admin: bool = False
    coordinator_of: frozenset[int] = frozenset()  # network ids
    member_of: frozenset[int] = frozenset()  # lieu ids
    lieu_admin_of: frozenset[int] = frozenset()  # lieu ids
    cofunder_of: frozenset[int] = frozenset()  # co-funding organisation ids

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None


VISITOR = Actor()


@dataclass(frozen=True)
class Target:
    """What the action is about: a network, a lieu (and the networks it belongs to)."""

    network_id: int | None = None
    network_is_public: bool = True
    lieu_id: int | None = None
    lieu_network_ids: frozenset[int] = field(default_factory=frozenset)
    # For a challenge: the lieux that propose it (the proposing lieu and accepted co-proposers).
    proposer_lieu_ids: frozenset[int] = field(default_factory=frozenset)
    # The lieux of the target network (who may flag in its discussions).
    network_lieu_ids: frozenset[int] = field(default_factory=frozenset)
    # The co-funding organisations of the target network.
    network_org_ids: frozenset[int] = field(default_factory=frozenset)
    # The co-funding organisation acting (a co-funder pledges for it).
    org_id: int | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


ALLOWED = Decision(True)


def _refuse(actor: Actor, reason: str) -> Decision:
    return Decision(False, "login_required" if not actor.is_authenticated else reason)


def _coordinates(actor: Actor, target: Target) -> bool:
    return target.network_id is not None and target.network_id in actor.coordinator_of


def _coordinates_lieu(actor: Actor, target: Target) -> bool:
    return bool(actor.coordinator_of & target.lieu_network_ids)


def _acts_for_member_lieu(actor: Actor, target: Target) -> bool:
    """The actor belongs to the acting lieu, and that lieu belongs to the target network."""
    return (
        target.lieu_id is not None
        and target.lieu_id in actor.member_of
        and target.network_id is not None
        and target.network_id in target.lieu_network_ids
    )


def _discuss(actor: Actor, target: Target) -> Decision:
    """A member speaks for their lieu, a co-funder for its organisation, a coordinator (who
    may belong to no lieu) in their own name."""
    if target.lieu_id is not None:
        return ALLOWED if _acts_for_member_lieu(actor, target) else _refuse(actor, "member_only")
    if target.org_id is not None:
        if target.org_id in actor.cofunder_of & target.network_org_ids:
            return ALLOWED
        return _refuse(actor, "cofunder_only")
    return ALLOWED if _coordinates(actor, target) else _refuse(actor, "coordinator_only")


def decide(actor: Actor, action: Action, target: Target) -> Decision:
    """SPEC §2: visitor < member < lieu admin; co-funder; coordinator; site admin."""
    match action:
        case Action.NETWORK_READ:
            if target.network_is_public or actor.is_site_admin or _coordinates(actor, target):
                return ALLOWED
            return _refuse(actor, "network_private")
        case (
            Action.NETWORK_CREATE
            | Action.COORDINATOR_APPOINT
            | Action.COORDINATOR_REMOVE
            | Action.SITE_ADMINISTER
        ):
            return ALLOWED if actor.is_site_admin else _refuse(actor, "site_admin_only")
        case (
            Action.NETWORK_MANAGE
            | Action.LIEU_INVITE
            | Action.COFUNDER_INVITE
            | Action.NETWORK_CONFIGURE
            | Action.ENVELOPE_MANAGE
            | Action.ROUND_MANAGE
            | Action.COMMENT_HIDE
            | Action.REPORT_REVIEW
        ):
            return ALLOWED if _coordinates(actor, target) else _refuse(actor, "coordinator_only")
        case Action.LIEU_SET_STATUS:
            if _coordinates_lieu(actor, target):
                return ALLOWED
            return _refuse(actor, "coordinator_only")
        case Action.LIEU_EDIT_PROFILE | Action.PERSON_INVITE | Action.PERSON_MANAGE:
            if target.lieu_id is not None and target.lieu_id in actor.lieu_admin_of:
                return ALLOWED
            return _refuse(actor, "lieu_admin_only")
        case Action.LIEU_LEAVE:
            if target.lieu_id is not None and target.lieu_id in actor.member_of:
                return ALLOWED
            return _refuse(actor, "lieu_member_only")
        case (
            Action.CHALLENGE_PROPOSE
            | Action.CO_PROPOSAL_ANSWER
            | Action.ROUND_SPEAK
            | Action.NEED_WRITE
        ):
            if _acts_for_member_lieu(actor, target):
                return ALLOWED
            return _refuse(actor, "member_only")
        case Action.COMMENT:
            if _acts_for_member_lieu(actor, target) or actor.cofunder_of & target.network_org_ids:
                return ALLOWED
            return _refuse(actor, "member_or_cofunder_only")
        case Action.DISCUSS:
            return _discuss(actor, target)
        case Action.DISCUSSION_FLAG:
            if (
                _coordinates(actor, target)
                or actor.member_of & target.network_lieu_ids
                or actor.cofunder_of & target.network_org_ids
            ):
                return ALLOWED
            return _refuse(actor, "discussion_participants_only")
        case Action.PLEDGE:
            if target.org_id is not None:
                if target.org_id in actor.cofunder_of & target.network_org_ids:
                    return ALLOWED
                return _refuse(actor, "cofunder_only")
            if _acts_for_member_lieu(actor, target):
                return ALLOWED
            return _refuse(actor, "member_only")
        case Action.PLEDGE_OWN_FUNDS:
            if target.org_id is not None:
                return decide(actor, Action.PLEDGE, target)
            if _acts_for_member_lieu(actor, target) and target.lieu_id in actor.lieu_admin_of:
                return ALLOWED
            return _refuse(actor, "lieu_admin_only")
        case Action.CHALLENGE_EDIT | Action.QUESTION_ANSWER | Action.REPORT_WRITE:
            if actor.member_of & target.proposer_lieu_ids:
                return ALLOWED
            return _refuse(actor, "proposer_only")
        case Action.CHALLENGE_CONCERN:
            if not _acts_for_member_lieu(actor, target):
                return _refuse(actor, "member_only")
            if target.lieu_id in target.proposer_lieu_ids:
                return _refuse(actor, "proposer_cannot_concern")
            return ALLOWED
        case Action.NEED_JOIN:
            # `proposer_lieu_ids` holds the need's own lieu, which says it already.
            if not _acts_for_member_lieu(actor, target):
                return _refuse(actor, "member_only")
            if target.lieu_id in target.proposer_lieu_ids:
                return _refuse(actor, "own_need")
            return ALLOWED
    raise AssertionError(f"no rule for {action}")  # pragma: no cover


def require(actor: Actor, action: Action, target: Target) -> None:
    """Raise `LoginRequired` (visitor) or `NotAllowed` unless the role table allows it; a
    private network's things are `NotFound`, hidden, for whoever may not read them."""
    decision = decide(actor, action, target)
    if decision.allowed:
        return
    if action == Action.NETWORK_READ:
        raise NotFound("network", target.network_id, hidden=True)
    if decision.reason == "login_required":
        raise LoginRequired(action.value)
    raise NotAllowed(action.value, decision.reason)
