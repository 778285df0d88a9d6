"""The app for an ASGI server started from the command line (`uvicorn --factory ...:app`)."""

from __future__ import annotations

import os

from litestar import Litestar

from cobudget.settings import load_settings
from cobudget.web.app import create_app


def app() -> Litestar:
    return create_app(load_settings(os.environ))
