"""How the attack tests reach the review desk: over real HTTP, as a browser or a script would.

Two ways to run the desk:

* ``tests.flows.review.live.serve_in_thread``: ``create_app`` under uvicorn on a free
  127.0.0.1 port, in a thread of the test process (like the browser tests), when a test
  needs to reach inside (the account store, the clock).
* ``serve_cli``: the real ``tinradar review serve`` command in a child process, with only
  environment variables, when the attack is on how the desk is deployed (secret,
  ``--proxy``, forwarded headers, cookie flags).

``Visitor`` is one person's browser: an ``httpx`` client with its own cookie jar that
knows how to log in and fill the desk's forms.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from argon2 import PasswordHasher

from tests.flows.review.live import free_port
from tinradar.settings import Settings

#: Cheap argon2 parameters keep logins fast; a hash carries its parameters, so even the
#: desk in a child process verifies these cheaply.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORDS = {"lan": "mat-khau-lan-1", "an": "mat-khau-an-2", "quan": "mat-khau-quan-3"}
HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')
REPO_ROOT = Path(__file__).resolve().parents[2]


def hidden(page: str, form_id: str | None = None) -> dict[str, str]:
    """Hidden inputs of a page (or of the form with that id)."""
    if form_id:
        page = page[page.index(f'id="{form_id}"') :]
        page = page[: page.index("</form>")]
    return {k: html.unescape(v) for k, v in HIDDEN.findall(page)}


def forge_session(secret: str, session: dict) -> str:
    """A session cookie value signed the way Starlette's ``SessionMiddleware`` signs one."""
    from itsdangerous import TimestampSigner

    payload = base64.b64encode(json.dumps(session).encode("utf-8"))
    return TimestampSigner(secret).sign(payload).decode("utf-8")


class Visitor:
    """One browser: its own cookies, real HTTP."""

    def __init__(self, base_url: str, **kwargs: object) -> None:
        self.http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=60, **kwargs)

    def __enter__(self) -> Visitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def post(self, path: str, **kwargs: object) -> httpx.Response:
        return self.http.post(path, **kwargs)

    def token(self, path: str = "/login") -> str:
        return hidden(self.get(path).text)["csrf_token"]

    def login(self, name: str, password: str | None = None, **kwargs: object) -> httpx.Response:
        form = {"username": name, "password": password or PASSWORDS[name], "csrf_token": self.token(), "next": "/"}
        return self.post("/login", data=form, **kwargs)

    def form(self, path: str, form_id: str, **fields: str) -> dict[str, str]:
        page = self.get(path)
        assert page.status_code == 200, page.text[:500]
        return {**hidden(page.text, form_id), **fields}


class BehindProxy(Visitor):
    """A browser reaching the desk through an HTTPS reverse proxy, as nginx forwards it.

    nginx (``proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for``) appends the
    address it saw to whatever ``X-Forwarded-For`` the browser sent, so the header's left
    part is the client's to choose (``spoof``) and only its last entry is the truth. The
    session cookie is kept by hand: the proxy's side is HTTPS, so it is allowed to be
    ``Secure`` even though the hop to the desk is plain HTTP. With ``client_address=""``
    there is no proxy: the client sends ``spoof`` as its own ``X-Forwarded-For``.
    """

    def __init__(self, base_url: str, client_address: str, **kwargs: object) -> None:
        super().__init__(base_url, **kwargs)
        self.client_address = client_address
        self.cookie: str | None = None
        self.set_cookies: list[str] = []
        self.spoof: str | None = None

    def _send(self, method: str, path: str, headers: dict | None = None, **kwargs: object) -> httpx.Response:
        forwarded = ", ".join(a for a in (self.spoof, self.client_address) if a)
        sent = {"X-Forwarded-For": forwarded, "X-Forwarded-Proto": "https", **(headers or {})}
        if self.cookie:
            sent["Cookie"] = f"tinradar_review={self.cookie}"
        self.http.cookies.clear()
        response = self.http.request(method, path, headers=sent, **kwargs)
        self.http.cookies.clear()
        for line in response.headers.get_list("set-cookie"):
            self.set_cookies.append(line)
            value = line.split(";", 1)[0].split("=", 1)[1]
            self.cookie = None if value == "null" else value
        return response

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return self._send("GET", path, **kwargs)

    def post(self, path: str, **kwargs: object) -> httpx.Response:
        return self._send("POST", path, **kwargs)


def add_accounts(settings: Settings) -> object:
    """A reviewer (lan), an analyst (an) and an admin (quan) in the data dir's users file."""
    from flows.review.users import Role, UserStore, users_file

    accounts = UserStore(users_file(settings), FAST_HASHER)
    accounts.add("lan", PASSWORDS["lan"], Role.REVIEWER)
    accounts.add("an", PASSWORDS["an"], Role.ANALYST)
    accounts.add("quan", PASSWORDS["quan"], Role.ADMIN)
    return accounts


def wait_for_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 60) -> bool:
    """True once something listens on 127.0.0.1:port; False if ``proc`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    raise TimeoutError(f"nothing listened on port {port} within {timeout:.0f}s")


@dataclass
class CliDesk:
    """A ``tinradar review serve`` child process: its URL while it runs, its output once it ended."""

    proc: subprocess.Popen
    port: int
    listening: bool

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        if self.proc.poll() is None:
            return ""
        return (self.proc.stdout.read() if self.proc.stdout else "") or ""


def desk_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment of a desk process for these settings (the secret as the test says)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINRADAR_")}
    env.update(
        {
            "TINRADAR_DATA_DIR": str(settings.data_dir),
            "TINRADAR_ES_URL": settings.es_url,
            "TINRADAR_ES_INDEX_PREFIX": settings.es_index_prefix,
            "TINRADAR_REVIEW_SECRET": settings.review_secret.get_secret_value(),
            "COLUMNS": "200",
        }
    )
    env.update(extra)
    return env


def cli_env(settings: Settings) -> dict[str, str]:
    """What a CLI command run by a test needs to find this test's data dir and node."""
    return {
        "TINRADAR_DATA_DIR": str(settings.data_dir),
        "TINRADAR_ES_URL": settings.es_url,
        "TINRADAR_ES_INDEX_PREFIX": settings.es_index_prefix,
        "COLUMNS": "200",
    }


@contextmanager
def serve_cli(env: dict[str, str], *args: str, timeout: float = 60) -> Iterator[CliDesk]:
    """Run ``tinradar review serve --port P ARGS`` and yield once it listens or has exited."""
    port = free_port()
    cmd = [sys.executable, "-c", "from flows.cli import main; main()", "review", "serve", "--port", str(port), *args]
    proc = subprocess.Popen(cmd, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        listening = wait_for_port(port, proc, timeout)
        if not listening:
            proc.wait(timeout=10)
        yield CliDesk(proc, port, listening)
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM, and SIGKILL when it has not exited 15 s later."""
    if proc.poll() is None:
        proc.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=15)
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    if proc.stdout:
        proc.stdout.close()
