"""The live projection kept up to date incrementally (issue 6: a page with its projection in
under 100 ms on a large envelope).

Reading a large envelope from the database costs more than settling it, and almost every change
during funding is a pledge or a support. So each process keeps, per envelope, the engine's
inputs and their settlement, with a fingerprint of what they were read from:

- `structure`: one query of aggregates over everything but pledges and support (challenges and
  their versions, rounds, positions, co-proposers, eligible lieux, other settlements, every
  audited change that is not a pledge or a support). If it moved, everything is read again.
- pledges and support: only the rows written since the last read (by id and `updated_at`) are
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
from dataclasses import dataclass

import msgspec

from cobudget.db.tables import Pledge, Support
from cobudget.engine import types as engine
from cobudget.engine.settlement import Settlement
from cobudget.services import computations, envelope_inputs
from cobudget.services.clock import now
from cobudget.services.envelope_inputs import EnvelopeInputs

_STRUCTURE = """
SELECT
  (SELECT count(*) FROM challenge WHERE network = {network}) AS challenges,
  (SELECT coalesce(sum(current_version), 0) FROM challenge WHERE network = {network}) AS versions,
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
  (SELECT coalesce(sum(weight), 0) FROM envelope_lieu WHERE envelope = {envelope}) AS weights,
  (SELECT count(*) FROM network_lieu WHERE network = {network}) AS network_lieux,
  (SELECT coalesce(max(id), 0) FROM audit_entry
     WHERE action NOT IN ('pledge.set', 'support.set')) AS last_change
"""

# Where the pledges and the support of an envelope stand, in one query.
_MARKS = """
SELECT p.rows AS p_rows, p.total AS p_total, p.last_id AS p_last_id, p.last_at AS p_last_at,
       s.rows AS s_rows, s.total AS s_total, s.last_id AS s_last_id, s.last_at AS s_last_at
FROM (SELECT count(*) AS rows, coalesce(sum(amount_cents), 0) AS total,
             coalesce(max(id), 0) AS last_id, max(updated_at) AS last_at
      FROM pledge WHERE envelope = {envelope}) AS p,
     (SELECT count(*) AS rows, coalesce(sum(points), 0) AS total,
             coalesce(max(id), 0) AS last_id, max(updated_at) AS last_at
      FROM support WHERE envelope = {envelope}) AS s
"""


@dataclass
class _Entry:
    structure: dict[str, object]
    config: tuple[object, ...]
    pledges: dict[int, dict[str, object]]  # every pledge row of the envelope, by id
    supports: dict[int, dict[str, object]]  # every support row, by id
    pledge_mark: dict[str, object]
    support_mark: dict[str, object]
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


async def _structure(row: dict[str, object]) -> dict[str, object]:
    rows = await Pledge.raw(
        _STRUCTURE.replace("{network}", str(int(str(row["network"])))).replace(
            "{envelope}", str(int(str(row["id"])))
        )
    )
    return dict(rows[0])


async def _marks(envelope_id: int) -> tuple[dict[str, object], dict[str, object]]:
    """(pledges, support): row count, total, last id and last write time of each."""
    rows = await Pledge.raw(_MARKS.replace("{envelope}", str(int(envelope_id))))
    both = dict(rows[0])
    return (
        {key[2:]: value for key, value in both.items() if key.startswith("p_")},
        {key[2:]: value for key, value in both.items() if key.startswith("s_")},
    )


async def _pledge_rows(
    envelope_id: int, since: dict[str, object] | None
) -> list[dict[str, object]]:
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
        query = query.where((Pledge.id > since["id"]) | (Pledge.updated_at >= since["at"]))
    return list(await query)


async def _support_rows(
    envelope_id: int, since: dict[str, object] | None
) -> list[dict[str, object]]:
    query = Support.select(
        Support.id, Support.lieu, Support.challenge, Support.points, Support.updated_at
    ).where(Support.envelope == envelope_id)
    if since is not None:
        query = query.where((Support.id > since["id"]) | (Support.updated_at >= since["at"]))
    return list(await query)


def _config(row: dict[str, object]) -> tuple[object, ...]:
    """What of the envelope's own row the inputs are made of."""
    names = (
        "id",
        "created_at",  # ids can be reused after rows are deleted (SQLite): the time cannot
        "amount_cents",
        "rule",
        "min_cofunders",
        "own_challenge_cap_pct",
        "support",
    )
    return (*(row[name] for name in names), tuple(row["eligible_forms"]))  # type: ignore[call-overload]


def _latest_at(rows: dict[int, dict[str, object]]) -> object:
    return max((r["updated_at"] for r in rows.values()), default=None)


def _engine_pledge(p: dict[str, object]) -> engine.Pledge:
    return engine.Pledge(
        id=int(str(p["id"])),
        challenge_id=int(str(p["challenge"])),
        contributor_kind="lieu" if p["lieu"] is not None else "cofunder",
        contributor_id=int(str(p["lieu"] if p["lieu"] is not None else p["org"])),
        source=p["source"],  # type: ignore[arg-type]
        amount_cents=int(str(p["amount_cents"])),
    )


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
        engine.Support(
            lieu_id=int(str(s["lieu"])),
            challenge_id=int(str(s["challenge"])),
            points=int(str(s["points"])),
        )
        for s in sorted(entry.supports.values(), key=lambda s: (s["lieu"], s["challenge"]))  # type: ignore[arg-type, return-value]
        if int(str(s["points"])) > 0 and s["challenge"] in ids
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
    return all(p["lieu"] is None or p["lieu"] in known for p in entry.pledges.values()) and all(
        s["lieu"] in known for s in entry.supports.values()
    )


async def _full(row: dict[str, object], structure: dict[str, object]) -> _Entry:
    envelope_id = int(str(row["id"]))
    pledge_mark, support_mark = await _marks(envelope_id)
    loaded = await envelope_inputs.load(envelope_id, row=row)
    entry = _Entry(
        structure=structure,
        config=_config(row),
        pledges={int(str(p["id"])): p for p in await _pledge_rows(envelope_id, None)},
        supports={int(str(s["id"])): s for s in await _support_rows(envelope_id, None)},
        pledge_mark=pledge_mark,
        support_mark=support_mark,
        loaded=loaded,
        valid_until=await envelope_inputs.next_deadline(row),
        engine_pledges={},
    )
    entry.engine_pledges = {i: _engine_pledge(p) for i, p in entry.pledges.items()}
    entry.loaded = dataclasses.replace(loaded, inputs=_with_rows(entry))
    return entry


def _agrees(held: dict[int, dict[str, object]], mark: dict[str, object], amount: str) -> bool:
    total = mark["total"]  # an int, or a Decimal from PostgreSQL's sum()
    return len(held) == mark["rows"] and sum(int(str(r[amount])) for r in held.values()) == int(
        total  # type: ignore[call-overload]
    )


async def _apply_changes(entry: _Entry, envelope_id: int) -> bool:
    """Read the pledge and support rows written since the entry was made; False when what is
    then held does not add up to what the database says (read everything again)."""
    pledge_mark, support_mark = await _marks(envelope_id)
    if pledge_mark == entry.pledge_mark and support_mark == entry.support_mark:
        STATS["unchanged"] += 1
        return True
    since_pledge = {"id": entry.pledge_mark["last_id"], "at": _latest_at(entry.pledges)}
    since_support = {"id": entry.support_mark["last_id"], "at": _latest_at(entry.supports)}
    if pledge_mark != entry.pledge_mark:
        if since_pledge["at"] is None:
            return False
        for p in await _pledge_rows(envelope_id, since_pledge):
            entry.pledges[int(str(p["id"]))] = p
            entry.engine_pledges[int(str(p["id"]))] = _engine_pledge(p)
        if not _agrees(entry.pledges, pledge_mark, "amount_cents"):
            return False
    if support_mark != entry.support_mark:
        if since_support["at"] is None:
            return False
        for s in await _support_rows(envelope_id, since_support):
            entry.supports[int(str(s["id"]))] = s
        if not _agrees(entry.supports, support_mark, "points"):
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
    envelope_id: int, *, row: dict[str, object], run_engine: bool = True
) -> tuple[EnvelopeInputs, Settlement | None, str | None]:
    """The envelope's inputs as they stand, and the engine's settlement of them (or why the
    engine refused them), recomputed only from what changed."""
    structure = await _structure(row)
    entry = _ENTRIES.get(envelope_id)
    moment = now()
    fresh = (
        entry is not None
        and entry.structure == structure
        and entry.config == _config(row)
        and (entry.valid_until is None or moment < entry.valid_until)
        and await _apply_changes(entry, envelope_id)
    )
    if not fresh or entry is None:
        STATS["full"] += 1
        entry = await _full(row, structure)
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
