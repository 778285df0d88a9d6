"""When the calendar next changes what a page shows (issue 15: the page cache).

A page follows the data and the clock: an envelope changes phase at its dates, a consent round
ends at its deadline. A page kept for visitors must not outlive the next such moment."""

from __future__ import annotations

import datetime as dt

from cobudget.db.tables import ConsentRound, Envelope


async def next_moment(after: dt.datetime) -> dt.datetime | None:
    """The first envelope date or open round deadline later than `after`, if any."""
    moments: list[dt.datetime] = []
    for column in (
        Envelope.proposals_from,
        Envelope.diagnosis_from,
        Envelope.funding_from,
        Envelope.funding_until,
    ):
        row = (
            await Envelope.select(column.as_alias("moment"))
            .where(column > after)
            .order_by(column)
            .first()
        )
        if row is not None:
            moments.append(row["moment"])
    row = (
        await ConsentRound.select(ConsentRound.deadline.as_alias("moment"))
        .where(ConsentRound.closed_at.is_null())
        .where(ConsentRound.deadline > after)
        .order_by(ConsentRound.deadline)
        .first()
    )
    if row is not None:
        moments.append(row["moment"])
    return min(moments, default=None)
