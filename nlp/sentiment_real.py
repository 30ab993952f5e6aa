"""Sentiment on a fresh real set: the shipped model read once on COVID-19 posts nobody labelled before.

The sentiment model's figures (grouped CV, the frozen split) come from the labelling campaign it
was trained on (``nlp/data/sentiment_labels.csv``). This set is drawn apart from that campaign:

* ReINTEL (VLSP 2020) posts, ``unlabeled.csv`` first, then ``train.csv``, in a seeded order
  (sha256 of ``sentiment-real:<id>``), at most 250;
* COVID-19 posts as the analyzer decides it (``covid_probability`` ≥ 0.5, the claims work's reader
  ``nlp.claims_real``);
* one post per near-duplicate group (``nlp.groups.dup_key``), and no post whose group holds a
  labelled row of ``sentiment_labels.csv`` (the frozen split is a part of it): neither the model
  nor anything chosen with it has seen the set or a copy of one of its posts.

The labelling campaign had already taken nearly every COVID-19 post of ReINTEL: what is left is
every one of them (fewer than 250), and almost none carries the COVID keywords by which the
trainer's "COVID-19 posts" figure (``sentiment_train.is_covid``) picks its rows: the campaign drew
by them. So the set is every fresh COVID-19 post there is, and a harder, different slice than the
campaign's (posts the analyzer calls COVID-related without its plain words); ``report`` also
gives the keyword subset's count.

It is labelled blind by ``nlp/data/sentiment_guidelines.md`` (author's tone; ``unsure`` allowed)
before the model ever scores it, and read once. Only ids and labels are committed
(``nlp/data/sentiment_real/fresh.tsv``); ReINTEL's posts are not redistributable. The set is frozen
as those committed ids, in their order, read by id (``nlp.claims_real.committed_posts``): ``draw``
only made it, and a change to the COVID vocabulary would move what it returns::

    .venv/bin/python -m nlp.sentiment_real dump --out /tmp/sentiment_real_fresh.tsv
    .venv/bin/python -m nlp.sentiment_real report   # aggregates only

``report`` scores the shipped model as the analyzer runs it (the e5 encoder view stacked on rows
over the encoder gate, when the model has one) and the lexical model alone, on the same posts.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from nlp import claims_real
from nlp.groups import dup_key
from nlp.sentiment_train import LABEL_INDEX, is_covid, load_texts, macro_f1, read_labels

LABEL_DIR = Path(__file__).resolve().parent / "data" / "sentiment_real"
FRESH_PATH = LABEL_DIR / "fresh.tsv"
FRESH_SIZE = 250
#: ReINTEL files drawn from, in this order, with their ``source`` value in ``sentiment_labels.csv``.
DRAW_FILES = (("reintel_unlabeled", "unlabeled.csv"), ("reintel_train", "train.csv"))
LABELS = ("neg", "neu", "pos", "unsure")
BOOTSTRAP_SEED = 2026
BOOTSTRAP_ROUNDS = 2000


def _order(post_id: str) -> str:
    """The seeded order posts are drawn in (fixed: the draw must never move)."""
    return hashlib.sha256(f"sentiment-real:{post_id}".encode()).hexdigest()


def labelled_keys(data_dir: Path = claims_real.DATA_DIR) -> tuple[set[tuple[str, str]], set[str]]:
    """(source, id) of every row of ``sentiment_labels.csv`` and their near-duplicate group keys."""
    sources = load_texts(data_dir)
    rows = [(s, i) for s, i, _ in read_labels()]
    return set(rows), {dup_key(sources[s][i]) for s, i in rows}


def draw(data_dir: Path = claims_real.DATA_DIR, size: int = FRESH_SIZE) -> list[tuple[str, claims_real.RealPost]]:
    """How the fresh set was made: (source, post) pairs, drawn as the module docstring says.

    Only for making a NEW set: it filters by ``covid_probability``, so a change to the COVID
    vocabulary changes what it returns. The set is frozen as the committed rows of ``fresh.tsv``
    (:func:`read_rows`), which ``dump`` and ``measure`` read by id."""
    ids, seen = labelled_keys(data_dir)
    chosen: list[tuple[str, claims_real.RealPost]] = []
    for source, file in DRAW_FILES:
        pool = [
            p
            for p in sorted(claims_real._covid_posts(data_dir, file), key=lambda p: _order(p.id))
            if (source, p.id) not in ids
        ]
        chosen += [(source, p) for p in claims_real._take(pool, size - len(chosen), seen)]
        if len(chosen) >= size:
            break
    return chosen


def write_draw(data_dir: Path = claims_real.DATA_DIR, path: Path = FRESH_PATH) -> int:
    """Commit the draw's ids (``source``, ``id``, an empty ``label`` for the labeller)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["source", "id", "label"])
        for source, post in draw(data_dir):
            writer.writerow([source, post.id, ""])
    return sum(1 for _ in read_rows(path))


def read_rows(path: Path = FRESH_PATH) -> list[tuple[str, str, str]]:
    """(source, id, label) rows of the committed set, checked: a bad row is a clear error."""
    if not path.is_file():
        raise SystemExit(f"{path}: the fresh set has not been drawn")
    rows: list[tuple[str, str, str]] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh, delimiter="\t"), start=2):
            source, id_, label = row.get("source") or "", row.get("id") or "", row.get("label") or ""
            if source not in dict(DRAW_FILES) or not id_ or label not in {*LABELS, ""}:
                raise SystemExit(f"{path.name}, row {n}: bad row (source, id, label in {LABELS})")
            rows.append((source, id_, label))
    if len({(s, i) for s, i, _ in rows}) != len(rows):
        raise SystemExit(f"{path.name}: an id is listed twice")
    return rows


def dump(out: Path, data_dir: Path = claims_real.DATA_DIR) -> int:
    """Write ``source<TAB>id<TAB>text`` for the people labelling the set (``claims_real.write_dump``)."""

    def rows() -> Iterator[tuple[str, str, str]]:
        posts = claims_real.committed_posts(FRESH_PATH.stem, data_dir, LABEL_DIR)
        for (source, id_, _), post in zip(read_rows(), posts, strict=True):
            yield source, id_, post.text

    return claims_real.write_dump(out, ["source", "id", "text"], rows)


def _scores(y: np.ndarray, pred: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    """Macro-F1 with a bootstrap 95 % interval, per-class P/R/F1 and the confusion matrix."""
    classes = [0, 1, 2]
    names = ("neg", "neu", "pos")
    p, r, f, n = precision_recall_fscore_support(y, pred, labels=classes, zero_division=0)
    boot = []
    for _ in range(BOOTSTRAP_ROUNDS):
        idx = rng.integers(0, len(y), len(y))
        boot.append(macro_f1(y[idx], pred[idx], classes))
    return {
        "n": len(y),
        "macro_f1": macro_f1(y, pred, classes),
        "macro_f1_95ci": [round(float(np.percentile(boot, 2.5)), 4), round(float(np.percentile(boot, 97.5)), 4)],
        "per_class": {
            c: {
                "precision": round(float(p[k]), 3),
                "recall": round(float(r[k]), 3),
                "f1": round(float(f[k]), 3),
                "n": int(n[k]),
            }
            for k, c in enumerate(names)
        },
        "confusion (rows: label neg/neu/pos; columns: predicted)": confusion_matrix(y, pred, labels=classes).tolist(),
    }


def predictions(texts: Sequence[str], encoder: Any = None) -> dict[str, np.ndarray]:
    """The shipped model's classes (0 neg, 1 neu, 2 pos) per text: ``stacked`` as the analyzer runs
    it (the encoder view on the rows over its gate, with ``encoder`` or the default one) and
    ``lexical`` alone, from one model load."""
    from nlp.encoder import load_encoder
    from nlp.sentiment import SentimentModel
    from tinradar.settings import Settings

    model = SentimentModel.load(Settings().models_dir)
    if encoder is None:
        encoder, why = load_encoder(Settings())
        if encoder is None:
            raise SystemExit(f"the e5 encoder is not available: {why}")
    note = model.use_encoder(encoder)
    if note is not None:
        raise SystemExit(f"the sentiment model's encoder view is off: {note}")

    def classes(probs: list[dict[Any, float]]) -> np.ndarray:
        return np.array([LABEL_INDEX[max(p, key=p.__getitem__).value] for p in probs])

    texts = list(texts)
    return {
        "stacked": classes(model.predict_proba(texts, model.encoder_vectors(texts))),
        "lexical": classes(model.predict_proba(texts)),
    }


def measure(data_dir: Path = claims_real.DATA_DIR, encoder: Any = None) -> dict[str, Any]:
    """The figures of the one reading: stacked and lexical, without and with the ``unsure`` rows
    (with: an ``unsure`` row counts as ``neu``, the label the rule book gives a text without a clear
    tone); no post is named."""
    rows = read_rows()
    if any(not label for _, _, label in rows):
        raise SystemExit(f"{FRESH_PATH.name}: {sum(not lab for *_, lab in rows)} rows are not labelled yet")
    texts = [p.text for p in claims_real.committed_posts(FRESH_PATH.stem, data_dir, LABEL_DIR)]
    labels = [lab for *_, lab in rows]
    preds = predictions(texts, encoder)
    sure = np.array([lab != "unsure" for lab in labels])
    y_all = np.array([LABEL_INDEX["neu" if lab == "unsure" else lab] for lab in labels])
    out: dict[str, Any] = {
        "posts": len(rows),
        "labels": {lab: labels.count(lab) for lab in LABELS},
        "with the trainer's COVID keywords (is_covid)": sum(is_covid(t) for t in texts),
        "bootstrap": {"rounds": BOOTSTRAP_ROUNDS, "seed": BOOTSTRAP_SEED},
    }
    for name, pred in preds.items():
        rng = np.random.default_rng(BOOTSTRAP_SEED)
        out[name] = {
            "without unsure": _scores(y_all[sure], pred[sure], rng),
            "unsure as neu": _scores(y_all, pred, rng),
        }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.sentiment_real", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["draw", "dump", "report"])
    parser.add_argument("--out", type=Path, default=None, help="dump: file to write (outside the repository)")
    parser.add_argument("--data", type=Path, default=claims_real.DATA_DIR, help="the shared datasets folder")
    args = parser.parse_args(argv)
    if args.command == "draw":
        print(f"{write_draw(args.data)} ids written to {FRESH_PATH}")
    elif args.command == "report":
        print(json.dumps(measure(args.data), indent=2, ensure_ascii=False))
    elif args.out is None:
        parser.error("dump needs --out")
    else:
        print(f"{dump(args.out, args.data)} posts written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
