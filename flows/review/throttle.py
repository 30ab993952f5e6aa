"""Failed-login throttling for the review desk: slows password guessing.

Counted in a sliding window, three ways:

* per client address *and account name*: a guesser at one address cannot lock a
  reviewer out everywhere by this counter alone;
* per address over all names: one address cannot try every name in turn;
* per account over all addresses: guesses spread over many addresses (a botnet, or made-up
  forwarded addresses) still meet a limit. This one can lock an account out for the
  window while it is under attack; that is its price, and the reason its limit is higher
  than the first.

An attempt is counted *before* the password is checked (``attempt``) and taken back when
the password was right (``succeeded``), so concurrent guesses cannot all pass the check
while the first is still hashing. A refused attempt does not check the password at all,
and so reveals nothing. The table is bounded (``MAX_KEYS``): flooding it with new
addresses forgets the least recently used entries instead of growing memory. Counts live
in this process: one ``tinradar review serve`` process is the deployment (docs/review.md).
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque

from flows.review.users import UserStore

#: The most counters kept; beyond it, those whose window is over go first, then the least recently used.
MAX_KEYS = 10_000

Key = tuple[str, str, str]


class LoginThrottle:
    """Counts login attempts; ``attempt`` says whether one may go ahead (and counts it)."""

    def __init__(
        self, max_per_name: int, max_per_address: int, window_seconds: float, *, max_per_account: int = 10
    ) -> None:
        self.max_per_name = max_per_name
        self.max_per_address = max_per_address
        self.max_per_account = max_per_account
        self.window = window_seconds
        self._counts: OrderedDict[Key, deque[float]] = OrderedDict()
        self._lock = threading.Lock()  # logins run in the thread pool

    def __len__(self) -> int:
        return len(self._counts)

    def _limits(self, address: str, name: str) -> list[tuple[Key, int]]:
        """The counters one attempt touches, each with its limit."""
        account = UserStore.key(name)
        return [
            (("pair", address, account), self.max_per_name),
            (("address", address, ""), self.max_per_address),
            (("account", "", account), self.max_per_account),
        ]

    def _recent(self, key: Key, now: float) -> deque[float]:
        times = self._counts.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            self._counts.pop(key, None)
        return times

    def _wait(self, limits: list[tuple[Key, int]], now: float) -> float:
        wait = 0.0
        for key, limit in limits:
            times = self._recent(key, now)
            if len(times) >= limit:
                wait = max(wait, times[-limit] + self.window - now)
        return wait

    def attempt(self, address: str, name: str, now: float) -> float:
        """Seconds this address must wait before trying this name (0: go ahead, counted as a failure)."""
        limits = self._limits(address, name)
        with self._lock:
            wait = self._wait(limits, now)
            if wait > 0:
                return wait
            for key, _ in limits:
                self._counts.setdefault(key, deque()).append(now)
                self._counts.move_to_end(key)
            self._bound(now)
        return 0.0

    def succeeded(self, address: str, name: str, now: float) -> None:
        """The password was right: take back this attempt, and forget this name's failures at this address."""
        limits = self._limits(address, name)
        with self._lock:
            self._counts.pop(limits[0][0], None)
            for key, _ in limits[1:]:
                times = self._counts.get(key)
                if times and now in times:
                    times.remove(now)

    def _bound(self, now: float) -> None:
        if len(self._counts) <= MAX_KEYS:
            return
        for key in [k for k, times in self._counts.items() if not times or times[-1] <= now - self.window]:
            del self._counts[key]
        while len(self._counts) > MAX_KEYS:
            self._counts.popitem(last=False)
