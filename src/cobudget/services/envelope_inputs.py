"""What the engine is given for an envelope: its lieux, challenges, pledges and support, read from
the database in a fixed number of queries whatever their count (SPEC §6).

The live projection, the comparison of the rules and the settlement all start here, so they
cannot disagree on what the envelope holds. Challenge and budget-line titles travel as labels, so
the canonical inputs published with a settlement read on their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import msgspec

from cobudget.db.tables import (
    BudgetLine,
    Challenge,
    ChallengeVersion,
    CofundingOrg,
    ConsentRound,
    CoProposer,
    Envelope,
    EnvelopeLieu,
    Lieu,
    NetworkLieu,
    Pledge,
    RoundPosition,
    SettlementRecord,
    Support,
)
from cobudget.domain import consent
from cobudget.domain.challenges import is_consented
from cobudget.domain.errors import NotFound
from cobudget.engine import types as engine
from cobudget.engine.canonical import decode_settlement
from cobudget.services.clock import now
from cobudget.services.rounds import pure_position, pure_round


@dataclass(frozen=True)
class ChallengeFacts:
    """What a page shows of a challenge beside the engine's view of it."""

    id: int
    title: str
    proposer_names: tuple[str, ...]
    consented: bool
    min_cents: int
    max_cents: int


@dataclass(frozen=True)
class EnvelopeInputs:
    """The engine's inputs and the names that go with their ids."""

    inputs: engine.EnvelopeInput
    challenges: dict[int, ChallengeFacts]
    lieu_names: dict[int, str]
    org_names: dict[int, str]
    members: frozenset[int]  # the envelope's lieux (who may pledge), whatever their weight


async def envelope_row(envelope_id: int) -> dict[str, object]:
    row = await Envelope.select().where(Envelope.id == envelope_id).output(load_json=True).first()
    if row is None:
        raise NotFound("envelope", envelope_id)
    return row


async def funded_elsewhere(network_id: int, envelope_id: int) -> set[int]:
    """Challenges a settled envelope of the network already funded: not offered again."""
    rows = (
        await SettlementRecord.select(SettlementRecord.settlement)
        .where(SettlementRecord.envelope.network == network_id)
        .where(SettlementRecord.envelope != envelope_id)
    )
    funded: set[int] = set()
    for row in rows:
        settlement = decode_settlement(row["settlement"].encode())
        funded |= {c.challenge_id for c in settlement.challenges if c.funded}
    return funded


async def _left_behind(row: dict[str, object]) -> set[int]:
    """A next round leaves out the previous envelope's unfunded challenges not carried over."""
    previous = row["previous_envelope"]
    if previous is None:
        return set()
    record = (
        await SettlementRecord.select(SettlementRecord.settlement)
        .where(SettlementRecord.envelope == previous)
        .first()
    )
    if record is None:
        return set()
    settlement = decode_settlement(record["settlement"].encode())
    unfunded = {c.challenge_id for c in settlement.challenges if not c.funded}
    return unfunded - set(row["carried_challenges"])  # type: ignore[arg-type]


async def challenge_ids(row: dict[str, object]) -> list[int]:
    """The envelope's challenges: the network's published ones that no other settled envelope
    funded, less those a next round did not carry over."""
    envelope_id = int(str(row["id"]))
    network_id = int(str(row["network"]))
    published = await (
        Challenge.select(Challenge.id)
        .where(Challenge.network == network_id)
        .where(Challenge.current_version > 0)
    )
    excluded = await funded_elsewhere(network_id, envelope_id) | await _left_behind(row)
    return sorted(r["id"] for r in published if r["id"] not in excluded)


async def next_deadline(row: dict[str, object]) -> dt.datetime | None:
    """The next deadline of a round still open in the network: consent may change then, with
    no write to the database, so what was computed before it must not be used after it."""
    moment = now()
    rounds = (
        await ConsentRound.select(ConsentRound.deadline)
        .where(ConsentRound.challenge.network == int(str(row["network"])))
        .where(ConsentRound.closed_at.is_null())
        .where(ConsentRound.deadline > moment)
        .order_by(ConsentRound.deadline)
        .first()
    )
    return rounds["deadline"] if rounds else None


def _before(moment: object, as_of: dt.datetime) -> bool:
    return isinstance(moment, dt.datetime) and moment <= as_of


async def _consent(
    ids: list[int],
    current: dict[int, int],
    proposers: dict[int, frozenset[int]],
    network_id: int,
    as_of: dt.datetime,
) -> dict[int, bool]:
    """Which challenges are consented as of `as_of`: closing an envelope freezes positions
    (SPEC §4), so rounds opened, positions taken and closures made after it do not count."""
    rounds = (
        await ConsentRound.select()
        .where(ConsentRound.challenge.is_in(ids or [0]))
        .where(ConsentRound.opened_at <= as_of)
    )
    latest: dict[int, dict[str, object]] = {}
    for r in rounds:
        if r["challenge"] not in latest or r["id"] > latest[r["challenge"]]["id"]:  # type: ignore[operator]
            latest[r["challenge"]] = r
    positions: dict[int, list[consent.Position]] = {}
    for p in (
        await RoundPosition.select()
        .where(RoundPosition.round.is_in([int(str(r["id"])) for r in latest.values()] or [0]))
        .where(RoundPosition.taken_at <= as_of)
    ):
        positions.setdefault(p["round"], []).append(pure_position(p))
    members = frozenset(
        r["lieu"]
        for r in await NetworkLieu.select(NetworkLieu.lieu).where(NetworkLieu.network == network_id)
    )
    result = {}
    for cid in ids:
        r = latest.get(cid)
        pure = (
            # A closure after `as_of` has not happened yet, as of then.
            pure_round(
                {**r, "closed_at": r["closed_at"] if _before(r["closed_at"], as_of) else None},
                proposers[cid],
                members,
            )
            if r
            else None
        )
        result[cid] = is_consented(
            current[cid], pure, positions.get(int(str(r["id"])), []) if r else [], as_of
        )
    return result


async def load(envelope_id: int, *, row: dict[str, object] | None = None) -> EnvelopeInputs:
    """The engine's inputs for the envelope as it stands now."""
    row = row or await envelope_row(envelope_id)
    network_id = int(str(row["network"]))
    ids = await challenge_ids(row)
    challenge_rows = await Challenge.select(
        Challenge.id, Challenge.lieu, Challenge.current_version
    ).where(Challenge.id.is_in(ids or [0]))
    current = {r["id"]: r["current_version"] for r in challenge_rows}
    proposers: dict[int, list[int]] = {r["id"]: [r["lieu"]] for r in challenge_rows}
    for r in (
        await CoProposer.select(CoProposer.challenge, CoProposer.lieu)
        .where(CoProposer.challenge.is_in(ids or [0]))
        .where(CoProposer.accepted_at.is_not_null())
        .order_by(CoProposer.lieu)
    ):
        proposers[r["challenge"]].append(r["lieu"])
    versions = {
        r["challenge"]: r
        for r in await ChallengeVersion.select(
            ChallengeVersion.id,
            ChallengeVersion.challenge,
            ChallengeVersion.number,
            ChallengeVersion.title,
            ChallengeVersion.requested_cents,
        ).where(ChallengeVersion.challenge.is_in(ids or [0]))
        if current.get(r["challenge"]) == r["number"]
    }
    lines: dict[int, list[engine.BudgetLine]] = {}
    for r in (
        await BudgetLine.select()
        .where(BudgetLine.version.is_in([v["id"] for v in versions.values()] or [0]))
        .order_by(BudgetLine.id)
    ):
        lines.setdefault(r["version"], []).append(
            engine.BudgetLine(
                id=r["id"], min_cents=r["min_cents"], max_cents=r["max_cents"], label=r["label"]
            )
        )
    consented = await _consent(
        ids,
        current,
        {cid: frozenset(p) for cid, p in proposers.items()},
        network_id,
        min(now(), row["funding_until"]),  # type: ignore[type-var]
    )

    eligible_forms = set(row["eligible_forms"])  # type: ignore[call-overload]
    weights = {
        r["lieu"]: r["weight"]
        for r in await EnvelopeLieu.select(EnvelopeLieu.lieu, EnvelopeLieu.weight).where(
            EnvelopeLieu.envelope == envelope_id
        )
    }
    pledges = (
        await Pledge.select()
        .where(Pledge.envelope == envelope_id)
        .where(Pledge.amount_cents > 0)
        .where(Pledge.challenge.is_in(ids or [0]))
        .order_by(Pledge.id)
    )
    supports = (
        await Support.select()
        .where(Support.envelope == envelope_id)
        .where(Support.challenge.is_in(ids or [0]))
        .where(Support.points > 0)
    )
    lieu_ids = (
        set(weights)
        | {p for ps in proposers.values() for p in ps}
        | {p["lieu"] for p in pledges if p["lieu"] is not None}
        | {s["lieu"] for s in supports}
    )
    lieu_rows = await Lieu.select(Lieu.id, Lieu.name, Lieu.legal_form).where(
        Lieu.id.is_in(sorted(lieu_ids) or [0])
    )
    org_ids = sorted({p["org"] for p in pledges if p["org"] is not None})
    org_rows = await CofundingOrg.select(CofundingOrg.id, CofundingOrg.name).where(
        CofundingOrg.network == network_id
    )
    lieu_names = {r["id"]: r["name"] for r in lieu_rows}

    challenges = []
    facts = {}
    for cid in ids:
        version = versions[cid]
        budget = lines.get(version["id"], [])
        challenges.append(
            engine.Challenge(
                id=cid,
                proposers=proposers[cid],
                consented=consented[cid],
                budget_lines=budget,
                requested_cents=version["requested_cents"],
                label=version["title"],
            )
        )
        facts[cid] = ChallengeFacts(
            id=cid,
            title=version["title"],
            proposer_names=tuple(lieu_names.get(p, "") for p in proposers[cid]),
            consented=consented[cid],
            min_cents=sum(line.min_cents for line in budget),
            max_cents=sum(line.max_cents for line in budget),
        )
    inputs = engine.EnvelopeInput(
        amount_cents=int(str(row["amount_cents"])),
        rule=row["rule"],  # type: ignore[arg-type]
        params=engine.RuleParams(
            min_cofunders=int(str(row["min_cofunders"])),
            own_challenge_cap_pct=int(str(row["own_challenge_cap_pct"])),
            support=row["support"],  # type: ignore[arg-type]
            utility="cardinal" if row["support"] == "points" else "cost",
        ),
        lieux=[
            engine.Lieu(
                id=r["id"],
                weight=weights.get(r["id"], 0),
                eligible=r["legal_form"] in eligible_forms,
            )
            for r in sorted(lieu_rows, key=lambda r: r["id"])
        ],
        cofunders=[engine.Cofunder(id=oid) for oid in org_ids],
        challenges=challenges,
        pledges=[
            engine.Pledge(
                id=p["id"],
                challenge_id=p["challenge"],
                contributor_kind="lieu" if p["lieu"] is not None else "cofunder",
                contributor_id=p["lieu"] if p["lieu"] is not None else p["org"],
                source=p["source"],
                amount_cents=p["amount_cents"],
            )
            for p in pledges
        ],
        supports=[
            engine.Support(lieu_id=s["lieu"], challenge_id=s["challenge"], points=s["points"])
            for s in sorted(supports, key=lambda s: (s["lieu"], s["challenge"]))
        ],
    )
    return EnvelopeInputs(
        inputs=inputs,
        challenges=facts,
        lieu_names=lieu_names,
        org_names={r["id"]: r["name"] for r in org_rows},
        members=frozenset(weights),
    )


def as_rule(inputs: engine.EnvelopeInput, rule: engine.Rule) -> engine.EnvelopeInput:
    """The same pledges and support read under another rule, to compare the rules on real
    figures (SPEC §4): under `matching` the envelope is a pool and every pledge counts as the
    contributor's own money; under `equal_shares` without approvals or points, the lieux'
    drawing-right pledges are read as their support."""
    if rule == inputs.rule:
        return inputs
    params = inputs.params
    pledges = inputs.pledges
    supports = inputs.supports
    if rule == "matching":
        pledges = [msgspec.structs.replace(p, source="own_funds") for p in pledges]
        supports = []
    elif rule == "equal_shares":
        if inputs.rule != "equal_shares" or not supports:
            params = msgspec.structs.replace(params, support="pledges", utility="cost")
    else:
        supports = []
    return msgspec.structs.replace(
        inputs, rule=rule, params=params, pledges=pledges, supports=supports
    )
