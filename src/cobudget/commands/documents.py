"""`cobudget documents-sweep`: delete the files of the documents folder that no row names.

Such a file is garbage left by a process that died between writing a file and its row, or
between deleting a row and its file (services/storage.py); a file younger than the delay may
still be getting its row, and is left alone."""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

from cobudget.settings import load_settings


def register(subparsers: Any) -> None:
    sweep = subparsers.add_parser(
        "documents-sweep", help="delete the document files that no row names (orphans)"
    )
    sweep.add_argument(
        "--older-than-hours",
        type=float,
        default=1.0,
        help="leave alone the files younger than this (default: 1 hour)",
    )
    sweep.set_defaults(handler=_sweep)


def _sweep(args: argparse.Namespace) -> int:
    from cobudget.db.engine import bind_tables, make_engine, timeouts_of
    from cobudget.services import documents

    settings = load_settings(os.environ)
    bind_tables(make_engine(settings.database_url, timeouts_of(settings)))
    removed = asyncio.run(documents.sweep(settings, older_than=args.older_than_hours * 3600))
    print(f"{removed} fichier(s) orphelin(s) supprimé(s) de {settings.documents_path}.")
    return 0
