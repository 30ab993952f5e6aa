"""One crawl per host at a time, wherever the crawl tasks run (threads here, or Dask workers).

Scrapy keeps a crawl polite *within* its process (robots.txt, AutoThrottle, a per-domain
request limit), but every source is crawled in its own child process, and the crawl tasks
run side by side: in the flow's thread pool, or on the worker processes of a Dask cluster
(``tinradar run pipeline --dask ADDRESS``). Two sources of the same site (two sections of
one newspaper, two channels on one preview host) would then hit that host at twice the
rate each crawl allows. So a crawl task holds a lock for each host its source fetches from,
for as long as its crawl runs: two sources on the same host are crawled one after the
other, sources on different hosts side by side.

Which lock:

* **On a Dask worker**, a ``distributed.Lock`` named after the host. It lives in the
  scheduler, so it holds across worker processes and machines, needs nothing but the
  cluster the tasks already run on, and its lease is refreshed by the holding worker: a
  worker that dies mid-crawl frees its hosts after the lease timeout (30 s by default)
  instead of blocking them for ever. The refresh runs on the worker's event loop, which the
  crawl does not block (the crawl is a child process; the task thread only waits), so the
  lease does not lapse while a crawl is running.
  A Prefect global concurrency limit would also reach across workers, but it has to be
  created on the Prefect server beforehand (one per host, and hosts come from the
  registry), and a slot taken by a killed worker stays taken until its own lease expires
  on the server: more moving parts for the same guarantee.
* **Otherwise** (the flow's thread pool, a direct call), a ``threading.Lock`` per host in
  this process: every crawl task of such a run runs in this process.

Every hold is written to ``politeness.jsonl`` in the run folder (source, hosts, worker,
seconds waited, when the lock was taken and given back), so a run shows where each source
was crawled and how long politeness made it wait; the test of the Dask path checks the
fixture site's own request log against it.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from crawlers.registry import Source

#: Name of the record in the run folder.
RECORD = "politeness.jsonl"
_PREFIX = "tinradar-crawl-host:"

_local_guard = threading.Lock()
_local_locks: dict[str, threading.Lock] = {}


def source_hosts(source: Source) -> list[str]:
    """The hosts (``host[:port]``, lower case) a source's crawl starts from, sorted.

    Sorted so that a source on several hosts takes their locks in one global order (two
    such sources can never each hold the lock the other waits for)."""
    urls = [*source.feeds, *source.sitemaps, *source.start_urls, *(listing.url for listing in source.listings)]
    return sorted({urlsplit(u).netloc.lower() for u in urls if urlsplit(u).netloc})


def _dask_worker() -> str | None:
    """The address of the Dask worker running this code, or ``None`` outside one."""
    try:
        from distributed import get_worker
    except ImportError:
        return None
    try:
        return str(get_worker().address)
    except ValueError:  # not in a worker
        return None


@contextmanager
def _local_lock(host: str) -> Iterator[None]:
    with _local_guard:
        lock = _local_locks.setdefault(host, threading.Lock())
    with lock:
        yield


@contextmanager
def _dask_lock(host: str) -> Iterator[None]:
    from distributed import Lock

    lock = Lock(_PREFIX + host)  # type: ignore[no-untyped-call]
    lock.acquire()  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        lock.release()  # type: ignore[no-untyped-call]


@contextmanager
def host_locks(source_id: str, hosts: Iterable[str], record_dir: Path | None = None) -> Iterator[None]:
    """Hold one lock per host (sorted order) around a crawl; record the hold in ``record_dir``."""
    hosts = sorted(set(hosts))
    worker = _dask_worker()
    take = _dask_lock if worker else _local_lock
    asked = time.time()
    with ExitStack() as stack:
        for host in hosts:
            stack.enter_context(take(host))
        acquired = time.time()
        try:
            yield
        finally:
            released = time.time()
            if record_dir is not None:
                _record(
                    record_dir,
                    {
                        "source_id": source_id,
                        "hosts": hosts,
                        "worker": worker or f"{socket.gethostname()}:{os.getpid()}",
                        "lock": "dask" if worker else "thread",
                        "waited_s": round(acquired - asked, 3),
                        "acquired": acquired,
                        "released": released,
                    },
                )


def _record(folder: Path, entry: dict[str, object]) -> None:
    """Append one line; a single ``O_APPEND`` write of a short line does not interleave with another."""
    folder.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(folder / RECORD, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def read_record(folder: Path) -> list[dict[str, object]]:
    """The holds recorded in a run folder (empty when none)."""
    path = folder / RECORD
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
