"""The charts' layout (issue 18): each shape's figure is the figure it was given, the bars of a
projection share one scale, and a round's bar counts every lieu that may answer."""

from __future__ import annotations

import datetime as dt

from cobudget.services.queries.projection import ChallengeRow
from cobudget.services.queries.rounds import PositionView, RoundView
from cobudget.web.charts_svg import (
    BAR_WIDTH,
    LABEL_LENGTH,
    position_counts,
    positions_chart,
    projection_chart,
)

MOMENT = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _challenge(
    id: int,
    *,
    funded: bool,
    rights: int = 0,
    own: int = 0,
    match: int = 0,
    pledged: int = 0,
    minimum: int = 1_000_00,
    maximum: int = 2_000_00,
    title: str = "Un commun",
) -> ChallengeRow:
    total = rights + own + match if funded else 0
    return ChallengeRow(
        id=id, title=title, proposers=["La Fabrique"], consented=True, min_cents=minimum,
        max_cents=maximum, pledged_cents=pledged, supporters=0, points=0, funded=funded,
        total_cents=total, drawing_rights_cents=rights if funded else 0,
        own_funds_cents=own if funded else 0, match_cents=match if funded else 0,
        progress_cents=min(total if funded else pledged, maximum), room_cents=0,
        explanation=None, pledges=[], mine=[],
    )  # fmt: skip


def test_a_funded_challenge_stacks_what_it_receives_by_source_in_order() -> None:
    chart = projection_chart(
        [_challenge(1, funded=True, rights=800_00, own=300_00, match=100_00, pledged=1_100_00)]
    )
    (bar,) = chart.bars
    assert [(s.kind, s.amount) for s in bar.segments] == [
        ("drawing_rights", 800_00),
        ("own_funds", 300_00),
        ("match", 100_00),
    ]
    assert sum(s.amount for s in bar.segments) == bar.received_cents == 1_200_00
    # Side by side from the start, each as wide as its share of the scale (the maximum).
    assert bar.segments[1].x == bar.segments[0].x + bar.segments[0].width
    assert bar.segments[0].width == BAR_WIDTH * 800_00 / 2_000_00
    assert bar.track_width == BAR_WIDTH and bar.minimum_x == chart.bar_x + BAR_WIDTH / 2
    assert chart.has_match


def test_a_challenge_not_funded_receives_nothing_and_shows_what_was_pledged() -> None:
    chart = projection_chart([_challenge(2, funded=False, pledged=400_00)])
    (bar,) = chart.bars
    assert bar.received_cents == 0 and not bar.funded
    assert [(s.kind, s.amount) for s in bar.segments] == [("pledged", 400_00)]
    assert (bar.drawing_rights_cents, bar.own_funds_cents, bar.match_cents) == (0, 0, 0)
    assert not chart.has_match


def test_every_bar_is_drawn_on_the_scale_of_the_largest_and_nothing_passes_the_picture() -> None:
    small = _challenge(1, funded=True, rights=500_00, minimum=500_00, maximum=1_000_00)
    large = _challenge(2, funded=False, pledged=5_000_00, minimum=3_000_00, maximum=4_000_00)
    chart = projection_chart([small, large])
    assert chart.bars[0].track_width == BAR_WIDTH / 5  # 1 000 € of the 5 000 € pledged
    assert chart.bars[1].segments[0].width == BAR_WIDTH
    for bar in chart.bars:
        assert bar.bar_y + chart.bar_height <= chart.height
        assert all(s.x + s.width <= chart.bar_x + BAR_WIDTH + 0.01 for s in bar.segments)
    assert chart.bars[1].label_y > chart.bars[0].bar_y + chart.bar_height


def test_a_long_title_is_shortened_in_the_picture_and_kept_whole_for_the_table() -> None:
    title = "Un outil de réservation partagé entre tous les lieux du réseau et leurs voisins"
    (bar,) = projection_chart([_challenge(1, funded=False, title=title)]).bars
    assert bar.title == title and len(bar.label) == LABEL_LENGTH and bar.label.endswith("…")


def test_an_envelope_without_challenges_draws_an_empty_picture() -> None:
    chart = projection_chart([])
    assert chart.bars == () and chart.height > 0


def _position(lieu_id: int, kind: str) -> PositionView:
    return PositionView(
        lieu_id=lieu_id, lieu_name=f"Lieu {lieu_id}", kind=kind, text="", criterion=None,
        taken_at=MOMENT, answer=None,
    )  # fmt: skip


def _round(kinds: list[str], eligible: int) -> RoundView:
    return RoundView(
        id=1, version=1, opened_at=MOMENT, deadline=MOMENT, quorum=3, outcome="open",
        is_open=True, positions=[_position(i, k) for i, k in enumerate(kinds)], questions=[],
        comments=[], eligible=eligible,
    )  # fmt: skip


def test_a_rounds_bar_counts_each_position_and_the_lieux_not_answered_yet() -> None:
    round_ = _round(["consent", "consent", "concern", "objection"], eligible=7)
    chart = positions_chart(round_)
    assert chart.counts == {"consent": 2, "concern": 1, "objection": 1, "awaited": 3}
    assert chart.eligible == 7
    assert [(s.kind, s.amount) for s in chart.segments] == list(chart.counts.items())
    assert abs(sum(s.width for s in chart.segments) - BAR_WIDTH) < 0.05  # rounded to 0.01 each


def test_a_position_kind_nobody_took_draws_nothing_but_is_counted_zero() -> None:
    chart = positions_chart(_round(["consent"], eligible=1))
    assert [s.kind for s in chart.segments] == ["consent"]
    assert position_counts(_round(["consent"], eligible=1))["objection"] == 0
    assert chart.segments[0].width == BAR_WIDTH
