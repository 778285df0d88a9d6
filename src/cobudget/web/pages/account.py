"""A person's own space: what waits for them, per lieu, organisation and network (issue 16)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from cobudget.domain.errors import LoginRequired
from cobudget.services.queries import my_space as queries
from cobudget.web.forms import ActorDep
from cobudget.web.render import page


@get("/mon-espace", name="my_space")
async def my_space(request: Request[Any, Any, Any], actor: ActorDep) -> Template:
    if not actor.is_authenticated:
        raise LoginRequired("my_space.read")
    return await page(request, "account/my_space.html", space=await queries.my_space(actor))


ROUTES = [my_space]
