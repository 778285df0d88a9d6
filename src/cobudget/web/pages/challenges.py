"""Challenge pages: propose (draft or publish), edit a draft, amend, read a version, compare two,
say « nous aussi », answer a co-proposal."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from cobudget.domain import challenges as rules
from cobudget.domain.errors import InvalidInput, LoginRequired, NotAllowed
from cobudget.domain.permissions import Actor
from cobudget.services import challenges
from cobudget.services.queries import challenges as queries
from cobudget.services.queries import networks as network_queries
from cobudget.services.queries import rounds as round_queries
from cobudget.web.forms import (
    MAX_ID,
    ActorDep,
    Form,
    PathId,
    SettingsDep,
    form_id,
    numbered,
    row_numbers,
)
from cobudget.web.render import form_errors, page, see_other

VersionNumber = Annotated[int, QueryParameter(ge=1, le=MAX_ID)]
SPARE_LINES = 3
MIN_LINES = 5


MAX_LINE_ROWS = rules.MAX_BUDGET_LINES + SPARE_LINES  # the most rows the form ever shows


def _form(data: dict[str, str]) -> challenges.ChallengeForm:
    indexes = row_numbers(
        data, "lines", rows=MAX_LINE_ROWS, error=f"too_many_lines:{rules.MAX_BUDGET_LINES}"
    )
    return challenges.ChallengeForm(
        title=data.get("title", ""),
        problem=data.get("problem", ""),
        commons=data.get("commons", ""),
        users=data.get("users", ""),
        licence=data.get("licence", ""),
        requested=data.get("requested", ""),
        lines=[
            rules.BudgetLineRow(
                label=data.get(f"lines.{i}.label"),
                min_euros=data.get(f"lines.{i}.min"),
                max_euros=data.get(f"lines.{i}.max"),
            )
            for i in indexes
        ],
        co_proposer_ids=[
            lieu_id
            for lieu_id, value in numbered(data, "co_proposer", field="co_proposers").items()
            if value == "on"
        ],
    )


def _values_of(version: rules.ChallengeVersion) -> dict[str, str]:
    values = {
        "title": version.title,
        "problem": version.problem,
        "commons": version.commons,
        "users": version.users,
        "licence": version.licence,
        "requested": rules.format_euros(version.requested_cents)
        if version.requested_cents is not None
        else "",
    }
    for i, line in enumerate(version.budget_lines):
        values |= {
            f"lines.{i}.label": line.label,
            f"lines.{i}.min": rules.format_euros(line.min_cents),
            f"lines.{i}.max": rules.format_euros(line.max_cents),
        }
    return values


def _line_count(values: dict[str, str]) -> int:
    """The rows the form shows: those in use and a few spare ones, never above the maximum (a
    refused form with a row numbered beyond it shows the rows it may have)."""
    try:
        used = row_numbers(values, "lines", rows=MAX_LINE_ROWS, error="")
    except InvalidInput:
        return MAX_LINE_ROWS
    return min(MAX_LINE_ROWS, max(MIN_LINES, (max(used) + 1 if used else 0) + SPARE_LINES))


async def _form_page(
    request: Request,
    actor: Actor,
    *,
    mode: str,
    action: str,  # type: ignore[type-arg]
    network: Any,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    lieux: list[Any] | None = None,
    challenge_id: int | None = None,
) -> Template:
    view = await network_queries.network_page(actor, network.slug)
    objections: list[Any] = []
    if mode == "amend" and challenge_id is not None:
        challenge = await queries.challenge_page(actor, challenge_id)
        panel = await round_queries.diagnosis_panel(
            actor,
            challenge_id=challenge_id,
            network_id=network.id,
            proposer_ids=frozenset(lieu.id for lieu in challenge.proposers),
            network_lieu_ids=challenge.network_lieu_ids,
        )
        objections = panel.objections_to_answer
    return await page(
        request,
        "challenges/form.html",
        status_code=status_code,
        mode=mode,
        action=action,
        network=network,
        values=values,
        errors=errors or {},
        licences=list(rules.Licence),
        line_count=_line_count(values),
        my_lieux=lieux or [],
        network_lieux=view.lieux,
        challenge_id=challenge_id,
        objections=objections,
    )


async def _my_lieux(actor: Actor, slug: str) -> list[Any]:
    if not actor.is_authenticated:
        raise LoginRequired("challenge.propose")
    view = await network_queries.network_page(actor, slug)
    lieux = [lieu for lieu in view.lieux if lieu.id in actor.member_of]
    if not lieux:
        raise NotAllowed("challenge.propose", "member_only")
    return lieux


@get("/reseaux/{slug:str}/defis/nouveau", name="challenge_new")
async def new_form(request: Request, actor: ActorDep, slug: FromPath[str]) -> Template:  # type: ignore[type-arg]
    network = await network_queries.network_by_slug(actor, slug)
    lieux = await _my_lieux(actor, slug)
    values = {"licence": rules.Licence.ETALAB_2_0.value, "lieu": str(lieux[0].id) if lieux else ""}
    return await _form_page(
        request,
        actor,
        mode="new",
        action=f"/reseaux/{slug}/defis/nouveau",
        network=network,
        values=values,
        lieux=lieux,
    )


@post("/reseaux/{slug:str}/defis/nouveau")
async def new(
    request: Request,
    actor: ActorDep,
    slug: FromPath[str],
    data: Form,  # type: ignore[type-arg]
    settings: SettingsDep,
) -> Template | Redirect:
    network = await network_queries.network_by_slug(actor, slug)
    lieux = await _my_lieux(actor, slug)
    lieu_id = form_id(data.get("lieu"))
    try:
        challenge_id = await challenges.propose(
            settings,
            actor,
            network_id=network.id,
            lieu_id=lieu_id,
            form=_form(data),
            publish=data.get("action") == "publish",
        )
    except InvalidInput as error:
        return await _form_page(
            request,
            actor,
            mode="new",
            action=f"/reseaux/{slug}/defis/nouveau",
            network=network,
            values=data,
            errors=form_errors(error.fields),
            status_code=422,
            lieux=lieux,
        )
    return see_other(f"/defis/{challenge_id}?ok=saved")


async def challenge_page(
    request: Request,  # type: ignore[type-arg]
    actor: Actor,
    challenge_id: int,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> Template:
    """The challenge with its diagnosis; also re-rendered with the messages of a refused form."""
    view = await queries.challenge_page(actor, challenge_id)
    diagnosis = await round_queries.diagnosis_panel(
        actor,
        challenge_id=challenge_id,
        network_id=view.network.id,
        proposer_ids=frozenset(lieu.id for lieu in view.proposers),
        network_lieu_ids=view.network_lieu_ids,
    )
    return await page(
        request,
        "challenges/page.html",
        status_code=status_code,
        view=view,
        version=view.version,
        diagnosis=diagnosis,
        ok=request.query_params.get("ok", ""),
        errors=errors or {},
    )


@get("/defis/{challenge_id:int}", name="challenge")
async def show(request: Request, actor: ActorDep, challenge_id: PathId) -> Template:  # type: ignore[type-arg]
    return await challenge_page(request, actor, challenge_id)


@get("/defis/{challenge_id:int}/modifier", name="challenge_edit")
async def edit_form(request: Request, actor: ActorDep, challenge_id: PathId) -> Template:  # type: ignore[type-arg]
    view = await queries.challenge_page(actor, challenge_id)
    if not view.can_edit:
        await challenges.require_proposer(actor, challenge_id)
    return await _form_page(
        request,
        actor,
        mode="draft" if view.is_draft else "amend",
        action=f"/defis/{challenge_id}/modifier",
        network=view.network,
        values=_values_of(view.version),
        challenge_id=challenge_id,
    )


def _objection_answers(data: dict[str, str]) -> dict[int, str]:
    return numbered(data, "objection")


@post("/defis/{challenge_id:int}/modifier")
async def edit(
    request: Request,  # type: ignore[type-arg]
    actor: ActorDep,
    challenge_id: PathId,
    data: Form,
    settings: SettingsDep,
) -> Template | Redirect:
    view = await queries.challenge_page(actor, challenge_id)
    try:
        if view.is_draft:
            await challenges.save_draft(
                actor,
                challenge_id=challenge_id,
                form=_form(data),
                publish=data.get("action") == "publish",
            )
        else:
            await challenges.amend(
                settings,
                actor,
                challenge_id=challenge_id,
                form=_form(data),
                answers=_objection_answers(data),
            )
    except InvalidInput as error:
        return await _form_page(
            request,
            actor,
            mode="draft" if view.is_draft else "amend",
            action=f"/defis/{challenge_id}/modifier",
            network=view.network,
            values=data,
            errors=form_errors(error.fields),
            status_code=422,
            challenge_id=challenge_id,
        )
    return see_other(f"/defis/{challenge_id}?ok=saved")


@get("/defis/{challenge_id:int}/versions/{number:int}", name="challenge_version")
async def version(
    request: Request,
    actor: ActorDep,
    challenge_id: PathId,  # type: ignore[type-arg]
    number: PathId,
) -> Template:
    view, shown = await queries.version_page(actor, challenge_id, number)
    return await page(request, "challenges/version.html", view=view, version=shown)


@get("/defis/{challenge_id:int}/comparer", name="challenge_diff")
async def compare(
    request: Request,
    actor: ActorDep,
    challenge_id: PathId,  # type: ignore[type-arg]
    de: VersionNumber = 1,
    a: VersionNumber = 2,
) -> Template:
    view, before, after, diff = await queries.version_diff(actor, challenge_id, de, a)
    return await page(
        request, "challenges/diff.html", view=view, before=before, after=after, diff=diff
    )


@post("/defis/{challenge_id:int}/nous-aussi", name="challenge_concern")
async def concern(
    request: Request, actor: ActorDep, challenge_id: PathId, data: Form
) -> Template | Redirect:  # type: ignore[type-arg]
    lieu_id = form_id(data.get("lieu"))
    try:
        await challenges.declare_concerned(
            actor, challenge_id=challenge_id, lieu_id=lieu_id, note=data.get("note", "")
        )
    except InvalidInput as error:
        return await challenge_page(
            request, actor, challenge_id, status_code=422, errors=form_errors(error.fields)
        )
    return see_other(f"/defis/{challenge_id}?ok=concern#concernes")


@post("/defis/{challenge_id:int}/co-porteurs/{lieu_id:int}", name="co_proposal_answer")
async def co_proposal(
    actor: ActorDep, challenge_id: PathId, lieu_id: PathId, data: Form
) -> Redirect:
    await challenges.answer_co_proposal(
        actor, challenge_id=challenge_id, lieu_id=lieu_id, accept=data.get("answer") == "accept"
    )
    return see_other(f"/defis/{challenge_id}?ok=co_proposal")


ROUTES = [new_form, new, show, edit_form, edit, version, compare, concern, co_proposal]
