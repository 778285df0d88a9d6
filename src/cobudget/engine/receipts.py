"""Receipts: every acknowledged write that moves money or support in an envelope, chained
(issue 20, docs/receipts-format.md).

A write is one `Record`: the envelope, its sequence number there (1, 2, 3… with no gap), what
kind of write it is, who (the unit: "lieu:N" or "org:N"), the challenge, the source, the amount
(cents; points for support), the time, and the full hash of the previous record of the same
envelope ("0" × 64 for the first). Its bytes are JSON with the keys in alphabetical order, no
space, ASCII only (every value is an integer or an ASCII string, so `json.dumps(record,
sort_keys=True, separators=(",", ":"))` in Python gives the same bytes); its hash is the
SHA-256 of those bytes, hex; the receipt a lieu keeps is the first 80 bits of the hash in
Crockford's base 32, in four groups of four (`short_code`).

Kinds: "pledge" (set, changed, or withdrawn with amount 0), "support" (source "support", the
points; 0 withdraws), "release" (the pledge released to 0 because another envelope funded the
challenge or its proposers withdrew it), "genesis" (a pledge or support already standing when
receipts began, written once by the migration that introduced them).

Pure: standard library and msgspec, so `cobudget verify` checks a chain offline.

Errors: `ChainBroken(seq, reason)` says which sequence number breaks the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import msgspec

from cobudget.engine.types import EnvelopeInput

RECORD_VERSION = 1
FIRST_PREV = "0" * 64
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
CODE_BITS = 80
_CODE_CHARS = CODE_BITS // 5  # 16
_HEX = re.compile(r"[0-9a-f]{64}", re.ASCII)

Kind = Literal["pledge", "support", "release", "genesis"]
Source = Literal["drawing_rights", "own_funds", "support"]


class Record(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One write, as hashed. Fields are declared in alphabetical order: the encoding is the
    JSON object with sorted keys."""

    amount: int
    at: str  # UTC, "2026-12-06T19:14:18.123456Z"
    challenge: int
    envelope: int
    kind: Kind
    prev: str
    seq: int
    source: Source
    unit: str  # "lieu:N" or "org:N"
    v: int = RECORD_VERSION


class Entry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One line of an envelope's journal: the record and its full hash."""

    record: Record
    hash: str


@dataclass(frozen=True)
class Write:
    """One write to chain: what it is, who (a lieu, or else an organisation), on which
    challenge, from which source, and the amount (or points) after it."""

    kind: Kind
    lieu_id: int | None
    org_id: int | None
    challenge_id: int
    source: Source
    amount: int

    @property
    def unit(self) -> str:
        return f"lieu:{self.lieu_id}" if self.lieu_id is not None else f"org:{self.org_id}"


class Head(msgspec.Struct, frozen=True):
    """The end of a chain: how many writes, and the hash of the last (FIRST_PREV when none)."""

    writes: int
    head: str


class ChainBroken(Exception):
    """The journal is not one unbroken chain: `seq` is the first sequence number that breaks
    it, `reason` a code ("hash_mismatch", "prev_mismatch", "seq_out_of_order", "missing",
    "envelope_mismatch", "head_mismatch", "count_mismatch", "malformed")."""

    def __init__(self, seq: int, reason: str, detail: str = "") -> None:
        self.seq = seq
        self.reason = reason
        self.detail = detail
        super().__init__(f"seq {seq}: {reason}" + (f" ({detail})" if detail else ""))


_ENCODER = msgspec.json.Encoder()


def timestamp(moment: dt.datetime) -> str:
    """A moment as records hold it: UTC, microseconds, "Z"."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def encode(record: Record) -> bytes:
    """The bytes the hash covers."""
    return _ENCODER.encode(record)


def record_hash(record: Record) -> str:
    """SHA-256 (hex) of the record's bytes."""
    return hashlib.sha256(encode(record)).hexdigest()


def short_code(full_hash: str) -> str:
    """The receipt shown to people: the hash's first 80 bits in Crockford's base 32, grouped
    by four ("7K2M-Q9XC-…", 19 characters)."""
    return grouped(code_of(full_hash))


def grouped(code: str) -> str:
    """16 characters of a receipt in four groups of four, joined by dashes."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


_READ_AS = {"O": "0", "I": "1", "L": "1"}


def code_key(text: str) -> str | None:
    """A receipt as typed ("7k2m q9xc…", with or without dashes or spaces; O read as 0, I and
    L as 1, as Crockford's base 32 says) → its 16 characters, or None when it is not one."""
    cleaned = re.sub(r"[\s\-]", "", text.strip().upper())[:40]
    cleaned = "".join(_READ_AS.get(c, c) for c in cleaned)
    if len(cleaned) != _CODE_CHARS or any(c not in CODE_ALPHABET for c in cleaned):
        return None
    return cleaned


def code_of(full_hash: str) -> str:
    """The 16 characters of the receipt, without dashes (what `code_key` gives back): the
    first 20 hex digits (80 bits) of the hash, five bits a character, most significant first."""
    value = int(full_hash[: CODE_BITS // 4], 16)
    return "".join(CODE_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(_CODE_CHARS)))


def next_record(
    previous: Head,
    *,
    envelope: int,
    kind: Kind,
    unit: str,
    challenge: int,
    source: Source,
    amount: int,
    at: dt.datetime,
) -> Record:
    """The record that follows `previous` in the envelope's chain."""
    return Record(
        amount=amount,
        at=timestamp(at),
        challenge=challenge,
        envelope=envelope,
        kind=kind,
        prev=previous.head,
        seq=previous.writes + 1,
        source=source,
        unit=unit,
    )


def check_chain(entries: Sequence[Entry], *, envelope: int | None = None) -> Head:
    """Recompute the chain: sequence numbers 1, 2, 3… in order, each record's hash as stated,
    each `prev` the hash of the record before. Returns the head; raises ChainBroken naming the
    first sequence number that breaks it."""
    prev = FIRST_PREV
    present = {entry.record.seq for entry in entries}
    for position, entry in enumerate(entries, start=1):
        record = entry.record
        if record.seq != position:
            reason = "missing" if position not in present else "seq_out_of_order"
            raise ChainBroken(position, reason, f"found seq {record.seq} at position {position}")
        if envelope is not None and record.envelope != envelope:
            raise ChainBroken(position, "envelope_mismatch", f"envelope {record.envelope}")
        if record.prev != prev:
            raise ChainBroken(position, "prev_mismatch")
        actual = record_hash(record)
        if actual != entry.hash:
            raise ChainBroken(position, "hash_mismatch")
        prev = actual
    return Head(writes=len(entries), head=prev)


def check_head(entries: Sequence[Entry], expected: Head, *, envelope: int | None = None) -> Head:
    """`check_chain`, then the head and count must be those `expected` (a settlement's)."""
    head = check_chain(entries, envelope=envelope)
    if head.writes != expected.writes:
        missing_from = min(head.writes, expected.writes) + 1
        raise ChainBroken(
            missing_from, "count_mismatch", f"{head.writes} records, {expected.writes} expected"
        )
    if head.head != expected.head:
        raise ChainBroken(head.writes, "head_mismatch")
    return head


PledgeKey = tuple[str, int, str]  # unit, challenge, source
SupportKey = tuple[int, int]  # lieu, challenge


def final_state(
    records: Iterable[Record],
) -> tuple[dict[PledgeKey, int], dict[SupportKey, int]]:
    """Replay the records: each unit's pledge per challenge and source, each lieu's support per
    challenge, as they stand after the last record (zeros left out)."""
    pledges: dict[PledgeKey, int] = {}
    supports: dict[SupportKey, int] = {}
    for record in records:
        if record.source == "support":
            supports[(int(record.unit.partition(":")[2]), record.challenge)] = record.amount
        else:
            pledges[(record.unit, record.challenge, record.source)] = record.amount
    return (
        {k: v for k, v in pledges.items() if v},
        {k: v for k, v in supports.items() if v},
    )


def _unit(kind: str, ident: int) -> str:
    return f"{'lieu' if kind == 'lieu' else 'org'}:{ident}"


def differences(records: Iterable[Record], inputs: EnvelopeInput) -> list[str]:
    """What differs between the state the records imply and the settlement's inputs: every
    pledge replayed must be a pledge of the inputs with the same amount, and the other way
    round; the same for support, on the challenges of the inputs (support of a challenge that
    left the envelope, withdrawn or funded elsewhere, is not settled). Empty when they agree."""
    pledges, supports = final_state(records)
    settled: dict[PledgeKey, int] = {
        (_unit(p.contributor_kind, p.contributor_id), p.challenge_id, str(p.source)): p.amount_cents
        for p in inputs.pledges
    }
    problems = []
    for key in sorted(set(pledges) | set(settled)):
        replayed, kept = pledges.get(key, 0), settled.get(key, 0)
        if replayed != kept:
            unit, challenge, source = key
            problems.append(
                f"pledge of {unit} to challenge {challenge} ({source}): "
                f"{replayed} cents in the journal, {kept} in the settlement"
            )
    challenge_ids = {c.id for c in inputs.challenges}
    supported = {k: v for k, v in supports.items() if k[1] in challenge_ids}
    settled_support = {(s.lieu_id, s.challenge_id): s.points for s in inputs.supports}
    for lieu, challenge in sorted(set(supported) | set(settled_support)):
        replayed = supported.get((lieu, challenge), 0)
        kept = settled_support.get((lieu, challenge), 0)
        if replayed != kept:
            problems.append(
                f"support of lieu:{lieu} for challenge {challenge}: "
                f"{replayed} in the journal, {kept} in the settlement"
            )
    return problems


def find(entries: Iterable[Entry], code: str) -> Entry | None:
    """The entry whose receipt is `code` (as `code_key` gives it), or None."""
    for entry in entries:
        if _HEX.fullmatch(entry.hash) and code_of(entry.hash) == code:
            return entry
    return None
