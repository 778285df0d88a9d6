"""A person's own space: what waits for them, per lieu, organisation and network, and what they
were told lately (issue 16)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from cobudget.domain.errors import LoginRequired
from cobudget.services.queries import my_space as queries
from cobudget.services.queries.challenge_statuses import statuses_in
from cobudget.services.queries.notifications import recent_notifications
from cobudget.web.forms import ActorDep
from cobudget.web.render import page

# The newest notifications on the home; the rest on /mon-espace/notifications.
HOME_NOTIFICATIONS = 5


@get("/mon-espace", name="my_space")
async def my_space(request: Request[Any, Any, Any], actor: ActorDep) -> Template:
    if not actor.is_authenticated:
        raise LoginRequired("my_space.read")
    space, networks = await queries.my_space_in(actor)
    return await page(
        request,
        "account/my_space.html",
        space=space,
        statuses=await statuses_in(networks),
        notifications=await recent_notifications(actor, limit=HOME_NOTIFICATIONS),
    )


ROUTES = [my_space]
