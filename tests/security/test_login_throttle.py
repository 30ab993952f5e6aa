"""Attacks on the login throttle: guess passwords faster than it allows.

* Rotate ``X-Forwarded-For``: with ``--proxy`` the desk believed forwarded headers from
  anyone and took their leftmost entry, which nginx passes through from the client. A new
  made-up address per guess reset both counters: unlimited guessing.
* Send the headers straight to the desk, not through the proxy: the same.
* Spread the guesses over many real addresses (a botnet): each stays under the
  per-address limits, so only a limit per account, whatever the address, bounds them.
* Send the guesses at once: the failures were counted only after the (slow) password
  check, so ~40 concurrent guesses all passed a limit of 5; each costs a 64 MiB argon2 hash.
* Flood the throttle with new addresses and names: its table grew without bound.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from argon2 import PasswordHasher

from flows.review.throttle import MAX_KEYS, LoginThrottle
from flows.review.users import Role, UserStore, users_file
from tests.security.desk import BehindProxy, desk_env, serve_cli


@pytest.fixture
def proxied_desk(es_settings, accounts):
    """``tinradar review serve --proxy``: the documented HTTPS deployment (proxy on 127.0.0.1)."""
    with serve_cli(desk_env(es_settings), "--proxy") as desk:
        assert desk.listening, desk.output()
        yield desk.url


def test_rotating_forwarded_for_through_the_proxy_does_not_reset_the_count(proxied_desk, es_settings):
    limit = es_settings.review_login_failures
    codes = []
    with BehindProxy(proxied_desk, client_address="203.0.113.7") as attacker:
        for n in range(limit + 3):
            attacker.spoof = f"10.66.0.{n + 1}"  # what the attacker's own X-Forwarded-For says
            codes.append(attacker.login("lan", f"doan-sai-{n}").status_code)
    assert codes == [401] * limit + [429] * 3


def test_forwarded_headers_from_anyone_but_the_proxy_are_ignored(proxied_desk, es_settings):
    limit = es_settings.review_login_failures
    direct = httpx.HTTPTransport(local_address="127.0.0.2")  # another machine, as far as the desk knows
    codes = []
    with BehindProxy(proxied_desk, client_address="", transport=direct) as attacker:  # sends its own headers
        for n in range(limit + 2):
            attacker.spoof = f"10.77.0.{n + 1}"
            codes.append(attacker.login("lan", f"doan-sai-{n}").status_code)
    assert codes == [401] * limit + [429] * 2


def test_many_real_addresses_share_one_limit_per_account(proxied_desk, es_settings):
    per_account = es_settings.review_login_failures_per_account
    assert per_account < es_settings.review_login_failures * 4
    codes = []
    for n in range(per_account + 2):  # every bot stays under the per-address limits
        with BehindProxy(proxied_desk, client_address=f"198.51.100.{n + 1}") as bot:
            codes.append(bot.login("lan", f"doan-sai-{n}").status_code)
    assert codes == [401] * per_account + [429] * 2
    with BehindProxy(proxied_desk, client_address="192.0.2.10") as colleague:
        assert colleague.login("an").status_code == 303, "other accounts are not affected"


def test_concurrent_guesses_cannot_overrun_the_limit(es_settings, accounts):
    # A password hash that takes a moment, as the real one does (64 MiB, ~0.1 s).
    slow = UserStore(users_file(es_settings), PasswordHasher(time_cost=2, memory_cost=16384, parallelism=1))
    slow.add("minh", "mat-khau-minh-4", Role.REVIEWER)
    limit = es_settings.review_login_failures
    with serve_cli(desk_env(es_settings), "--proxy") as desk:
        assert desk.listening, desk.output()
        guessers = [BehindProxy(desk.url, client_address="203.0.113.9") for _ in range(40)]
        tokens = [g.token() for g in guessers]
        start = threading.Barrier(len(guessers))

        def guess(n: int) -> int:
            start.wait()
            form = {"username": "minh", "password": f"doan-sai-{n}", "csrf_token": tokens[n], "next": "/"}
            return guessers[n].post("/login", data=form).status_code

        with ThreadPoolExecutor(len(guessers)) as pool:
            codes = list(pool.map(guess, range(len(guessers))))
        for g in guessers:
            g.http.close()
    assert codes.count(401) <= limit and codes.count(401) + codes.count(429) == len(codes), codes


def test_the_throttle_table_stays_bounded():
    throttle = LoginThrottle(5, 20, 15 * 60, max_per_account=10)
    for n in range(3 * MAX_KEYS):  # every attempt a new address and a new name, all inside the window
        throttle.attempt(f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", f"ten{n}", now=1000.0 + n / 1000)
    assert len(throttle) <= MAX_KEYS
