"""`cobudget verify BUNDLE` with a journal of receipts, and `verify --receipt CODE BUNDLE`
(issue 20): the chain is recomputed offline, any tampering names the number that breaks it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import msgspec
import pytest

from cobudget.cli import main
from cobudget.engine import encode_input, encode_settlement, receipts, settle
from cobudget.engine.types import ReceiptChain

from .builders import challenge, envelope, lieu_pledge

AT = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)
# (lieu, challenge, cents) in the order they were written: lieu 2 changes its mind, lieu 3
# pledges then withdraws.
WRITES = [(2, 10, 5_000), (3, 10, 4_000), (2, 10, 12_000), (3, 20, 1_000), (3, 20, 0)]


def _journal(writes: list[tuple[int, int, int]] = WRITES) -> list[receipts.Entry]:
    head = receipts.Head(writes=0, head=receipts.FIRST_PREV)
    out = []
    for lieu, challenge_id, cents in writes:
        record = receipts.next_record(
            head,
            envelope=5,
            kind="pledge",
            unit=f"lieu:{lieu}",
            challenge=challenge_id,
            source="drawing_rights",
            amount=cents,
            at=AT,
        )
        out.append(receipts.Entry(record=record, hash=receipts.record_hash(record)))
        head = receipts.Head(writes=record.seq, head=out[-1].hash)
    return out


def _bundle(
    journal: list[dict[str, object]] | None = None,
    *,
    chained: bool = True,
    writes: list[tuple[int, int, int]] = WRITES,
) -> bytes:
    entries = _journal(writes)
    head = receipts.check_chain(entries)
    inputs = envelope(
        "cofunding",
        90_000,
        challenges=[challenge(10, [1], 10_000, 40_000), challenge(20, [1], 10_000, 40_000)],
        pledges=[lieu_pledge(1, 10, 2, 12_000), lieu_pledge(2, 10, 3, 4_000)],
    )
    if chained:
        inputs = msgspec.structs.replace(
            inputs, chain=ReceiptChain(writes=head.writes, head=head.head)
        )
    # As the export writes it: the inputs and the settlement byte for byte.
    data = (
        b'{"digest":"","inputs":'
        + encode_input(inputs)
        + b',"settlement":'
        + encode_settlement(settle(inputs))
    )
    if chained:
        listed = journal if journal is not None else msgspec.to_builtins(entries)
        data += b',"receipts":' + json.dumps(listed).encode()
    return data + b"}"


def _verify(tmp_path: Path, data: bytes, *extra: str) -> int:
    path = tmp_path / "bundle.json"
    path.write_bytes(data)
    return main(["verify", *extra, str(path)])


def test_a_whole_bundle_verifies_with_its_chain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _verify(tmp_path, _bundle()) == 0
    out = capsys.readouterr().out
    assert "identical" in out and "5 writes chained" in out and "exactly the settlement's" in out


def test_a_settlement_made_before_receipts_verifies_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _verify(tmp_path, _bundle(chained=False)) == 0
    assert "predates receipts" in capsys.readouterr().out


def _tampered(change: str) -> list[dict[str, object]]:
    journal = msgspec.to_builtins(_journal())
    if change == "changed":
        journal[1]["record"]["amount"] = 40_000
    elif change == "removed":
        del journal[2]
    elif change == "reordered":
        journal[1], journal[2] = journal[2], journal[1]
    elif change == "last removed":
        del journal[-1]
    return journal  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ("changed", "breaks at seq 2: its record does not hash"),
        ("removed", "breaks at seq 3: this number is missing"),
        ("reordered", "breaks at seq 2: the records are not in the order"),
        ("last removed", "breaks at seq 5: the journal does not hold the number of writes"),
    ],
)
def test_a_tampered_journal_fails_and_names_the_number_that_breaks_the_chain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: str, says: str
) -> None:
    assert _verify(tmp_path, _bundle(_tampered(change))) == 1
    out = capsys.readouterr().out
    assert "identical" in out  # the settlement itself still reproduces
    assert says in out


def test_a_journal_whose_replay_is_not_the_settlement_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A consistent chain that says lieu 3 kept its 1 000 on challenge 20: the settlement left
    that acknowledged pledge out."""
    assert _verify(tmp_path, _bundle(writes=WRITES[:-1])) == 1
    out = capsys.readouterr().out
    assert "pledge of lieu:3 to challenge 20 (drawing_rights): 1000 cents in the journal, 0" in out


def test_a_receipt_is_found_with_what_it_recorded_or_not_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = _journal()[2]
    code = receipts.short_code(entry.hash)
    assert _verify(tmp_path, _bundle(), "--receipt", code.lower()) == 0
    out = capsys.readouterr().out
    assert f"found: receipt {code} is write 3 of 5 of envelope 5" in out
    assert "pledge: lieu:2, challenge 10, drawing_rights, amount 12000" in out
    other = "0000-0000-0000-0000"
    assert _verify(tmp_path, _bundle(), "--receipt", other) == 1
    assert f"not found: receipt {other}" in capsys.readouterr().out
    assert _verify(tmp_path, _bundle(), "--receipt", "not a receipt") == 2
    assert _verify(tmp_path, _bundle(_tampered("changed")), "--receipt", code) == 1
    assert "breaks at seq 2" in capsys.readouterr().out
