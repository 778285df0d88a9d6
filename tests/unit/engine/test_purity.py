"""The engine imports nothing of the web, the database or the templates (STYLE habit 1).

A subprocess puts a meta-path finder first that raises on any forbidden top-level package, then
imports every module of `cobudget.engine` (every rule included) and settles an envelope.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

FORBIDDEN = (
    "litestar",
    "piccolo",
    "jinja2",
    "uvicorn",
    "asyncpg",
    "aiosqlite",
    "babel",
    "argon2",
    "httpx",
    "sqlite3",
    "socket",
)

PROBE = textwrap.dedent(
    """
    import sys

    STARTED = {{m.split(".")[0] for m in sys.modules}}
    FORBIDDEN = {forbidden!r}

    class Refuse:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in FORBIDDEN:
                raise ImportError("the engine reached " + name)
            return None

    for name in list(sys.modules):
        if name.split(".")[0] in FORBIDDEN:
            del sys.modules[name]
    sys.meta_path.insert(0, Refuse())
    import importlib
    import pkgutil

    import cobudget.engine
    for module in pkgutil.walk_packages(cobudget.engine.__path__, "cobudget.engine."):
        importlib.import_module(module.name)
    from cobudget.engine.types import EnvelopeInput
    cobudget.engine.settle(EnvelopeInput(amount_cents=0, rule="cofunding"))
    cobudget.engine.settle(EnvelopeInput(amount_cents=0, rule="matching"))
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in FORBIDDEN)
    assert not loaded, loaded
    print("pure")
    outside = {{m.split(".")[0] for m in sys.modules}} - set(sys.stdlib_module_names)
    print(" ".join(sorted(outside - STARTED - {{"cobudget"}})))
    """
)


def test_importing_and_running_the_engine_reaches_no_web_database_or_io_module():
    probe = PROBE.format(forbidden=FORBIDDEN)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == "pure"


def test_the_engine_uses_no_library_but_msgspec_and_numpy():
    # Issue 19: numpy, as a finder (floats find, integers decide), and nothing else new
    # (typing_extensions comes with msgspec).
    probe = PROBE.format(forbidden=FORBIDDEN)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[1].split() == ["msgspec", "numpy", "typing_extensions"]


def test_the_probe_does_catch_a_forbidden_import():
    probe = PROBE.format(forbidden=(*FORBIDDEN, "msgspec"))
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "the engine reached msgspec" in done.stderr
