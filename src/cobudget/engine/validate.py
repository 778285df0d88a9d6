"""Refuse inputs that cannot be settled, naming the offending item (SPEC §6).

Checked for every rule: integer, non-negative amounts; unique ids; known ids; budget lines with
min ≤ max; at least one proposer and one budget line per challenge; positive pledges; no
co-funder pledging from drawing rights. Then, by rule:
- `cofunding`, `equal_shares`: no lieu pledges more from its drawing rights than it has;
- `cofunding`: no lieu puts more than `own_challenge_cap_pct` % of its drawing rights (rounded
  down to the cent) into challenges it proposes or co-proposes;
- `matching`: no pledge from drawing rights at all (the envelope is a matching pool, §6.3).
Nothing is repaired: the first problem found raises `InvalidEnvelope`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cobudget.engine.drawing_rights import drawing_rights
from cobudget.engine.errors import InvalidEnvelope
from cobudget.engine.types import Challenge, EnvelopeInput, Pledge


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _amount(item: str, field: str, value: Any, *, positive: bool = False) -> None:
    if not _is_int(value):
        raise InvalidEnvelope(item, "not_integer_cents", field=field)
    if value < 0 or (positive and value == 0):
        reason = "negative_amount" if value < 0 else "zero_amount"
        raise InvalidEnvelope(item, reason, field=field, value=value)


def _unique(label: str, ids: Iterable[int]) -> set[int]:
    seen: set[int] = set()
    for ident in ids:
        if not _is_int(ident):
            raise InvalidEnvelope(f"{label} {ident!r}", "id_not_integer")
        if ident in seen:
            raise InvalidEnvelope(f"{label} {ident}", "duplicate_id")
        seen.add(ident)
    return seen


def _check_params(inputs: EnvelopeInput) -> None:
    p = inputs.params
    _amount("envelope", "amount_cents", inputs.amount_cents)
    _amount("params", "min_cofunders", p.min_cofunders)
    _amount("params", "own_challenge_cap_pct", p.own_challenge_cap_pct)
    if p.own_challenge_cap_pct > 100:
        raise InvalidEnvelope("params", "cap_above_100", value=p.own_challenge_cap_pct)
    _amount("params", "unit_cents", p.unit_cents, positive=True)


def _check_challenge(challenge: Challenge, lieu_ids: set[int]) -> None:
    item = f"challenge {challenge.id}"
    if not challenge.proposers:
        raise InvalidEnvelope(item, "no_proposer")
    for lieu_id in challenge.proposers:
        if lieu_id not in lieu_ids:
            raise InvalidEnvelope(item, "unknown_proposer", lieu_id=lieu_id)
    if len(set(challenge.proposers)) != len(challenge.proposers):
        raise InvalidEnvelope(item, "duplicate_proposer")
    if not challenge.budget_lines:
        raise InvalidEnvelope(item, "no_budget_line")
    _unique(f"{item} budget line", (line.id for line in challenge.budget_lines))
    for line in challenge.budget_lines:
        line_item = f"{item} budget line {line.id}"
        _amount(line_item, "min_cents", line.min_cents)
        _amount(line_item, "max_cents", line.max_cents)
        if line.min_cents > line.max_cents:
            raise InvalidEnvelope(
                line_item, "min_above_max", min_cents=line.min_cents, max_cents=line.max_cents
            )
    if challenge.requested_cents is not None:
        _amount(item, "requested_cents", challenge.requested_cents)


def _check_pledge(
    pledge: Pledge, challenge_ids: set[int], lieu_ids: set[int], cofunder_ids: set[int]
) -> None:
    item = f"pledge {pledge.id}"
    _amount(item, "amount_cents", pledge.amount_cents, positive=True)
    if pledge.challenge_id not in challenge_ids:
        raise InvalidEnvelope(item, "unknown_challenge", challenge_id=pledge.challenge_id)
    known = lieu_ids if pledge.contributor_kind == "lieu" else cofunder_ids
    if pledge.contributor_id not in known:
        raise InvalidEnvelope(
            item, f"unknown_{pledge.contributor_kind}", contributor_id=pledge.contributor_id
        )
    if pledge.contributor_kind == "cofunder" and pledge.source == "drawing_rights":
        raise InvalidEnvelope(item, "cofunder_drawing_rights")


def _check_drawing_rights(inputs: EnvelopeInput) -> None:
    """A lieu's drawing-rights pledges fit its drawing rights (and, under `cofunding`, its cap
    on challenges it proposes)."""
    if inputs.amount_cents and not sum(lieu.weight for lieu in inputs.lieux):
        raise InvalidEnvelope("envelope", "no_weight", amount_cents=inputs.amount_cents)
    rights = drawing_rights(inputs.amount_cents, inputs.lieux)
    proposed = {c.id: set(c.proposers) for c in inputs.challenges}
    pledged: dict[int, int] = {}
    own: dict[int, int] = {}
    for p in inputs.pledges:
        if p.source == "drawing_rights":
            pledged[p.contributor_id] = pledged.get(p.contributor_id, 0) + p.amount_cents
            if p.contributor_id in proposed[p.challenge_id]:
                own[p.contributor_id] = own.get(p.contributor_id, 0) + p.amount_cents
    for lieu_id in sorted(pledged):
        if pledged[lieu_id] > rights[lieu_id]:
            raise InvalidEnvelope(
                f"lieu {lieu_id}",
                "drawing_rights_exceeded",
                available_cents=rights[lieu_id],
                requested_cents=pledged[lieu_id],
            )
    if inputs.rule != "cofunding":
        return
    pct = inputs.params.own_challenge_cap_pct
    for lieu_id in sorted(own):
        cap = rights[lieu_id] * pct // 100
        if own[lieu_id] > cap:
            raise InvalidEnvelope(
                f"lieu {lieu_id}",
                "own_challenge_cap_exceeded",
                cap_cents=cap,
                requested_cents=own[lieu_id],
            )


def _check_chain(inputs: EnvelopeInput) -> None:
    chain = inputs.chain
    if chain is None:
        return
    _amount("chain", "writes", chain.writes)
    if len(chain.head) != 64 or any(c not in "0123456789abcdef" for c in chain.head):
        raise InvalidEnvelope("chain", "malformed_head")


def validate(inputs: EnvelopeInput) -> None:
    """Raise InvalidEnvelope on the first problem of the inputs; return None when they can be
    settled under `inputs.rule`."""
    _check_params(inputs)
    _check_chain(inputs)
    lieu_ids = _unique("lieu", (lieu.id for lieu in inputs.lieux))
    for lieu in inputs.lieux:
        _amount(f"lieu {lieu.id}", "weight", lieu.weight)
    cofunder_ids = _unique("cofunder", (c.id for c in inputs.cofunders))
    challenge_ids = _unique("challenge", (c.id for c in inputs.challenges))
    for challenge in inputs.challenges:
        _check_challenge(challenge, lieu_ids)
    _unique("pledge", (p.id for p in inputs.pledges))
    for pledge in inputs.pledges:
        _check_pledge(pledge, challenge_ids, lieu_ids, cofunder_ids)
    seen: set[tuple[int, int]] = set()
    for s in inputs.supports:
        item = f"support of lieu {s.lieu_id} for challenge {s.challenge_id}"
        if s.lieu_id not in lieu_ids:
            raise InvalidEnvelope(item, "unknown_lieu")
        if s.challenge_id not in challenge_ids:
            raise InvalidEnvelope(item, "unknown_challenge")
        _amount(item, "points", s.points)
        if (s.lieu_id, s.challenge_id) in seen:
            raise InvalidEnvelope(item, "duplicate_support")
        seen.add((s.lieu_id, s.challenge_id))
    if inputs.rule == "matching":
        for p in inputs.pledges:
            if p.source == "drawing_rights":
                raise InvalidEnvelope(f"pledge {p.id}", "drawing_rights_under_matching")
    else:
        _check_drawing_rights(inputs)
