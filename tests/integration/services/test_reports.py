"""Reports under concurrent writes (SPEC §7, §8): the checks run in the write transaction with
the challenge's row held, so concurrent writes never start a period twice, never publish twice,
and never together take the spending beyond what the challenge received."""

from __future__ import annotations

import asyncio

from cobudget.db.tables import OutboxMessage, Report, ReportSpending
from cobudget.domain.errors import InvalidInput, NotAllowed
from cobudget.domain.permissions import Actor
from cobudget.domain.reports import ReportForm
from cobudget.services import reports
from cobudget.settings import Settings
from tests.integration.conftest import World
from tests.support import factories


async def _write(settings: Settings, world: World, form: ReportForm, *, publish: bool) -> str:
    """One proposer's request; what it came to."""
    actor = Actor(user_id=None, member_of=frozenset({world.lieu_id}))
    try:
        await reports.save(
            settings,
            actor,
            envelope_id=world.settled_envelope_id,
            challenge_id=world.funded_challenge_id,
            form=form,
            publish=publish,
        )
    except (NotAllowed, InvalidInput) as error:
        return type(error).__name__
    return "saved"


async def test_concurrent_publishes_make_one_report_within_what_was_received(
    world: World, settings: Settings
) -> None:
    await Report.delete().where(Report.challenge == world.funded_challenge_id)
    line = await factories.budget_line_of(world.funded_challenge_id)
    # Period 1 is validated with 1 200 € of the 1 500 € received: 300 € are left.
    await factories.make_report(
        world.settled_envelope_id,
        world.funded_challenge_id,
        status="validated",
        spending=((line, 120_000),),
    )
    before = await OutboxMessage.count()
    results = await asyncio.gather(
        *(
            _write(settings, world, ReportForm(spending={line: "300"}), publish=True)
            for _ in range(6)
        )
    )
    assert sorted(results) == ["NotAllowed"] * 5 + ["saved"]  # the others await its review
    rows = await Report.select(Report.period, Report.status).where(
        Report.challenge == world.funded_challenge_id
    )
    assert sorted((r["period"], r["status"]) for r in rows) == [(1, "validated"), (2, "published")]
    spent = await ReportSpending.select(ReportSpending.amount_cents)
    assert sum(r["amount_cents"] for r in spent) == 150_000
    assert await OutboxMessage.count() == before + 1  # one email to the one coordinator


async def test_concurrent_drafts_take_up_one_report_of_the_period(
    world: World, settings: Settings
) -> None:
    await Report.delete().where(Report.challenge == world.funded_challenge_id)
    line = await factories.budget_line_of(world.funded_challenge_id)
    amounts = [f"{100 * n}" for n in range(1, 7)]
    results = await asyncio.gather(
        *(
            _write(settings, world, ReportForm(spending={line: euros}), publish=False)
            for euros in amounts
        )
    )
    assert results == ["saved"] * 6
    [report] = await Report.select(Report.id, Report.period).where(
        Report.challenge == world.funded_challenge_id
    )
    assert report["period"] == 1
    [spending] = await ReportSpending.select().where(ReportSpending.report == report["id"])
    assert spending["amount_cents"] in {int(euros) * 100 for euros in amounts}
