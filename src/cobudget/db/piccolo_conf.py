"""Piccolo's configuration module (PICCOLO_CONF), used only by migrations.

Piccolo's migration runner finds its engine through this module's `DB`. It is the one place that
reads `COBUDGET_DATABASE_URL` at import time, which is Piccolo's convention;
`cobudget migrate` sets that variable from the settings before importing it.
"""

import os

from piccolo.conf.apps import AppRegistry

from cobudget.db.engine import NO_TIMEOUTS, make_engine

# Migrations rewrite whole tables once, before the app serves: no time limit (db/engine.py).
# Nor data version: migrations run before its table exists, and before any page is cached.
DB = make_engine(os.environ["COBUDGET_DATABASE_URL"], NO_TIMEOUTS, versioned=False)
APP_REGISTRY = AppRegistry(apps=["cobudget.db.piccolo_app"])
