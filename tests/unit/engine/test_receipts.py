"""The chain of receipts (issue 20): records, hashes, codes, the chain check and the replay."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cobudget.engine import receipts
from cobudget.engine.receipts import ChainBroken, Entry, Head, Write
from cobudget.engine.types import EnvelopeInput, Pledge, ReceiptChain, Support

from .builders import challenge

AT = dt.datetime(2026, 12, 6, 15, 4, 5, 123456, tzinfo=dt.UTC)

# One write: (unit, challenge, source, amount); support carries points.
writes = st.lists(
    st.tuples(
        st.sampled_from(["lieu:1", "lieu:2", "lieu:3", "org:7"]),
        st.sampled_from([10, 20, 30]),
        st.sampled_from(["drawing_rights", "own_funds", "support", "release"]),
        st.sampled_from([0, 0, 1, 5, 1_000, 25_000]),
    ),
    max_size=40,
)


def _chain(steps: list[tuple[str, int, str, int]], envelope: int = 4) -> list[Entry]:
    head = Head(writes=0, head=receipts.FIRST_PREV)
    out = []
    for unit, challenge_id, source, amount in steps:
        if source == "support" and unit.startswith("org"):
            unit = "lieu:1"  # only lieux give support
        kind = "support" if source == "support" else "pledge"
        if source == "release":
            kind, source, amount = "release", "drawing_rights", 0
        record = receipts.next_record(
            head,
            envelope=envelope,
            kind=kind,  # type: ignore[arg-type]
            unit=unit,
            challenge=challenge_id,
            source=source,  # type: ignore[arg-type]
            amount=amount,
            at=AT,
        )
        entry = Entry(record=record, hash=receipts.record_hash(record))
        out.append(entry)
        head = Head(writes=record.seq, head=entry.hash)
    return out


def _inputs_of(entries: list[Entry], chain: Head) -> EnvelopeInput:
    """The settlement's inputs a faithful store would hold after these writes."""
    pledges, supports = receipts.final_state(e.record for e in entries)
    return EnvelopeInput(
        amount_cents=100_000,
        rule="equal_shares",
        lieux=[],
        challenges=[challenge(c, [1], 0, 100_000) for c in (10, 20, 30)],
        pledges=[
            Pledge(
                id=i,
                challenge_id=c,
                contributor_kind="lieu" if unit.startswith("lieu") else "cofunder",
                contributor_id=int(unit.split(":")[1]),
                source=source,  # type: ignore[arg-type]
                amount_cents=amount,
            )
            for i, ((unit, c, source), amount) in enumerate(sorted(pledges.items()), start=1)
        ],
        supports=[Support(lieu_id=lieu, challenge_id=c, points=p) for (lieu, c), p in supports.items()],
        chain=ReceiptChain(writes=chain.writes, head=chain.head),
    )


def test_a_record_is_json_with_sorted_keys_that_the_standard_library_writes_alike() -> None:
    (entry,) = _chain([("lieu:3", 10, "own_funds", 12_345)])
    as_python = json.loads(receipts.encode(entry.record))
    again = json.dumps(as_python, sort_keys=True, separators=(",", ":")).encode()
    assert again == receipts.encode(entry.record)
    assert entry.hash == hashlib.sha256(again).hexdigest()
    assert as_python["prev"] == "0" * 64 and as_python["seq"] == 1 and as_python["v"] == 1
    assert as_python["at"] == "2026-12-06T15:04:05.123456Z"


def test_a_receipt_is_80_bits_of_the_hash_in_four_groups_of_crockford_base32() -> None:
    full = "f" * 20 + "0" * 44
    assert receipts.short_code(full) == "ZZZZ-ZZZZ-ZZZZ-ZZZZ"
    full = hashlib.sha256(b"x").hexdigest()
    code = receipts.short_code(full)
    assert len(code) == 19 and code.count("-") == 3
    digits = [receipts.CODE_ALPHABET.index(c) for c in code.replace("-", "")]
    assert sum(d << (5 * (15 - i)) for i, d in enumerate(digits)) == int(full[:20], 16)
    assert receipts.code_key(code) == receipts.code_of(full)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("abcd-efgh-jkmn-pqrs", "ABCDEFGHJKMNPQRS"),
        (" ABCD EFGH JKMN PQRS ", "ABCDEFGHJKMNPQRS"),
        ("oooo-iiii-llll-0000", "0000111111110000"),
        ("ABCD-EFGH-JKMN-PQR", None),  # 15 characters
        ("ABCD-EFGH-JKMN-PQRU", None),  # U is not in the alphabet
        ("", None),
        ("x" * 5000, None),
    ],
)
def test_a_typed_receipt_is_read_as_crockford_says(typed: str, expected: str | None) -> None:
    assert receipts.code_key(typed) == expected


@settings(max_examples=200, deadline=None)
@given(writes)
def test_the_chain_the_journal_and_the_replayed_pledges_agree(
    steps: list[tuple[str, int, str, int]],
) -> None:
    entries = _chain(steps)
    head = receipts.check_chain(entries, envelope=4)
    assert head.writes == len(steps)
    assert [e.record.seq for e in entries] == list(range(1, len(steps) + 1))
    inputs = _inputs_of(entries, head)
    assert receipts.differences((e.record for e in entries), inputs) == []
    assert receipts.check_head(entries, head) == head
    for entry in entries:
        assert receipts.find(entries, receipts.code_of(entry.hash)) is not None


@settings(max_examples=100, deadline=None)
@given(writes.filter(lambda s: len(s) >= 2), st.data())
def test_a_pledge_left_out_of_the_settlement_is_found(
    steps: list[tuple[str, int, str, int]], data: st.DataObject
) -> None:
    entries = _chain(steps)
    inputs = _inputs_of(entries, receipts.check_chain(entries))
    if not inputs.pledges:
        return
    dropped = data.draw(st.sampled_from(inputs.pledges))
    short = msgspec.structs.replace(inputs, pledges=[p for p in inputs.pledges if p != dropped])
    problems = receipts.differences((e.record for e in entries), short)
    assert len(problems) == 1 and f"challenge {dropped.challenge_id}" in problems[0]


STEPS = [("lieu:1", 10, "drawing_rights", 5_000 + i) for i in range(6)]


def test_a_changed_record_breaks_the_chain_at_its_number() -> None:
    entries = _chain(STEPS)
    changed = msgspec.structs.replace(entries[2].record, amount=1)
    entries[2] = Entry(record=changed, hash=entries[2].hash)
    with pytest.raises(ChainBroken) as broken:
        receipts.check_chain(entries)
    assert (broken.value.seq, broken.value.reason) == (3, "hash_mismatch")


def test_a_changed_record_with_its_hash_recomputed_breaks_the_next_link() -> None:
    entries = _chain(STEPS)
    changed = msgspec.structs.replace(entries[2].record, amount=1)
    entries[2] = Entry(record=changed, hash=receipts.record_hash(changed))
    with pytest.raises(ChainBroken) as broken:
        receipts.check_chain(entries)
    assert (broken.value.seq, broken.value.reason) == (4, "prev_mismatch")


def test_a_removed_record_is_missing_at_its_number() -> None:
    entries = _chain(STEPS)
    del entries[3]
    with pytest.raises(ChainBroken) as broken:
        receipts.check_chain(entries)
    assert (broken.value.seq, broken.value.reason) == (4, "missing")


def test_two_records_swapped_are_out_of_order_at_the_first() -> None:
    entries = _chain(STEPS)
    entries[1], entries[4] = entries[4], entries[1]
    with pytest.raises(ChainBroken) as broken:
        receipts.check_chain(entries)
    assert (broken.value.seq, broken.value.reason) == (2, "seq_out_of_order")


def test_the_last_record_removed_is_caught_by_the_head_the_settlement_committed_to() -> None:
    entries = _chain(STEPS)
    committed = receipts.check_chain(entries)
    with pytest.raises(ChainBroken) as broken:
        receipts.check_head(entries[:-1], committed)
    assert (broken.value.seq, broken.value.reason) == (6, "count_mismatch")


def test_a_write_is_recorded_as_the_service_describes_it() -> None:
    write = Write("pledge", 3, None, 10, "own_funds", 500)
    assert write.unit == "lieu:3"
    assert Write("pledge", None, 7, 10, "own_funds", 500).unit == "org:7"
