"""Failed-login throttling for the review desk: slows password guessing.

Counted in a sliding window, per client address *and account name* (so a guesser at one
address cannot lock a reviewer out everywhere) and per address over all names (so one
address cannot try every name in turn). A refused attempt does not check the password at
all, and so reveals nothing. Counts live in this process: one ``tinradar review serve``
process is the deployment (docs/review.md); several workers would each count apart.
"""

from __future__ import annotations

import threading
from collections import deque

#: Above this many (address, name) entries, entries whose window is over are dropped.
MAX_KEYS = 10_000


class LoginThrottle:
    """Counts failed logins; ``retry_after`` says how long an address (and name) must wait."""

    def __init__(self, max_per_name: int, max_per_address: int, window_seconds: float) -> None:
        self.max_per_name = max_per_name
        self.max_per_address = max_per_address
        self.window = window_seconds
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()  # logins run in the thread pool

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times

    @staticmethod
    def _keys(address: str, name: str) -> tuple[tuple[str, str], tuple[str, str]]:
        """The counters one attempt touches: this name at this address, and the whole address."""
        return (address, name.casefold()), (address, "")

    def retry_after(self, address: str, name: str, now: float) -> float:
        """Seconds until this address may try this name again (0: it may now)."""
        wait = 0.0
        with self._lock:
            for key, limit in zip(self._keys(address, name), (self.max_per_name, self.max_per_address), strict=True):
                times = self._recent(key, now)
                if len(times) >= limit:
                    wait = max(wait, times[-limit] + self.window - now)
        return wait

    def failed(self, address: str, name: str, now: float) -> None:
        with self._lock:
            if len(self._failures) > MAX_KEYS:  # many addresses: forget those whose window is over
                for key in [k for k, times in self._failures.items() if times[-1] <= now - self.window]:
                    del self._failures[key]
            for key in self._keys(address, name):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, address: str, name: str) -> None:
        """A good password clears that name's failures at this address (not the address's)."""
        with self._lock:
            self._failures.pop(self._keys(address, name)[0], None)
