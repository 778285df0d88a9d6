"""The live projection of an envelope (SPEC §4): what the settlement would be if it closed now,
read from the engine run on the current inputs; or, once settled, the published settlement.

Everything a page shows per challenge and per lieu comes from one engine run, so the progress
bars, the amounts and the explanations always agree with each other.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import msgspec

from cobudget.db.rows import fetch
from cobudget.db.tables import CofundingOrg, Lieu
from cobudget.domain import lifecycle
from cobudget.domain.permissions import Actor
from cobudget.domain.pledges import drawing_rights_allowed
from cobudget.engine import canonical
from cobudget.engine.drawing_rights import drawing_rights
from cobudget.engine.settlement import (
    EqualSharesExplanation,
    EqualSharesPayment,
    Explanation,
    LieuOutcome,
    Settlement,
)
from cobudget.engine.types import EnvelopeInput, Rule
from cobudget.services import computations, envelope_inputs, projection_cache, settlements
from cobudget.services.envelope_inputs import EnvelopeInputs, EnvelopeRecord
from cobudget.services.kept_reads import kept
from cobudget.services.queries.envelopes import EnvelopeView, envelope_view

RULES: tuple[Rule, ...] = ("cofunding", "equal_shares", "matching")


class PledgeLine(msgspec.Struct, frozen=True):
    contributor: str
    contributor_kind: str
    source: str
    pledged_cents: int
    captured_cents: int


class MyStake(msgspec.Struct, frozen=True):
    """What one of the actor's lieux or organisations has put on a challenge."""

    unit: str  # "lieu:3" or "org:2", the value a pledge form sends
    name: str
    is_lieu: bool
    drawing_rights_cents: int
    own_funds_cents: int
    points: int
    sources: list[str]  # where this unit's pledge may come from


class ChallengeRow(msgspec.Struct, frozen=True):
    id: int
    title: str
    proposers: list[str]
    consented: bool
    min_cents: int
    max_cents: int
    pledged_cents: int
    supporters: int
    points: int
    funded: bool
    total_cents: int
    drawing_rights_cents: int
    own_funds_cents: int
    match_cents: int
    progress_cents: int  # what the bar shows: pledged (or received), never above the maximum
    room_cents: int  # what pledges may still add before the challenge's maximum (SPEC §4)
    explanation: Explanation | None
    pledges: list[PledgeLine]
    mine: list[MyStake]


class LieuRow(msgspec.Struct, frozen=True):
    """One lieu's drawing rights and what the settlement (or the projection) does with them.

    Under `equal_shares` (SPEC §6.4): `raise_cents` is what the add-one completion added to
    its budget, `spent_cents` what it pays (never more than rights + raise), and
    `unspent_cents` is None: what a lieu does not spend is no leftover, the envelope's leftover
    is the only one. Under the other rules `raise_cents` is 0 and `unspent_cents` the rest of
    its drawing rights, which goes to the leftover (they add up to it).
    """

    id: int
    name: str
    drawing_rights_cents: int
    pledged_cents: int  # from its drawing rights, now
    left_cents: int  # drawing rights not pledged yet
    raise_cents: int
    spent_cents: int  # what the settlement takes from its drawing rights (and raise)
    unspent_cents: int | None
    # While pledges are hidden (SPEC §4), another lieu's row gives its drawing rights only:
    # its other figures read 0 (None for unspent) and `masked` says so.
    masked: bool = False


class Unit(msgspec.Struct, frozen=True):
    unit: str
    name: str
    is_lieu: bool
    left_cents: int


class LieuTotals(msgspec.Struct, frozen=True):
    """The lieux' figures added up: under `cofunding` and `equal_shares`, `spent_cents` is the
    envelope money the challenges get, hence the amount less the leftover."""

    drawing_rights_cents: int
    raise_cents: int
    spent_cents: int


class Projection(msgspec.Struct, frozen=True):
    rule: str
    settled: bool
    funding_open: bool
    hidden: bool  # individual pledges hidden until closing
    error: str | None  # why the engine refused the current inputs, if it did
    amount_cents: int
    leftover_cents: int
    funded_count: int
    digest: str
    challenges: list[ChallengeRow]
    lieux: list[LieuRow]
    lieu_totals: LieuTotals
    units: list[Unit]
    lieu_sources: list[str]  # where a lieu's pledge may come from under this rule
    support: str | None  # "approval" or "points" when lieux give support, else None
    # Who it was built for (`_reader`, as a short digest): two readers with the same one read
    # the same projection, so a page may keep its parts under it (web/fragments.py).
    reader: str = ""


def _units(actor: Actor, loaded: EnvelopeInputs) -> list[Unit]:
    """The lieux and organisations the actor may pledge for in this envelope."""
    units = [
        Unit(unit=f"lieu:{lieu_id}", name=loaded.lieu_names[lieu_id], is_lieu=True, left_cents=0)
        for lieu_id in sorted(actor.member_of & loaded.members)
    ]
    units += [
        Unit(unit=f"org:{org_id}", name=name, is_lieu=False, left_cents=0)
        for org_id, name in sorted(loaded.org_names.items())
        if org_id in actor.cofunder_of
    ]
    return units


def _sources(actor: Actor, unit: Unit, lieu_sources: list[str]) -> list[str]:
    """Where this unit's pledge may come from, for this actor: a lieu's own funds commit the
    organisation, so only its admins pledge them (`Action.PLEDGE_OWN_FUNDS`)."""
    if not unit.is_lieu:
        return ["own_funds"]
    lieu_id = int(unit.unit.removeprefix("lieu:"))
    if lieu_id in actor.lieu_admin_of:
        return lieu_sources
    return [source for source in lieu_sources if source != "own_funds"]


class _Name(msgspec.Struct, frozen=True):
    id: int
    name: str


async def _settled_names(
    actor: Actor, row: EnvelopeRecord, inputs: EnvelopeInput, members: frozenset[int]
) -> tuple[dict[int, str], dict[int, str]]:
    """(lieu names, co-funder names) a settlement's page shows: of the lieux its inputs name
    and the envelope's members, and of the network's co-funders that pledged or that the
    reader speaks for. One query each (none for co-funders when there are none), instead of
    reading the live inputs again."""
    lieux = await fetch(
        Lieu.select(Lieu.id, Lieu.name).where(
            Lieu.id.is_in(sorted({lieu.id for lieu in inputs.lieux} | members) or [0])
        ),
        _Name,
    )
    cofunders = sorted({c.id for c in inputs.cofunders} | actor.cofunder_of)
    orgs = (
        await fetch(
            CofundingOrg.select(CofundingOrg.id, CofundingOrg.name)
            .where(CofundingOrg.network == row.network)
            .where(CofundingOrg.id.is_in(cofunders)),
            _Name,
        )
        if cofunders
        else []
    )
    return {r.id: r.name for r in lieux}, {r.id: r.name for r in orgs}


async def envelope_projection(actor: Actor, view: EnvelopeView, row: EnvelopeRecord) -> Projection:
    """The projection (or the settlement, once published) as the page shows it to `actor`.

    A settled envelope's figures and names come from its stored inputs and settlement, with
    the names of its lieux and co-funders as they are now; the live inputs are not read."""
    phase = lifecycle.Phase(view.phase)
    record = await settlements.stored(row.id) if row.settled_at is not None else None
    if record is not None:
        return await _settled(actor, view, row, record)
    # The cache checks its inputs against the database (one query); while the data version
    # holds, even that is skipped (services/kept_reads.py).
    loaded, result, error = await kept(
        ("projection", row.id), lambda: projection_cache.current(row.id, row=row)
    )
    return _built(actor, loaded, result, error, row=row, phase=phase)


@dataclass
class _Settled:
    """The projections built from a published settlement, by reader and by the names shown."""

    decoded: envelope_inputs.Decoded
    by_reader: dict[tuple[object, ...], Projection]


_SETTLED: dict[int, _Settled] = {}


async def _settled(
    actor: Actor, view: EnvelopeView, row: EnvelopeRecord, record: settlements.Stored
) -> Projection:
    stored = envelope_inputs.decoded(record.digest, record.inputs, record.settlement)
    held = _SETTLED.get(row.id)
    if held is None or held.decoded is not stored:
        held = _SETTLED[row.id] = _Settled(stored, {})
    members = frozenset(lieu.id for lieu in view.lieux)
    lieu_names, org_names = await _settled_names(actor, row, stored.inputs, members)
    phase = lifecycle.Phase(view.phase)
    key = (
        _reader(actor, phase, row),
        members,
        tuple(sorted(lieu_names.items())),
        tuple(sorted(org_names.items())),
    )
    projection = held.by_reader.get(key)
    if projection is None:
        if len(held.by_reader) >= _READERS_KEPT:
            held.by_reader.clear()
        loaded = EnvelopeInputs(
            inputs=stored.inputs,
            challenges={},  # the stored inputs carry each challenge's title as its label
            lieu_names=lieu_names,
            org_names=org_names,
            members=members,
        )
        projection = held.by_reader[key] = build(
            actor, loaded, stored.inputs, stored.settlement, None, row=row, phase=phase
        )
    return projection


def _reader(actor: Actor, phase: lifecycle.Phase, row: EnvelopeRecord) -> tuple[object, ...]:
    """What of the reader, the moment and the envelope a built projection depends on besides
    its inputs: two readers alike (every visitor) get the same one."""
    return (
        phase,
        row.hide_pledges,
        row.settled_at,
        actor.member_of,
        actor.cofunder_of,
        actor.lieu_admin_of,
    )


def _reader_digest(reader: tuple[object, ...]) -> str:
    """`_reader` as a short stable string (sets sorted: their order is not)."""
    parts = [sorted(part) if isinstance(part, frozenset) else part for part in reader]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


@dataclass
class _Built:
    """The projections built from one state of an envelope's live inputs, by reader."""

    loaded: EnvelopeInputs
    result: Settlement | None
    by_reader: dict[tuple[object, ...], Projection]


_BUILT: dict[int, _Built] = {}
_READERS_KEPT = 32


def _built(
    actor: Actor,
    loaded: EnvelopeInputs,
    result: Settlement | None,
    error: str | None,
    *,
    row: EnvelopeRecord,
    phase: lifecycle.Phase,
) -> Projection:
    """`build`, remembered while the projection cache holds the same inputs and settlement
    (the very same objects: any change makes new ones) for a reader with the same lieux and
    co-funders: every visitor shares one, and a 200-challenge envelope takes ~8 ms to build."""
    key = (error, _reader(actor, phase, row))
    held = _BUILT.get(row.id)
    if held is None or held.loaded is not loaded or held.result is not result:
        held = _BUILT[row.id] = _Built(loaded, result, {})
    projection = held.by_reader.get(key)
    if projection is None:
        if len(held.by_reader) >= _READERS_KEPT:
            held.by_reader.clear()
        projection = held.by_reader[key] = build(
            actor, loaded, loaded.inputs, result, error, row=row, phase=phase
        )
    return projection


async def page_projection(actor: Actor, envelope_id: int) -> tuple[EnvelopeView, Projection]:
    """An envelope as its page shows it, with its projection: the page's visibility rules
    (a draft is its coordinators' only) come first."""
    row = await envelope_inputs.envelope(envelope_id)
    view = await envelope_view(actor, row)
    return view, await envelope_projection(actor, view, row)


def build(
    actor: Actor,
    loaded: EnvelopeInputs,
    inputs: EnvelopeInput,
    result: Settlement | None,
    error: str | None,
    *,
    row: EnvelopeRecord,
    phase: lifecycle.Phase,
) -> Projection:
    hidden = lifecycle.pledges_hidden(row.hide_pledges, phase)
    units = _units(actor, loaded)
    mine_keys = {u.unit for u in units}
    names = {**{f"lieu:{k}": v for k, v in loaded.lieu_names.items()}}
    names |= {f"org:{k}": v for k, v in loaded.org_names.items()}
    outcomes = {c.challenge_id: c for c in result.challenges} if result else {}
    captured = {p.pledge_id: p.captured_cents for p in result.pledges} if result else {}
    by_challenge: dict[int, list[PledgeLine]] = {}
    pledged: dict[int, int] = {}
    stakes: dict[tuple[int, str], dict[str, int]] = {}
    rights_pledged: dict[int, int] = {}
    for p in inputs.pledges:
        unit = f"{'lieu' if p.contributor_kind == 'lieu' else 'org'}:{p.contributor_id}"
        pledged[p.challenge_id] = pledged.get(p.challenge_id, 0) + p.amount_cents
        if p.source == "drawing_rights":
            rights_pledged[p.contributor_id] = (
                rights_pledged.get(p.contributor_id, 0) + p.amount_cents
            )
        if unit in mine_keys:
            stake = stakes.setdefault((p.challenge_id, unit), {})
            stake[p.source] = p.amount_cents
        if hidden and unit not in mine_keys:
            continue
        by_challenge.setdefault(p.challenge_id, []).append(
            PledgeLine(
                contributor=names.get(unit, ""),
                contributor_kind=p.contributor_kind,
                source=p.source,
                pledged_cents=p.amount_cents,
                captured_cents=captured.get(p.id, 0),
            )
        )
    supporters: dict[int, int] = {}
    points: dict[int, int] = {}
    for s in inputs.supports:
        supporters[s.challenge_id] = supporters.get(s.challenge_id, 0) + 1
        points[s.challenge_id] = points.get(s.challenge_id, 0) + s.points
        unit = f"lieu:{s.lieu_id}"
        if unit in mine_keys:
            stakes.setdefault((s.challenge_id, unit), {})["points"] = s.points
    lieu_sources = (
        ["drawing_rights", "own_funds"]
        if drawing_rights_allowed(inputs.rule, inputs.params.support)
        else ["own_funds"]
    )
    rows = []
    for challenge in inputs.challenges:
        facts = loaded.challenges.get(challenge.id)
        outcome = outcomes.get(challenge.id)
        minimum = sum(line.min_cents for line in challenge.budget_lines)
        maximum = sum(line.max_cents for line in challenge.budget_lines)
        total = outcome.total_cents if outcome else 0
        shown = total if outcome and outcome.funded else pledged.get(challenge.id, 0)
        rows.append(
            ChallengeRow(
                id=challenge.id,
                title=challenge.label or (facts.title if facts else ""),
                proposers=[loaded.lieu_names.get(p, "") for p in challenge.proposers],
                consented=challenge.consented,
                min_cents=minimum,
                max_cents=maximum,
                pledged_cents=pledged.get(challenge.id, 0),
                supporters=supporters.get(challenge.id, 0),
                points=points.get(challenge.id, 0),
                funded=bool(outcome and outcome.funded),
                total_cents=total,
                drawing_rights_cents=outcome.drawing_rights_cents if outcome else 0,
                own_funds_cents=outcome.own_funds_cents if outcome else 0,
                match_cents=outcome.match_cents if outcome else 0,
                progress_cents=min(shown, maximum),
                room_cents=max(0, maximum - pledged.get(challenge.id, 0)),
                explanation=outcome.explanation if outcome else None,
                pledges=sorted(
                    by_challenge.get(challenge.id, []),
                    key=lambda line: (-line.pledged_cents, line.contributor),
                ),
                mine=[
                    MyStake(
                        unit=u.unit,
                        name=u.name,
                        is_lieu=u.is_lieu,
                        drawing_rights_cents=stakes.get((challenge.id, u.unit), {}).get(
                            "drawing_rights", 0
                        ),
                        own_funds_cents=stakes.get((challenge.id, u.unit), {}).get("own_funds", 0),
                        points=stakes.get((challenge.id, u.unit), {}).get("points", 0),
                        sources=_sources(actor, u, lieu_sources),
                    )
                    for u in units
                ],
            )
        )
    rows.sort(key=lambda r: (not r.funded, not r.consented, r.title.casefold()))
    lieu_outcomes = {lieu.lieu_id: lieu for lieu in result.lieux} if result else {}
    rights = (
        drawing_rights(inputs.amount_cents, inputs.lieux)
        if any(lieu.weight for lieu in inputs.lieux)
        else {}
    )
    lieux = sorted(
        (
            _lieu_row(
                lieu.id,
                loaded.lieu_names.get(lieu.id, ""),
                rights.get(lieu.id, 0),
                rights_pledged.get(lieu.id, 0),
                lieu_outcomes.get(lieu.id),
                equal_shares=inputs.rule == "equal_shares",
            )
            for lieu in inputs.lieux
            if lieu.weight
        ),
        key=lambda r: r.name.casefold(),
    )
    left = {f"lieu:{r.id}": r.left_cents for r in lieux}
    totals = LieuTotals(
        drawing_rights_cents=sum(r.drawing_rights_cents for r in lieux),
        raise_cents=sum(r.raise_cents for r in lieux),
        spent_cents=sum(r.spent_cents for r in lieux),
    )
    if hidden:
        lieux = [r if r.id in actor.member_of else _masked_row(r) for r in lieux]
        rows = [_masked_payments(r, actor.member_of) for r in rows]
    return Projection(
        rule=inputs.rule,
        settled=row.settled_at is not None,
        funding_open=phase is lifecycle.Phase.FUNDING,
        hidden=hidden,
        error=error,
        amount_cents=inputs.amount_cents,
        leftover_cents=result.leftover_cents if result else inputs.amount_cents,
        funded_count=sum(1 for r in rows if r.funded),
        digest=result.inputs_digest if result else "",
        challenges=rows,
        lieux=lieux,
        lieu_totals=totals,
        units=[msgspec.structs.replace(u, left_cents=left.get(u.unit, 0)) for u in units],
        lieu_sources=lieu_sources,
        support=inputs.params.support
        if inputs.rule == "equal_shares" and inputs.params.support != "pledges"
        else None,
        reader=_reader_digest(_reader(actor, phase, row)),
    )


def _masked_row(row: LieuRow) -> LieuRow:
    """Another lieu's row while pledges are hidden: its drawing rights (public, by weight)
    and nothing of what it pledged or would spend."""
    return msgspec.structs.replace(
        row,
        pledged_cents=0,
        left_cents=0,
        raise_cents=0,
        spent_cents=0,
        unspent_cents=None,
        masked=True,
    )


def _masked_payments(row: ChallengeRow, mine: frozenset[int]) -> ChallengeRow:
    """While pledges are hidden, an equal-shares explanation keeps how many lieux pay (a count,
    like a challenge's number of co-funders) but only the reader's own payments: the others
    read lieu 0 and 0 cents."""
    explanation = row.explanation
    if not isinstance(explanation, EqualSharesExplanation):
        return row
    payments = [
        p if p.lieu_id in mine else EqualSharesPayment(lieu_id=0, exact="0/1", cents=0)
        for p in explanation.payments
    ]
    return msgspec.structs.replace(
        row, explanation=msgspec.structs.replace(explanation, payments=payments)
    )


def _lieu_row(
    lieu_id: int,
    name: str,
    rights: int,
    pledged: int,
    outcome: LieuOutcome | None,
    *,
    equal_shares: bool,
) -> LieuRow:
    """A lieu's row: the settlement's figures, or, when the engine refused the inputs, its
    drawing rights unspent."""
    raised = outcome.raise_cents if outcome else 0
    spent = outcome.spent_cents if outcome else 0
    return LieuRow(
        id=lieu_id,
        name=name,
        drawing_rights_cents=rights,
        pledged_cents=pledged,
        left_cents=rights - pledged,
        raise_cents=raised,
        spent_cents=spent,
        unspent_cents=None if equal_shares else (outcome.unspent_cents if outcome else rights),
    )


class RuleComparison(msgspec.Struct, frozen=True):
    rule: str
    error: str | None
    funded_count: int
    envelope_spent_cents: int
    leftover_cents: int
    totals: dict[int, int]  # challenge id → total received (0 when not funded)


class Comparison(msgspec.Struct, frozen=True):
    titles: list[tuple[int, str]]
    rules: list[RuleComparison]


async def compare_rules(row: EnvelopeRecord) -> Comparison:
    """What each of the three rules would give on the same pledges and support (SPEC §4).

    Computed in worker processes, and remembered by the inputs' digest: the settled inputs
    never change, and live inputs are compared again only once they have changed."""
    record = await settlements.stored(row.id) if row.settled_at is not None else None
    if record is not None:
        inputs = envelope_inputs.decoded(record.digest, record.inputs, record.settlement).inputs
    else:  # the live inputs, as the projection holds them (one statement once they are held)
        inputs = (await projection_cache.current(row.id, row=row, run_engine=False))[0].inputs
    titles = sorted(((c.id, c.label) for c in inputs.challenges), key=lambda t: t[1].casefold())

    async def compare() -> Comparison:
        results = []
        for rule in RULES:
            encoded, error = await computations.settle(
                canonical.encode_input(envelope_inputs.as_rule(inputs, rule))
            )
            result = canonical.decode_settlement(encoded) if encoded is not None else None
            spent = (
                sum(c.drawing_rights_cents + c.match_cents for c in result.challenges)
                if result
                else 0
            )
            results.append(
                RuleComparison(
                    rule=rule,
                    error=error,
                    funded_count=sum(1 for c in result.challenges if c.funded) if result else 0,
                    envelope_spent_cents=spent,
                    leftover_cents=result.leftover_cents if result else 0,
                    totals={c.challenge_id: c.total_cents for c in result.challenges}
                    if result
                    else {},
                )
            )
        return Comparison(titles=titles, rules=results)

    return await computations.remembered(("compare", canonical.digest(inputs)), compare)
