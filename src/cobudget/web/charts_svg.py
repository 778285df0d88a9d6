"""Two charts drawn on the server as SVG (issue 18), so they show without JavaScript: an
envelope's projection (what each challenge receives, by source, against its minimum and
maximum) and a consent round's positions (how many lieux consent, consent with a concern,
object, or have not answered yet).

Layout only, like `trail_svg`: ready figures in, places and sizes out, no I/O and no template.
The template draws the shapes and writes the words; every shape carries its figure (a <title>
and a data attribute), and the page sets a table of the same figures beside each chart, so the
picture is never the only way to read them. The picture is narrow (400 units) so it stays
readable on a phone; CSS lets it grow on a wide screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cobudget.services.queries.projection import ChallengeRow
from cobudget.services.queries.rounds import RoundView

WIDTH = 400
BAR_X = 2.0
BAR_WIDTH = 396.0
ROW_HEIGHT = 46
BAR_TOP = 22  # below the row's label
BAR_HEIGHT = 14
LABEL_BASELINE = 15
TICK_OVERHANG = 4  # the minimum's tick stands out of the bar, above and below
LABEL_LENGTH = 34  # characters of a title in the picture, with its status; the table gives it whole

# A round's positions in the order the bar stacks them, those not answered yet last.
POSITIONS = ("consent", "concern", "objection", "awaited")


@dataclass(frozen=True)
class Segment:
    kind: str  # a source, "pledged", or a position
    x: float
    width: float
    amount: int  # cents for a source, lieux for a position


@dataclass(frozen=True)
class ChallengeBar:
    challenge_id: int
    label: str  # the title, shortened to fit
    title: str
    funded: bool
    received_cents: int  # 0 when not funded
    drawing_rights_cents: int  # what it receives, by source
    own_funds_cents: int
    match_cents: int
    pledged_cents: int
    min_cents: int
    max_cents: int
    label_y: float  # the baseline of the row's label
    bar_y: float  # the top of its bar
    tick_top: float  # the minimum's tick reaches above and below the bar
    tick_bottom: float
    track_width: float  # up to the maximum
    minimum_x: float
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class ProjectionChart:
    width: int
    height: int
    bars: tuple[ChallengeBar, ...]
    has_match: bool  # some challenge receives matching money: its column and colour show
    bar_x: float = BAR_X
    bar_height: int = BAR_HEIGHT


def _shorten(title: str) -> str:
    return title if len(title) <= LABEL_LENGTH else title[: LABEL_LENGTH - 1].rstrip() + "…"


def _stack(parts: Sequence[tuple[str, int]], scale: float) -> tuple[Segment, ...]:
    """Segments side by side from the bar's start, an empty part left out."""
    segments, x = [], BAR_X
    for kind, amount in parts:
        if amount > 0:
            segments.append(Segment(kind, round(x, 2), round(amount * scale, 2), amount))
            x += amount * scale
    return tuple(segments)


def projection_chart(challenges: Sequence[ChallengeRow]) -> ProjectionChart:
    """One row per challenge, all on one scale (the largest maximum, or amount, of them): a
    funded challenge's bar stacks what it receives by source; a challenge not funded receives
    nothing, and its bar shows what was pledged to it, released."""
    largest = max((max(c.max_cents, c.total_cents, c.pledged_cents) for c in challenges), default=0)
    scale = BAR_WIDTH / max(largest, 1)
    bars = []
    for index, c in enumerate(challenges):
        if c.funded:
            parts = [
                ("drawing_rights", c.drawing_rights_cents),
                ("own_funds", c.own_funds_cents),
                ("match", c.match_cents),
            ]
        else:
            parts = [("pledged", c.pledged_cents)]
        bars.append(
            ChallengeBar(
                challenge_id=c.id,
                label=_shorten(c.title),
                title=c.title,
                funded=c.funded,
                received_cents=c.total_cents if c.funded else 0,
                drawing_rights_cents=c.drawing_rights_cents if c.funded else 0,
                own_funds_cents=c.own_funds_cents if c.funded else 0,
                match_cents=c.match_cents if c.funded else 0,
                pledged_cents=c.pledged_cents,
                min_cents=c.min_cents,
                max_cents=c.max_cents,
                label_y=float(index * ROW_HEIGHT + LABEL_BASELINE),
                bar_y=float(index * ROW_HEIGHT + BAR_TOP),
                tick_top=float(index * ROW_HEIGHT + BAR_TOP - TICK_OVERHANG),
                tick_bottom=float(index * ROW_HEIGHT + BAR_TOP + BAR_HEIGHT + TICK_OVERHANG),
                track_width=round(max(c.max_cents, 0) * scale, 2),
                minimum_x=round(BAR_X + c.min_cents * scale, 2),
                segments=_stack(parts, scale),
            )
        )
    return ProjectionChart(
        WIDTH,
        max(len(bars), 1) * ROW_HEIGHT,
        tuple(bars),
        has_match=any(bar.match_cents for bar in bars),
    )


@dataclass(frozen=True)
class PositionsChart:
    width: int
    height: int
    bar_height: int
    counts: dict[str, int]  # consent, concern, objection, awaited → lieux
    eligible: int  # the lieux whose position counts
    segments: tuple[Segment, ...]
    bar_x: float = BAR_X
    bar_width: float = BAR_WIDTH


def position_counts(round_: RoundView) -> dict[str, int]:
    """How many lieux stand at each position, and how many have not answered: the lieux whose
    position counts (`RoundView.eligible`) less those that took one."""
    counts = dict.fromkeys(POSITIONS, 0)
    for position in round_.positions:
        counts[position.kind] += 1
    counts["awaited"] = max(0, round_.eligible - len(round_.positions))
    return counts


def positions_chart(round_: RoundView) -> PositionsChart:
    """One stacked bar of the round's positions over every lieu that may answer."""
    counts = position_counts(round_)
    total = sum(counts.values())
    scale = BAR_WIDTH / max(total, 1)
    return PositionsChart(
        width=WIDTH,
        height=BAR_HEIGHT * 2,
        bar_height=BAR_HEIGHT * 2,
        counts=counts,
        eligible=total,
        segments=_stack([(kind, counts[kind]) for kind in POSITIONS], scale),
    )
