"""The ``tinradar`` command.

Each area registers its commands from its own module, so one file stays one job:
``es`` (local node), ``crawl`` (crawl, extract, ingest), ``nlp`` (score, train),
``index`` (index, search, kibana), ``run`` (flows, serve, demo), ``review`` (review app,
users), ``claims`` (the claim registry, ClaimReview). Heavy libraries are imported inside commands so ``tinradar --help`` stays fast.
"""

from __future__ import annotations

import typer

from flows.cli import claims, crawl, es, index, nlp, review, run
from flows.cli.common import console

app = typer.Typer(
    name="tinradar",
    help="TinRadar: theo dõi tin đồn và dư luận về COVID-19 trên báo chí và mạng xã hội.\n\n"
    "Watches Vietnamese news and public posts about COVID-19: rumor risk, sentiment, places, known false claims.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

for module in (es, crawl, nlp, index, run, review, claims):
    module.register(app)


def main() -> None:
    """Console entry point."""
    app()


__all__ = ["app", "console", "main"]
