"""Security events of the review desk: logged, and account changes chained into the audit index.

Failed logins and throttle trips go to the log (logger ``tinradar.review``, on stderr
under ``tinradar review serve``) with the account tried and the client address: enough to
see a guessing attack, never the password. A name that is no account is not logged: the
name box often receives a password typed in the wrong box. It shows as ``<unknown account
u_…>``, a short salted hash of the name (``tried_name``), so repeated attempts with one name
can still be told apart and counted. Names are logged with ``repr`` so a name holding a
newline cannot forge a log line. Account changes (add, replace, remove) are
logged and written to the audit index as ``kind: account`` records *before* they are
made: a change the trail cannot record does not happen (``AuditWriteError``).
"""

from __future__ import annotations

import getpass
import logging
import sys

from elasticsearch import Elasticsearch

from flows.review.users import AccountAction
from index.review import record_account_change
from tinradar.ids import pseudonymize
from tinradar.settings import Settings

log = logging.getLogger("tinradar.review")

#: Vietnamese verbs of the log lines, by action.
_ACTIONS = {"add": "tạo tài khoản", "replace": "đặt lại tài khoản", "remove": "xóa tài khoản"}


def configure_logging() -> None:
    """Security events on stderr beside uvicorn's lines (``review serve``)."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)


#: How many hex digits of the salted hash an unknown name is logged with: enough to tell
#: one guesser's repeated name from another's, too few to test guesses against.
_SHOWN_HASH = 12


def tried_name(name: str, account: str | None, settings: Settings) -> str:
    """What the log says of a name typed at the login: the account (``repr``) when there is one,
    else a fixed marker with a short salted hash of the name (``tinradar.ids.pseudonymize``,
    keyed by the desk's secret, which the desk always has; the author salt may be the
    refused default on a desk that reads no social sources)."""
    if account is not None:
        return repr(account)
    digest = pseudonymize(name, settings.review_secret.get_secret_value(), "review-login")
    return f"<unknown account {digest[: 2 + _SHOWN_HASH]}>"


def login_failed(shown: str, address: str) -> None:
    """A failed login; ``shown`` is ``tried_name``'s answer, never the typed name as it is."""
    log.warning("đăng nhập sai: tên %s từ %s", shown, address)


def login_throttled(shown: str, address: str, wait: float) -> None:
    log.warning("chặn đăng nhập (quá nhiều lần sai): tên %s từ %s, chờ %.0f giây", shown, address, wait)


def login_ok(name: str, address: str) -> None:
    log.info("đăng nhập: %r từ %s", name, address)


def account_change(
    client: Elasticsearch, settings: Settings, *, action: AccountAction, account: str, role: str | None, by: str
) -> None:
    """Record an account change in the audit index (raises ``AuditWriteError``), then log it."""
    record_account_change(client, settings, action=action, account=account, account_role=role, by=by)
    log.warning("%s %r%s bởi %s", _ACTIONS.get(action, action), account, f" ({role})" if role else "", by)


def cli_actor() -> str:
    """Who changes accounts from the command line: the operating-system user."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:?"
