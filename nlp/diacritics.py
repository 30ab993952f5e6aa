"""Vietnamese diacritic restoration: "tiem vac xin" → "tiêm vắc xin" (issue #15).

Why: about 40 % of real social posts are typed without diacritics, and the sentence encoder
(e5) reads them badly — it ranks the right known claim first for 0.89 of paraphrases typed
with diacritics but 0.41 of those typed without. The claim finder embeds such a text in its
restored form instead (``ClaimFinder(restorer=…)``); the lexical matcher, the stance and the
cues keep the text as written.

The model is a syllable trigram language model over accented syllables, trained on text typed
with diacritics (ReINTEL posts, UIT-ViCoV19QA questions and answers, ViCTSD comments, the claim
registry): each folded syllable has the accented forms seen for it in training as candidates,
scored with stupid backoff (trigram → bigram → unigram, factor 0.4) and chosen by a beam
search over the sentence. Pure Python and numpy; the counts ship as ``nlp/models/diacritics/
model.npz`` (no pickle) with a model card. Train and measure with::

    .venv/bin/python -m nlp.diacritics train --data ../shared/datasets --out nlp/models

Accuracy is measured on a held-out tenth of the texts (split by a hash of the folded opening,
so near-copies share a side), see the model card.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from nlp.groups import dup_key
from nlp.normalize import normalize
from tinradar.text import fold

MODEL_DIR = "diacritics"
MODEL_FILE = "model.npz"
#: A syllable: a run of Latin letters (with Vietnamese marks and đ).
SYLLABLE_RE = re.compile(r"[a-zà-ỹđ]+")
#: A chunk: the stretch between punctuation, line breaks and other non-letters (context stops there).
CHUNK_RE = re.compile(r"[a-zà-ỹđ]+(?:[ \t]+[a-zà-ỹđ]+)*")
BACKOFF = 0.4
BEAM = 12
#: A text counts as typed with diacritics (training data) when at least this share of its
#: syllables carries a mark; ordinary Vietnamese has about 70 %.
TRAIN_ACCENTED = 0.35
#: A text counts as typed without diacritics (restored) when at most this share does.
UNACCENTED_SHARE = 0.0
#: Held-out share of the training texts (by hash), for the accuracy figures.
HELD_OUT = 10  # one text in ten


def accented_share(text: str) -> float:
    """Share of a text's syllables that carry a Vietnamese mark (0 for a text without syllables)."""
    syl = SYLLABLE_RE.findall(text.lower())
    if not syl:
        return 0.0
    return sum(fold(s) != s for s in syl) / len(syl)


class Restorer:
    """Restores diacritics of Vietnamese text typed without them (see the module docstring)."""

    def __init__(self, vocab: Sequence[str], unigram: np.ndarray, bigram: dict[int, int], trigram: dict[int, int]):
        self.vocab = list(vocab)
        self.index = {w: i for i, w in enumerate(self.vocab)}
        self.v = len(self.vocab)
        self.unigram = np.asarray(unigram, dtype=np.int64)
        self.total = float(self.unigram.sum())
        self.bigram = bigram
        self.trigram = trigram
        # context counts for the conditional probabilities (from the kept n-grams)
        self.bi_context: Counter[int] = Counter()
        for key, c in bigram.items():
            self.bi_context[key // self.v] += c
        self.tri_context: Counter[int] = Counter()
        for key, c in trigram.items():
            self.tri_context[key // self.v] += c
        self.log_uni = np.log(np.maximum(self.unigram, 1) / self.total)
        candidates: dict[str, list[int]] = {}
        for i, w in enumerate(self.vocab):
            candidates.setdefault(fold(w), []).append(i)
        self.candidates = {k: sorted(v, key=lambda i: -self.unigram[i]) for k, v in candidates.items()}
        self.version = "diacritics-" + hashlib.sha1("\n".join(self.vocab).encode()).hexdigest()[:8]

    # --- persistence -------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> Restorer:
        data = np.load(path, allow_pickle=False)
        vocab = str(data["vocab"]).split("\n")
        bigram = dict(zip(data["bigram_keys"].tolist(), data["bigram_counts"].tolist(), strict=True))
        trigram = dict(zip(data["trigram_keys"].tolist(), data["trigram_counts"].tolist(), strict=True))
        return cls(vocab, data["unigram"], bigram, trigram)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        bk = np.asarray(sorted(self.bigram), dtype=np.int64)
        tk = np.asarray(sorted(self.trigram), dtype=np.int64)
        np.savez_compressed(
            path,
            vocab=np.asarray("\n".join(self.vocab)),
            unigram=self.unigram.astype(np.int32),
            bigram_keys=bk,
            bigram_counts=np.asarray([self.bigram[k] for k in bk.tolist()], dtype=np.int32),
            trigram_keys=tk,
            trigram_counts=np.asarray([self.trigram[k] for k in tk.tolist()], dtype=np.int32),
        )

    # --- scoring -----------------------------------------------------------------------
    def _logp(self, a: int, b: int, w: int) -> float:
        """Stupid-backoff log score of ``w`` after ``a b`` (-1: no such context)."""
        v = self.v
        if a >= 0 and b >= 0:
            c = self.trigram.get((a * v + b) * v + w)
            if c:
                return math.log(c / self.tri_context[a * v + b])
            penalty = math.log(BACKOFF)
        else:
            penalty = 0.0
        if b >= 0:
            c = self.bigram.get(b * v + w)
            if c:
                return penalty + math.log(c / self.bi_context[b])
            penalty += math.log(BACKOFF)
        return penalty + float(self.log_uni[w])

    def _restore_chunk(self, folded: list[str]) -> list[str]:
        """The best accented syllables for one chunk of folded syllables (beam search)."""
        beams: list[tuple[float, int, int, tuple[int, ...]]] = [(0.0, -1, -1, ())]
        unknown: dict[int, str] = {}
        for pos, syl in enumerate(folded):
            cands = self.candidates.get(syl)
            if not cands:  # never seen: kept as written, and the context starts again
                unknown[pos] = syl
                beams = [(s, -1, -1, (*path, -1)) for s, _, _, path in beams[:1]]
                continue
            grown: dict[tuple[int, int], tuple[float, int, int, tuple[int, ...]]] = {}
            for score, a, b, path in beams:
                for w in cands:
                    s = score + self._logp(a, b, w)
                    key = (b, w)
                    if key not in grown or grown[key][0] < s:
                        grown[key] = (s, b, w, (*path, w))
            beams = sorted(grown.values(), key=lambda t: -t[0])[:BEAM]
        best = beams[0][3]
        return [unknown[k] if i < 0 else self.vocab[i] for k, i in enumerate(best)]

    def restore(self, text: str) -> str:
        """``text`` with each syllable given its likeliest diacritics; case, spacing, punctuation
        and unknown words (English, names never seen) are kept as written."""
        lower = text.lower()
        if len(lower) != len(text):  # a rare character changes length when lower-cased
            return text
        out = list(text)
        base = fold(lower)
        for m in CHUNK_RE.finditer(base if len(base) == len(lower) else lower):
            spans = [(s.start() + m.start(), s.end() + m.start()) for s in SYLLABLE_RE.finditer(m.group(0))]
            restored = self._restore_chunk([m.group(0)[a - m.start() : b - m.start()] for a, b in spans])
            for (a, b), syl in zip(spans, restored, strict=True):
                if len(syl) != b - a or lower[a:b] != fold(lower[a:b]):  # keep any syllable typed with marks
                    continue
                for k, ch in enumerate(syl):
                    out[a + k] = ch.upper() if text[a + k].isupper() else ch
        return "".join(out)

    def restore_if_unaccented(self, text: str) -> str:
        """``text`` restored when it is typed without diacritics (``UNACCENTED_SHARE``), else as is."""
        if SYLLABLE_RE.search(text.lower()) is None or accented_share(text) > UNACCENTED_SHARE:
            return text
        return self.restore(text)


def load_restorer(models_dir: Path, enabled: bool = True) -> Restorer | None:
    """The shipped restorer (``<models_dir>/diacritics/model.npz``), or ``None`` when off or missing."""
    path = models_dir / MODEL_DIR / MODEL_FILE
    if not enabled or not path.is_file():
        return None
    return Restorer.load(path)


# --- training ------------------------------------------------------------------------------
def _csv_column(path: Path, column: str, delimiter: str = ",") -> Iterator[str]:
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter=delimiter):
            value = row.get(column)
            if value:
                yield value


def training_texts(data: Path, claims_file: Path | None = None) -> Iterator[str]:
    """Every text of the training sources (typed with diacritics or not: filtered later)."""
    for name in ("train.csv", "unlabeled.csv"):
        yield from _csv_column(data / "reintel" / name, "post_message")
    for path in sorted((data / "covid_qa" / "uit_vicov19qa").glob("*.csv")):
        for column in ("Question", "Answer_1"):
            yield from _csv_column(path, column, delimiter="|")
    for path in sorted((data / "comments").glob("ViCTSD_*.csv")):
        yield from _csv_column(path, "Comment")
    if claims_file is not None and claims_file.is_file():
        from nlp.claims import load_claims

        for c in load_claims(claims_file):
            yield from [c.claim, *c.variants, *([c.correction] if getattr(c, "correction", None) else [])]


def held_out(text: str) -> bool:
    """One near-copy group in ``HELD_OUT`` is held out (the key drops digits: copies that
    differ in a count stay together)."""
    return int(hashlib.sha1(dup_key(text, digits=False).encode()).hexdigest(), 16) % HELD_OUT == 0


def chunks(text: str) -> list[list[str]]:
    """The syllable chunks of a normalised, lower-cased text."""
    return [m.group(0).split() for m in CHUNK_RE.finditer(normalize(text).text.lower())]


def train(texts: Iterable[str], min_count: int = 2) -> Restorer:
    """Count accented syllables and their bigrams and trigrams (each kept from ``min_count``)."""
    uni: Counter[str] = Counter()
    bi: Counter[tuple[str, str]] = Counter()
    tri: Counter[tuple[str, str, str]] = Counter()
    for text in texts:
        for chunk in chunks(text):
            uni.update(chunk)
            bi.update(itertools.pairwise(chunk))
            tri.update(zip(chunk, chunk[1:], chunk[2:], strict=False))
    vocab = sorted(w for w, c in uni.items() if c >= min_count and len(w) <= 8)
    index = {w: i for i, w in enumerate(vocab)}
    v = len(vocab)
    unigram = np.asarray([uni[w] for w in vocab], dtype=np.int64)
    bigram = {index[a] * v + index[b]: c for (a, b), c in bi.items() if c >= min_count and a in index and b in index}
    trigram = {
        (index[a] * v + index[b]) * v + index[w]: c
        for (a, b, w), c in tri.items()
        if c >= min_count and a in index and b in index and w in index
    }
    return Restorer(vocab, unigram, bigram, trigram)


def evaluate(restorer: Restorer, texts: Iterable[str]) -> dict[str, float]:
    """Syllable accuracy of restoring the folded held-out texts, all syllables and ambiguous ones."""
    n = right = amb = amb_right = n_texts = 0
    elapsed = 0.0
    for text in texts:
        truth = normalize(text).text
        start = time.perf_counter()
        restored = restorer.restore(fold(truth, lower=False))
        elapsed += time.perf_counter() - start
        n_texts += 1
        want, got = SYLLABLE_RE.findall(truth.lower()), SYLLABLE_RE.findall(restored.lower())
        if len(want) != len(got):
            continue
        for a, b in zip(want, got, strict=True):
            n += 1
            right += a == b
            if len(restorer.candidates.get(fold(a), [])) > 1:
                amb += 1
                amb_right += a == b
    return {
        "texts": n_texts,
        "syllables": n,
        "syllable_accuracy": round(right / max(n, 1), 4),
        "ambiguous_syllables": amb,
        "ambiguous_accuracy": round(amb_right / max(amb, 1), 4),
        "ms_per_text": round(1000 * elapsed / max(n_texts, 1), 2),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.diacritics", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train on the shared datasets, measure on the held-out tenth, save")
    t.add_argument("--data", type=Path, default=Path("../shared/datasets"))
    t.add_argument("--out", type=Path, default=Path("nlp/models"))
    t.add_argument("--claims", type=Path, default=Path("nlp/claims.yaml"))
    t.add_argument("--min-count", type=int, default=1)
    r = sub.add_parser("restore", help="restore the diacritics of each line of stdin")
    r.add_argument("--models", type=Path, default=Path("nlp/models"))
    args = parser.parse_args(argv)
    if args.command == "restore":
        restorer = load_restorer(args.models)
        if restorer is None:
            print("no model", file=sys.stderr)
            return 2
        for line in sys.stdin:
            print(restorer.restore(line.rstrip("\n")))
        return 0
    seen: set[str] = set()
    fit: list[str] = []
    test: list[str] = []
    for text in training_texts(args.data, args.claims):
        key = normalize(text).text
        if key in seen or accented_share(key) < TRAIN_ACCENTED:
            continue
        seen.add(key)
        (test if held_out(key) else fit).append(key)
    restorer = train(fit, args.min_count)
    figures = evaluate(restorer, test)
    figures |= {
        "training_texts": len(fit),
        "vocabulary": restorer.v,
        "bigrams": len(restorer.bigram),
        "trigrams": len(restorer.trigram),
        "min_count": args.min_count,
    }
    path = args.out / MODEL_DIR / MODEL_FILE
    restorer.save(path)
    (args.out / MODEL_DIR / "metrics.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))
    print(f"saved {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
