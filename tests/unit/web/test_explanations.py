"""Every kind of explanation of every rule reads as a whole sentence, in French and in English.

`web.explanations.explain` turns the engine's reason codes and numbers into words. These tests
render the explanations of settlements drawn by hypothesis (every rule) and of a list that
holds every kind by hand (each stage, each reason code, with and without a price, with one
payer and with several), in both languages, and fail on what a reader would see as broken: an
empty text, an empty value (two spaces in a row, a space before a comma or a period), a
placeholder left over (`%(x)s`, `%s`, `{x}`), "None", French left in the English text, or a
challenge the envelope pays for that "0 lieux" pay.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cobudget import i18n
from cobudget.engine import settle
from cobudget.engine.settlement import (
    CofundingExplanation,
    EqualSharesExplanation,
    EqualSharesPayment,
    Explanation,
    MatchingExplanation,
)
from cobudget.web.explanations import explain

from ..engine.strategies import envelopes, equal_shares_envelopes

LEFTOVER_PLACEHOLDER = re.compile(r"%\(\w*\)|%[sdif]\b|\{\w*\}")
EMPTY_VALUE = re.compile(r"  | [,.]|\(\s*\)")
FRENCH = re.compile(r"[éèêàçù]|\b(?:le|la|les|des|du|pour|par|ses|sur)\b")
NO_PAYER = re.compile(r"\b0 lieu")


def problems(explanation: Explanation, locale: str) -> list[str]:
    """What is wrong with the text of `explanation` in `locale` (nothing: an empty list)."""
    with i18n.using_locale(locale):
        text = explain(explanation)
    found = []
    if not text.strip():
        found.append("empty")
    if LEFTOVER_PLACEHOLDER.search(text):
        found.append("placeholder left over")
    if EMPTY_VALUE.search(text):
        found.append("an empty value")
    if "None" in text:
        found.append("None")
    if locale == "en" and FRENCH.search(text):
        found.append("French in the English text")
    paid = isinstance(explanation, EqualSharesExplanation) and explanation.stage is not None
    if paid and explanation.cost_cents and NO_PAYER.search(text):
        found.append("a challenge the envelope pays for, paid by no lieu")
    return [f"{locale}: {problem}: {text!r}" for problem in found]


def assert_reads_well(explanation: Explanation) -> None:
    found = [p for locale in i18n.LOCALES for p in problems(explanation, locale)]
    assert not found, "\n".join([repr(explanation), *found])


@settings(max_examples=150, deadline=None)
@given(st.one_of(envelopes(), equal_shares_envelopes()))
def test_every_explanation_of_a_settlement_reads_as_a_whole_sentence_in_both_languages(
    inputs,
) -> None:
    for outcome in settle(inputs).challenges:
        assert_reads_well(outcome.explanation)


def _cofunding(reasons: list[str], **changes: int) -> CofundingExplanation:
    figures = {
        "pledged_cents": 40000,
        "threshold_cents": 30000,
        "maximum_cents": 50000,
        "cofunders": 2,
        "min_cofunders": 2,
        "scaled_back_cents": 0,
    } | changes
    return CofundingExplanation(
        reasons=reasons,
        consented="not_consented" not in reasons,
        proposers_eligible="proposer_not_eligible" not in reasons,
        **figures,
    )


def _matching(reasons: list[str], **changes: object) -> MatchingExplanation:
    figures: dict[str, object] = {
        "units": 3,
        "single_unit": False,
        "pledged_cents": 9000,
        "ideal_match_cents": 18000,
        "match_cents": 12000,
        "scale": None,
        "capped": False,
        "dropped_order": None,
        "shortfall_cents": 0,
    } | changes
    return MatchingExplanation(reasons=reasons, **figures)  # type: ignore[arg-type]


def _pays(*lieux: int) -> list[EqualSharesPayment]:
    return [EqualSharesPayment(lieu_id=i, exact="7501/2", cents=3751) for i in lieux]


def _equal_shares(reasons: list[str], **changes: object) -> EqualSharesExplanation:
    figures: dict[str, object] = {
        "cost_cents": 7501,
        "supporters": 2,
        "round": None,
        "price_per_support": None,
        "payments": [],
        "stage": None,
    } | changes
    return EqualSharesExplanation(reasons=reasons, **figures)  # type: ignore[arg-type]


EVERY_KIND = [
    _cofunding([]),
    _cofunding([], scaled_back_cents=1234, cofunders=1, min_cofunders=1),
    _cofunding(["not_consented"]),
    _cofunding(["proposer_not_eligible"]),
    _cofunding(["below_threshold"], pledged_cents=0),
    _cofunding(["too_few_cofunders"], cofunders=0),
    _cofunding(["too_few_cofunders"], cofunders=1),
    _cofunding(["proposer_not_eligible", "below_threshold", "too_few_cofunders"], cofunders=0),
    _matching([]),
    _matching([], capped=True),
    _matching([], scale="3/4"),
    _matching([], single_unit=True, units=1, ideal_match_cents=0, match_cents=0),
    _matching(["dropped_below_minimum"], dropped_order=1, shortfall_cents=250),
    _matching(["not_consented"]),
    _matching(["proposer_not_eligible", "dropped_below_minimum"], dropped_order=2),
    _equal_shares([], stage="equal_shares", round=1, price_per_support="1/2", payments=_pays(1)),
    _equal_shares(
        [], stage="equal_shares", round=2, price_per_support="41/60", payments=_pays(1, 2)
    ),
    _equal_shares([], stage="add_one", round=3, price_per_support="1/1", payments=_pays(3)),
    _equal_shares([], stage="add_one", round=4, price_per_support="5/3", payments=_pays(1, 3)),
    _equal_shares([], stage="greedy", round=5, payments=_pays(2)),
    _equal_shares([], stage="greedy", round=6, payments=_pays(1, 2, 3)),
    _equal_shares([], stage="equal_shares", round=1, cost_cents=0),  # taken for free
    _equal_shares(["no_support"], supporters=0),
    _equal_shares(["not_affordable"]),
    _equal_shares(["not_consented"]),
    _equal_shares(["proposer_not_eligible"]),
    _equal_shares(["not_consented", "proposer_not_eligible"]),
]


@pytest.mark.parametrize("explanation", EVERY_KIND, ids=repr)
def test_each_kind_of_explanation_reads_as_a_whole_sentence_in_both_languages(
    explanation: Explanation,
) -> None:
    assert_reads_well(explanation)


def test_the_greedy_completion_names_the_lieux_that_pay_and_no_price() -> None:
    greedy = _equal_shares([], stage="greedy", round=5, payments=_pays(1, 2, 3))
    with i18n.using_locale("fr"):
        text = explain(greedy)
    assert "Retenu en dernier" in text and "3 lieux le paient" in text
    assert "prix" not in text
    with i18n.using_locale("en"):
        assert "3 lieux pay for it" in explain(greedy)


@given(
    rights=st.integers(min_value=0, max_value=10**9),
    own=st.integers(min_value=0, max_value=10**9),
    match=st.integers(min_value=0, max_value=10**9),
    locale=st.sampled_from(["fr", "en"]),
)
def test_a_funded_card_names_only_the_sources_that_gave_and_each_amount_once(
    rights: int, own: int, match: int, locale: str
) -> None:
    from cobudget.rendering import money
    from cobudget.web.explanations import funded_by

    with i18n.using_locale(locale):
        text = funded_by(rights, own, match)
        amounts = [money(cents) for cents in (rights, own, match) if cents]
    assert bool(text) == bool(amounts)
    # No « abondement : 0,00 € » under a rule without matching: a zero source is not named.
    assert text.count(":") == len(amounts)
    for amount in amounts:
        assert amount in text
    assert not LEFTOVER_PLACEHOLDER.search(text) and not EMPTY_VALUE.search(text)
    if locale == "en":
        assert not FRENCH.search(text), text
