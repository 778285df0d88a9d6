"""The money filter writes exactly what Babel writes, in every locale we serve."""

from __future__ import annotations

from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st

from cobudget import i18n
from cobudget.rendering import money


@given(st.integers(min_value=-(10**13), max_value=10**13), st.sampled_from(i18n.LOCALES))
def test_money_is_babels_euro_format_without_floats(cents: int, locale: str) -> None:
    with i18n.using_locale(locale):
        assert money(cents) == format_currency(cents / 100, "EUR", locale=locale)


def test_money_examples() -> None:
    with i18n.using_locale("fr"):
        assert money(123456) == "1\u202f234,56\xa0€"
        assert money(-5) == "-0,05\xa0€"
    with i18n.using_locale("en"):
        assert money(100000000) == "€1,000,000.00"
