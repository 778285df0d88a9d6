"""An envelope's chain of receipts (issue 20): appended inside each write that moves money or
support, read for the journal, the settlement and the check of a receipt.

`append` runs inside the caller's write transaction, after its checks and its write, and holds
the envelope's `receipt_head` row for update until the transaction ends: two writes to one
envelope never take the same number, the numbers follow the order in which the writes commit,
and none is left out (PostgreSQL; on SQLite write transactions take turns). It is always the
last lock a transaction takes (after the envelope, the contributor and the challenge), so it
adds no deadlock. The record format is `engine.receipts` (docs/receipts-format.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import msgspec

from cobudget.db.rows import fetch, fetch_one
from cobudget.db.tables import Receipt, ReceiptHead
from cobudget.db.transactions import for_update
from cobudget.engine import receipts as chain

# One write to chain (`engine.receipts.Write`), as the services name it.
Write = chain.Write


class _Head(msgspec.Struct, frozen=True):
    writes: int
    head: str


async def _appendable_head(envelope_id: int) -> chain.Head:
    """The end of the envelope's chain, its row held until the transaction ends (made on the
    first write: two first writes at once both insert nothing but one row, then wait in turn)."""
    exists = await ReceiptHead.exists().where(ReceiptHead.envelope == envelope_id)
    if not exists:
        await ReceiptHead.insert(
            ReceiptHead(envelope=envelope_id, writes=0, head=chain.FIRST_PREV)
        ).on_conflict(action="DO NOTHING")
    return await _head(envelope_id, hold=True)


async def append(envelope_id: int, writes: Sequence[Write], moment: dt.datetime) -> list[str]:
    """Chain `writes` to the envelope, in this order, inside the caller's transaction; the
    receipt codes (16 characters each) in the same order."""
    if not writes:
        return []
    head = await _appendable_head(envelope_id)
    rows = []
    for write in writes:
        record = chain.next_record(
            head,
            envelope=envelope_id,
            kind=write.kind,
            unit=write.unit,
            challenge=write.challenge_id,
            source=write.source,
            amount=write.amount,
            at=moment,
        )
        full = chain.record_hash(record)
        rows.append(
            Receipt(
                envelope=envelope_id,
                seq=record.seq,
                at=moment,
                kind=write.kind,
                lieu=write.lieu_id,
                org=write.org_id,
                challenge=write.challenge_id,
                source=write.source,
                amount=write.amount,
                hash=full,
                code=chain.code_of(full),
                record=chain.encode(record).decode(),
            )
        )
        head = chain.Head(writes=record.seq, head=full)
    await Receipt.insert(*rows)
    await ReceiptHead.update({ReceiptHead.writes: head.writes, ReceiptHead.head: head.head}).where(
        ReceiptHead.envelope == envelope_id
    )
    return [str(row.code) for row in rows]


async def append_one(envelope_id: int, write: Write, moment: dt.datetime) -> str:
    """`append` for one write; its receipt code."""
    (code,) = await append(envelope_id, [write], moment)
    return code


async def _head(envelope_id: int, *, hold: bool) -> chain.Head:
    query = ReceiptHead.select(ReceiptHead.writes, ReceiptHead.head).where(
        ReceiptHead.envelope == envelope_id
    )
    row = await fetch_one((for_update(query) if hold else query).first(), _Head)
    if row is None:
        return chain.Head(writes=0, head=chain.FIRST_PREV)
    return chain.Head(writes=row.writes, head=row.head)


async def held_head(envelope_id: int) -> chain.Head:
    """The end of the chain, held until the transaction ends: what a settlement commits to."""
    return await _head(envelope_id, hold=True)


async def head(envelope_id: int) -> chain.Head:
    """The end of the chain as it stands (not held)."""
    return await _head(envelope_id, hold=False)


class StoredReceipt(msgspec.Struct, frozen=True):
    """A receipt as the journal keeps it."""

    seq: int
    at: dt.datetime
    kind: str
    lieu: int | None
    org: int | None
    challenge: int
    source: str
    amount: int
    hash: str
    code: str
    record: str

    @property
    def short(self) -> str:
        return chain.short_code(self.hash)

    @property
    def unit(self) -> str:
        return f"lieu:{self.lieu}" if self.lieu is not None else f"org:{self.org}"


COLUMNS = tuple(getattr(Receipt, name) for name in StoredReceipt.__struct_fields__)


async def page(envelope_id: int, *, offset: int, limit: int) -> list[StoredReceipt]:
    """A page of the journal, by sequence number."""
    return await fetch(
        Receipt.select(*COLUMNS)
        .where(Receipt.envelope == envelope_id)
        .order_by(Receipt.seq)
        .offset(offset)
        .limit(limit),
        StoredReceipt,
    )


async def everything(envelope_id: int, *, limit: int | None = None) -> list[StoredReceipt]:
    """The whole journal, by sequence number (the settlement bundle and the downloads)."""
    query = Receipt.select(*COLUMNS).where(Receipt.envelope == envelope_id).order_by(Receipt.seq)
    if limit is not None:
        query = query.limit(limit)
    return await fetch(query, StoredReceipt)


async def by_code(envelope_id: int, code: str) -> StoredReceipt | None:
    """The receipt of this envelope with this code (16 characters, `engine.receipts.code_key`)."""
    return await fetch_one(
        Receipt.select(*COLUMNS)
        .where(Receipt.envelope == envelope_id)
        .where(Receipt.code == code)
        .order_by(Receipt.seq)
        .first(),
        StoredReceipt,
    )


async def of_units(
    envelope_id: int, lieu_ids: Sequence[int], org_ids: Sequence[int], *, limit: int = 50
) -> list[StoredReceipt]:
    """The latest receipts of these lieux and organisations in the envelope, newest first: the
    history a lieu keeps on its pages."""
    if not lieu_ids and not org_ids:
        return []
    mine = Receipt.lieu.is_in(list(lieu_ids) or [0]) | Receipt.org.is_in(list(org_ids) or [0])
    return await fetch(
        Receipt.select(*COLUMNS)
        .where(Receipt.envelope == envelope_id)
        .where(mine)
        .order_by(Receipt.seq, ascending=False)
        .limit(limit),
        StoredReceipt,
    )


def entries(stored: Sequence[StoredReceipt]) -> list[chain.Entry]:
    """The journal as the chain check reads it (the records decoded from their very bytes)."""
    return [
        chain.Entry(record=msgspec.json.decode(r.record, type=chain.Record), hash=r.hash)
        for r in stored
    ]
