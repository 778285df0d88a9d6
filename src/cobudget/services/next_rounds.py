"""A next round after a settled envelope (SPEC §4): a new draft that carries over, as the
coordinator chooses, the leftover, each lieu's unspent drawing rights, and unfunded challenges.

Carrying is done with the envelope's own parts, so the engine needs nothing new: the leftover is
added to the amount, and "each lieu gets back its unspent drawing rights" is the weights set to
those unspent amounts (reduced by their greatest common divisor), which the largest remainder
method turns back into exactly those amounts when nothing else is added.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from math import gcd

import msgspec

from cobudget.db.rows import fetch, fetch_one, typed
from cobudget.db.tables import Envelope, EnvelopeLieu
from cobudget.db.transactions import write_transaction
from cobudget.domain.challenges import check_euros
from cobudget.domain.errors import InvalidInput, NotAllowed, NotFound
from cobudget.domain.permissions import Action, Actor, Target, require
from cobudget.domain.validation import Checker
from cobudget.engine import canonical
from cobudget.services import audit, envelope_inputs, settlements
from cobudget.services.clock import now

SPLITS = ("weights", "unspent")


class _Settled(msgspec.Struct, frozen=True):
    """What a next round copies of the settled envelope: its network, its calendar's shape and
    its rules."""

    network: int
    proposals_from: dt.datetime
    diagnosis_from: dt.datetime
    funding_from: dt.datetime
    funding_until: dt.datetime
    rule: str
    min_cofunders: int
    own_challenge_cap_pct: int
    support: str
    utility: str
    eligible_forms: list[str]
    quorum: int
    hide_pledges: bool
    diagnosis_during_funding: bool


class _Weight(msgspec.Struct, frozen=True):
    lieu: int
    weight: int


class _Id(msgspec.Struct, frozen=True):
    id: int


async def _settled(envelope_id: int) -> _Settled:
    row = await fetch_one(
        Envelope.select(
            Envelope.network,
            Envelope.proposals_from,
            Envelope.diagnosis_from,
            Envelope.funding_from,
            Envelope.funding_until,
            Envelope.rule,
            Envelope.min_cofunders,
            Envelope.own_challenge_cap_pct,
            Envelope.support,
            Envelope.utility,
            Envelope.eligible_forms,
            Envelope.quorum,
            Envelope.hide_pledges,
            Envelope.diagnosis_during_funding,
        )
        .where(Envelope.id == envelope_id)
        .output(load_json=True)
        .first(),
        _Settled,
    )
    if row is None:
        raise NotFound("envelope", envelope_id)
    return row


@dataclass(frozen=True)
class NextRoundForm:
    title: str = ""
    extra_amount: str = "0"
    carry_leftover: bool = True
    split: str = "weights"
    carried_challenges: tuple[int, ...] = ()


@dataclass(frozen=True)
class Carry:
    """What a settled envelope can hand over to a next round."""

    leftover_cents: int
    unspent_cents: dict[int, int]
    unfunded: list[tuple[int, str]]


async def what_carries(envelope_id: int) -> Carry:
    """The leftover, the unspent drawing rights, and the unfunded challenges that no other
    envelope has funded since (a funded challenge is never carried over: SPEC §4) and that
    their proposers did not withdraw (issue 17)."""
    record = await settlements.stored(envelope_id)
    if record is None:
        raise NotAllowed("envelope.next_round", "not_settled")
    settlement = record.decoded
    inputs = canonical.decode_input(record.inputs)
    titles = {c.id: c.label for c in inputs.challenges}
    network_id = await settlements.network_id_of(envelope_id)
    left_out = await envelope_inputs.funded_elsewhere(network_id, envelope_id)
    left_out |= await envelope_inputs.withdrawn([c.challenge_id for c in settlement.challenges])
    return Carry(
        leftover_cents=settlement.leftover_cents,
        # What each lieu left of its drawing rights; under equal_shares the add-one raise is
        # no money of its own, so a lieu that paid more than its rights left nothing.
        unspent_cents={
            lieu.lieu_id: max(0, lieu.drawing_rights_cents - lieu.spent_cents)
            for lieu in settlement.lieux
        },
        unfunded=sorted(
            (
                (c.challenge_id, titles[c.challenge_id])
                for c in settlement.challenges
                if not c.funded and c.challenge_id not in left_out
            ),
            key=lambda t: t[1].casefold(),
        ),
    )


def _unspent_weights(unspent: dict[int, int]) -> dict[int, int]:
    divisor = 0
    for cents in unspent.values():
        divisor = gcd(divisor, cents)
    return {lieu: cents // divisor for lieu, cents in unspent.items()} if divisor else {}


async def create_next_round(actor: Actor, *, envelope_id: int, form: NextRoundForm) -> int:
    """A new draft envelope following the settled one; returns its id."""
    row = await _settled(envelope_id)
    network_id = row.network
    require(actor, Action.ENVELOPE_MANAGE, Target(network_id=network_id))
    carry = await what_carries(envelope_id)
    checker = Checker()
    title = checker.text("title", form.title, max_length=200)
    extra = check_euros(checker, "extra_amount", form.extra_amount or "0")
    if form.split not in SPLITS:
        checker.fail("split", "invalid_choice")
    if not set(form.carried_challenges) <= {cid for cid, _title in carry.unfunded}:
        checker.fail("carried_challenges", "invalid_choice")
    checker.raise_if_any()
    amount = extra + (carry.leftover_cents if form.carry_leftover else 0)
    links = await fetch(
        EnvelopeLieu.select(EnvelopeLieu.lieu, EnvelopeLieu.weight).where(
            EnvelopeLieu.envelope == envelope_id
        ),
        _Weight,
    )
    weights = {link.lieu: link.weight for link in links}
    if form.split == "unspent":
        by_unspent = _unspent_weights({lieu: carry.unspent_cents.get(lieu, 0) for lieu in weights})
        if not by_unspent:
            raise InvalidInput({"split": "no_unspent_rights"})
        weights = by_unspent
    # The same calendar shape, starting tomorrow: the coordinator adjusts it in the draft.
    start = now() + dt.timedelta(days=1)
    shift = start - row.proposals_from
    async with write_transaction():
        # Read again where it is written: a challenge funded meanwhile is not carried.
        carryable = {cid for cid, _title in (await what_carries(envelope_id)).unfunded}
        if not set(form.carried_challenges) <= carryable:
            raise InvalidInput({"carried_challenges": "challenge_funded_elsewhere"})
        rows = await Envelope.insert(
            Envelope(
                network=network_id,
                title=title,
                amount_cents=amount,
                proposals_from=start,
                diagnosis_from=row.diagnosis_from + shift,
                funding_from=row.funding_from + shift,
                funding_until=row.funding_until + shift,
                previous_envelope=envelope_id,
                carried_challenges=sorted(form.carried_challenges),
                created_by=actor.user_id,
                created_at=now(),
                rule=row.rule,
                min_cofunders=row.min_cofunders,
                own_challenge_cap_pct=row.own_challenge_cap_pct,
                support=row.support,
                utility=row.utility,
                eligible_forms=row.eligible_forms,
                quorum=row.quorum,
                hide_pledges=row.hide_pledges,
                diagnosis_during_funding=row.diagnosis_during_funding,
            )
        ).returning(Envelope.id)
        new_id = typed(rows, _Id)[0].id
        await EnvelopeLieu.insert(
            *(
                EnvelopeLieu(envelope=new_id, lieu=lieu, weight=weight)
                for lieu, weight in sorted(weights.items())
            )
        )
        await audit.record(
            actor,
            "envelope.next_round",
            entity="envelope",
            entity_id=new_id,
            network_id=network_id,
            before={"previous_envelope": envelope_id},
            after={
                "amount_cents": amount,
                "carried_leftover_cents": carry.leftover_cents if form.carry_leftover else 0,
                "split": form.split,
                "weights": {str(k): v for k, v in sorted(weights.items())},
                "carried_challenges": sorted(form.carried_challenges),
            },
        )
    return new_id
