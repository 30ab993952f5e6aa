"""Session generations: ending every session of one account at once.

A desk session is a signed cookie, so the server keeps no list of sessions to delete: a
copied cookie would stay valid until it expires (8 h), after logout, a password reset or
the account's removal. Instead each account carries a random ``session_gen`` (in
``users.json``) that every session stamps at login, and the gate accepts a session only
while the two still match. Logging out or changing the password draws a new generation,
ending the account's sessions everywhere; a removed and re-created account starts with a
new one, so old cookies do not come back to life.
"""

from __future__ import annotations

from typing import Any

from flows.review.users import User

SESSION_KEY = "gen"


def stamp(session: dict[str, Any], user: User) -> None:
    """Mark a freshly started session with the account's current generation."""
    session[SESSION_KEY] = user.session_gen


def is_current(session: dict[str, Any], user: User) -> bool:
    """False once the account's sessions were ended after this one started."""
    return session.get(SESSION_KEY) == user.session_gen
