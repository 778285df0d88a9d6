"""French typography (cobudget.typography): no-break spaces where French wants them, and
nothing else changed — not a placeholder, a URL, a time or a word (issue 18)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from cobudget import i18n
from cobudget.rendering import environment, money
from cobudget.typography import NBSP, NNBSP, french_spacing

SPACES = re.compile(f"[ {NBSP}{NNBSP}]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|\{\w*\}")

# Single characters (the marks, spaces of each kind) and pieces that must come out whole.
PIECES = [*"ab1 :;!?«»%()sd,./-\u00a0\u202f", "%(name)s", "10:30", "https://x.fr"]
texts = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@given(texts)
def test_only_spaces_change_and_only_into_no_break_spaces(text: str) -> None:
    spaced = french_spacing(text)
    assert SPACES.sub("", spaced) == SPACES.sub("", text)
    assert len(spaced) <= len(text)  # a run of spaces may become one, never more


@given(texts)
def test_spacing_twice_is_spacing_once(text: str) -> None:
    assert french_spacing(french_spacing(text)) == french_spacing(text)


@given(texts)
def test_placeholders_come_out_as_they_went_in(text: str) -> None:
    assert PLACEHOLDER.findall(french_spacing(text)) == PLACEHOLDER.findall(text)


@given(texts)
def test_no_ordinary_space_is_left_where_french_wants_an_unbreakable_one(text: str) -> None:
    spaced = french_spacing(text)
    assert not re.search(r" [:;!?»]|« ", spaced)


def test_each_mark_gets_its_space_and_the_rest_is_untouched() -> None:
    assert french_spacing("Phase : %(phase)s") == f"Phase{NBSP}: %(phase)s"
    assert french_spacing("Retirer ce défi ?") == f"Retirer ce défi{NNBSP}?"
    assert french_spacing("« %(title)s »") == f"«{NBSP}%(title)s{NBSP}»"
    assert french_spacing("réduits à %(pct)s %%.") == f"réduits à %(pct)s{NNBSP}%%."
    assert french_spacing("par exemple 1 250,50") == f"par exemple 1{NNBSP}250,50"
    for untouched in (
        "https://exemple.fr/a?b=1",
        "à 10:30",
        "il en faut %d",
        "05 63 00 00 00",
        "Porté par %(names)s",
        "cobudget verify données.json",
    ):
        assert french_spacing(untouched) == untouched


def test_french_messages_and_templates_are_spaced_and_english_and_names_are_not() -> None:
    template = environment().from_string(
        '<b>{{ name }}</b> : {{ _("Phase : %(phase)s", phase=name) }} {{ 123456 | money }}'
    )
    with i18n.using_locale("fr"):
        assert i18n.gettext("Retirer ce défi ?") == f"Retirer ce défi{NNBSP}?"
        assert template.render(name="A : b") == (
            f"<b>A : b</b>{NBSP}: Phase{NBSP}: A : b 1{NNBSP}234,56{NBSP}€"
        )
        assert money(123456) == f"1{NNBSP}234,56{NBSP}€"  # Babel's amounts agree
    with i18n.using_locale("en"):
        assert i18n.gettext("Retirer ce défi ?") == "Withdraw this challenge?"


def test_the_markup_of_a_template_keeps_its_numbers() -> None:
    """An SVG drawn by a template holds coordinates, not amounts: they are never grouped."""
    markup = '<svg viewBox="0 0 800 600"><path d="M 0 100 L 250 100"/></svg> : 10 %'
    with i18n.using_locale("fr"):
        rendered = environment().from_string(markup).render()
    assert rendered == markup.replace(" :", f"{NBSP}:")
