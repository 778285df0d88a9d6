"""The one Jinja environment, shared by pages and emails, with translations and formatting.

Money and dates are formatted by one filter each, on Babel, in the current locale
(French: `1 234,56 €`, `23 novembre 2026`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import jinja2.ext
import jinja2.lexer
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from markupsafe import Markup

from cobudget import i18n
from cobudget.typography import french_spacing

PARIS = ZoneInfo("Europe/Paris")
TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"


@cache
def _euro_shape(locale: str) -> tuple[str, str, str, str]:
    """(prefix, group separator, decimal separator, suffix) of an amount in euros in `locale`,
    read once from Babel's own formatting of a sample amount."""
    sample = format_currency(1234567.89, "EUR", locale=locale)
    first, last = sample.index("1"), sample.rindex("9")
    digits = sample[first : last + 1]
    return sample[:first], digits[1], digits[-3], sample[last + 1 :]


def money(cents: int) -> str:
    """Integer cents as euros in the current locale, exactly as Babel writes them
    (`1 234,56 €`; `€1,234.56`), without going through floats: a big envelope page shows
    thousands of amounts, and Babel's general formatter costs ~0.1 ms each."""
    prefix, group, decimal, suffix = _euro_shape(i18n.current_locale())
    units, rest = divmod(abs(cents), 100)
    whole = f"{units:,}".replace(",", group)
    return f"{'-' if cents < 0 else ''}{prefix}{whole}{decimal}{rest:02d}{suffix}"


def euros(cents: int) -> str:
    """Cents as typed back into an amount field ("1234,56"); empty for nothing."""
    return f"{cents // 100},{cents % 100:02d}" if cents else ""


def date(value: dt.date | dt.datetime) -> str:
    return _first_of_month(
        format_date(value, format="long", locale=i18n.current_locale()), value.day
    )


def datetime_(value: dt.datetime | str) -> str:
    """A moment shown in Paris time, where the networks are (stored in UTC). A kept
    notification holds its moments as ISO text (services/notifications.py)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    shown = format_datetime(
        moment, format="d MMMM y HH:mm", tzinfo=PARIS, locale=i18n.current_locale()
    )
    return _first_of_month(shown, moment.astimezone(PARIS).day)


def _first_of_month(shown: str, day: int) -> str:
    """French writes the first day of a month as an ordinal, « 1er décembre », which Babel's
    patterns cannot say; every other day and language is left as Babel wrote it."""
    if day == 1 and i18n.current_locale().startswith("fr") and shown.startswith("1 "):
        return "1er" + shown[1:]
    return shown


def filesize(size: int) -> str:
    """A file's size in the current locale: « 820 octets », « 12,5 Ko », « 3,2 Mo »."""
    locale = i18n.current_locale()
    if size < 1024:
        return i18n.ngettext("%(num)d octet", "%(num)d octets", size) % {"num": size}
    if size < 1024 * 1024:
        return i18n.gettext("%(size)s Ko") % {
            "size": format_decimal(size / 1024, format="#,##0.#", locale=locale)
        }
    return i18n.gettext("%(size)s Mo") % {
        "size": format_decimal(size / (1024 * 1024), format="#,##0.#", locale=locale)
    }


@cache
def paragraphs(text: str) -> Markup:
    """Plain text as people type it in a textarea, kept readable: a blank line starts a
    paragraph, a single line break stays a line break. Everything is escaped: the text is
    never markup (a lieu's description, a network's presentation)."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return Markup("").join(
        Markup("<p>{}</p>").format(
            Markup("<br>\n").join(line.strip() for line in block.split("\n") if line.strip())
        )
        for block in blocks
        if block
    )


class FrenchSpacing(jinja2.ext.Extension):
    """The literal text of templates (`<strong>…</strong> : <a>`, `« {{ title }} »`) gets the
    same no-break spaces as the French messages (cobudget.typography), once, when a template is
    compiled: only spaces before « : ; ! ? » and around guillemets change, never numbers (an
    SVG's `viewBox="0 0 800 600"` stays whole)."""

    def filter_stream(self, stream: jinja2.lexer.TokenStream) -> Iterator[jinja2.lexer.Token]:
        for token in stream:
            if token.type == "data":
                value = french_spacing(token.value, numbers=False)  # markup holds coordinates
                yield jinja2.lexer.Token(token.lineno, "data", value)
            else:
                yield token


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n", FrenchSpacing],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True
    )
    env.filters["money"] = money
    env.filters["date"] = date
    env.filters["datetime"] = datetime_
    env.filters["euros"] = euros
    env.filters["paragraphs"] = paragraphs
    env.filters["filesize"] = filesize
    env.globals["current_locale"] = i18n.current_locale
    env.globals["colon"] = colon
    return env


def colon() -> str:
    """The colon after a label the template joins to a value (« Défis : CSV », "Challenges: CSV"):
    French puts a no-break space before it, English none, so it is a message, not template text."""
    return i18n.gettext(" :")


def render_email(
    template_name: str, context: Mapping[str, object], locale: str = i18n.DEFAULT_LOCALE
) -> tuple[str, str]:
    """Render `templates/emails/<name>.txt`: its first line is the subject, the rest the body.
    The context is a mapping, not keywords, so that no variable of a template can take the
    place of `locale`."""
    with i18n.using_locale(locale):
        text = environment().get_template(f"emails/{template_name}.txt").render(context)
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip() + "\n"
