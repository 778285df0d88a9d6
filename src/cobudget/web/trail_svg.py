"""The money trail as a picture: a flow diagram drawn on the server as SVG (SPEC §7).

Three columns: where the money came from (each lieu, co-funder, and the envelope's match), the
funded challenges, and what became of what each received: spent (validated reports), awaiting
validation (published reports), and not reported yet. A band's thickness is proportional to the
euros it carries, and what leaves a challenge is exactly what it received, so no band is wider
than its box. No amount is invented per deliverable: the reports do not split their spending
between deliverables, so the page lists what each challenge produced instead of drawing it.
Every band and box carries its amount in a <title> and a data attribute, and the page puts the
same numbers in tables, so the picture is never the only way to read them. Layout only: no I/O,
no templates.

Two geometries (issue 18): the wide one for a screen, and a narrow one a phone shows at about
its own size, so its words stay a readable size instead of shrinking to 4 px; the page draws
both and its style sheet shows one.
"""

from __future__ import annotations

from dataclasses import dataclass

from cobudget.services.queries.follow_up import FollowUp, Source, Trail

GAP = 14
MIN_HEIGHT = 30.0  # room for two lines of text: the name and the amount
SCALE_HEIGHT = 560.0


@dataclass(frozen=True)
class Geometry:
    """Where the three columns stand, how wide a box is, and how many letters of a name fit."""

    width: int
    column_x: tuple[int, int, int]
    box_width: int
    label_chars: int
    # A band as a filled ribbon (its outline) rather than a thick stroke along its centre: a
    # stroke thicker than the gap it crosses bulges into a blob, which the narrow gaps would do.
    ribbons: bool = False


WIDE = Geometry(width=960, column_x=(10, 400, 790), box_width=160, label_chars=24)
# About a phone's width: 11 px text stays about 11 px on a 375 px screen, and 10 px at 320.
NARROW = Geometry(width=330, column_x=(0, 120, 240), box_width=90, label_chars=13, ribbons=True)


@dataclass(frozen=True)
class Box:
    key: str
    label: str
    amount_cents: int
    x: float
    y: float
    height: float
    kind: str  # source | challenge | output


@dataclass(frozen=True)
class Band:
    source: str
    target: str
    amount_cents: int
    path: str
    width: float
    kind: str  # money | spent | pending | unreported


@dataclass(frozen=True)
class Diagram:
    width: int
    height: int
    boxes: list[Box]
    bands: list[Band]
    box_width: int
    label_chars: int


def _stack(items: list[tuple[str, str, int]], x: float, scale: float, kind: str) -> list[Box]:
    boxes, y = [], 10.0
    for key, label, amount in items:
        height = max(MIN_HEIGHT, amount * scale)
        boxes.append(Box(key, label, amount, x, y, height, kind))
        y += height + GAP
    return boxes


def _band(
    a: Box, a_offset: float, b: Box, b_offset: float, width: float, geometry: Geometry
) -> str:
    """A smooth band from the right edge of `a` to the left edge of `b`: its centre line, or
    with `geometry.ribbons` its outline (top edge there, bottom edge back)."""
    x0, x1 = a.x + geometry.box_width, b.x
    middle = (x0 + x1) / 2
    if geometry.ribbons:
        top0, top1 = a.y + a_offset, b.y + b_offset
        bottom0, bottom1 = top0 + width, top1 + width
        return (
            f"M{x0:.1f},{top0:.1f} C{middle:.1f},{top0:.1f} {middle:.1f},{top1:.1f} "
            f"{x1:.1f},{top1:.1f} L{x1:.1f},{bottom1:.1f} C{middle:.1f},{bottom1:.1f} "
            f"{middle:.1f},{bottom0:.1f} {x0:.1f},{bottom0:.1f} Z"
        )
    y0, y1 = a.y + a_offset + width / 2, b.y + b_offset + width / 2
    return f"M{x0:.1f},{y0:.1f} C{middle:.1f},{y0:.1f} {middle:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"


def _source_key(s: Source) -> str:
    """One box per contributor, and one for the envelope's own money (no contributor)."""
    return f"{s.kind}:{s.id}" if s.id is not None else "envelope"


def outcomes(challenge: Trail) -> list[tuple[str, int]]:
    """What became of what the challenge received, as (kind, cents) adding up to it: spent,
    awaiting validation, not reported yet. Reports are checked so that spent and awaiting
    validation never exceed what was received; reports written before those checks could, and
    are cut to it here (the tables show their full figures, flagged)."""
    spent = min(challenge.spent_cents, challenge.received_cents)
    pending = min(challenge.pending_cents, challenge.received_cents - spent)
    parts = [
        ("spent", spent),
        ("pending", pending),
        ("unreported", challenge.received_cents - spent - pending),
    ]
    return [(kind, cents) for kind, cents in parts if cents] or [("unreported", 0)]


def layout(trail: FollowUp, *, labels: dict[str, str], geometry: Geometry = WIDE) -> Diagram:
    """Place the boxes and bands; `labels` names the envelope match and the three outcomes
    (spent, pending, unreported)."""
    column_x = geometry.column_x
    totals: dict[str, tuple[str, int]] = {}
    for challenge in trail.challenges:
        for s in challenge.sources:
            key = _source_key(s)
            name = s.name or labels["envelope"]
            totals[key] = (name, totals.get(key, (name, 0))[1] + s.amount_cents)
    sources = sorted(totals.items(), key=lambda item: (-item[1][1], item[1][0]))
    grand = max(1, sum(amount for _key, (_name, amount) in sources))
    count = max(len(sources), len(trail.challenges), 1)
    scale = max(0.0, (SCALE_HEIGHT - GAP * count)) / grand
    source_boxes = _stack(
        [(key, name, amount) for key, (name, amount) in sources], column_x[0], scale, "source"
    )
    challenge_boxes = _stack(
        [(f"challenge:{c.id}", c.title, c.received_cents) for c in trail.challenges],
        column_x[1],
        scale,
        "challenge",
    )
    outputs: list[tuple[str, str, int]] = []
    # Per challenge, where its money went: (output box, amount, band kind).
    output_of: dict[int, list[tuple[str, int, str]]] = {}
    for c in trail.challenges:
        output_of[c.id] = []
        for kind, amount in outcomes(c):
            key = f"{kind}:{c.id}"
            outputs.append((key, labels[kind], amount))
            output_of[c.id].append((key, amount, kind))
    output_boxes = _stack(outputs, column_x[2], scale, "output")
    by_key = {b.key: b for b in (*source_boxes, *challenge_boxes, *output_boxes)}
    bands: list[Band] = []
    out_offset: dict[str, float] = {}
    in_offset: dict[str, float] = {}
    order = {box.key: index for index, box in enumerate(source_boxes)}

    for c in trail.challenges:
        target = by_key[f"challenge:{c.id}"]
        # Bands enter a challenge in the order of their sources, so they do not cross there.
        for s in sorted(c.sources, key=lambda s: order[_source_key(s)]):
            key = _source_key(s)
            origin = by_key[key]
            width = s.amount_cents * scale
            path = _band(
                origin,
                out_offset.get(key, 0.0),
                target,
                in_offset.get(target.key, 0.0),
                width,
                geometry,
            )
            out_offset[key] = out_offset.get(key, 0.0) + width
            in_offset[target.key] = in_offset.get(target.key, 0.0) + width
            bands.append(Band(key, target.key, s.amount_cents, path, max(width, 1.0), "money"))
        for key, amount, kind in output_of[c.id]:
            width = amount * scale
            path = _band(target, out_offset.get(target.key, 0.0), by_key[key], 0.0, width, geometry)
            out_offset[target.key] = out_offset.get(target.key, 0.0) + width
            bands.append(Band(target.key, key, amount, path, max(width, 1.0), kind))
    height = int(max((b.y + b.height for b in by_key.values()), default=0) + 10)
    return Diagram(
        geometry.width,
        height,
        [*source_boxes, *challenge_boxes, *output_boxes],
        bands,
        geometry.box_width,
        geometry.label_chars,
    )
