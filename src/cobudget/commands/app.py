"""`cobudget run | worker | migrate | demo`: serve the app, send the outbox, set up the database."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import sys
import time
from typing import Any
from urllib.parse import urlsplit

from cobudget.settings import Settings, load_settings


def register(subparsers: Any) -> None:
    run = subparsers.add_parser("run", help="migrate, then serve the app")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--demo", action="store_true", help="load demo data into an empty database")
    run.add_argument(
        "--mail-debug",
        action="store_true",
        help="start a local SMTP server that prints every email (development)",
    )
    run.set_defaults(handler=_run)
    worker = subparsers.add_parser("worker", help="send the email outbox (production)")
    worker.set_defaults(handler=_worker)
    migrate = subparsers.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(handler=_migrate)
    demo = subparsers.add_parser("demo", help="load demo data into an empty database")
    demo.set_defaults(handler=_demo)


def _settings() -> Settings:
    return load_settings(os.environ)


async def _prepare(settings: Settings, *, demo: bool) -> None:
    """Migrate, then load the demo if asked: one line of the start log per step."""
    from cobudget.db.engine import bind_tables, close_pool, make_engine, open_pool, timeouts_of
    from cobudget.db.migrate import migrate

    print(f"Base de données : {where_data_lives(settings)}", flush=True)
    migrated = await migrate(settings)
    print(
        f"Migrations : {migrated.total} appliquées, dont {migrated.applied_now} à ce démarrage ; "
        "aucune en attente.",
        flush=True,
    )
    engine = make_engine(settings.database_url, timeouts_of(settings))
    bind_tables(engine)
    if demo:
        from cobudget.services import demo as demo_data
        from cobudget.services.demo_challenges import STORIES

        started = time.monotonic()
        # Connections kept for the few hundred statements of the demo's story, as the app keeps
        # them, rather than one opened per statement.
        pooled = await open_pool(engine, 2)
        try:
            loaded = await demo_data.load_demo(settings)
        finally:
            if pooled:
                await close_pool(engine)
        if loaded:
            seconds = f"{time.monotonic() - started:.1f}".replace(".", ",")
            print(
                f"Données de démonstration chargées en {seconds} s : 1 réseau, "
                f"{len(demo_data.LIEUX)} lieux, {len(demo_data.PEOPLE)} comptes, "
                f"{len(STORIES)} défis, 2 enveloppes ; leurs e-mails sont notés "
                "envoyés, aucun ne part.",
                flush=True,
            )
        else:
            print(
                "Données de démonstration : la base contient déjà des données, rien n’est "
                "chargé (pour repartir de zéro, voir le README).",
                flush=True,
            )


def where_data_lives(settings: Settings) -> str:
    """The SQLite file's path, or the PostgreSQL URL without its password."""
    url = urlsplit(settings.database_url)
    if settings.database_url.startswith("sqlite"):
        return settings.database_url.removeprefix("sqlite:///")
    host = url.hostname or ""
    port = f":{url.port}" if url.port else ""
    user = f"{url.username}@" if url.username else ""
    return f"{url.scheme}://{user}{host}{port}{url.path}"


def _migrate(_args: argparse.Namespace) -> int:
    asyncio.run(_prepare(_settings(), demo=False))
    return 0


def _demo(_args: argparse.Namespace) -> int:
    asyncio.run(_prepare(_settings(), demo=True))
    return 0


def _start_mail_debug(port: int) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Debugging

    controller = Controller(Debugging(sys.stdout), hostname="127.0.0.1", port=port)
    try:
        controller.start()
    except (OSError, RuntimeError) as error:
        print(
            f"Serveur SMTP de développement non démarré sur 127.0.0.1:{port} ({error}) : les "
            "e-mails iront au serveur qui écoute déjà sur ce port, ou attendront dans la file "
            "d’envoi ; COBUDGET_SMTP_PORT choisit un autre port.",
            flush=True,
        )
        return
    print(
        f"Serveur SMTP de développement sur 127.0.0.1:{port} : les e-mails s’affichent ici.",
        flush=True,
    )


def _run(args: argparse.Namespace) -> int:
    import uvicorn

    from cobudget.web.app import create_app
    from cobudget.web.request_log import uvicorn_log_config

    settings = _settings()
    if "COBUDGET_BASE_URL" not in os.environ:
        # The links in emails and the origin forms are checked against follow --host/--port.
        settings = dataclasses.replace(settings, base_url=f"http://{args.host}:{args.port}")
    asyncio.run(_prepare(settings, demo=args.demo))
    if args.mail_debug:
        _start_mail_debug(settings.smtp_port)
    print(f"Cobudget des communs : ouvrez http://{args.host}:{args.port}/", flush=True)
    if args.demo:
        from cobudget.services.demo import DEMO_PASSWORD

        print(
            f"Comptes de démonstration (mot de passe {DEMO_PASSWORD}) : coordination@, "
            "fabrique@, membre.fabrique@, departement@, admin@demo.cobudget.fr ; la liste "
            "complète est dans le README.",
            flush=True,
        )
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        proxy_headers=False,
        log_level=None,  # the levels of uvicorn_log_config, not one for all of uvicorn
        log_config=uvicorn_log_config(),
    )
    return 0


def _worker(_args: argparse.Namespace) -> int:
    from cobudget.db.engine import bind_tables, make_engine, timeouts_of
    from cobudget.services.outbox import run_worker

    settings = _settings()
    bind_tables(make_engine(settings.database_url, timeouts_of(settings)))
    print("Envoi de la file des e-mails (Ctrl-C pour arrêter).", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_worker(settings, asyncio.Event()))
    return 0
