"""The ``tinradar`` command.

Each area registers its commands from its own module, so one file stays one job:
``es`` (local node), ``crawl`` (crawl, extract, ingest), ``nlp`` (score, train),
``index`` (index, search, kibana), ``run`` (flows, serve, demo), ``review`` (review app,
users), ``claims`` (the claim registry, ClaimReview). Heavy libraries are imported inside commands so ``tinradar --help`` stays fast.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click
import typer
from typer import _click
from typer.core import TyperGroup

from flows.cli import claims, crawl, es, index, nlp, review, run
from flows.cli.common import EXIT_CODES_HELP, console, pipe_closed, report_crash


class _Guarded(TyperGroup):
    """The top-level handler: no traceback reaches a user from any command.

    An exception a command did not expect becomes one message, a hint and the path of
    a log holding the traceback, with exit code 70 (``ExitCode.INTERNAL``). Expected
    problems keep their own codes (``typer.Exit``, click's usage errors, Ctrl+C → 130, a closed pipe → 141).
    It sits on the group, not in ``main``, so the test runner sees what a user sees.
    """

    def invoke(self, ctx: _click.Context) -> Any:
        # The Elasticsearch transport logs each retry as a WARNING with the whole traceback;
        # once Prefect is loaded (claims rematch, run pipeline) its handler prints them, some
        # 300 lines before the one message a command gives for a node that is down (exit 3).
        # Every command says what failed itself, so only the transport's errors are left.
        logging.getLogger("elastic_transport").setLevel(logging.ERROR)
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, _click.ClickException, click.exceptions.Exit, click.ClickException):
            raise
        except BrokenPipeError:  # `tinradar … | head`: the reader stopped; not a bug
            raise typer.Exit(pipe_closed()) from None
        except Exception as exc:
            raise typer.Exit(report_crash(exc)) from exc


app = typer.Typer(
    cls=_Guarded,
    name="tinradar",
    help="TinRadar: theo dõi tin đồn và dư luận về COVID-19 trên báo chí và mạng xã hội.\n\n"
    "Watches Vietnamese news and public posts about COVID-19: rumor risk, sentiment, places, known false claims.\n\n"
    + EXIT_CODES_HELP,
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

for module in (es, crawl, nlp, index, run, review, claims):
    module.register(app)


def main() -> None:
    """Console entry point; anything that escapes the group's handler (option parsing) is still one message."""
    try:
        app()
    except BrokenPipeError:
        sys.exit(pipe_closed())
    except Exception as exc:
        sys.exit(report_crash(exc))


__all__ = ["app", "console", "main"]
