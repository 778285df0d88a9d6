"""The money filter writes exactly what Babel writes, in every locale we serve; the paragraphs
filter keeps what people typed readable and never markup."""

from __future__ import annotations

import re

from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape

from cobudget import i18n
from cobudget.rendering import money, paragraphs


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
