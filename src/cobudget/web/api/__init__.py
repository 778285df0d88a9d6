"""The JSON API under `/api/` (SPEC §8): read-only for visitors, everything the public pages
show, with the pages' own queries and visibility rules; one write, the pledge, through the
pages' own service. Its OpenAPI description is at `/api/openapi.json`, read at `/api/docs`."""

from __future__ import annotations

import html
from typing import Any

from litestar import Request, Router
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin

from cobudget.web.api import (
    challenges,
    discussion,
    envelopes,
    follow_up,
    me,
    needs,
    networks,
    pledges,
    receipts,
)
from cobudget.web.api.pagination import paging

DESCRIPTION = """Read-only for visitors: networks, lieux and their needs, envelopes (with their
live projection or published settlement and its follow-up: the money trail and the reports),
challenges with their versions, consent rounds with positions, and each challenge's
discussion; and, for the person logged in, what waits for them (`GET /api/me`). The
same visibility as the pages: a private network answers 401/403, a draft 404.

Lists are paginated: `?page=1&per_page=50` (at most 200), answered with `total`, `page`,
`per_page` and `items`. Money is in integer cents (`*_cents`), dates in ISO 8601.

Errors are problems (`application/problem+json`): `type`, `title`, `status`, `detail` and,
for a refused field, `errors`. The writes (`PUT /api/envelopes/{id}/pledges`, and in a
challenge's discussion: comment or reply, flag, hide) need the session cookie of a logged-in
person and the CSRF token in the `x-csrftoken` header.
See docs/api.md in the repository."""


def router() -> Router:
    return Router(
        path="/api",
        route_handlers=[
            Router(path="/", route_handlers=module.ROUTES, tags=[tag])
            for tag, module in (
                ("networks", networks),
                ("needs", needs),
                ("envelopes", envelopes),
                ("challenges", challenges),
                ("discussion", discussion),
                ("pledges", pledges),
                ("receipts", receipts),
                ("follow-up", follow_up),
                ("me", me),
            )
        ],
        include_in_schema=True,  # the app leaves its HTML pages out of the description
        dependencies={"paging": Provide(paging, sync_to_thread=False)},
    )


class SwaggerPage(SwaggerRenderPlugin):
    """Swagger UI without inline script or style (Litestar's page has both, which the
    Content-Security-Policy refuses): started by `/static/app/swagger-init.js`, which reads
    the description from `/api/openapi.json`."""

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:  # type: ignore[type-arg]
        title = html.escape(str(openapi_schema["info"]["title"]))
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>{self.favicon}
<link rel="stylesheet" href="{self.css_url}">
<script src="{self.js_url}" defer></script>
<script src="{self.standalone_preset_js_url}" defer></script>
<script src="/static/app/swagger-init.js" defer></script>
</head><body><main id="swagger-container"></main></body></html>""".encode()


def openapi_config(swagger_url: str) -> OpenAPIConfig:
    """The description at /api/openapi.json and Swagger UI at /api/docs, served from
    `swagger_url` (the app's own copy from npm: the page works offline)."""
    return OpenAPIConfig(
        title="Cobudget des communs",
        version="1",
        description=DESCRIPTION,
        path="/api",
        operation_id_creator=lambda handler, _method, _parts: handler.handler_name,
        render_plugins=[
            SwaggerPage(
                js_url=f"{swagger_url}/swagger-ui-bundle.js",
                css_url=f"{swagger_url}/swagger-ui.css",
                standalone_preset_js_url=f"{swagger_url}/swagger-ui-standalone-preset.js",
                path="/docs",
                favicon="<link rel='icon' href='/favicon.ico'>",
            )
        ],
    )
