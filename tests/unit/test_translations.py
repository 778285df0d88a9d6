"""The English catalogue is complete and in step with the French messages in code and templates.

French is the source language: every message id is the French text itself, and English is
`src/cobudget/locales/en/LC_MESSAGES/messages.po`. These tests re-extract the messages with the
same configuration as `pybabel extract` (`babel.cfg`), so adding `_("...")` somewhere without its
English makes them fail and list what is missing. See docs/translations.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from cobudget import i18n

ROOT = Path(__file__).resolve().parents[2]
BABEL_CFG = ROOT / "babel.cfg"
EN_PO = ROOT / "src" / "cobudget" / "locales" / "en" / "LC_MESSAGES" / "messages.po"

HOW_TO_FIX = (
    "\nRun, from the repository root:\n"
    "  .venv/bin/pybabel extract -F babel.cfg -o src/cobudget/locales/messages.pot "
    '--project="Cobudget des communs" '
    '--copyright-holder="Cobudget des communs contributors" --no-wrap .\n'
    "  .venv/bin/pybabel update -i src/cobudget/locales/messages.pot -d src/cobudget/locales "
    "-l en --no-wrap --ignore-obsolete\n"
    "then translate the entries in src/cobudget/locales/en/LC_MESSAGES/messages.po "
    "(see docs/translations.md)."
)

# %(name)s / %(num)d (Python and Jinja messages) and {name} (Python `.format` messages).
PERCENT_PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +\-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
BRACE_PLACEHOLDER = re.compile(r"(?<!\{)\{(\w*)(?:[!:][^{}]*)?\}(?!\})")


@cache
def catalog() -> Catalog:
    with EN_PO.open("rb") as handle:
        return read_po(handle, locale="en")


def entries() -> Iterator[Message]:
    for message in catalog():
        if message.id:  # skip the header
            yield message


def ids(message: Message) -> tuple[str, ...]:
    raw = message.id if isinstance(message.id, tuple) else (message.id,)
    return tuple(str(text) for text in raw)


def strings(message: Message) -> tuple[str, ...]:
    raw = message.string if isinstance(message.string, tuple) else (message.string,)
    return tuple(str(text or "") for text in raw)


def placeholders(text: str) -> set[str]:
    return {f"%({name})" for name in PERCENT_PLACEHOLDER.findall(text)} | {
        f"{{{name}}}" for name in BRACE_PLACEHOLDER.findall(text)
    }


def short(message: Message) -> str:
    return " | ".join(ids(message))


def extracted_messages() -> dict[str, tuple[str | tuple[str, ...], list[str]]]:
    """Message ids found in the sources → (the id as extracted, where it was found)."""
    with BABEL_CFG.open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(BABEL_CFG))  # type: ignore[no-untyped-call]
    found: dict[str, tuple[str | tuple[str, ...], list[str]]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=DEFAULT_KEYWORDS
    ):
        key = message[0] if isinstance(message, tuple) else message
        if not key:
            continue
        found.setdefault(key, (message, []))[1].append(f"{filename}:{lineno}")
    return found


def test_babel_cfg_finds_python_and_templates() -> None:
    found = extracted_messages()
    places = {place.split(":")[0] for _message, where in found.values() for place in where}
    assert any(place.startswith("src/cobudget/") and place.endswith(".py") for place in places)
    assert any(place.startswith("templates/") and place.endswith(".html") for place in places)
    assert any(place.startswith("templates/") and place.endswith(".txt") for place in places)
    plural = found.get("%(num)d lieu membre")
    assert plural is not None and isinstance(plural[0], tuple), (
        "ngettext must be extracted as a plural (do not pass -k ngettext to pybabel)"
    )


def test_every_template_is_read_whole_by_the_extractor() -> None:
    """pybabel skips a template it cannot parse, silently: one with a tag of our own
    (`{% keep %}`, web/fragments.py) needs the extension in babel.cfg. Every template that
    calls `_(` must give at least one message."""
    places = {
        place.split(":")[0] for _message, where in extracted_messages().values() for place in where
    }
    silent = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "templates").rglob("*.html"))
        if "_(" in path.read_text(encoding="utf-8") and str(path.relative_to(ROOT)) not in places
    ]
    assert not silent, f"pybabel read no message in: {silent} (a tag babel.cfg does not know?)"


def test_every_entry_is_translated_and_not_fuzzy() -> None:
    problems = []
    for message in entries():
        if message.fuzzy:
            problems.append(f"fuzzy: {short(message)}")
        elif not all(text.strip() for text in strings(message)):
            problems.append(f"untranslated: {short(message)}")
        elif message.pluralizable and len(strings(message)) != catalog().num_plurals:
            problems.append(f"wrong number of plural forms: {short(message)}")
    assert not problems, "\n".join(["English catalogue is not complete:", *problems])


def test_every_message_in_code_and_templates_is_in_the_english_catalogue() -> None:
    problems = []
    for key, (message, where) in sorted(extracted_messages().items()):
        entry = catalog().get(key)
        if entry is None:
            problems.append(f"missing: {key!r}  ({', '.join(where)})")
        elif isinstance(message, tuple) and ids(entry) != tuple(message):
            problems.append(f"plural differs from the catalogue: {key!r}  ({', '.join(where)})")
        elif not isinstance(message, tuple) and entry.pluralizable:
            problems.append(f"used without plural but plural in the catalogue: {key!r}")
    assert not problems, "\n".join(["French messages without English:", *problems, HOW_TO_FIX])


def test_placeholders_match() -> None:
    problems = []
    for message in entries():
        expected = set().union(*(placeholders(text) for text in ids(message)))
        forms = [placeholders(text) for text in strings(message)]
        if not message.pluralizable:
            if forms[0] != expected:
                problems.append(
                    f"{short(message)!r}: expected {sorted(expected)}, got {sorted(forms[0])}"
                )
            continue
        # A plural form may leave out %(num)d ("one field"), but must not invent a placeholder,
        # and all forms together must use every placeholder of the French.
        extra = set().union(*forms) - expected
        lost = expected - set().union(*forms)
        if extra or lost:
            problems.append(f"{short(message)!r}: unknown {sorted(extra)}, lost {sorted(lost)}")
    assert not problems, "\n".join(["Placeholders differ:", *problems])


class _AnyValue(dict[str, object]):
    def __missing__(self, key: str) -> object:
        return 1


def test_template_messages_are_valid_percent_formats() -> None:
    """Jinja's new-style gettext always applies `%`: a lone % must be written %%."""
    problems = []
    for message in entries():
        if not any(filename.startswith("templates/") for filename, _line in message.locations):
            continue
        for text in (*ids(message), *strings(message)):
            try:
                text % _AnyValue()
            except (ValueError, TypeError) as error:
                problems.append(f"{text!r}: {error}")
    assert not problems, "\n".join(["Invalid % in template messages:", *problems])


@pytest.mark.parametrize(
    ("french", "english"),
    [("Les lieux du réseau", "The network’s lieux"), ("Se connecter", "Log in")],
)
def test_english_catalogue_loads(french: str, english: str) -> None:
    with i18n.using_locale("en"):
        assert i18n.gettext(french) == english
        assert (
            i18n.ngettext("%(num)d lieu membre", "%(num)d lieux membres", 3) % {"num": 3}
            == "3 member lieux"
        )
    with i18n.using_locale("fr"):
        assert i18n.gettext(french) == french
