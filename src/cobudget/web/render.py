"""Rendering helpers shared by the page controllers: the page, its fragment, redirects."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Redirect, Template

from cobudget.services.kept_reads import current_moment
from cobudget.web.context import provide_actor
from cobudget.web.fragments import CONTEXT_NAME


async def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    """Render a page with what every layout needs (the actor, the current path), and the
    moment its kept parts are valid for (`web/fragments.py`), read when the request began."""
    actor = await provide_actor(request)
    moment = current_moment()
    return Template(
        template_name=template,
        context={"actor": actor, "path": request.url.path, CONTEXT_NAME: moment, **context},
        status_code=status_code,
    )


def see_other(url: str) -> Redirect:
    return Redirect(path=url, status_code=303)


def form_errors(fields: dict[str, str]) -> dict[str, str]:
    from cobudget.web.messages import field_message

    return {name: field_message(code) for name, code in fields.items()}
