"""The JSON API under `/api/` (SPEC §8): read-only for visitors, everything the public pages
show, with the pages' own queries and visibility rules; one write, the pledge, through the
pages' own service. Its OpenAPI description is at `/api/openapi.json`, read at `/api/docs`."""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin

from cobudget.web.api import challenges, envelopes, follow_up, networks, pledges
from cobudget.web.api.pagination import paging

DESCRIPTION = """Read-only for visitors: networks, lieux, envelopes (with their live projection
or published settlement and its follow-up: the money trail and the reports), challenges with
their versions, consent rounds with positions. The
same visibility as the pages: a private network answers 401/403, a draft 404.

Lists are paginated: `?page=1&per_page=50` (at most 200), answered with `total`, `page`,
`per_page` and `items`. Money is in integer cents (`*_cents`), dates in ISO 8601.

Errors are problems (`application/problem+json`): `type`, `title`, `status`, `detail` and,
for a refused field, `errors`. The one write, `PUT /api/envelopes/{id}/pledges`, needs the
session cookie of a logged-in person and the CSRF token in the `x-csrftoken` header.
See docs/api.md in the repository."""


def router() -> Router:
    return Router(
        path="/api",
        route_handlers=[
            Router(path="/", route_handlers=module.ROUTES, tags=[tag])
            for tag, module in (
                ("networks", networks),
                ("envelopes", envelopes),
                ("challenges", challenges),
                ("pledges", pledges),
                ("follow-up", follow_up),
            )
        ],
        include_in_schema=True,  # the app leaves its HTML pages out of the description
        dependencies={"paging": Provide(paging, sync_to_thread=False)},
    )


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
            SwaggerRenderPlugin(
                js_url=f"{swagger_url}/swagger-ui-bundle.js",
                css_url=f"{swagger_url}/swagger-ui.css",
                standalone_preset_js_url=f"{swagger_url}/swagger-ui-standalone-preset.js",
                path="/docs",
                favicon="<link rel='icon' href='/favicon.ico'>",
            )
        ],
    )
