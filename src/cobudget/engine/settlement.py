"""The engine's output: one `Settlement` shape for every rule (SPEC §6).

A settlement says, per challenge, whether it is funded and how much it gets from each source;
per pledge, what was captured and what was released; per lieu, its drawing rights (under
`equal_shares`, with the add-one raise), what it spent and what it did not; the envelope's
leftover; every transfer; an explanation per challenge; and the SHA-256 digest of the canonical
inputs it was computed from.

Explanations carry stable reason codes and numbers, never sentences: the web layer writes the
French (or English) text. Every list is sorted by id by `assemble`, so that encoding a
settlement (`engine.canonical.encode_settlement`) is deterministic byte for byte.

Where the money goes, by source:
- `drawing_rights_cents`: envelope money spent by lieux from their drawing rights
  (`cofunding` pledges, `equal_shares` payments);
- `own_funds_cents`: own-fund pledges of lieux and co-funders;
- `match_cents`: envelope money paid as a match (`matching`).
Envelope money to a challenge is `drawing_rights_cents + match_cents`; conservation reads
`envelope_cents == Σ (drawing_rights_cents + match_cents) + leftover_cents`. Under `cofunding`
and `equal_shares` every cent of envelope money a challenge gets comes from a lieu's drawing
rights, so Σ lieux' `spent_cents` is that money too (SPEC §6.4).
"""

from __future__ import annotations

from typing import Literal

import msgspec

from cobudget.engine.types import ContributorKind, PledgeSource, Rule

TransferSource = Literal["drawing_rights", "own_funds", "match"]
TransferFrom = Literal["lieu", "cofunder", "envelope"]
EqualSharesStage = Literal["equal_shares", "add_one", "greedy"]


class _Out(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Base of every output struct: immutable, strict when read back."""


class CofundingExplanation(_Out, frozen=True, tag="cofunding", tag_field="rule"):
    """Why a challenge was funded or not under `cofunding` (SPEC §6.1).

    `reasons` lists every unmet condition, in this order: "not_consented",
    "proposer_not_eligible", "below_threshold", "too_few_cofunders"; empty when funded.
    """

    reasons: list[str]
    consented: bool
    proposers_eligible: bool
    pledged_cents: int
    threshold_cents: int  # sum of the minimums of the budget lines
    maximum_cents: int  # sum of the maximums
    cofunders: int  # distinct lieux other than the proposers that pledged
    min_cofunders: int
    scaled_back_cents: int  # pledged above the maximum and released


class MatchingExplanation(_Out, frozen=True, tag="matching", tag_field="rule"):
    """Why a challenge got its match, or why it was dropped, under `matching` (SPEC §6.3).

    `reasons`: "not_consented", "proposer_not_eligible", "dropped_below_minimum"; empty when
    funded. `scale` is the exact fraction "num/den" of the ideal match paid to challenges not
    at their maximum when the ideal matches exceed the pool (None when they fit).
    `dropped_order` is 1 for the first challenge dropped, 2 for the next, and so on;
    `shortfall_cents` is how far below its minimum it stood when dropped (rounded up).
    """

    reasons: list[str]
    units: int  # distinct contributor units (lieux, co-funders) that pledged
    single_unit: bool  # backed by one unit only: no match (SPEC §6.3)
    pledged_cents: int
    ideal_match_cents: int  # (Σ √c)² − Σ c, rounded down to the cent
    match_cents: int
    scale: str | None
    capped: bool  # its total reached its maximum
    dropped_order: int | None
    shortfall_cents: int


class EqualSharesPayment(_Out, frozen=True):
    """What one lieu paid for one challenge: exact (a fraction of cents) and in whole cents."""

    lieu_id: int
    exact: str  # "num/den" cents
    cents: int


class EqualSharesExplanation(_Out, frozen=True, tag="equal_shares", tag_field="rule"):
    """When and how a challenge was bought, or why not, under `equal_shares` (SPEC §6.2).

    `round` is the 1-based position at which it was bought; `price_per_support` the exact
    price ρ per unit of utility, "num/den" (None for a challenge costing nothing, taken for
    free, and for the greedy completion, which has no price); `stage` says whether the Method of
    Equal Shares itself, the add-one completion or the greedy completion selected it;
    `payments` who paid what (under the greedy: the lieux with drawing rights left, in
    proportion to them). `reasons` holds a code such as "not_consented" or "not_affordable"
    when it was not bought.
    """

    reasons: list[str]
    cost_cents: int
    supporters: int
    round: int | None
    price_per_support: str | None
    payments: list[EqualSharesPayment]
    stage: EqualSharesStage | None


Explanation = CofundingExplanation | MatchingExplanation | EqualSharesExplanation


class ChallengeOutcome(_Out, frozen=True):
    challenge_id: int
    funded: bool
    total_cents: int  # drawing_rights_cents + own_funds_cents + match_cents
    drawing_rights_cents: int
    own_funds_cents: int
    match_cents: int
    explanation: Explanation


class PledgeOutcome(_Out, frozen=True):
    pledge_id: int
    challenge_id: int
    contributor_kind: ContributorKind
    contributor_id: int
    source: PledgeSource
    pledged_cents: int
    captured_cents: int
    released_cents: int


class LieuOutcome(_Out, frozen=True, kw_only=True, omit_defaults=True):
    """One lieu's money (SPEC §6.4). `spent_cents` never exceeds `drawing_rights_cents +
    raise_cents`.

    - `cofunding`: `spent_cents` is what its drawing-rights pledges gave; `unspent_cents` the
      rest of its drawing rights, which goes to the envelope's leftover (they add up to it).
    - `equal_shares`: `raise_cents` is what the add-one completion added to its budget in the
      method (the same for every lieu with equal weights; see `rules.equal_shares_payments`);
      `spent_cents` what it paid; `unspent_cents` what it had left of drawing rights + raise,
      which is *not* a leftover: the envelope's leftover is the only one.
    - `matching`: no drawing rights; every figure but `own_funds_spent_cents` is 0.
    """

    lieu_id: int
    drawing_rights_cents: int
    # equal_shares only; left out of the bytes when 0, so that the settlements of the other
    # rules encode as they did before it existed (and those stored then still verify).
    raise_cents: int = 0
    spent_cents: int
    unspent_cents: int
    own_funds_spent_cents: int


class Transfer(_Out, frozen=True):
    """One movement of money to a challenge: who gave it, from which source, by which pledge."""

    challenge_id: int
    from_kind: TransferFrom
    from_id: int | None  # None when it comes from the envelope (a match)
    source: TransferSource
    pledge_id: int | None
    amount_cents: int


class Settlement(_Out, frozen=True):
    rule: Rule
    inputs_digest: str  # SHA-256 hex of the canonical inputs
    envelope_cents: int
    leftover_cents: int
    challenges: list[ChallengeOutcome]
    pledges: list[PledgeOutcome]
    lieux: list[LieuOutcome]
    transfers: list[Transfer]


_FROM_ORDER = {"envelope": 0, "lieu": 1, "cofunder": 2}
_SOURCE_ORDER = {"drawing_rights": 0, "own_funds": 1, "match": 2}


def _transfer_key(t: Transfer) -> tuple[int, int, int, int, int]:
    return (
        t.challenge_id,
        _FROM_ORDER[t.from_kind],
        -1 if t.from_id is None else t.from_id,
        _SOURCE_ORDER[t.source],
        -1 if t.pledge_id is None else t.pledge_id,
    )


def assemble(
    *,
    rule: Rule,
    inputs_digest: str,
    envelope_cents: int,
    leftover_cents: int,
    challenges: list[ChallengeOutcome],
    pledges: list[PledgeOutcome],
    lieux: list[LieuOutcome],
    transfers: list[Transfer],
) -> Settlement:
    """Build a `Settlement` with every list in its canonical order (by id), so it encodes the same
    bytes whatever order the rule produced its parts in. Zero-amount transfers are dropped."""
    return Settlement(
        rule=rule,
        inputs_digest=inputs_digest,
        envelope_cents=envelope_cents,
        leftover_cents=leftover_cents,
        challenges=sorted(challenges, key=lambda c: c.challenge_id),
        pledges=sorted(pledges, key=lambda p: p.pledge_id),
        lieux=sorted(lieux, key=lambda lieu: lieu.lieu_id),
        transfers=sorted((t for t in transfers if t.amount_cents), key=_transfer_key),
    )
