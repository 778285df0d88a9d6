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
from cobudget.services import challenges, need_challenges
from cobudget.services.queries import challenges as queries
from cobudget.services.queries import discussion as discussion_queries
from cobudget.services.queries import networks as network_queries
from cobudget.services.queries import rounds as round_queries
from cobudget.services.queries.challenge_statuses import status_of
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
    request: Request[Any, Any, Any],
    actor: Actor,
    *,
    mode: str,
    action: str,
    network: network_queries.NetworkSummary,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    lieux: list[network_queries.LieuSummary] | None = None,
    challenge: queries.ChallengePage | None = None,
    network_view: network_queries.NetworkPage | None = None,
    panel: round_queries.DiagnosisPanel | None = None,
) -> Template:
    """The form; `challenge` is the challenge edited (already read by the caller, with its
    diagnosis `panel` when the caller has it), and `network_view` the network's page, whose
    lieux a new challenge may invite to co-propose."""
    objections: list[round_queries.PositionView] = []
    if mode == "amend" and challenge is not None:
        if panel is None:
            panel = await round_queries.diagnosis_panel(actor, challenge)
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
        network_lieux=network_view.lieux if network_view is not None else [],
        challenge_id=challenge.id if challenge is not None else None,
        objections=objections,
    )


async def _my_lieux(
    actor: Actor, slug: str
) -> tuple[network_queries.NetworkPage, list[network_queries.LieuSummary]]:
    """The network's page and the reader's lieux in it, who may propose for them. A network the
    reader may not see is refused before asking them to log in."""
    if not actor.is_authenticated:
        await network_queries.network_by_slug(actor, slug)
        raise LoginRequired("challenge.propose")
    view = await network_queries.network_page(actor, slug)
    lieux = [lieu for lieu in view.lieux if lieu.id in actor.member_of]
    if not lieux:
        raise NotAllowed("challenge.propose", "member_only")
    return view, lieux


@get("/reseaux/{slug:str}/defis/nouveau", name="challenge_new")
async def new_form(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    slug: FromPath[str],
    besoin: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
) -> Template:
    """The form, empty, or filled from a need of the reader's lieu (`?besoin=`, « En faire un
    défi »): its title, what it lacks as the problem, the commons that would help."""
    view, lieux = await _my_lieux(actor, slug)
    values = {"licence": rules.Licence.ETALAB_2_0.value, "lieu": str(lieux[0].id) if lieux else ""}
    if besoin is not None:
        need = await need_challenges.for_challenge(actor, besoin, network_id=view.network.id)
        values |= {
            "need": str(need.id),
            "lieu": str(need.lieu),
            "title": need.title,
            "problem": need.lacks,
            "commons": need.commons,
        }
    return await _form_page(
        request,
        actor,
        mode="new",
        action=f"/reseaux/{slug}/defis/nouveau",
        network=view.network,
        values=values,
        lieux=lieux,
        network_view=view,
    )


@post("/reseaux/{slug:str}/defis/nouveau")
async def new(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    slug: FromPath[str],
    data: Form,
    settings: SettingsDep,
) -> Template | Redirect:
    view, lieux = await _my_lieux(actor, slug)
    network = view.network
    lieu_id = form_id(data.get("lieu"))
    try:
        challenge_id = await challenges.propose(
            settings,
            actor,
            network_id=network.id,
            lieu_id=lieu_id,
            form=_form(data),
            publish=data.get("action") == "publish",
            need_id=form_id(data.get("need")) or None,
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
            network_view=view,
        )
    return see_other(f"/defis/{challenge_id}?ok=saved")


async def challenge_page(
    request: Request[Any, Any, Any],
    actor: Actor,
    challenge_id: int,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    discussion_form: dict[str, str] | None = None,
) -> Template:
    """The challenge with its diagnosis and discussion; also re-rendered with the messages of a
    refused form and what was typed in it (`values` for the diagnosis forms, `discussion_form`
    for a discussion form)."""
    view = await queries.challenge_page(actor, challenge_id)
    diagnosis = await round_queries.diagnosis_panel(actor, view)
    discussion = await discussion_queries.panel(
        actor,
        view,
        criteria=[(item.id, item.name) for item in diagnosis.criteria],
        orgs=diagnosis.my_orgs,
    )
    return await page(
        request,
        "challenges/page.html",
        status_code=status_code,
        view=view,
        status=await status_of(
            network_id=view.network.id,
            challenge_id=view.id,
            current_version=0 if view.is_draft else view.version.number,
            withdrawn=view.withdrawn_at is not None,
            latest_round=(diagnosis.rounds[0].version, diagnosis.rounds[0].outcome)
            if diagnosis.rounds
            else None,
        ),
        version=view.version,
        diagnosis=diagnosis,
        discussion=discussion,
        discussion_form=discussion_form or {},
        ok=request.query_params.get("ok", ""),
        errors=errors or {},
        values=values or {},
    )


@get("/defis/{challenge_id:int}", name="challenge")
async def show(request: Request[Any, Any, Any], actor: ActorDep, challenge_id: PathId) -> Template:
    return await challenge_page(request, actor, challenge_id)


@get("/defis/{challenge_id:int}/modifier", name="challenge_edit")
async def edit_form(
    request: Request[Any, Any, Any], actor: ActorDep, challenge_id: PathId
) -> Template | Redirect:
    view = await queries.challenge_page(actor, challenge_id)
    if not view.can_edit:
        await challenges.require_proposer(actor, challenge_id)
    panel = None if view.is_draft else await round_queries.diagnosis_panel(actor, view)
    if panel is not None and panel.rounds and panel.rounds[0].is_open:
        # No form that could only be refused: the challenge page says why (issue 16).
        return see_other(f"/defis/{challenge_id}#nouvelle-version")
    return await _form_page(
        request,
        actor,
        mode="draft" if view.is_draft else "amend",
        action=f"/defis/{challenge_id}/modifier",
        network=view.network,
        values=_values_of(view.version),
        challenge=view,
        panel=panel,
    )


def _objection_answers(data: dict[str, str]) -> dict[int, str]:
    return numbered(data, "objection")


@post("/defis/{challenge_id:int}/modifier")
async def edit(
    request: Request[Any, Any, Any],
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
                settings=settings,
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
            challenge=view,
        )
    return see_other(f"/defis/{challenge_id}?ok=saved")


@get("/defis/{challenge_id:int}/versions/{number:int}", name="challenge_version")
async def version(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    challenge_id: PathId,
    number: PathId,
) -> Template:
    view, shown = await queries.version_page(actor, challenge_id, number)
    return await page(request, "challenges/version.html", view=view, version=shown)


@get("/defis/{challenge_id:int}/comparer", name="challenge_diff")
async def compare(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    challenge_id: PathId,
    de: VersionNumber = 1,
    a: VersionNumber = 2,
) -> Template:
    view, before, after, diff = await queries.version_diff(actor, challenge_id, de, a)
    return await page(
        request, "challenges/diff.html", view=view, before=before, after=after, diff=diff
    )


@post("/defis/{challenge_id:int}/nous-aussi", name="challenge_concern")
async def concern(
    request: Request[Any, Any, Any], actor: ActorDep, challenge_id: PathId, data: Form
) -> Template | Redirect:
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
    actor: ActorDep, settings: SettingsDep, challenge_id: PathId, lieu_id: PathId, data: Form
) -> Redirect:
    await challenges.answer_co_proposal(
        settings,
        actor,
        challenge_id=challenge_id,
        lieu_id=lieu_id,
        accept=data.get("answer") == "accept",
    )
    return see_other(f"/defis/{challenge_id}?ok=co_proposal")


ROUTES = [new_form, new, show, edit_form, edit, version, compare, concern, co_proposal]
