"""Receipts (issue 20): one sequence number per envelope (a unique index on envelope and seq,
raw SQL as the other unique indexes, since Piccolo adds a composite constraint with ALTER TABLE,
which SQLite does not support), a receipt found by its code, and the chain's beginning for the
envelopes not settled yet.

An envelope not settled that already holds pledges or support starts its chain with one
"genesis" record per standing pledge (by pledge id) and support (by support id), dated now: its
settlement then covers every pledge it reads. A settled envelope gets no chain: its settlement
was published before receipts existed and verifies as before (docs/receipts-format.md).
"""

import datetime as dt

import msgspec
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from cobudget.db.rows import typed
from cobudget.engine import receipts

ID = "2026-12-06T19:16:39:000000"
VERSION = "1.38.0"
DESCRIPTION = "Receipts: one number per envelope; the chain of pledges already standing"


class Receipt(Table, tablename="receipt"):
    envelope = Integer()
    seq = Integer()
    at = Timestamptz()
    kind = Varchar(length=10)
    lieu = Integer(null=True)
    org = Integer(null=True)
    challenge = Integer()
    source = Varchar(length=20)
    amount = BigInt()
    hash = Varchar(length=64)
    code = Varchar(length=16)
    record = Text()


class ReceiptHead(Table, tablename="receipt_head"):
    envelope = Integer()
    writes = Integer()
    head = Varchar(length=64)


class _Standing(msgspec.Struct, frozen=True):
    """A pledge or a support standing in an envelope not settled, as the chain records it."""

    envelope: int
    lieu: int | None
    org: int | None
    challenge: int
    source: receipts.Source
    amount: int


async def _genesis() -> None:
    moment = dt.datetime.now(dt.UTC)
    standing = await Receipt.raw(
        "SELECT p.envelope AS envelope, p.lieu AS lieu, p.org AS org,"
        " p.challenge AS challenge, p.source AS source, p.amount_cents AS amount"
        " FROM pledge p JOIN envelope e ON e.id = p.envelope"
        " WHERE e.settled_at IS NULL AND p.amount_cents > 0"
        " ORDER BY p.envelope, p.id"
    )
    supports = await Receipt.raw(
        "SELECT s.envelope AS envelope, s.lieu AS lieu, NULL AS org,"
        " s.challenge AS challenge, 'support' AS source, s.points AS amount"
        " FROM support s JOIN envelope e ON e.id = s.envelope"
        " WHERE e.settled_at IS NULL AND s.points > 0"
        " ORDER BY s.envelope, s.id"
    )
    by_envelope: dict[int, list[_Standing]] = {}
    for row in typed([*standing, *supports], _Standing):
        by_envelope.setdefault(row.envelope, []).append(row)
    for envelope_id, rows in sorted(by_envelope.items()):
        head = receipts.Head(writes=0, head=receipts.FIRST_PREV)
        written = []
        for row in rows:
            lieu = row.lieu
            record = receipts.next_record(
                head,
                envelope=envelope_id,
                kind="genesis",
                unit=f"lieu:{lieu}" if lieu is not None else f"org:{row.org}",
                challenge=row.challenge,
                source=row.source,
                amount=row.amount,
                at=moment,
            )
            full = receipts.record_hash(record)
            written.append(
                Receipt(
                    envelope=envelope_id,
                    seq=record.seq,
                    at=moment,
                    kind="genesis",
                    lieu=lieu,
                    org=row.org,
                    challenge=record.challenge,
                    source=record.source,
                    amount=record.amount,
                    hash=full,
                    code=receipts.code_of(full),
                    record=receipts.encode(record).decode(),
                )
            )
            head = receipts.Head(writes=record.seq, head=full)
        await Receipt.insert(*written)
        await ReceiptHead.insert(
            ReceiptHead(envelope=envelope_id, writes=head.writes, head=head.head)
        )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cobudget", description=DESCRIPTION)

    async def run() -> None:
        await Receipt.raw("CREATE UNIQUE INDEX receipt_envelope_seq ON receipt (envelope, seq)")
        await Receipt.raw("CREATE INDEX receipt_envelope_code ON receipt (envelope, code)")
        await _genesis()

    async def run_backwards() -> None:
        await Receipt.raw("DROP INDEX receipt_envelope_seq")
        await Receipt.raw("DROP INDEX receipt_envelope_code")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
