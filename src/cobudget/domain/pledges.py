"""What a pledge may be (SPEC §4, §6.1), decided from the facts a service loads: a lieu spends
no more than its drawing rights, no more than its cap on the challenges it proposes, and only
during funding, to a consented challenge; and no pledge takes a challenge's total beyond the sum
of its maximums (lowering a pledge is always allowed, so nobody is stuck above it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PledgeFacts:
    source: str  # drawing_rights | own_funds
    amount_cents: int
    contributor_is_lieu: bool
    funding_open: bool
    challenge_consented: bool
    rights_cents: int  # the lieu's drawing rights in this envelope (0 for a co-funder)
    other_rights_pledged_cents: int  # the lieu's other drawing-right pledges in this envelope
    proposes_challenge: bool
    own_challenges_other_cents: int  # its other drawing-right pledges to challenges it proposes
    own_challenge_cap_pct: int | None  # None when the rule has no cap
    # False under `matching` (the envelope is a pool) and under `equal_shares` when support is
    # given by approvals or points (the method itself decides what each lieu pays).
    drawing_rights_allowed: bool = True
    challenge_in_envelope: bool = True
    current_cents: int = 0  # this contributor's pledge from this source, before the request
    challenge_others_cents: int = 0  # every other pledge to the challenge in this envelope
    challenge_max_cents: int | None = None  # the sum of its maximums (None: not checked)


def challenge_room_cents(facts: PledgeFacts) -> int | None:
    """How much this contributor's pledge may become before the challenge's total passes its
    maximum (None when there is no maximum to respect)."""
    if facts.challenge_max_cents is None:
        return None
    return max(0, facts.challenge_max_cents - facts.challenge_others_cents)


def drawing_rights_allowed(rule: str, support: str) -> bool:
    """Whether lieux pledge from their drawing rights under this rule (SPEC §6.1–6.3)."""
    return rule == "cofunding" or (rule == "equal_shares" and support == "pledges")


def support_refusal(
    *, funding_open: bool, in_envelope: bool, consented: bool, by_support: bool, points: int
) -> tuple[str, str] | None:
    """None when a lieu may give these points (0 withdraws) to the challenge (SPEC §6.2)."""
    if not by_support:
        return "points", "support_not_used_by_rule"
    if not funding_open:
        return "points", "pledges_closed"
    if not in_envelope:
        return "challenge", "challenge_not_in_envelope"
    if not consented:
        return "challenge", "challenge_not_consented"
    if not 0 <= points <= MAX_POINTS:
        return "points", f"out_of_range:0:{MAX_POINTS}"
    return None


MAX_POINTS = 100


def refusal(facts: PledgeFacts) -> tuple[str, str] | None:
    """None when the pledge is acceptable, else (field, message code)."""
    if not facts.funding_open:
        return "amount", "pledges_closed"
    if not facts.challenge_in_envelope:
        return "challenge", "challenge_not_in_envelope"
    if not facts.challenge_consented:
        return "challenge", "challenge_not_consented"
    if facts.amount_cents < 0:
        return "amount", "negative"
    if facts.source not in ("drawing_rights", "own_funds"):
        return "source", "invalid_choice"
    refused = _rights_refusal(facts)
    if refused is not None:
        return refused
    room = challenge_room_cents(facts)
    if room is not None and facts.amount_cents > max(room, facts.current_cents):
        return "amount", f"above_challenge_maximum:{room}"
    return None


def _rights_refusal(facts: PledgeFacts) -> tuple[str, str] | None:
    """What a pledge from drawing rights must also respect."""
    if facts.source == "own_funds" or facts.amount_cents == 0:
        return None
    if not facts.contributor_is_lieu:
        return "source", "cofunder_has_no_drawing_rights"
    if not facts.drawing_rights_allowed:
        return "source", "drawing_rights_not_used_by_rule"
    if facts.other_rights_pledged_cents + facts.amount_cents > facts.rights_cents:
        return "amount", "drawing_rights_exceeded"
    if facts.proposes_challenge and facts.own_challenge_cap_pct is not None:
        cap = facts.rights_cents * facts.own_challenge_cap_pct // 100
        if facts.own_challenges_other_cents + facts.amount_cents > cap:
            return "amount", "own_challenge_cap_exceeded"
    return None
