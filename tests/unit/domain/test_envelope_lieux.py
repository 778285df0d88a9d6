"""Who takes part in an envelope (issue 17): the lieux ticked and their weights, checked without
repair; and which lieux may receive the envelope's money."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cobudget.domain.envelope_lieux import MAX_WEIGHT, chosen_weights, eligible_lieux
from cobudget.domain.validation import Checker

NETWORK = {1: 1, 2: 3, 3: 1}


def _choose(**kwargs) -> tuple[dict[int, int], dict[str, str]]:  # type: ignore[no-untyped-def]
    checker = Checker()
    weights = chosen_weights(
        checker, **{"typed": {}, "current": NETWORK, "network": NETWORK, **kwargs}
    )
    return weights, checker.errors


def test_a_form_that_does_not_choose_keeps_the_lieux_and_changes_the_weights_typed() -> None:
    assert _choose(ticked=None, typed={2: "5"}) == ({1: 1, 2: 5, 3: 1}, {})


def test_the_lieux_ticked_take_part_with_their_weight_typed_else_their_weight_now() -> None:
    weights, errors = _choose(ticked=frozenset({2, 3}), typed={1: "9", 3: "4"}, current={1: 1})
    assert (weights, errors) == ({2: 3, 3: 4}, {})


def test_no_lieu_a_lieu_outside_the_network_or_a_weight_out_of_bounds_is_refused() -> None:
    assert _choose(ticked=frozenset())[1] == {"lieux": "no_lieu"}
    assert _choose(ticked=frozenset({1, 7}))[1] == {"lieux": "lieu_not_in_network"}
    assert _choose(ticked=frozenset({1}), typed={1: "0"})[1] == {"weight.1": "out_of_range:1:100"}
    assert _choose(ticked=frozenset({1}), typed={1: "un"})[1] == {"weight.1": "not_a_whole_number"}
    assert _choose(ticked=None, typed={9: "2"})[1] == {"weights": "unknown_lieu"}


@given(
    ticked=st.frozensets(st.sampled_from(sorted(NETWORK))),
    typed=st.dictionaries(
        st.sampled_from(sorted(NETWORK)), st.integers(-5, MAX_WEIGHT + 5).map(str)
    ),
)
def test_what_is_accepted_is_exactly_the_lieux_ticked_each_with_a_weight_in_bounds(
    ticked: frozenset[int], typed: dict[int, str]
) -> None:
    weights, errors = _choose(ticked=ticked, typed=typed)
    if errors:
        return
    assert set(weights) == ticked and ticked
    assert all(1 <= weight <= MAX_WEIGHT for weight in weights.values())
    for lieu in ticked & set(typed):
        assert weights[lieu] == int(typed[lieu])


@given(
    forms=st.dictionaries(
        st.integers(1, 50), st.sampled_from(["association", "scic", "scop", "sas", "public"])
    ),
    eligible=st.frozensets(st.sampled_from(["association", "scic", "scop", "sas", "public"])),
)
def test_the_eligible_lieux_are_those_whose_legal_form_the_envelope_accepts(
    forms: dict[int, str], eligible: frozenset[str]
) -> None:
    found = eligible_lieux(forms, eligible)
    assert found == sorted(lieu for lieu, form in forms.items() if form in eligible)
    assert not found or set(forms) >= set(found)
