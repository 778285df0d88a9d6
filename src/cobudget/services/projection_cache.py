"""The live projection kept up to date incrementally (issue 6: a page with its projection in
under 100 ms on a large envelope).

Reading a large envelope from the database costs more than settling it, and almost every change
during funding is a pledge or a support. So each process keeps, per envelope, the engine's
inputs and their settlement, with a fingerprint of what they were read from:

- `structure`: aggregates over everything but pledges and support (challenges and
  their versions, rounds, positions, co-proposers, eligible lieux, other settlements, every
  audited change that is not a pledge or a support). If it moved, everything is read again.
- pledges and support: their count, sum, last id and last write, read in the same statement as
  the structure; then only the rows written since the last read (by id and `updated_at`) are
  read and applied; the count and sum the database reports must then match what is held, or
  everything is read again (a deleted row, a clock step back).
- consent follows the clock too: an entry expires at the next deadline of a round in progress.

Several processes each hold their own entries, and the fingerprint is read from the database on
every use, so no process can show another's stale projection. `tests/integration/services/
test_projection_cache.py` checks, over random sequences of changes, that the incremental result
equals a full read and settle.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec

from cobudget.db.rows import fetch, typed_one
from cobudget.db.tables import Pledge, Support
from cobudget.engine import types as engine
from cobudget.engine.settlement import Settlement
from cobudget.services import computations, envelope_inputs
from cobudget.services.clock import now
from cobudget.services.envelope_inputs import (
    EnvelopeInputs,
    EnvelopeLike,
    EnvelopeRecord,
    PledgeFields,
    engine_pledge,
    record_of,
)

_STRUCTURE = """
SELECT
  (SELECT count(*) FROM challenge WHERE network = {network}) AS challenges,
  (SELECT CAST(coalesce(sum(current_version), 0) AS BIGINT) FROM challenge
     WHERE network = {network}) AS versions,
  (SELECT count(*) FROM consent_round r JOIN challenge c ON r.challenge = c.id
     WHERE c.network = {network}) AS rounds,
  (SELECT coalesce(max(r.id), 0) FROM consent_round r JOIN challenge c ON r.challenge = c.id
     WHERE c.network = {network}) AS last_round,
  (SELECT count(*) FROM consent_round r JOIN challenge c ON r.challenge = c.id
     WHERE c.network = {network} AND r.closed_at IS NOT NULL) AS closed_rounds,
  (SELECT count(*) FROM round_position p JOIN consent_round r ON p.round = r.id
     JOIN challenge c ON r.challenge = c.id WHERE c.network = {network}) AS positions,
  (SELECT coalesce(max(p.id), 0) FROM round_position p JOIN consent_round r ON p.round = r.id
     JOIN challenge c ON r.challenge = c.id WHERE c.network = {network}) AS last_position,
  (SELECT count(*) FROM co_proposer cp JOIN challenge c ON cp.challenge = c.id
     WHERE c.network = {network} AND cp.accepted_at IS NOT NULL) AS co_proposers,
  (SELECT count(*) FROM settlement_record) AS settlements,
  (SELECT count(*) FROM envelope_lieu WHERE envelope = {envelope}) AS members,
  (SELECT CAST(coalesce(sum(weight), 0) AS BIGINT) FROM envelope_lieu
     WHERE envelope = {envelope}) AS weights,
  (SELECT count(*) FROM network_lieu WHERE network = {network}) AS network_lieux,
  (SELECT coalesce(max(id), 0) FROM audit_entry
     WHERE action NOT IN ('pledge.set', 'support.set')) AS last_change
"""


class _Structure(msgspec.Struct, frozen=True):
    """What `_STRUCTURE` counts (sums cast to integers: PostgreSQL's are numeric)."""

    challenges: int
    versions: int
    rounds: int
    last_round: int
    closed_rounds: int
    positions: int
    last_position: int
    co_proposers: int
    settlements: int
    members: int
    weights: int
    network_lieux: int
    last_change: int


# Where the pledges and the support of an envelope stand, in one query. The last write time is
# compared, never computed with: read as text on both databases.
_MARKS = """
SELECT p.rows AS p_rows, p.total AS p_total, p.last_id AS p_last_id, p.last_at AS p_last_at,
       s.rows AS s_rows, s.total AS s_total, s.last_id AS s_last_id, s.last_at AS s_last_at
FROM (SELECT count(*) AS rows, CAST(coalesce(sum(amount_cents), 0) AS BIGINT) AS total,
             coalesce(max(id), 0) AS last_id, CAST(max(updated_at) AS TEXT) AS last_at
      FROM pledge WHERE envelope = {envelope}) AS p,
     (SELECT count(*) AS rows, CAST(coalesce(sum(points), 0) AS BIGINT) AS total,
             coalesce(max(id), 0) AS last_id, CAST(max(updated_at) AS TEXT) AS last_at
      FROM support WHERE envelope = {envelope}) AS s
"""


class _Marks(msgspec.Struct, frozen=True):
    p_rows: int
    p_total: int
    p_last_id: int
    p_last_at: str | None
    s_rows: int
    s_total: int
    s_last_id: int
    s_last_at: str | None


class Mark(msgspec.Struct, frozen=True):
    """Row count, total (cents or points), last id and last write time of one kind of row."""

    rows: int
    total: int
    last_id: int
    last_at: str | None


class _PledgeRow(PledgeFields, frozen=True):
    updated_at: dt.datetime


class _SupportRow(msgspec.Struct, frozen=True):
    id: int
    lieu: int
    challenge: int
    points: int
    updated_at: dt.datetime


class _Since(msgspec.Struct, frozen=True):
    id: int
    at: dt.datetime


class _Config(msgspec.Struct, frozen=True):
    """What of the envelope's own row the inputs are made of."""

    id: int
    created_at: dt.datetime  # ids can be reused after rows are deleted (SQLite): the time cannot
    amount_cents: int
    rule: str
    min_cofunders: int
    own_challenge_cap_pct: int
    support: str
    eligible_forms: tuple[str, ...]


@dataclass
class _Entry:
    structure: _Structure
    config: _Config
    pledges: dict[int, _PledgeRow]  # every pledge row of the envelope, by id
    supports: dict[int, _SupportRow]  # every support row, by id
    pledge_mark: Mark
    support_mark: Mark
    loaded: EnvelopeInputs
    valid_until: dt.datetime | None
    engine_pledges: dict[int, engine.Pledge]
    settlement: Settlement | None = None
    error: str | None = None


_ENTRIES: dict[int, _Entry] = {}
# How each request was served since the process started: everything read again, only the new
# rows read, or nothing read (the benchmark and the tests look at these).
STATS = {"full": 0, "delta": 0, "unchanged": 0}


def clear() -> None:
    """Forget every entry (tests, and after restoring a backup into a running process)."""
    _ENTRIES.clear()


# Both in one statement: the structure's aggregates and where the pledges and support stand.
_STATE = f"SELECT * FROM ({_STRUCTURE}) AS structure, ({_MARKS}) AS marks"


async def _state(row: EnvelopeRecord) -> tuple[_Structure, Mark, Mark]:
    """(structure, pledges' mark, support's mark), read together, before any row they vouch
    for: a write after this read shows on the next one."""
    rows = await Pledge.raw(
        _STATE.replace("{network}", str(int(row.network))).replace("{envelope}", str(int(row.id)))
    )
    structure, both = typed_one(rows[0], _Structure), typed_one(rows[0], _Marks)
    assert structure is not None and both is not None  # one row of aggregates, always
    return (
        structure,
        Mark(both.p_rows, both.p_total, both.p_last_id, both.p_last_at),
        Mark(both.s_rows, both.s_total, both.s_last_id, both.s_last_at),
    )


async def _pledge_rows(envelope_id: int, since: _Since | None) -> list[_PledgeRow]:
    query = Pledge.select(
        Pledge.id,
        Pledge.challenge,
        Pledge.lieu,
        Pledge.org,
        Pledge.source,
        Pledge.amount_cents,
        Pledge.updated_at,
    ).where(Pledge.envelope == envelope_id)
    if since is not None:
        query = query.where((Pledge.id > since.id) | (Pledge.updated_at >= since.at))
    return await fetch(query, _PledgeRow)


async def _support_rows(envelope_id: int, since: _Since | None) -> list[_SupportRow]:
    query = Support.select(
        Support.id, Support.lieu, Support.challenge, Support.points, Support.updated_at
    ).where(Support.envelope == envelope_id)
    if since is not None:
        query = query.where((Support.id > since.id) | (Support.updated_at >= since.at))
    return await fetch(query, _SupportRow)


def _config(row: EnvelopeRecord) -> _Config:
    return _Config(
        id=row.id,
        created_at=row.created_at,
        amount_cents=row.amount_cents,
        rule=row.rule,
        min_cofunders=row.min_cofunders,
        own_challenge_cap_pct=row.own_challenge_cap_pct,
        support=row.support,
        eligible_forms=tuple(row.eligible_forms),
    )


def _latest_at(rows: Iterable[_PledgeRow | _SupportRow]) -> dt.datetime | None:
    return max((r.updated_at for r in rows), default=None)


def _with_rows(entry: _Entry) -> engine.EnvelopeInput:
    """The inputs with the pledges and support held now (as `envelope_inputs.load` builds them)."""
    ids = {c.id for c in entry.loaded.inputs.challenges}
    pledges = [
        entry.engine_pledges[pledge_id]
        for pledge_id in sorted(entry.engine_pledges)
        if entry.engine_pledges[pledge_id].amount_cents > 0
        and entry.engine_pledges[pledge_id].challenge_id in ids
    ]
    supports = [
        engine.Support(lieu_id=s.lieu, challenge_id=s.challenge, points=s.points)
        for s in sorted(entry.supports.values(), key=lambda s: (s.lieu, s.challenge))
        if s.points > 0 and s.challenge in ids
    ]
    cofunders = sorted({p.contributor_id for p in pledges if p.contributor_kind == "cofunder"})
    return msgspec.structs.replace(
        entry.loaded.inputs,
        pledges=pledges,
        supports=supports,
        cofunders=[engine.Cofunder(id=org) for org in cofunders],
    )


def _knows_every_lieu(entry: _Entry) -> bool:
    """A row from a lieu the inputs were not read with (not a member of the envelope when they
    were read) needs its legal form: read everything again."""
    known = {lieu.id for lieu in entry.loaded.inputs.lieux}
    return all(p.lieu is None or p.lieu in known for p in entry.pledges.values()) and all(
        s.lieu in known for s in entry.supports.values()
    )


async def _full(
    row: EnvelopeRecord, structure: _Structure, pledge_mark: Mark, support_mark: Mark
) -> _Entry:
    loaded = await envelope_inputs.load(row.id, row=row)
    entry = _Entry(
        structure=structure,
        config=_config(row),
        pledges={p.id: p for p in await _pledge_rows(row.id, None)},
        supports={s.id: s for s in await _support_rows(row.id, None)},
        pledge_mark=pledge_mark,
        support_mark=support_mark,
        loaded=loaded,
        valid_until=await envelope_inputs.next_deadline(row),
        engine_pledges={},
    )
    entry.engine_pledges = {i: engine_pledge(p) for i, p in entry.pledges.items()}
    entry.loaded = dataclasses.replace(loaded, inputs=_with_rows(entry))
    return entry


def _agrees(held: Iterable[int], mark: Mark) -> bool:
    amounts = list(held)
    return len(amounts) == mark.rows and sum(amounts) == mark.total


async def _apply_changes(
    entry: _Entry, envelope_id: int, pledge_mark: Mark, support_mark: Mark
) -> bool:
    """Read the pledge and support rows written since the entry was made; False when what is
    then held does not add up to what the database says (read everything again)."""
    if pledge_mark == entry.pledge_mark and support_mark == entry.support_mark:
        STATS["unchanged"] += 1
        return True
    if pledge_mark != entry.pledge_mark:
        at = _latest_at(entry.pledges.values())
        if at is None:
            return False
        for p in await _pledge_rows(envelope_id, _Since(entry.pledge_mark.last_id, at)):
            entry.pledges[p.id] = p
            entry.engine_pledges[p.id] = engine_pledge(p)
        if not _agrees((p.amount_cents for p in entry.pledges.values()), pledge_mark):
            return False
    if support_mark != entry.support_mark:
        at = _latest_at(entry.supports.values())
        if at is None:
            return False
        for s in await _support_rows(envelope_id, _Since(entry.support_mark.last_id, at)):
            entry.supports[s.id] = s
        if not _agrees((s.points for s in entry.supports.values()), support_mark):
            return False
    if not _knows_every_lieu(entry):
        return False
    entry.pledge_mark, entry.support_mark = pledge_mark, support_mark
    entry.loaded = dataclasses.replace(entry.loaded, inputs=_with_rows(entry))
    entry.settlement = None
    entry.error = None
    STATS["delta"] += 1
    return True


async def current(
    envelope_id: int, *, row: EnvelopeLike, run_engine: bool = True
) -> tuple[EnvelopeInputs, Settlement | None, str | None]:
    """The envelope's inputs as they stand, and the engine's settlement of them (or why the
    engine refused them), recomputed only from what changed."""
    row = record_of(row)
    structure, pledge_mark, support_mark = await _state(row)
    entry = _ENTRIES.get(envelope_id)
    moment = now()
    fresh = (
        entry is not None
        and entry.structure == structure
        and entry.config == _config(row)
        and (entry.valid_until is None or moment < entry.valid_until)
        and await _apply_changes(entry, envelope_id, pledge_mark, support_mark)
    )
    if not fresh or entry is None:
        STATS["full"] += 1
        entry = await _full(row, structure, pledge_mark, support_mark)
        _ENTRIES[envelope_id] = entry
    loaded = entry.loaded
    if run_engine and entry.settlement is None and entry.error is None:
        # Off the event loop when the rule may take long (services.computations). Another
        # request may have moved the entry on meanwhile: the result is kept only if it is
        # still of the entry's inputs.
        settlement, error = await computations.settle_inputs(loaded.inputs)
        if entry.loaded is loaded:
            entry.settlement, entry.error = settlement, error
        return loaded, settlement, error
    return loaded, entry.settlement, entry.error
