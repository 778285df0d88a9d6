"""A lieu's needs before any envelope (SPEC §5): what a need may say, and how a network's needs
are grouped so that the needs several lieux share stand out.

A need's horizon is a number of years (1, 2 or 3) from when it is published: "in the next one
to three years" is what the lieux are asked, and a count of years stays true when read later
(its publication date is shown beside it). Amounts are a rough range in integer cents, both
ends optional.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from cobudget.domain.challenges import InvalidAmount, parse_euros
from cobudget.domain.validation import Checker

MAX_ACTIVE_NEEDS_PER_LIEU = 20  # needs a lieu shows at once; archived ones do not count
MAX_NEEDS_PER_PAGE = 500  # the most active needs a network's page or the API reads at once
# The open data holds every need, archived ones too; a lieu publishes at most so many a day
# (archiving makes no room there), so the record grows with time, not with a loop of requests.
MAX_NEEDS_PER_EXPORT = 20_000
MAX_NEEDS_PUBLISHED_PER_LIEU_PER_DAY = 2 * MAX_ACTIVE_NEEDS_PER_LIEU  # room to redo a day's list
TITLE_MAX = 200
TEXT_MAX = 5_000
HORIZONS = (1, 2, 3)


class Theme(StrEnum):
    """What a need is about, from a fixed list that suits tiers-lieux; the order is the one the
    lists show when several themes are shared by as many lieux."""

    DIGITAL = "numerique"
    MAKING = "fabrication"
    FOOD = "alimentation"
    MOBILITY = "mobilite"
    ENERGY = "energie"
    GOVERNANCE = "gouvernance"
    ECONOMY = "economie"
    CULTURE = "culture"
    TRAINING = "formation"
    OTHER = "autre"


THEME_ORDER = {theme.value: index for index, theme in enumerate(Theme)}


@dataclass(frozen=True)
class NeedForm:
    """What a lieu types; amounts are euros as text, like every money field."""

    title: str = ""
    lacks: str = ""
    commons: str = ""
    min_euros: str = ""
    max_euros: str = ""
    theme: str = ""
    horizon: str = ""


@dataclass(frozen=True)
class NeedFields:
    title: str
    lacks: str
    commons: str
    min_cents: int | None
    max_cents: int | None
    theme: str
    horizon_years: int


def _optional_euros(checker: Checker, field: str, text: str) -> int | None:
    if not text.strip():
        return None
    try:
        return parse_euros(text)
    except InvalidAmount as error:
        checker.fail(field, error.code)
        return None


def check_need(form: NeedForm) -> NeedFields:
    """The need's fields cleaned, or `InvalidInput` with a code per refused field."""
    checker = Checker()
    title = checker.text("title", form.title, max_length=TITLE_MAX)
    lacks = checker.text("lacks", form.lacks, max_length=TEXT_MAX)
    commons = checker.text("commons", form.commons, max_length=TEXT_MAX, required=False)
    min_cents = _optional_euros(checker, "min", form.min_euros)
    max_cents = _optional_euros(checker, "max", form.max_euros)
    if min_cents is not None and max_cents is not None and min_cents > max_cents:
        checker.fail("max", "min_above_max")
    theme = checker.choice("theme", form.theme, Theme)
    horizon = checker.positive_int("horizon", form.horizon, maximum=max(HORIZONS))
    checker.raise_if_any()
    return NeedFields(title, lacks, commons, min_cents, max_cents, theme, horizon)


def parse_theme(value: str | None) -> str | None:
    """A theme filter as a query string gives it: a theme, or None (no filter or unknown)."""
    return value if value in THEME_ORDER else None


def parse_horizon(value: str | None) -> int | None:
    """A horizon filter: 1, 2 or 3 years, or None (no filter or unknown)."""
    return int(value) if value in {str(h) for h in HORIZONS} else None


class Grouped(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def theme(self) -> str: ...
    @property
    def lieu_id(self) -> int: ...
    @property
    def joined_lieu_ids(self) -> Sequence[int]: ...


N = TypeVar("N", bound=Grouped)


@dataclass(frozen=True)
class ThemeGroup(Generic[N]):
    theme: str
    lieu_count: int  # distinct lieux with a need of this theme, or that said « nous aussi »
    needs: tuple[N, ...]


def group_by_theme(needs: Iterable[N]) -> list[ThemeGroup[N]]:
    """SPEC §5, "the network sees its common needs": one group per theme, the themes shared by
    the most lieux first (the lieux with a need of the theme and those that said « nous aussi »
    to one), then in the order of `Theme`. Inside a group, the needs joined by the most lieux
    first, then the oldest (by id). Every need is in exactly one group."""
    by_theme: dict[str, list[N]] = {}
    for need in needs:
        by_theme.setdefault(need.theme, []).append(need)
    groups = []
    for theme, items in by_theme.items():
        lieux = {need.lieu_id for need in items} | {
            lieu for need in items for lieu in need.joined_lieu_ids
        }
        items.sort(key=lambda need: (-len(set(need.joined_lieu_ids)), need.id))
        groups.append(ThemeGroup(theme, len(lieux), tuple(items)))
    groups.sort(key=lambda group: (-group.lieu_count, THEME_ORDER.get(group.theme, 99)))
    return groups
