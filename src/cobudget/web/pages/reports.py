"""Follow-up pages (SPEC §7): the envelope's money trail, and the reports of funded challenges
(written and published by the proposers, reviewed by a coordinator)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from cobudget.domain import reports as rules
from cobudget.domain.challenges import Licence, format_euros
from cobudget.domain.errors import InvalidInput
from cobudget.domain.permissions import Action, require
from cobudget.i18n import current_locale
from cobudget.i18n import gettext as _
from cobudget.services import reports
from cobudget.services.kept_reads import kept
from cobudget.services.queries import follow_up as queries
from cobudget.web import trail_svg
from cobudget.web.forms import ActorDep, Form, PathId, SettingsDep, numbered, row_numbers
from cobudget.web.render import form_errors, page, see_other

EMPTY_DELIVERABLE_ROWS = 3


MAX_DELIVERABLE_ROWS = rules.MAX_DELIVERABLES + EMPTY_DELIVERABLE_ROWS


def _form(data: dict[str, str]) -> rules.ReportForm:
    def lines(prefix: str) -> dict[int, str]:
        return numbered(data, prefix)

    rows = row_numbers(
        data,
        "deliverable",
        rows=MAX_DELIVERABLE_ROWS,
        error=f"too_many:{rules.MAX_DELIVERABLES}",
    )
    return rules.ReportForm(
        progress=data.get("progress", ""),
        delivery=data.get("delivery", rules.Delivery.IN_PROGRESS.value),
        spending=lines("spending"),
        own_funds=lines("own_funds"),
        receipts=lines("receipt"),
        deliverables=tuple(
            rules.DeliverableForm(
                title=data.get(f"deliverable.{row}.title", ""),
                url=data.get(f"deliverable.{row}.url", ""),
                licence=data.get(f"deliverable.{row}.licence", Licence.ETALAB_2_0.value),
            )
            for row in rows
        ),
    )


def _values_of(report: queries.ReportPage) -> dict[str, str]:
    values = {"progress": report.progress, "delivery": report.delivery}
    for line in report.lines:
        if line.spent_cents:
            values[f"spending.{line.id}"] = format_euros(line.spent_cents)
        if line.own_funds_cents:
            values[f"own_funds.{line.id}"] = format_euros(line.own_funds_cents)
        if line.receipt:
            values[f"receipt.{line.id}"] = line.receipt
    for index, d in enumerate(report.deliverables):
        values |= {
            f"deliverable.{index}.title": d.title,
            f"deliverable.{index}.url": d.url,
            f"deliverable.{index}.licence": d.licence,
        }
    return values


@get("/enveloppes/{envelope_id:int}/suivi", name="envelope_follow_up")
async def follow_up(
    request: Request[Any, Any, Any], actor: ActorDep, envelope_id: PathId
) -> Template:
    """The money trail: a picture and a table with the same numbers, and the reports."""
    trail = await queries.follow_up(actor, envelope_id)

    async def draw() -> tuple[trail_svg.Diagram, trail_svg.Diagram]:
        labels = {
            "envelope": _("Abondement de l’enveloppe"),
            "spent": _("Dépensé (comptes rendus validés)"),
            "pending": _("En attente de validation"),
            "unreported": _("Pas encore rapporté"),
        }
        return (
            trail_svg.layout(trail, labels=labels, geometry=trail_svg.WIDE),
            trail_svg.layout(trail, labels=labels, geometry=trail_svg.NARROW),
        )

    # The same pictures for every reader in a language: kept (services/kept_reads.py). A
    # screen shows the wide one, a phone the narrow one (app.css).
    diagram, narrow = await kept(("trail-diagram", envelope_id, current_locale()), draw)
    return await page(
        request, "reports/follow_up.html", trail=trail, diagram=diagram, narrow=narrow
    )


async def _form_page(
    request: Request[Any, Any, Any],
    *,
    found: reports.Funded,
    period: int,
    action: str,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    comment: str = "",
) -> Template:
    try:
        used = row_numbers(values, "deliverable", rows=MAX_DELIVERABLE_ROWS, error="")
        rows = min(MAX_DELIVERABLE_ROWS, (max(used) + 1 if used else 0) + EMPTY_DELIVERABLE_ROWS)
    except InvalidInput:  # a refused form with a row numbered beyond the maximum
        rows = MAX_DELIVERABLE_ROWS
    return await page(
        request,
        "reports/form.html",
        status_code=status_code,
        found=found,
        period=period,
        action=action,
        values=values,
        errors=errors or {},
        deliverable_rows=range(rows),
        licences=[licence for licence in Licence if licence.value in rules.FREE_LICENCES],
        comment=comment,
    )


@get("/enveloppes/{envelope_id:int}/defis/{challenge_id:int}/rapports/nouveau", name="report_new")
async def new_form(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    envelope_id: PathId,
    challenge_id: PathId,
) -> Template | Redirect:
    """The form of the period's report; the report in progress, when there is one."""
    period = await reports.period_to_write(actor, envelope_id, challenge_id)
    if period.report_id is not None:
        return see_other(f"/rapports/{period.report_id}/modifier")
    return await _form_page(
        request,
        found=await reports.funded(actor, envelope_id, challenge_id),
        period=period.number,
        action=f"/enveloppes/{envelope_id}/defis/{challenge_id}/rapports/nouveau",
        values={"delivery": rules.Delivery.IN_PROGRESS.value},
    )


@post("/enveloppes/{envelope_id:int}/defis/{challenge_id:int}/rapports/nouveau")
async def new(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    settings: SettingsDep,
    envelope_id: PathId,
    challenge_id: PathId,
    data: Form,
) -> Template | Redirect:
    """Save the period's report: a new one, or the one in progress (never a second one)."""
    try:
        report_id = await reports.save(
            settings,
            actor,
            envelope_id=envelope_id,
            challenge_id=challenge_id,
            form=_form(data),
            publish=data.get("publish") == "1",
        )
    except InvalidInput as error:
        period = await reports.period_to_write(actor, envelope_id, challenge_id)
        return await _form_page(
            request,
            found=await reports.funded(actor, envelope_id, challenge_id),
            period=period.number,
            action=f"/enveloppes/{envelope_id}/defis/{challenge_id}/rapports/nouveau",
            values=data,
            errors=form_errors(error.fields),
            status_code=422,
        )
    return see_other(f"/rapports/{report_id}?ok=saved")


@get("/rapports/{report_id:int}", name="report")
async def show(request: Request[Any, Any, Any], actor: ActorDep, report_id: PathId) -> Template:
    report = await queries.report_page(actor, report_id)
    return await page(
        request,
        "reports/page.html",
        report=report,
        ok=request.query_params.get("ok", ""),
        errors={},
        values={},
    )


@get("/rapports/{report_id:int}/modifier", name="report_edit")
async def edit_form(
    request: Request[Any, Any, Any], actor: ActorDep, report_id: PathId
) -> Template:
    report = await queries.report_page(actor, report_id)
    found = await reports.funded(actor, report.envelope_id, report.challenge_id)
    require(actor, Action.REPORT_WRITE, reports.target_of(found))
    return await _form_page(
        request,
        found=found,
        period=report.period,
        action=f"/rapports/{report_id}/modifier",
        values=_values_of(report),
        comment=report.review_comment,
    )


@post("/rapports/{report_id:int}/modifier")
async def edit(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    settings: SettingsDep,
    report_id: PathId,
    data: Form,
) -> Template | Redirect:
    report = await queries.report_page(actor, report_id)
    try:
        await reports.save(
            settings,
            actor,
            envelope_id=report.envelope_id,
            challenge_id=report.challenge_id,
            form=_form(data),
            publish=data.get("publish") == "1",
            report_id=report_id,
        )
    except InvalidInput as error:
        found = await reports.funded(actor, report.envelope_id, report.challenge_id)
        return await _form_page(
            request,
            found=found,
            period=report.period,
            action=f"/rapports/{report_id}/modifier",
            values=data,
            errors=form_errors(error.fields),
            status_code=422,
            comment=report.review_comment,
        )
    return see_other(f"/rapports/{report_id}?ok=saved")


@post("/rapports/{report_id:int}/revue", name="report_review")
async def review(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    settings: SettingsDep,
    report_id: PathId,
    data: Form,
) -> Template | Redirect:
    try:
        await reports.review(
            settings,
            actor,
            report_id=report_id,
            decision=data.get("decision", ""),
            comment=data.get("comment", ""),
        )
    except InvalidInput as error:
        report: Any = await queries.report_page(actor, report_id)
        return await page(
            request,
            "reports/page.html",
            status_code=422,
            report=report,
            ok="",
            errors=form_errors(error.fields),
            values=data,
        )
    return see_other(f"/rapports/{report_id}?ok=reviewed")


ROUTES = [follow_up, new_form, new, show, edit_form, edit, review]
