"""The money filter writes exactly what Babel writes, in every locale we serve; the paragraphs
filter keeps what people typed readable and never markup."""

from __future__ import annotations

import datetime as dt
import re

from babel.dates import format_date
from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape

from cobudget import i18n
from cobudget.rendering import date, datetime_, money, paragraphs


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


@given(
    st.lists(
        st.lists(
            st.text(
                alphabet=st.characters(blacklist_categories=("Cs", "Zl", "Zp", "Cc")), min_size=1
            ),
            min_size=1,
        ),
        min_size=1,
    )
)
def test_paragraphs_keep_every_line_escaped_and_in_order(blocks: list[list[str]]) -> None:
    """A description's paragraphs and line breaks survive, and nothing typed becomes markup."""
    text = "\n\n".join("\n".join(lines) for lines in blocks)
    html = str(paragraphs(text))
    kept = [line.strip() for lines in blocks for line in lines if line.strip()]
    # Each line appears escaped, in order, and only tags of our own are left.
    position = 0
    for line in kept:
        found = html.find(str(escape(line)), position)
        assert found >= 0, line
        position = found
    assert set(re.findall(r"<[^>]*>", html)) <= {"<p>", "</p>", "<br>"}


def test_paragraphs_examples() -> None:
    assert str(paragraphs("Un atelier.\r\nOuvert le samedi.\n\n\n<b>Et</b> un café.\n")) == (
        "<p>Un atelier.<br>\nOuvert le samedi.</p><p>&lt;b&gt;Et&lt;/b&gt; un café.</p>"
    )
    assert str(paragraphs("  \n\n ")) == ""


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_the_first_of_a_month_is_written_1er_in_french_only(day: dt.date) -> None:
    with i18n.using_locale("fr"):
        shown = date(day)
    with i18n.using_locale("en"):
        english = date(day)
    assert shown.startswith("1er ") == (day.day == 1)
    assert shown.split(" ", 1)[1] == date_rest(day)
    assert english == format_date(day, format="long", locale="en")


def date_rest(day: dt.date) -> str:
    return format_date(day, format="long", locale="fr").split(" ", 1)[1]


def test_a_moment_on_the_first_in_paris_says_1er() -> None:
    with i18n.using_locale("fr"):
        # 30 November 23:30 UTC is already 1 December in Paris.
        assert datetime_(dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)).startswith(
            "1er décembre 2026"
        )
        assert datetime_(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)).startswith("2 décembre")
