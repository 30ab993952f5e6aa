"""The ``tinradar`` command.

Each area registers its commands from its own module, so one file stays one job:
``es`` (local node), ``crawl`` (crawl, extract, ingest), ``nlp`` (score, train),
``index`` (index, search, kibana), ``run`` (flows, serve, demo), ``review`` (review app,
users), ``claims`` (the claim registry, ClaimReview). Heavy libraries are imported inside commands so ``tinradar --help`` stays fast.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click
import typer
from typer import _click
from typer.core import TyperGroup

from flows.cli import claims, crawl, es, index, nlp, review, run
from flows.cli.common import EXIT_CODES_HELP, console, fail, pipe_closed, report_crash

#: click's usage errors, said in Vietnamese in front of click's own English words.
_USAGE_VI: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"No such command '(.+?)'\.(?: Did you mean '(.+?)'\?)?"),
        lambda m: f"Không có lệnh '{m[1]}'" + (f" (có phải '{m[2]}'?)" if m[2] else ""),
    ),
    (re.compile(r"No such option: (\S+)"), lambda m: f"Không có tùy chọn {m[1]}"),
    (re.compile(r"Missing argument '(.+?)'"), lambda m: f"Thiếu đối số '{m[1]}'"),
    (re.compile(r"Missing option '(.+?)'"), lambda m: f"Thiếu tùy chọn '{m[1]}'"),
    (re.compile(r"Invalid value for '(.+?)'"), lambda m: f"Giá trị không hợp lệ cho '{m[1]}'"),
    (re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)"), lambda m: f"Thừa đối số ({m[1]})"),
    (re.compile(r"Option '(.+?)' requires an argument"), lambda m: f"Tùy chọn '{m[1]}' cần một giá trị"),
)


def _usage_error(exc: _click.exceptions.UsageError) -> NoReturn:
    """A mistyped command line as every other error: one "Lỗi / error" line in both languages
    (click's English words kept after the Vietnamese) and the ``--help`` to read, exit 2.

    click drew an English-only box, folded at the terminal's width (``tinradar report`` →
    "No such command 'report'."), where the README promises one line, "Vietnamese / English".
    """
    message = exc.format_message()
    said = next((vi(m) for pattern, vi in _USAGE_VI if (m := pattern.match(message))), "Sai cách dùng lệnh")
    where = exc.ctx.command_path if exc.ctx else "tinradar"
    fail(f"{said} / {message}", hint=f"xem / see: {where} --help", code=exc.exit_code)


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
        except _click.exceptions.NoArgsIsHelpError:  # `tinradar run`: the help, as asked
            raise
        except _click.exceptions.UsageError as exc:
            _usage_error(exc)
        except (typer.Exit, typer.Abort, _click.ClickException, click.exceptions.Exit, click.ClickException):
            raise
        except BrokenPipeError:  # `tinradar … | head`: the reader stopped; not a bug
            raise typer.Exit(pipe_closed()) from None
        except Exception as exc:
            raise typer.Exit(report_crash(exc)) from exc

    def make_context(self, *args: Any, **kwargs: Any) -> _click.Context:
        """The top level's own options (``tinradar --verbose``) are parsed here, before ``invoke``."""
        try:
            return super().make_context(*args, **kwargs)
        except _click.exceptions.NoArgsIsHelpError:
            raise
        except _click.exceptions.UsageError as exc:
            _usage_error(exc)


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
