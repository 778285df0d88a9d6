"""API: the money trail of a settled envelope and one follow-up report (SPEC §7), with the
pages' visibility rules (a draft report is its proposers' only)."""

from __future__ import annotations

from litestar import get

from cobudget.services.queries import follow_up as queries
from cobudget.web.api.pagination import Id
from cobudget.web.api.problems import READ
from cobudget.web.forms import ActorDep


@get(
    "/envelopes/{envelope_id:int}/follow-up",
    responses=READ,
    summary="Where every euro went: sources, reported spending, deliverables, reports",
)
async def follow_up(actor: ActorDep, envelope_id: Id) -> queries.FollowUp:
    return await queries.follow_up(actor, envelope_id)


@get("/reports/{report_id:int}", responses=READ, summary="One follow-up report")
async def report(actor: ActorDep, report_id: Id) -> queries.ReportPage:
    return await queries.report_page(actor, report_id)


ROUTES = [follow_up, report]
