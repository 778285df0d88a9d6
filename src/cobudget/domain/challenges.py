"""A challenge's versions as pure rules (SPEC §5): their money lines, what changed, when to amend.

Amounts are typed in euros the French way ("1 234,56") and kept as integer cents; an amount that
is not a whole number of cents is refused, never rounded (public money). Every amendment is a
new `ChallengeVersion`; `diff_versions` says which fields and which budget lines changed, and
`can_publish_new_version` says when the proposers may publish one (issue 5: after "to amend",
only once each standing objection has its answer).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cobudget.domain.consent import Outcome, Position, Round, round_outcome, standing_objections
from cobudget.domain.permissions import ALLOWED, Decision
from cobudget.domain.validation import Checker

MAX_AMOUNT_CENTS = 100_000_000_00  # 100 M€: above any envelope; bounds what a typo can store
MAX_BUDGET_LINES = 50
LABEL_MAX_LENGTH = 200

# Spaces people and Babel put between thousands: space, no-break, narrow no-break, thin.
_GROUP_SPACES = re.compile(r"[ \u00a0\u202f\u2009]")
_AMOUNT = re.compile(r"([0-9]{1,3}(?: [0-9]{3})+|[0-9]+)(?:[.,]([0-9]+))?", re.ASCII)
_CURRENCY = re.compile(r"\s*(?:€|eur)\s*$", re.IGNORECASE)


class Licence(StrEnum):
    """Free licences offered for the deliverables (issue 5); Etalab 2.0 is the default."""

    ETALAB_2_0 = "etalab-2.0"
    CC_BY = "cc-by-4.0"
    CC_BY_SA = "cc-by-sa-4.0"
    AGPL = "agpl-3.0"
    GPL = "gpl-3.0"
    MIT = "mit"
    OTHER = "other"


class InvalidAmount(ValueError):
    """An amount that cannot be read as euros; `code` is the message code for its field."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_euros(text: str) -> int:
    """Euros as typed ("1 234,56", "1234.5", "12 €") → integer cents (123456, 123450, 1200).

    Raises InvalidAmount with code `required`, `negative`, `too_many_decimals`, `too_large` or
    `not_an_amount`. A comma or a point is the decimal mark; thousands are grouped by spaces
    only, so "1,000" is refused (three decimals) rather than guessed as a thousand.
    """
    cleaned = _CURRENCY.sub("", _GROUP_SPACES.sub(" ", text.strip()))
    if not cleaned:
        raise InvalidAmount("required")
    negative = cleaned[0] in "-\u2212"
    if negative:
        cleaned = cleaned[1:].lstrip()
    match = _AMOUNT.fullmatch(cleaned)
    if match is None:
        raise InvalidAmount("not_an_amount")
    if negative:
        raise InvalidAmount("negative")
    whole, decimals = match.group(1).replace(" ", ""), match.group(2) or ""
    if len(decimals) > 2:
        raise InvalidAmount("too_many_decimals")
    if len(whole) > len(str(MAX_AMOUNT_CENTS)):
        raise InvalidAmount("too_large")
    cents = int(whole) * 100 + int(decimals.ljust(2, "0"))
    if cents > MAX_AMOUNT_CENTS:
        raise InvalidAmount("too_large")
    return cents


def check_euros(checker: Checker, field: str, text: str | None) -> int:
    """`parse_euros` for a required form field: 0, and the code on the field, when it fails."""
    try:
        return parse_euros(text or "")
    except InvalidAmount as error:
        checker.fail(field, error.code)
        return 0


def check_requested_cents(
    checker: Checker, field: str, text: str | None, lines: Iterable[BudgetLine]
) -> int | None:
    """The optional amount asked of the envelope: None when blank, else more than zero and no
    more than the budget lines' maxima together (nobody is funded beyond their own maximum)."""
    if not (text or "").strip():
        return None
    cents = check_euros(checker, field, text)
    if field in checker.errors:
        return None
    if cents == 0:
        checker.fail(field, "zero_amount")
    elif cents > total_max_cents(lines):
        checker.fail(field, "above_total_max")
    return cents


@dataclass(frozen=True)
class BudgetLine:
    """One line of a challenge's cost (SPEC §3); `id` is kept from version to version."""

    label: str
    min_cents: int
    max_cents: int
    id: int | None = None


@dataclass(frozen=True)
class BudgetLineRow:
    """One budget line as typed in the form, before it is read."""

    label: str | None
    min_euros: str | None
    max_euros: str | None
    id: int | None = None


def _label_key(label: str) -> str:
    return " ".join(label.split()).casefold()


def validate_budget_lines(lines: Sequence[BudgetLine], field: str = "lines") -> dict[str, str]:
    """Field → message code: at least one line, each labelled once, 0 ≤ min ≤ max, max > 0."""
    errors: dict[str, str] = {}
    if not lines:
        errors[field] = "at_least_one_line"
    elif len(lines) > MAX_BUDGET_LINES:
        errors[field] = f"too_many_lines:{MAX_BUDGET_LINES}"
    seen: set[str] = set()
    for i, line in enumerate(lines):
        key = _label_key(line.label)
        if not key:
            errors[f"{field}.{i}.label"] = "required"
        elif len(line.label) > LABEL_MAX_LENGTH:
            errors[f"{field}.{i}.label"] = f"too_long:{LABEL_MAX_LENGTH}"
        elif key in seen:
            errors[f"{field}.{i}.label"] = "duplicate_label"
        seen.add(key)
        if line.min_cents < 0:
            errors[f"{field}.{i}.min"] = "negative"
        if line.max_cents <= 0:
            errors[f"{field}.{i}.max"] = "negative" if line.max_cents < 0 else "zero_amount"
        elif line.min_cents > line.max_cents:
            errors[f"{field}.{i}.max"] = "min_above_max"
    return errors


def check_budget_lines(
    checker: Checker, rows: Sequence[BudgetLineRow], field: str = "lines"
) -> tuple[BudgetLine, ...]:
    """Read the rows of the form; wholly blank rows (spare ones) are skipped. Messages name the
    row as typed (`lines.2.max`), so they show next to the right field; an amount that cannot
    be read keeps its own message rather than a consequence of it."""
    kept: list[tuple[int, BudgetLine]] = []
    for i, row in enumerate(rows):
        if not any((value or "").strip() for value in (row.label, row.min_euros, row.max_euros)):
            continue
        line = BudgetLine(
            label=" ".join((row.label or "").split()),
            min_cents=check_euros(checker, f"{field}.{i}.min", row.min_euros),
            max_cents=check_euros(checker, f"{field}.{i}.max", row.max_euros),
            id=row.id,
        )
        kept.append((i, line))
    lines = tuple(line for _, line in kept)
    for name, code in validate_budget_lines(lines, field).items():
        if name != field:
            index, part = name[len(field) + 1 :].split(".")
            name = f"{field}.{kept[int(index)][0]}.{part}"
        checker.fail(name, code)
    return lines


def total_min_cents(lines: Iterable[BudgetLine]) -> int:
    return sum(line.min_cents for line in lines)


def total_max_cents(lines: Iterable[BudgetLine]) -> int:
    return sum(line.max_cents for line in lines)


@dataclass(frozen=True)
class ChallengeVersion:
    """What one version of a challenge says (SPEC §5); who proposes it is the challenge's."""

    number: int
    title: str
    problem: str
    commons: str
    users: str
    licence: str
    budget_lines: tuple[BudgetLine, ...]
    requested_cents: int | None = None


VERSIONED_FIELDS = ("title", "problem", "commons", "users", "licence", "requested_cents")


@dataclass(frozen=True)
class LineChange:
    old: BudgetLine
    new: BudgetLine

    @property
    def fields(self) -> tuple[str, ...]:
        names = ("label", "min_cents", "max_cents")
        return tuple(n for n in names if getattr(self.old, n) != getattr(self.new, n))


@dataclass(frozen=True)
class VersionDiff:
    """Fields (in `VERSIONED_FIELDS` order) and budget lines that differ; order is ignored."""

    fields: tuple[str, ...]
    added: tuple[BudgetLine, ...]
    removed: tuple[BudgetLine, ...]
    changed: tuple[LineChange, ...]

    @property
    def is_empty(self) -> bool:
        """A new version that changes nothing is no amendment: services refuse it."""
        return not (self.fields or self.added or self.removed or self.changed)


def _same_id(old: BudgetLine, new: BudgetLine) -> bool:
    return old.id is not None and old.id == new.id


def _same_label(old: BudgetLine, new: BudgetLine) -> bool:
    return (old.id is None or new.id is None) and old.label == new.label


def _similar_label(old: BudgetLine, new: BudgetLine) -> bool:
    return (old.id is None or new.id is None) and _label_key(old.label) == _label_key(new.label)


def diff_versions(old: ChallengeVersion, new: ChallengeVersion) -> VersionDiff:
    """What changed from `old` to `new`. Lines are paired by id where both have one; a line
    without id is then paired by its label, the exact one first, then ignoring case and
    spacing. An unpaired old line was removed, an unpaired new one added."""
    fields = tuple(n for n in VERSIONED_FIELDS if getattr(old, n) != getattr(new, n))
    unpaired_old = list(old.budget_lines)
    pairs: list[tuple[BudgetLine, BudgetLine]] = []
    waiting = list(new.budget_lines)
    for matches in (_same_id, _same_label, _similar_label):
        still_waiting = []
        for line in waiting:
            match = next((o for o in unpaired_old if matches(o, line)), None)
            if match is None:
                still_waiting.append(line)
            else:
                unpaired_old.remove(match)
                pairs.append((match, line))
        waiting = still_waiting
    changed = tuple(
        LineChange(o, n)
        for o, n in pairs
        if (o.label, o.min_cents, o.max_cents) != (n.label, n.min_cents, n.max_cents)
    )
    return VersionDiff(fields, tuple(waiting), tuple(unpaired_old), changed)


# --- when a challenge may change ---------------------------------------------------------------
# A challenge has at most one undecided round at a time (`consent.can_open_round`), so its latest
# round, with that round's positions, is all these rules need to know of its past.


def objections_needing_answer(
    round: Round, positions: Iterable[Position], answered_lieu_ids: Collection[int], now: datetime
) -> tuple[Position, ...]:
    """Standing objections of a closed round that the proposers have not answered yet (issue 5:
    for each objection, write how the new version answers it). Answers are keyed by the
    objecting lieu: one lieu, one position, so one answer."""
    objections = standing_objections(round, positions, now)
    return tuple(p for p in objections if p.lieu_id not in answered_lieu_ids)


def can_publish_new_version(
    *,
    actor_lieu_ids: Collection[int],
    proposer_lieu_ids: Collection[int],
    current_version: int,
    latest: Round | None,
    latest_positions: Iterable[Position],
    answered_lieu_ids: Collection[int],
    now: datetime,
) -> Decision:
    """Only the proposers amend, never while a round on the current version is undecided (peers
    would judge a moving text), and after "to amend" only once every standing objection has
    its answer. Before any round, after no quorum or after consent they may amend freely:
    consent belongs to a version, so an amended challenge needs a new round to be consented.

    `answered_lieu_ids` are the objecting lieux already answered, including by the form that
    publishes the version (answers and version are written in one transaction).
    """
    if not set(actor_lieu_ids) & set(proposer_lieu_ids):
        return Decision(False, "proposers_only")
    if latest is None or latest.version != current_version:
        return ALLOWED
    positions = tuple(latest_positions)
    if round_outcome(latest, positions, now) is Outcome.OPEN:
        return Decision(False, "round_open")
    if objections_needing_answer(latest, positions, answered_lieu_ids, now):
        return Decision(False, "objections_unanswered")
    return ALLOWED


def is_consented(
    current_version: int, latest: Round | None, latest_positions: Iterable[Position], now: datetime
) -> bool:
    """SPEC §5: only a challenge whose current version was consented may get envelope money."""
    return (
        latest is not None
        and latest.version == current_version
        and round_outcome(latest, latest_positions, now) is Outcome.CONSENTED
    )


def format_euros(cents: int) -> str:
    """Cents as euros typed back into a form ("1234,56"); `parse_euros` reads it back exactly."""
    return f"{cents // 100},{cents % 100:02d}"
