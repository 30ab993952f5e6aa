"""Review-desk accounts: a small JSON file of names, roles and argon2 password hashes.

The board has a handful of people, so a file in the data dir (``users.json``, mode
0600, replaced atomically) is enough and needs no database server. Passwords are hashed
with argon2id; a hash made with older parameters is re-hashed on the next login.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import tempfile
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel

from tinradar.schema import utc_now
from tinradar.settings import Settings
from tinradar.text import nfc

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
MIN_PASSWORD = 8


class Role(StrEnum):
    REVIEWER = "reviewer"  # reads and decides
    ANALYST = "analyst"  # reads only
    ADMIN = "admin"  # decides and manages accounts

    @property
    def can_decide(self) -> bool:
        return self in (Role.REVIEWER, Role.ADMIN)

    @property
    def can_manage(self) -> bool:
        return self is Role.ADMIN


class User(BaseModel):
    name: str
    role: Role
    password_hash: str
    created_at: datetime
    #: Sessions stamped with another value are over (``flows.review.sessions``).
    session_gen: str = "0"


AccountAction = Literal["add", "replace", "remove"]
#: Called with (the action, the account) before a change is saved; raising stops it.
Recorder = Callable[[AccountAction, User], None]


class UserError(ValueError):
    """A user-facing problem with an account request (bad name, short password, ...)."""


class UsersFileError(UserError):
    """The accounts file cannot be read as TinRadar wrote it; it is left as it is, never overwritten."""


def users_file(settings: Settings) -> Path:
    return settings.data_dir / "users.json"


class UserStore:
    """Accounts kept in one JSON file. Re-read on every call so CLI changes apply at once."""

    def __init__(self, path: Path, hasher: PasswordHasher | None = None) -> None:
        self.path = path
        self.hasher = hasher or PasswordHasher()

    @classmethod
    def for_settings(cls, settings: Settings) -> UserStore:
        return cls(users_file(settings))

    def _load(self) -> dict[str, User]:
        if not self.path.is_file():
            return {}
        # A file damaged or edited by hand ended every users command with exit 70 (JSONDecodeError,
        # UnicodeDecodeError, AttributeError...). It is named instead, and since add/remove load
        # before they save, a damaged file is never replaced by a smaller one.
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8") or "{}")
            entries = raw.get("users", []) if isinstance(raw, dict) else None
            if not isinstance(entries, list):
                raise ValueError("expected an object with a 'users' list")
            return {u["name"]: User.model_validate(u) for u in entries}
        except (OSError, ValueError, TypeError, KeyError) as exc:  # JSON, UTF-8 and validation errors are ValueErrors
            why = str(exc).splitlines()[0][:200]
            raise UsersFileError(
                f"Tệp tài khoản {self.path} bị hỏng / the accounts file is damaged ({type(exc).__name__}: {why}); "
                "khôi phục từ bản sao lưu / restore it from a backup"
            ) from exc

    def _save(self, users: dict[str, User]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"users": [u.model_dump(mode="json") for u in sorted(users.values(), key=lambda u: u.name)]}
        fd, tmp = tempfile.mkstemp(prefix=".users-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(payload, fh, ensure_ascii=False, indent=2)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @staticmethod
    def normalise_name(name: str) -> str:
        name = nfc(name).strip().lower()
        if not NAME_RE.match(name):
            raise UserError(
                "Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch ngang/gạch dưới (2–63 ký tự). / "
                "A user name is lowercase letters without accents, digits, dots, hyphens or underscores (2–63 characters)."
            )
        return name

    @staticmethod
    def key(name: str) -> str:
        """How a typed name finds its account (``QUAN`` and `` quan`` are ``quan``)."""
        return nfc(name).strip().lower()

    def list(self) -> list[User]:
        return sorted(self._load().values(), key=lambda u: u.name)

    def get(self, name: str) -> User | None:
        return self._load().get(self.key(name))

    def add(
        self, name: str, password: str, role: Role | str, *, replace: bool = False, record: Recorder | None = None
    ) -> User:
        """Add (or with ``replace``, reset) an account; ``record(action, user)`` runs after the checks, before the save."""
        name = self.normalise_name(name)
        if len(password) < MIN_PASSWORD:
            raise UserError(
                f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự. / The password needs at least {MIN_PASSWORD} characters."
            )
        users = self._load()
        if name in users and not replace:
            raise UserError(f"Tài khoản '{name}' đã có. / Account '{name}' already exists.")
        if name in users and Role(role) is not Role.ADMIN:
            _keep_an_admin(users, name)
        user = User(
            name=name,
            role=Role(role),
            password_hash=self.hasher.hash(password),
            created_at=utc_now(),
            session_gen=secrets.token_urlsafe(12),  # a new or reset account ends every earlier session
        )
        if record is not None:
            record("replace" if name in users else "add", user)
        users[name] = user
        self._save(users)
        return user

    def end_sessions(self, name: str) -> None:
        """End every open session of this account (logout, "log out everywhere")."""
        users = self._load()
        key = self.key(name)
        if key in users:
            users[key] = users[key].model_copy(update={"session_gen": secrets.token_urlsafe(12)})
            self._save(users)

    def remove(self, name: str, *, record: Recorder | None = None) -> bool:
        """Remove an account (False: there was none); ``record("remove", user)`` runs before the save."""
        users = self._load()
        key = self.key(name)
        if key not in users:
            return False
        _keep_an_admin(users, key)
        if record is not None:
            record("remove", users[key])
        del users[key]
        self._save(users)
        return True

    def authenticate(self, name: str, password: str) -> User | None:
        """The user if the password matches, else None (same answer for unknown names)."""
        users = self._load()
        user = users.get(self.key(name))
        if user is None:
            # Spend the same time as a real check so names cannot be probed by timing.
            with contextlib.suppress(VerificationError, InvalidHashError):
                self.hasher.verify(_DUMMY_HASH, password)
            return None
        try:
            self.hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if self.hasher.check_needs_rehash(user.password_hash):
            users[user.name] = user.model_copy(update={"password_hash": self.hasher.hash(password)})
            self._save(users)
        return user


def _keep_an_admin(users: dict[str, User], leaving: str) -> None:
    """Refuse to remove or demote the last admin while other accounts remain: nobody could manage them."""
    admins = [u.name for u in users.values() if u.role is Role.ADMIN]
    if admins == [leaving] and len(users) > 1:
        raise UserError(
            f"Không thể xóa hoặc hạ quyền '{leaving}': đây là quản trị viên cuối cùng. / "
            f"Cannot remove or demote '{leaving}': it is the last admin."
        )


_DUMMY_HASH = PasswordHasher().hash("tinradar-no-such-user")
