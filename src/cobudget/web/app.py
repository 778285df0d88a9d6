"""The Litestar application: routes, templates, security, and the lifespan of the database
connection and the outbox worker. Built by `create_app(settings)`; nothing is global."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import jinja2
from litestar import Litestar
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.plugins.jinja import JinjaTemplateEngine as Jinja
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp, Receive, Scope, Send

from cobudget.db.engine import (
    bind_tables,
    bound_engine,
    close_pool,
    make_engine,
    new_wait_budget,
    open_pool,
    timeouts_of,
)
from cobudget.domain.documents import megabytes
from cobudget.domain.errors import DomainError
from cobudget.rendering import environment
from cobudget.services import computations, kept_reads, outbox
from cobudget.services.kept_reads import Keeper
from cobudget.settings import Settings
from cobudget.web import api, charts_svg, request_log
from cobudget.web.context import locale_middleware, provide_actor
from cobudget.web.csrf import cross_site_writes_refused, csrf_config
from cobudget.web.errors import (
    domain_error_handler,
    http_error_handler,
    unexpected_error_handler,
)
from cobudget.web.explanations import explain, funded_by
from cobudget.web.fragments import KeepExtension, kept_parts
from cobudget.web.funding_bar import funding_bar
from cobudget.web.headers import with_security_headers
from cobudget.web.limits import MAX_BODY_BYTES, refuse_deep_json
from cobudget.web.page_cache import VERSION_STATE, PageCache, with_page_cache
from cobudget.web.pages import (
    account,
    admin,
    auth,
    challenges,
    coordination,
    discussion,
    documents,
    envelopes,
    exports,
    funding,
    lieux,
    my_account,
    needs,
    notifications,
    people,
    public,
    receipts,
    reports,
    rounds,
    site_admin,
    withdrawal,
)

READS = frozenset({"GET", "HEAD"})
STATIC_PREFIX = "/static/"
# Values kept per app process (services/kept_reads.py), when pages are kept at all.
KEPT_READS = 512
STATIC_DIR = Path(__file__).parent / "static"
VENDOR_FILES = {
    "htmx": "htmx.org/dist",
    "pico": "@picocss/pico/css",
    "swagger": "swagger-ui-dist",
}


def _web_environment(settings: Settings) -> jinja2.Environment:
    """The shared Jinja environment, with what only pages need: a filter, and the parts of
    pages kept by data version (`web/fragments.py`)."""
    env = environment()
    env.filters["explain"] = explain
    env.globals["funded_by"] = funded_by
    # The bars and charts of issue 18: figures in, shapes out (the templates draw them).
    env.globals["funding_bar_of"] = funding_bar
    env.globals["projection_chart"] = charts_svg.projection_chart
    env.globals["positions_chart"] = charts_svg.positions_chart
    # The largest file of each kind, as the upload forms say it (« 10 Mo au plus »).
    env.globals["receipt_max_mb"] = megabytes(settings.receipt_max_bytes)
    env.globals["picture_max_mb"] = megabytes(settings.picture_max_bytes)
    env.add_extension(KeepExtension)
    kept_parts(env).max_bytes = settings.page_cache_bytes
    return env


def _wait_budget(app: ASGIApp) -> ASGIApp:
    """Each request waits for the database about one timeout in all (db/engine.py)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        new_wait_budget()
        await app(scope, receive, send)

    return middleware


def _kept_reads(keeper: Keeper) -> Callable[[ASGIApp], ASGIApp]:
    """A page read (GET or HEAD) reads its moment first, before the session or anything else, so
    the values and parts it keeps hold data no older than their version
    (`services/kept_reads.py`); a write keeps nothing, nor a static file (it reads no data)."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if (
                keeper.max_entries > 0
                and scope.get("method") in READS
                and not scope.get("path", "").startswith(STATIC_PREFIX)
            ):
                await kept_reads.begin(keeper, scope.get("state", {}).get(VERSION_STATE))
            else:
                kept_reads.end()
            await app(scope, receive, send)

        return middleware

    return wrap


def create_app(settings: Settings) -> Litestar:
    engine = make_engine(settings.database_url, timeouts_of(settings))
    bind_tables(engine)

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        computations.configure(
            workers=settings.engine_workers,
            time_limit_seconds=settings.engine_time_limit_seconds,
            queue_seconds=settings.engine_queue_seconds,
        )
        # The pool first and the outbox worker after it, stopped in the reverse order: a claim
        # begun before the pool would end on a connection the pool does not know (issue 14).
        # The pool is the bound engine's (tests bind one per test and may have opened it).
        bound = bound_engine()
        pooled = await open_pool(bound, settings.database_pool_size)
        stop = asyncio.Event()
        worker = (
            asyncio.create_task(outbox.run_worker(settings, stop))
            if settings.outbox_in_app
            else None
        )
        try:
            yield
        finally:
            stop.set()
            if worker is not None:
                await worker
            if pooled:
                await close_pool(bound)
            computations.shutdown()

    static_routers = [
        create_static_files_router(path="/static/app", directories=[STATIC_DIR], name="static"),
        *(
            create_static_files_router(
                path=f"/static/vendor/{name}",
                directories=[settings.static_dir / folder],
                name=f"vendor_{name}",
                include_in_schema=False,
            )
            for name, folder in VENDOR_FILES.items()
        ),
    ]
    app = Litestar(
        route_handlers=[
            *public.ROUTES,
            *auth.ROUTES,
            *account.ROUTES,
            *my_account.ROUTES,
            *notifications.ROUTES,
            *admin.ROUTES,
            *coordination.ROUTES,
            *challenges.ROUTES,
            *rounds.ROUTES,
            *discussion.ROUTES,
            *envelopes.ROUTES,
            *funding.ROUTES,
            *receipts.ROUTES,
            *reports.ROUTES,
            *exports.ROUTES,
            *lieux.ROUTES,
            *documents.routes(settings),
            *people.ROUTES,
            *site_admin.ROUTES,
            *needs.ROUTES,
            *withdrawal.ROUTES,
            api.router(),
            *static_routers,
        ],
        include_in_schema=False,  # the OpenAPI description covers the JSON API only
        dependencies={
            "actor": Provide(provide_actor),
            "settings": Provide(lambda: settings, sync_to_thread=False, use_cache=True),
        },
        template_config=TemplateConfig(engine=Jinja.from_environment(_web_environment(settings))),
        csrf_config=csrf_config(settings),
        middleware=[
            DefineMiddleware(_wait_budget),
            DefineMiddleware(_kept_reads(Keeper(KEPT_READS if settings.page_cache_bytes else 0))),
            DefineMiddleware(cross_site_writes_refused(settings)),
            DefineMiddleware(locale_middleware),
        ],
        exception_handlers={
            DomainError: domain_error_handler,
            HTTPException: http_error_handler,
            Exception: unexpected_error_handler,
        },
        lifespan=[lifespan],
        before_request=refuse_deep_json,
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=api.openapi_config("/static/vendor/swagger"),
        logging_config=request_log.logging_config(),
        after_exception=[request_log.log_failure],
        debug=False,
    )
    # Around everything, error pages and unknown paths included: the request id and log line,
    # and the security headers.
    # Inside them, pages for visitors kept by data version.
    app.asgi_handler = request_log.with_request_log(
        with_security_headers(
            with_page_cache(
                app.asgi_handler, PageCache(settings.page_cache_bytes), csrf_config(settings)
            ),
            settings,
        )
    )
    return app
