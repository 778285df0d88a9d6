"""A challenge's discussion (issue 16): comment or reply, flag, hide (coordinators), and the
older threads of a long discussion. Every form works without JavaScript (303 back to the
challenge's discussion); with htmx the discussion section is swapped in place (hx-select). A
refused comment comes back on its form, in place, with what was typed (422)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from cobudget.domain.errors import ConfirmationNeeded, InvalidInput, NotFound
from cobudget.domain.permissions import Actor
from cobudget.services import discussion
from cobudget.services.queries import challenges as queries
from cobudget.services.queries import discussion as discussion_queries
from cobudget.web.confirm import ask_to_hide, is_confirmed
from cobudget.web.forms import MAX_ID, ActorDep, Form, PathId, whole_number
from cobudget.web.pages.challenges import challenge_page
from cobudget.web.render import form_errors, page, see_other

Before = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
# What a refused form shows again, and nothing else of what was posted.
_TYPED = ("as", "text", "version", "criterion_id", "parent")


def _number(data: dict[str, str], name: str) -> tuple[int | None, bool]:
    """The id or number a field carries (None when empty), and whether it was not one."""
    raw = data.get(name, "").strip()
    number = whole_number(raw)
    return number, bool(raw) and number is None


def _place(challenge_id: int, before: int | None, ok: str, comment_id: int) -> str:
    """Where a form sends the reader back: the page of threads it was on (`avant`), at the
    comment, with the notice `ok`."""
    if before is None:
        return f"/defis/{challenge_id}?ok={ok}#commentaire-{comment_id}"
    return f"/defis/{challenge_id}/discussion?avant={before}&ok={ok}#commentaire-{comment_id}"


async def _refused(
    request: Request[Any, Any, Any],
    actor: Actor,
    challenge_id: int,
    before: int | None,
    errors: dict[str, str],
    typed: dict[str, str],
) -> Template:
    """The page the refused form was on, again, with its messages and what was typed."""
    if before is None:
        return await challenge_page(
            request, actor, challenge_id, status_code=422, errors=errors, discussion_form=typed
        )
    return await _older_page(
        request, actor, challenge_id, before, status_code=422, errors=errors, typed=typed
    )


@post("/defis/{challenge_id:int}/discussion", name="discussion_post")
async def post_comment(
    request: Request[Any, Any, Any], actor: ActorDep, challenge_id: PathId, data: Form
) -> Template | Redirect:
    version, bad_version = _number(data, "version")
    criterion_id, bad_criterion = _number(data, "criterion_id")
    parent_id, bad_parent = _number(data, "parent")
    before = whole_number(data.get("avant"))
    try:
        malformed = {
            field: code
            for field, code, bad in (
                ("discussion.version", "unknown_version", bad_version),
                ("discussion.criterion_id", "unknown_criterion", bad_criterion),
                ("discussion.parent", "unknown_comment", bad_parent),
            )
            if bad
        }
        if malformed:
            await discussion.place(actor, challenge_id)  # who may not see it is told so first
            raise InvalidInput(malformed)
        comment_id = await discussion.post(
            actor,
            challenge_id=challenge_id,
            speaker=data.get("as", ""),
            text=data.get("text", ""),
            version=version,
            criterion_id=criterion_id,
            parent_id=parent_id,
        )
    except InvalidInput as error:
        typed = {key: data.get(key, "") for key in _TYPED}
        if "discussion.parent" in error.fields:
            typed["parent"] = ""  # no such thread here: the message goes on the first form
            before = None  # which is on the newest page
        return await _refused(
            request, actor, challenge_id, before, form_errors(error.fields), typed
        )
    return see_other(_place(challenge_id, before, "discussion", comment_id))


@post("/discussion/{comment_id:int}/signalement", name="discussion_flag")
async def flag(actor: ActorDep, comment_id: PathId, data: Form) -> Redirect:
    challenge_id = await discussion.challenge_of_comment(comment_id)
    new = await discussion.flag(actor, comment_id=comment_id)
    ok = "flagged" if new else "flagged_already"
    return see_other(_place(challenge_id, whole_number(data.get("avant")), ok, comment_id))


@post("/discussion/{comment_id:int}/masquer", name="discussion_hide")
async def hide(
    request: Request[Any, Any, Any], actor: ActorDep, comment_id: PathId, data: Form
) -> Template | Redirect:
    challenge_id = await discussion.challenge_of_comment(comment_id)
    before = whole_number(data.get("avant"))
    try:
        await discussion.hide(
            actor,
            comment_id=comment_id,
            reason=data.get("reason", ""),
            confirmed=is_confirmed(data),
        )
    except ConfirmationNeeded:
        return await ask_to_hide(
            request,
            reason=data.get("reason", ""),
            data=data,
            back=_place(challenge_id, before, "", comment_id),
        )
    except InvalidInput as error:
        errors = {f"{key}.{comment_id}": text for key, text in form_errors(error.fields).items()}
        typed = {"hide": str(comment_id), "reason": data.get("reason", "")}
        return await _refused(request, actor, challenge_id, before, errors, typed)
    return see_other(_place(challenge_id, before, "hidden", comment_id))


async def _older_page(
    request: Request[Any, Any, Any],
    actor: Actor,
    challenge_id: int,
    before: int,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Template:
    view = await queries.challenge_page(actor, challenge_id)
    shown = await discussion_queries.panel(actor, view, before=before)
    if shown is None:  # a draft: its proposers read it, but it has no discussion yet
        raise NotFound("challenge", challenge_id)
    return await page(
        request,
        "challenges/discussion.html",
        status_code=status_code,
        view=view,
        version=view.version,
        discussion=shown,
        discussion_form=typed or {},
        ok=request.query_params.get("ok", "") if status_code == 200 else "",
        errors=errors or {},
    )


@get("/defis/{challenge_id:int}/discussion", name="discussion_older")
async def older(
    request: Request[Any, Any, Any], actor: ActorDep, challenge_id: PathId, avant: Before = None
) -> Template:
    """The threads older than the comment `avant`, a page of them (the newest are on the
    challenge's page, where this page without `avant` shows them too)."""
    if avant is None:
        return await challenge_page(request, actor, challenge_id)
    return await _older_page(request, actor, challenge_id, avant)


ROUTES = [post_comment, flag, hide, older]
