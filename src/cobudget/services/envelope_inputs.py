"""What the engine is given for an envelope: its lieux, challenges, pledges and support, read from
the database in a fixed number of queries whatever their count (SPEC §6).

The live projection, the comparison of the rules and the settlement all start here, so they
cannot disagree on what the envelope holds. Challenge and budget-line titles travel as labels, so
the canonical inputs published with a settlement read on their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from cobudget.db.rows import fetch, fetch_one, typed_one
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
from cobudget.engine.canonical import decode_input, decode_settlement
from cobudget.engine.settlement import Settlement
from cobudget.services.clock import now
from cobudget.services.envelopes import EnvelopeCalendar


class EnvelopeRecord(EnvelopeCalendar, frozen=True):
    """An envelope's row, whole: what its pages show and the engine's inputs are made of."""

    id: int
    network: int
    title: str
    amount_cents: int
    rule: engine.Rule
    min_cofunders: int
    own_challenge_cap_pct: int
    support: engine.SupportKind
    utility: str
    eligible_forms: list[str]
    quorum: int
    hide_pledges: bool
    created_by: int | None
    created_at: dt.datetime
    previous_envelope: int | None
    carried_challenges: list[int]


# What the readers of an envelope pass in: its typed record, or (the services that lock it and
# read it as a mapping) the whole row.
EnvelopeLike = EnvelopeRecord | Mapping[str, Any]


def record_of(row: EnvelopeLike) -> EnvelopeRecord:
    if isinstance(row, EnvelopeRecord):
        return row
    return msgspec.convert(row, EnvelopeRecord, strict=False)


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


async def envelope(envelope_id: int) -> EnvelopeRecord:
    """The envelope's row, typed; NotFound when there is none."""
    row = typed_one(await envelope_row(envelope_id), EnvelopeRecord)
    assert row is not None  # envelope_row raised otherwise
    return row


async def envelope_row(envelope_id: int) -> dict[str, Any]:
    """The envelope's row as a mapping, for the readers not typed yet (`envelope` is typed)."""
    row = await Envelope.select().where(Envelope.id == envelope_id).output(load_json=True).first()
    if row is None:
        raise NotFound("envelope", envelope_id)
    return row


class _Settlement(msgspec.Struct, frozen=True):
    settlement: str


class _Id(msgspec.Struct, frozen=True):
    id: int


async def funded_elsewhere(network_id: int, envelope_id: int) -> set[int]:
    """Challenges a settled envelope of the network already funded: not offered again."""
    rows = await fetch(
        SettlementRecord.select(SettlementRecord.settlement)
        .where(SettlementRecord.envelope.network == network_id)
        .where(SettlementRecord.envelope != envelope_id),
        _Settlement,
    )
    funded: set[int] = set()
    for row in rows:
        settlement = decode_settlement(row.settlement.encode())
        funded |= {c.challenge_id for c in settlement.challenges if c.funded}
    return funded


async def withdrawn(challenge_ids: list[int]) -> set[int]:
    """Those of these challenges their proposers withdrew (issue 17): never carried over."""
    rows = await fetch(
        Challenge.select(Challenge.id)
        .where(Challenge.id.is_in(sorted(challenge_ids) or [0]))
        .where(Challenge.withdrawn_at.is_not_null()),
        _Id,
    )
    return {row.id for row in rows}


async def _left_behind(row: EnvelopeRecord) -> set[int]:
    """A next round leaves out the previous envelope's unfunded challenges not carried over."""
    if row.previous_envelope is None:
        return set()
    record = await fetch_one(
        SettlementRecord.select(SettlementRecord.settlement)
        .where(SettlementRecord.envelope == row.previous_envelope)
        .first(),
        _Settlement,
    )
    if record is None:
        return set()
    settlement = decode_settlement(record.settlement.encode())
    unfunded = {c.challenge_id for c in settlement.challenges if not c.funded}
    return unfunded - set(row.carried_challenges)


async def challenge_ids(row: EnvelopeLike) -> list[int]:
    """The envelope's challenges: the network's published ones that no other settled envelope
    funded and that their proposers did not withdraw (issue 17), less those a next round did not
    carry over."""
    record = record_of(row)
    published = await fetch(
        Challenge.select(Challenge.id)
        .where(Challenge.network == record.network)
        .where(Challenge.current_version > 0)
        .where(Challenge.withdrawn_at.is_null()),
        _Id,
    )
    excluded = await funded_elsewhere(record.network, record.id) | await _left_behind(record)
    return sorted(r.id for r in published if r.id not in excluded)


class _Deadline(msgspec.Struct, frozen=True):
    deadline: dt.datetime


async def next_deadline(row: EnvelopeLike) -> dt.datetime | None:
    """The next deadline of a round still open in the network: consent may change then, with
    no write to the database, so what was computed before it must not be used after it."""
    moment = now()
    found = await fetch_one(
        ConsentRound.select(ConsentRound.deadline)
        .where(ConsentRound.challenge.network == record_of(row).network)
        .where(ConsentRound.closed_at.is_null())
        .where(ConsentRound.deadline > moment)
        .order_by(ConsentRound.deadline)
        .first(),
        _Deadline,
    )
    return found.deadline if found else None


class _Round(msgspec.Struct, frozen=True):
    id: int
    challenge: int
    version: int
    opened_at: dt.datetime
    deadline: dt.datetime
    quorum: int
    closed_at: dt.datetime | None


class _Position(msgspec.Struct, frozen=True):
    id: int
    round: int
    lieu: int
    kind: str
    taken_at: dt.datetime
    text: str
    criterion: int | None
    withdrawn: bool


class _Lieu(msgspec.Struct, frozen=True):
    lieu: int


async def _consent(
    ids: list[int],
    current: dict[int, int],
    proposers: dict[int, frozenset[int]],
    network_id: int,
    as_of: dt.datetime,
) -> dict[int, bool]:
    """Which challenges are consented as of `as_of`: closing an envelope freezes positions
    (SPEC §4), so rounds opened, positions taken and closures made after it do not count."""
    rounds = await fetch(
        ConsentRound.select(
            ConsentRound.id,
            ConsentRound.challenge,
            ConsentRound.version,
            ConsentRound.opened_at,
            ConsentRound.deadline,
            ConsentRound.quorum,
            ConsentRound.closed_at,
        )
        .where(ConsentRound.challenge.is_in(ids or [0]))
        .where(ConsentRound.opened_at <= as_of),
        _Round,
    )
    latest: dict[int, _Round] = {}
    for r in rounds:
        if r.challenge not in latest or r.id > latest[r.challenge].id:
            latest[r.challenge] = r
    positions: dict[int, list[consent.Position]] = {}
    for p in await fetch(
        RoundPosition.select(
            RoundPosition.id,
            RoundPosition.round,
            RoundPosition.lieu,
            RoundPosition.kind,
            RoundPosition.taken_at,
            RoundPosition.text,
            RoundPosition.criterion,
            RoundPosition.withdrawn,
        )
        .where(RoundPosition.round.is_in([r.id for r in latest.values()] or [0]))
        .where(RoundPosition.taken_at <= as_of),
        _Position,
    ):
        positions.setdefault(p.round, []).append(
            consent.Position(
                seq=p.id,
                lieu_id=p.lieu,
                kind=consent.PositionKind(p.kind),
                taken_at=p.taken_at,
                text=p.text,
                criterion_id=p.criterion,
                withdrawn=p.withdrawn,
            )
        )
    members = frozenset(
        r.lieu
        for r in await fetch(
            NetworkLieu.select(NetworkLieu.lieu).where(NetworkLieu.network == network_id), _Lieu
        )
    )
    result = {}
    for cid in ids:
        last = latest.get(cid)
        pure = (
            consent.Round(
                id=last.id,
                version=last.version,
                opened_at=last.opened_at,
                deadline=last.deadline,
                quorum=last.quorum,
                proposer_lieu_ids=proposers[cid],
                member_lieu_ids=members,
                # A closure after `as_of` has not happened yet, as of then.
                closed_at=last.closed_at if _before(last.closed_at, as_of) else None,
            )
            if last
            else None
        )
        held = positions.get(last.id, []) if last else []
        result[cid] = is_consented(current[cid], pure, held, as_of)
    return result


def _before(moment: dt.datetime | None, as_of: dt.datetime) -> bool:
    return moment is not None and moment <= as_of


class _Challenge(msgspec.Struct, frozen=True):
    id: int
    lieu: int
    current_version: int


class _CoProposer(msgspec.Struct, frozen=True):
    challenge: int
    lieu: int


class _Version(msgspec.Struct, frozen=True):
    id: int
    challenge: int
    number: int
    title: str
    requested_cents: int | None


class _BudgetLine(msgspec.Struct, frozen=True):
    id: int
    version: int
    label: str
    min_cents: int
    max_cents: int


class _Weight(msgspec.Struct, frozen=True):
    lieu: int
    weight: int


class _Support(msgspec.Struct, frozen=True):
    lieu: int
    challenge: int
    points: int


class _LieuRow(msgspec.Struct, frozen=True):
    id: int
    name: str
    legal_form: str


class _Org(msgspec.Struct, frozen=True):
    id: int
    name: str


class PledgeFields(msgspec.Struct, frozen=True):
    """What the engine needs of a pledge row (the projection cache reads more of it)."""

    id: int
    challenge: int
    lieu: int | None
    org: int | None
    source: engine.PledgeSource
    amount_cents: int


def engine_pledge(p: PledgeFields) -> engine.Pledge:
    """A pledge row as the engine reads it: a lieu's, or else a co-funder's."""
    return engine.Pledge(
        id=p.id,
        challenge_id=p.challenge,
        contributor_kind="lieu" if p.lieu is not None else "cofunder",
        contributor_id=p.lieu if p.lieu is not None else (p.org or 0),
        source=p.source,
        amount_cents=p.amount_cents,
    )


async def load(envelope_id: int, *, row: EnvelopeLike | None = None) -> EnvelopeInputs:
    """The engine's inputs for the envelope as it stands now."""
    record = record_of(row) if row is not None else await envelope(envelope_id)
    network_id = record.network
    ids = await challenge_ids(record)
    challenge_rows = await fetch(
        Challenge.select(Challenge.id, Challenge.lieu, Challenge.current_version).where(
            Challenge.id.is_in(ids or [0])
        ),
        _Challenge,
    )
    current = {r.id: r.current_version for r in challenge_rows}
    proposers: dict[int, list[int]] = {r.id: [r.lieu] for r in challenge_rows}
    for co in await fetch(
        CoProposer.select(CoProposer.challenge, CoProposer.lieu)
        .where(CoProposer.challenge.is_in(ids or [0]))
        .where(CoProposer.accepted_at.is_not_null())
        .order_by(CoProposer.lieu),
        _CoProposer,
    ):
        proposers[co.challenge].append(co.lieu)
    versions = {
        v.challenge: v
        for v in await fetch(
            ChallengeVersion.select(
                ChallengeVersion.id,
                ChallengeVersion.challenge,
                ChallengeVersion.number,
                ChallengeVersion.title,
                ChallengeVersion.requested_cents,
            ).where(ChallengeVersion.challenge.is_in(ids or [0])),
            _Version,
        )
        if current.get(v.challenge) == v.number
    }
    lines: dict[int, list[engine.BudgetLine]] = {}
    for line in await fetch(
        BudgetLine.select(
            BudgetLine.id,
            BudgetLine.version,
            BudgetLine.label,
            BudgetLine.min_cents,
            BudgetLine.max_cents,
        )
        .where(BudgetLine.version.is_in([v.id for v in versions.values()] or [0]))
        .order_by(BudgetLine.id),
        _BudgetLine,
    ):
        lines.setdefault(line.version, []).append(
            engine.BudgetLine(
                id=line.id, min_cents=line.min_cents, max_cents=line.max_cents, label=line.label
            )
        )
    consented = await _consent(
        ids,
        current,
        {cid: frozenset(p) for cid, p in proposers.items()},
        network_id,
        min(now(), record.funding_until),
    )

    eligible_forms = set(record.eligible_forms)
    weights = {
        w.lieu: w.weight
        for w in await fetch(
            EnvelopeLieu.select(EnvelopeLieu.lieu, EnvelopeLieu.weight).where(
                EnvelopeLieu.envelope == envelope_id
            ),
            _Weight,
        )
    }
    pledges = await fetch(
        Pledge.select(
            Pledge.id, Pledge.challenge, Pledge.lieu, Pledge.org, Pledge.source, Pledge.amount_cents
        )
        .where(Pledge.envelope == envelope_id)
        .where(Pledge.amount_cents > 0)
        .where(Pledge.challenge.is_in(ids or [0]))
        .order_by(Pledge.id),
        PledgeFields,
    )
    supports = await fetch(
        Support.select(Support.lieu, Support.challenge, Support.points)
        .where(Support.envelope == envelope_id)
        .where(Support.challenge.is_in(ids or [0]))
        .where(Support.points > 0),
        _Support,
    )
    lieu_ids = (
        set(weights)
        | {p for ps in proposers.values() for p in ps}
        | {p.lieu for p in pledges if p.lieu is not None}
        | {s.lieu for s in supports}
    )
    lieu_rows = await fetch(
        Lieu.select(Lieu.id, Lieu.name, Lieu.legal_form).where(
            Lieu.id.is_in(sorted(lieu_ids) or [0])
        ),
        _LieuRow,
    )
    org_ids = sorted({p.org for p in pledges if p.org is not None})
    org_rows = await fetch(
        CofundingOrg.select(CofundingOrg.id, CofundingOrg.name).where(
            CofundingOrg.network == network_id
        ),
        _Org,
    )
    lieu_names = {r.id: r.name for r in lieu_rows}

    challenges = []
    facts = {}
    for cid in ids:
        version = versions[cid]
        budget = lines.get(version.id, [])
        challenges.append(
            engine.Challenge(
                id=cid,
                proposers=proposers[cid],
                consented=consented[cid],
                budget_lines=budget,
                requested_cents=version.requested_cents,
                label=version.title,
            )
        )
        facts[cid] = ChallengeFacts(
            id=cid,
            title=version.title,
            proposer_names=tuple(lieu_names.get(p, "") for p in proposers[cid]),
            consented=consented[cid],
            min_cents=sum(line.min_cents for line in budget),
            max_cents=sum(line.max_cents for line in budget),
        )
    inputs = engine.EnvelopeInput(
        amount_cents=record.amount_cents,
        rule=record.rule,
        params=engine.RuleParams(
            min_cofunders=record.min_cofunders,
            own_challenge_cap_pct=record.own_challenge_cap_pct,
            support=record.support,
            utility="cardinal" if record.support == "points" else "cost",
        ),
        lieux=[
            engine.Lieu(
                id=r.id,
                weight=weights.get(r.id, 0),
                eligible=r.legal_form in eligible_forms,
            )
            for r in sorted(lieu_rows, key=lambda r: r.id)
        ],
        cofunders=[engine.Cofunder(id=oid) for oid in org_ids],
        challenges=challenges,
        pledges=[engine_pledge(p) for p in pledges],
        supports=[
            engine.Support(lieu_id=s.lieu, challenge_id=s.challenge, points=s.points)
            for s in sorted(supports, key=lambda s: (s.lieu, s.challenge))
        ],
    )
    return EnvelopeInputs(
        inputs=inputs,
        challenges=facts,
        lieu_names=lieu_names,
        org_names={r.id: r.name for r in org_rows},
        members=frozenset(weights),
    )


@dataclass(frozen=True)
class Decoded:
    """A published settlement's canonical inputs and settlement, decoded."""

    inputs_bytes: bytes
    settlement_bytes: bytes
    inputs: engine.EnvelopeInput
    settlement: Settlement


_DECODED: dict[str, Decoded] = {}
_DECODED_KEPT = 16


def decoded(digest: str, inputs: bytes, settlement: bytes) -> Decoded:
    """The stored inputs and settlement of a settled envelope, decoded once per process while
    their bytes stay the same (they are written once; a large envelope's take milliseconds to
    decode): the very same objects, so what is built from them can be kept too."""
    held = _DECODED.get(digest)
    if held is None or held.inputs_bytes != inputs or held.settlement_bytes != settlement:
        if len(_DECODED) >= _DECODED_KEPT:
            _DECODED.pop(next(iter(_DECODED)))
        held = _DECODED[digest] = Decoded(
            inputs, settlement, decode_input(inputs), decode_settlement(settlement)
        )
    return held


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
