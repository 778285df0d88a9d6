"""Rule `cofunding`, SPEC §6.1: hand-computed cases and its own property."""

from __future__ import annotations

import msgspec
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cobudget.engine import CofundingExplanation, settle
from cobudget.engine.types import EnvelopeInput, Lieu, Pledge, RuleParams

from ..builders import challenge, cofunder_pledge, envelope, lieu_pledge
from ..strategies import envelopes


def _by_id(items, attr):
    return {getattr(x, attr): x for x in items}


def test_a_challenge_reaching_its_threshold_with_two_other_lieux_is_funded_in_full():
    inputs = envelope(
        "cofunding",
        90_000,
        challenges=[challenge(10, [1], 20_000, 40_000)],
        pledges=[lieu_pledge(1, 10, 2, 12_000), lieu_pledge(2, 10, 3, 9_000)],
    )
    s = settle(inputs)
    c = s.challenges[0]
    assert (c.funded, c.total_cents, c.drawing_rights_cents) == (True, 21_000, 21_000)
    assert s.leftover_cents == 90_000 - 21_000
    assert c.explanation == CofundingExplanation(
        reasons=[],
        consented=True,
        proposers_eligible=True,
        pledged_cents=21_000,
        threshold_cents=20_000,
        maximum_cents=40_000,
        cofunders=2,
        min_cofunders=2,
        scaled_back_cents=0,
    )


def test_an_excess_above_the_maximum_is_scaled_back_pro_rata_ties_to_the_lower_pledge_id():
    # 10 001 cents over three equal pledges: 3 333 each and 2 cents left, to pledges 1 and 2.
    inputs = envelope(
        "cofunding",
        0,
        cofunders=[7, 8],
        challenges=[challenge(10, [1], 0, 10_001)],
        params=RuleParams(min_cofunders=0),
        pledges=[
            cofunder_pledge(3, 10, 8, 5_000),
            cofunder_pledge(1, 10, 7, 5_000),
            lieu_pledge(2, 10, 2, 5_000, "own_funds"),
        ],
    )
    got = {p.pledge_id: p.captured_cents for p in settle(inputs).pledges}
    assert got == {1: 3_334, 2: 3_334, 3: 3_333}


def test_unfunded_challenge_releases_every_pledge_whole():
    inputs = envelope(
        "cofunding",
        90_000,
        challenges=[challenge(10, [1], 50_000, 60_000)],
        pledges=[lieu_pledge(1, 10, 2, 20_000), lieu_pledge(2, 10, 3, 20_000)],
    )
    s = settle(inputs)
    assert not s.challenges[0].funded
    assert s.challenges[0].explanation.reasons == ["below_threshold"]
    assert [(p.captured_cents, p.released_cents) for p in s.pledges] == [(0, 20_000)] * 2
    assert s.leftover_cents == 90_000
    assert s.transfers == []


def test_pledges_by_the_proposers_do_not_count_as_cofunders():
    inputs = envelope(
        "cofunding",
        90_000,
        cofunders=[9],
        challenges=[challenge(10, [1, 2], 1_000, 40_000)],
        pledges=[
            lieu_pledge(1, 10, 1, 5_000),
            lieu_pledge(2, 10, 2, 5_000),
            lieu_pledge(3, 10, 3, 5_000),
            cofunder_pledge(4, 10, 9, 5_000),
        ],
    )
    e = settle(inputs).challenges[0].explanation
    assert isinstance(e, CofundingExplanation)
    assert (e.cofunders, e.reasons) == (1, ["too_few_cofunders"])


def test_a_challenge_with_an_ineligible_co_proposer_gets_no_money():
    lieux = [Lieu(id=1), Lieu(id=2, eligible=False), Lieu(id=3), Lieu(id=4)]
    inputs = envelope(
        "cofunding",
        80_000,
        lieux=lieux,
        challenges=[challenge(10, [1, 2], 1_000, 40_000, consented=False)],
        pledges=[lieu_pledge(1, 10, 3, 5_000), lieu_pledge(2, 10, 4, 5_000)],
    )
    c = settle(inputs).challenges[0]
    assert not c.funded
    assert c.explanation.reasons == ["not_consented", "proposer_not_eligible"]


def _add_pledge(inputs: EnvelopeInput, challenge_id: int, cents: int, seed: int) -> EnvelopeInput:
    lieu = inputs.lieux[seed % len(inputs.lieux)]
    pid = max((p.id for p in inputs.pledges), default=0) + 1
    extra = Pledge(
        id=pid,
        challenge_id=challenge_id,
        contributor_kind="lieu",
        contributor_id=lieu.id,
        source="own_funds",
        amount_cents=cents,
    )
    return msgspec.structs.replace(inputs, pledges=[*inputs.pledges, extra])


@settings(max_examples=100, deadline=None)
@given(envelopes("cofunding"), st.integers(1, 50_000), st.integers(0, 100))
def test_adding_a_pledge_to_a_funded_challenge_keeps_it_funded(inputs, cents, seed):
    funded = [c.challenge_id for c in settle(inputs).challenges if c.funded]
    assume(funded)
    target = funded[seed % len(funded)]
    after = _by_id(settle(_add_pledge(inputs, target, cents, seed)).challenges, "challenge_id")
    assert after[target].funded
