"""Canonical bytes, digest and strict decoding of the inputs (SPEC §4: `verify` offline)."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cobudget.engine import (
    InvalidEnvelope,
    decode_input,
    decode_settlement,
    digest,
    encode_input,
    encode_settlement,
    settle,
)
from cobudget.engine.canonical import canonical

from .strategies import envelopes, shuffled

PLEDGE = {
    "id": 12,
    "challenge_id": 3,
    "contributor_kind": "lieu",
    "contributor_id": 1,
    "source": "own_funds",
    "amount_cents": 500,
}
CHALLENGE = {
    "id": 3,
    "proposers": [1],
    "consented": True,
    "budget_lines": [{"id": 7, "min_cents": 0, "max_cents": 900}],
}


def _doc(**changes) -> bytes:
    doc = {
        "amount_cents": 1_000,
        "rule": "matching",
        "lieux": [{"id": 1}],
        "challenges": [CHALLENGE],
        "pledges": [PLEDGE],
    }
    doc.update(changes)
    return json.dumps(doc).encode()


def _refused(data: bytes, item: str, reason: str = "malformed") -> None:
    with pytest.raises(InvalidEnvelope) as caught:
        decode_input(data)
    assert (caught.value.item, caught.value.reason) == (item, reason)


def test_a_float_where_cents_go_is_refused_naming_the_pledge():
    _refused(_doc(pledges=[{**PLEDGE, "amount_cents": 500.0}]), "pledge 12")


def test_an_unknown_field_is_refused_naming_the_budget_line():
    line = {"id": 7, "min_cents": 0, "max_cents": 900, "colour": "red"}
    _refused(_doc(challenges=[{**CHALLENGE, "budget_lines": [line]}]), "challenge 3 budget line 7")


def test_a_missing_field_and_malformed_json_are_refused():
    _refused(b'{"rule": "matching"}', "envelope")
    _refused(b"{not json", "input", "malformed_json")


def test_the_digest_is_the_sha256_of_the_canonical_bytes():
    inputs = decode_input(_doc())
    assert digest(inputs) == hashlib.sha256(encode_input(inputs)).hexdigest()
    assert settle(inputs).inputs_digest == digest(inputs)


@settings(max_examples=100, deadline=None)
@given(envelopes(), st.integers(0, 2**32))
def test_the_canonical_bytes_do_not_depend_on_the_order_of_the_lists(inputs, seed):
    assert encode_input(shuffled(inputs, seed)) == encode_input(inputs)


@settings(max_examples=100, deadline=None)
@given(envelopes())
def test_inputs_and_settlements_survive_a_round_trip_through_their_bytes(inputs):
    assert decode_input(encode_input(inputs)) == canonical(inputs)
    s = settle(inputs)
    assert decode_settlement(encode_settlement(s)) == s


def test_any_change_of_the_inputs_changes_the_digest():
    assert digest(decode_input(_doc())) != digest(decode_input(_doc(amount_cents=1_001)))


@settings(max_examples=100, deadline=None)
@given(envelopes())
def test_a_settlement_without_an_add_one_raise_encodes_no_raise_field(inputs):
    # `raise_cents` came with issue 13 (equal_shares): the settlements of the other rules keep
    # the bytes they had before it, so those published then still verify.
    lieux = json.loads(encode_settlement(settle(inputs)))["lieux"]
    assert all("raise_cents" not in lieu for lieu in lieux)
    assert set(lieux[0]) == {
        "lieu_id",
        "drawing_rights_cents",
        "spent_cents",
        "unspent_cents",
        "own_funds_spent_cents",
    }
