"""SPEC §6.4, what must always hold, for every rule this engine settles: one @given each."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cobudget.engine import EnvelopeInput, Settlement, decode_input, encode_input, settle
from cobudget.engine.canonical import encode_settlement

from .strategies import envelopes, shuffled

FAST = settings(max_examples=150, deadline=None)


def _bounds(inputs: EnvelopeInput) -> dict[int, tuple[int, int]]:
    return {
        c.id: (
            sum(line.min_cents for line in c.budget_lines),
            sum(line.max_cents for line in c.budget_lines),
        )
        for c in inputs.challenges
    }


def _envelope_money(s: Settlement) -> int:
    return sum(c.drawing_rights_cents + c.match_cents for c in s.challenges)


@FAST
@given(envelopes())
def test_every_cent_of_the_envelope_and_of_each_pledge_is_accounted_for(inputs: EnvelopeInput):
    s = settle(inputs)
    assert s.envelope_cents == inputs.amount_cents == _envelope_money(s) + s.leftover_cents
    assert s.leftover_cents >= 0
    for p in s.pledges:
        assert p.captured_cents + p.released_cents == p.pledged_cents
        assert p.captured_cents >= 0 and p.released_cents >= 0
    captured = {c.challenge_id: 0 for c in s.challenges}
    for p in s.pledges:
        captured[p.challenge_id] += p.captured_cents
    for c in s.challenges:
        assert c.total_cents == c.drawing_rights_cents + c.own_funds_cents + c.match_cents
        assert c.total_cents == captured[c.challenge_id] + c.match_cents
    assert sum(t.amount_cents for t in s.transfers) == sum(c.total_cents for c in s.challenges)
    if inputs.rule == "cofunding":
        assert s.leftover_cents == sum(lieu.unspent_cents for lieu in s.lieux)


@FAST
@given(envelopes())
def test_a_funded_challenge_lies_between_its_minimum_and_maximum_and_an_unfunded_one_gets_nothing(
    inputs: EnvelopeInput,
):
    s = settle(inputs)
    bounds = _bounds(inputs)
    for c in s.challenges:
        low, high = bounds[c.challenge_id]
        if c.funded:
            assert low <= c.total_cents <= high
        else:
            assert c.total_cents == 0
            assert all(p.captured_cents == 0 for p in s.pledges if p.challenge_id == c.challenge_id)


@FAST
@given(envelopes())
def test_no_lieu_spends_more_than_its_drawing_rights(inputs: EnvelopeInput):
    s = settle(inputs)
    for lieu in s.lieux:
        assert 0 <= lieu.spent_cents <= lieu.drawing_rights_cents
        assert lieu.unspent_cents == lieu.drawing_rights_cents - lieu.spent_cents
    if inputs.rule == "cofunding":
        assert sum(lieu.drawing_rights_cents for lieu in s.lieux) == inputs.amount_cents


@FAST
@given(envelopes())
def test_no_pledge_gives_more_than_it_promised(inputs: EnvelopeInput):
    promised = {p.id: p.amount_cents for p in inputs.pledges}
    for p in settle(inputs).pledges:
        assert p.captured_cents <= promised[p.pledge_id] == p.pledged_cents


@FAST
@given(envelopes())
def test_the_match_never_exceeds_the_pool(inputs: EnvelopeInput):
    s = settle(inputs)
    assert sum(c.match_cents for c in s.challenges) <= inputs.amount_cents
    assert all(c.match_cents >= 0 for c in s.challenges)


@FAST
@given(envelopes(), st.integers(0, 2**32))
def test_the_order_of_the_inputs_never_changes_the_settlement(inputs: EnvelopeInput, seed: int):
    assert encode_settlement(settle(shuffled(inputs, seed))) == encode_settlement(settle(inputs))


@FAST
@given(envelopes())
def test_settling_the_same_inputs_twice_gives_byte_identical_settlements(inputs: EnvelopeInput):
    first = encode_settlement(settle(inputs))
    assert encode_settlement(settle(inputs)) == first
    assert encode_settlement(settle(decode_input(encode_input(inputs)))) == first
