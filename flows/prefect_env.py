"""Make Prefect 3 run on a fresh machine with no Prefect server.

Prefect 3.9 refuses to run a flow when no ``PREFECT_API_URL`` is set unless ephemeral
mode is allowed, and it keeps its SQLite database and settings under ``~/.prefect``.
A board's laptop (or CI) has neither a server nor a writable home we want to litter,
so before Prefect is imported we point its home at TinRadar's data dir and allow the
ephemeral server. Anything the user set explicitly (a real server's URL, their own
``PREFECT_HOME``) wins: we only fill in what is missing.

Prefect reads its settings when it is first imported, so call ``configure_prefect``
*before* importing ``prefect`` or any module that does (``flows.pipeline``,
``flows.report``).
"""

from __future__ import annotations

import contextlib
import os
import sys

from tinradar.settings import Settings


def configure_prefect(settings: Settings) -> dict[str, str]:
    """Fill in the Prefect environment for local, serverless runs; return what was set."""
    home = settings.data_dir / "prefect"
    defaults = {
        "PREFECT_HOME": str(home),
        # No server configured → run one in-process for the duration of the command.
        "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "true",
        # The ephemeral server is started on demand; on 2 shared cores 20 s is tight.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
        # Nothing leaves the machine: no usage analytics, no update checks.
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "false",
        # Keep the terminal readable for non-programmers: our own summary says what matters.
        "PREFECT_LOGGING_LEVEL": os.environ.get("PREFECT_LOGGING_LEVEL", "WARNING"),
    }
    applied: dict[str, str] = {}
    for key, value in defaults.items():
        if key not in os.environ:
            os.environ[key] = value
            applied[key] = value
    home.mkdir(parents=True, exist_ok=True)
    # Its database keeps every flow run's parameters (the settings): for the owner only. A
    # folder another account owns stays as it is (best effort, never a crash over it).
    with contextlib.suppress(OSError):
        home.chmod(0o700)
    if "prefect" in sys.modules and applied:
        _reload_prefect_settings()
    return applied


def _reload_prefect_settings() -> None:
    """Prefect was imported before us: rebuild its global settings from the environment."""
    import prefect.context

    prefect.context.refresh_global_settings_context()
