"""Translations: French is the source language of every message; English is a catalogue.

The current locale lives in a context variable set per request, so the gettext functions given
to Jinja and used by the web layer need no request object. Catalogues are read from the `.po`
files at start-up (compiled in memory), so there is no build step to forget.
"""

from __future__ import annotations

import contextvars
import io
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from cobudget.typography import french_spacing

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
LOCALE_DIR = Path(__file__).parent / "locales"

_current_locale: contextvars.ContextVar[str] = contextvars.ContextVar(
    "cobudget_locale", default=DEFAULT_LOCALE
)


@cache
def translations(locale: str) -> NullTranslations:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT_LOCALE or not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def current_locale() -> str:
    return _current_locale.get()


def set_locale(locale: str) -> contextvars.Token[str]:
    return _current_locale.set(locale if locale in LOCALES else DEFAULT_LOCALE)


@contextmanager
def using_locale(locale: str) -> Iterator[None]:
    token = set_locale(locale)
    try:
        yield
    finally:
        _current_locale.reset(token)


def gettext(message: str) -> str:
    locale = current_locale()
    if locale == DEFAULT_LOCALE:
        return french_spacing(message)  # the French typography, once (cobudget.typography)
    return translations(locale).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    locale = current_locale()
    if locale == DEFAULT_LOCALE:
        # French (the source language, so no catalogue) says "0 lieu": singular for 0 and 1.
        return french_spacing(singular if count <= 1 else plural)
    return translations(locale).ngettext(singular, plural, count)


_ = gettext
