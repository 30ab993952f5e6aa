"""Real posts labelled with the known claims they carry: the claims matcher's test on real data.

Every other claims evaluation set (``nlp/data/claims_eval``, ``claims_fresh``, ``claims_fresh2``)
was written for the purpose, so it measures the matcher against its writers' style. The board
meets real posts. This module draws real COVID-19 posts from ReINTEL (VLSP 2020) into five sets
that people label by reading, blind to the matcher:

* ``dev``: unreliable COVID-related posts whose id hashes even, and 100 reliable ones with an even
  hash. Read it freely to find the matcher's mistakes.
* ``check``: unreliable COVID-related posts whose id hashes odd, and 200 reliable ones with an odd
  hash. Report on it, never tune on it.
* ``fresh``: 300 COVID-related posts of the task's unlabelled test posts (``unlabeled.csv``, no
  reliability label), in a seeded order; drawn after the changes ``check`` judged, read once each.
* ``holdout``: the next 400 of those posts, drawn after ``fresh`` had been read once (2026-12-04):
  the report set for the changes that follow it, read once per change.
* ``learn``: every COVID-related post left (748): real posts a learned step may train on (read
  freely).

One post per near-duplicate group (:func:`nlp.groups.dup_key`), and a group drawn into one set is
never drawn into another, so a repost cannot carry a lesson from one set to the next.

A set, once labelled, is frozen: it is the ids of its committed label file, in that file's order
(:func:`committed_posts`), read by id from ReINTEL. :func:`draw` only made the sets; it filters by
the analyzer's COVID relevance, so rerunning it after a vocabulary change would move them.

Only ids and labels are committed (``nlp/data/claims_real/<set>.tsv``): ReINTEL's terms forbid
redistributing the posts. ``dump`` writes the texts to a file *outside* the repository for the
people labelling them::

    .venv/bin/python -m nlp.claims_real dump --set dev --out /tmp/claims_real_dev.tsv
    .venv/bin/python -m nlp.claims_real report --set dev   # through the analyzer: counts only

``report`` runs the whole analyzer, as a daily run does, and prints aggregates against the labels
(``GUIDE.md`` says how they were written): how many posts that repeat a registry claim are found,
how many posts with no registry claim are matched anyway, how refutations and questions come out.
It prints no risk levels: the rumor model was trained on these very posts, so its levels here
would be read in-sample; a match's stance is what the claims path adds to the risk.

``qa`` does the same for real text that should repeat no false claim: UIT-ViCoV19QA's questions
(people asking doctors) and answers (doctors'), one split at a time. A match read as ``repeats``
there raises a real question or a doctor's answer to ``high``: a false flag, unless the text
really repeats the claim (a question may *ask* about one)::

    .venv/bin/python -m nlp.claims_real qa --split val   # train: may train; val: read freely; test: report
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from nlp.covid import covid_probability
from nlp.groups import dup_key
from tinradar.settings import Settings
from tinradar.text import fold, nfc, spreadsheet_text

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT.parent / "shared" / "datasets"
LABEL_DIR = Path(__file__).resolve().parent / "data" / "claims_real"
SETS = ("dev", "check", "fresh", "holdout", "learn")
#: Posts drawn from ReINTEL's unlabelled test posts, in this order, each set after the one before
#: (``None``: every group left, 748 posts).
UNLABELLED_SETS: dict[str, int | None] = {"fresh": 300, "holdout": 400, "learn": None}
#: Reliable posts drawn per set (all unreliable COVID-related posts of the half are taken).
RELIABLE_PER_SET = {"dev": 100, "check": 200}
STANCES = ("repeats", "refutes", "asks")
#: ViCoV19QA's splits, as the claims work uses them: ``train`` may train (a verifier's real
#: negatives), ``val`` is read freely, ``test`` is reported once per change.
QA_SPLITS = ("train", "val", "test")
#: Registry claims added after the check set's second labelling (``second/check.tsv``), from the
#: dev set's uncovered topics: its agreement leaves them out (the second labeller never saw them).
#: Later second labellings (``holdout``) read the registry with them.
ADDED_AFTER_SECOND = frozenset(
    {"runny-nose-not-covid", "salt-mask-kills-virus", "essential-oil-prevents-covid", "covid-20-strain-hoax"}
)


@dataclass(frozen=True)
class RealPost:
    """A ReINTEL post drawn into a set: its id, text (NFC) and ReINTEL label (1 = unreliable)."""

    id: str
    text: str
    unreliable: bool | None  # None: ReINTEL's unlabelled test posts (``UNLABELLED_SETS``)


def even_id(post_id: str) -> bool:
    """The split of ReINTEL ids every claims tool shares: the first 8 hex digits of its sha256, even."""
    return int(hashlib.sha256(post_id.encode()).hexdigest()[:8], 16) % 2 == 0


def _order(post_id: str) -> str:
    """The seeded order reliable posts are drawn in (fixed: the draw must never move)."""
    return hashlib.sha256(f"claims-real:{post_id}".encode()).hexdigest()


def reintel_rows(data_dir: Path = DATA_DIR, file: str = "train.csv") -> list[RealPost]:
    """Every ReINTEL post of ``file`` with a text (``<URL>``-only posts left out), NFC, in file order:
    ``train.csv`` (labelled) or ``unlabeled.csv`` (the task's test posts: ``unreliable`` is None).
    The one reader of ReINTEL for the claims work (here and the verifier's trainer)."""
    path = data_dir / "reintel" / file
    if not path.is_file():
        raise SystemExit(f"{path} not found: --data must be the shared datasets folder")
    with path.open(encoding="utf-8") as fh:
        rows = [(row["id"], nfc((row["post_message"] or "").strip()), row.get("label")) for row in csv.DictReader(fh)]
    return [
        RealPost(i, text, None if label is None else label == "1")
        for i, text, label in rows
        if text and text != "<URL>"
    ]


def _covid_posts(data_dir: Path, file: str) -> list[RealPost]:
    return [p for p in reintel_rows(data_dir, file) if covid_probability(fold(p.text)) >= 0.5]


def committed_posts(name: str, data_dir: Path = DATA_DIR, label_dir: Path = LABEL_DIR) -> list[RealPost]:
    """The posts of a labelled set: the ids of ``label_dir/<name>.tsv``, in that file's order, read
    by id from ReINTEL's two files (their ids are disjoint). No relevance filter and no draw: a
    held-out set stays the posts that were labelled, whatever the analyzer does later. The one
    reader of a committed ReINTEL set (claims_real, places_real, covid_real).

    An id the file lists that is no ReINTEL post with a text is a clear error naming file and id."""
    path = label_dir / f"{name}.tsv"
    if not path.is_file():
        raise SystemExit(f"{path}: no labels for the {name} set yet")
    with path.open(encoding="utf-8", newline="") as fh:
        ids = [row.get("id") or "" for row in csv.DictReader(fh, delimiter="\t")]
    by_id = {p.id: p for file in ("train.csv", "unlabeled.csv") for p in reintel_rows(data_dir, file)}
    for n, post_id in enumerate(ids, start=2):
        if post_id not in by_id:
            raise SystemExit(
                f"{path.name}, row {n}: id {post_id!r} is not a ReINTEL post with a text in {data_dir / 'reintel'}"
            )
    return [by_id[i] for i in ids]


def _take(pool: Sequence[RealPost], limit: int | None, seen: set[str]) -> list[RealPost]:
    """The first ``limit`` posts (``None``: all) of ``pool`` whose near-duplicate group is not
    ``seen`` yet (one post per group; the groups taken are added to ``seen``)."""
    taken: list[RealPost] = []
    for post in pool:
        if limit is not None and len(taken) >= limit:
            break
        key = dup_key(post.text)
        if key not in seen:
            seen.add(key)
            taken.append(post)
    return taken


def draw(data_dir: Path = DATA_DIR) -> dict[str, list[RealPost]]:
    """How the five sets were made, as the module docstring says; deterministic for one vocabulary.

    Only for making a NEW set: it filters by ``covid_probability``, so a change to the COVID
    vocabulary changes what it returns. A labelled set is its committed ids (:func:`committed_posts`)."""
    posts = sorted(_covid_posts(data_dir, "train.csv"), key=lambda p: p.id)
    seen: set[str] = set()
    sets: dict[str, list[RealPost]] = {}
    for name in ("dev", "check"):
        half = [p for p in posts if even_id(p.id) == (name == "dev")]
        unreliable = [p for p in half if p.unreliable]
        reliable = sorted((p for p in half if not p.unreliable), key=lambda p: _order(p.id))
        chosen = _take(unreliable, len(unreliable), seen) + _take(reliable, RELIABLE_PER_SET[name], seen)
        sets[name] = sorted(chosen, key=lambda p: p.id)
    unlabelled = sorted(_covid_posts(data_dir, "unlabeled.csv"), key=lambda p: _order(p.id))
    for name, size in UNLABELLED_SETS.items():
        sets[name] = sorted(_take(unlabelled, size, seen), key=lambda p: p.id)
    return sets


def write_dump(out: Path, header: Sequence[str], rows: Callable[[], Iterable[Sequence[object]]]) -> int:
    """Write a labelling dump: tab-separated, one row per text, for the people labelling a set.

    The one writer of every real set's dump (claims, places, COVID relevance, sentiment):
    ``out`` must lie outside the repository (the texts are not ours to commit; checked before
    ``rows`` is read), a text's newlines are shown as `` / `` (one row per text), and every cell
    goes through ``tinradar.text.spreadsheet_text``: the dumps are opened in a spreadsheet, which
    would run a cell starting ``=``, ``+``, ``-`` or ``@`` as a formula."""
    if REPO_ROOT in out.resolve().parents:
        raise SystemExit(f"{out} is inside the repository: the texts must not be committed")
    n = 0
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(header)
        for row in rows():
            writer.writerow([spreadsheet_text(" / ".join(str(cell).split("\n"))) for cell in row])
            n += 1
    return n


def dump(name: str, out: Path, data_dir: Path = DATA_DIR, label_dir: Path = LABEL_DIR) -> int:
    """Write ``id<TAB>unreliable<TAB>text`` of one set (:func:`write_dump`): the ids of its label
    file (:func:`committed_posts`; a new set's ids are written there first)."""
    return write_dump(
        out,
        ["id", "unreliable", "text"],
        lambda: (
            (p.id, "" if p.unreliable is None else int(p.unreliable), p.text)
            for p in committed_posts(name, data_dir, label_dir)
        ),
    )


@dataclass(frozen=True)
class Label:
    """What a person read in one post (``GUIDE.md``): the registry claims it carries, by stance."""

    claims: dict[str, str] = field(default_factory=dict)  # claim id -> repeats | refutes | asks
    other: bool = False  # spreads a false health claim no registry claim covers
    unsure: bool = False

    def ids(self, *stances: str) -> set[str]:
        return {c for c, s in self.claims.items() if not stances or s in stances}


def read_label_file(name: str, directory: Path, parse: Callable[[dict[str, str], str], T]) -> dict[str, T]:
    """One committed label file (``<name>.tsv``, a row per post id), each row read by ``parse``
    (given the row and where it stands, for its error messages): every real set's labels are read
    and checked this one way: a missing file, a bad row or an id labelled twice is a clear error
    naming the row."""
    path = directory / f"{name}.tsv"
    if not path.is_file():
        raise SystemExit(f"{path}: no labels for the {name} set yet")
    labels: dict[str, T] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh, delimiter="\t"), start=2):
            where = f"{path.name}, row {n}"
            label = parse(row, where)
            if row["id"] in labels:
                raise SystemExit(f"{where}: id {row['id']} labelled twice")
            labels[row["id"]] = label
    return labels


def load_labels(name: str, claim_ids: set[str], directory: Path = LABEL_DIR) -> dict[str, Label]:
    """The committed labels of one set, checked: a bad row is a clear error naming the row."""

    def parse(row: dict[str, str], where: str) -> Label:
        claims: dict[str, str] = {}
        for pair in (p for p in (row.get("claims") or "").split(";") if p.strip()):
            claim, _, stance = pair.strip().partition(":")
            if claim not in claim_ids or stance not in STANCES:
                raise SystemExit(f"{where}: {pair!r} is not <registry claim id>:<{'|'.join(STANCES)}>")
            claims[claim] = stance
        return Label(claims, row.get("other") == "1", row.get("unsure") == "1")

    return read_label_file(name, directory, parse)


def outcomes(texts: Sequence[str], settings: Settings) -> list[list[tuple[str, str]]]:
    """Per text, as the analyzer sees it (a social post): its matches (claim id, stance), best first."""
    from nlp.claims_eval import analyze_texts

    return [[(m.claim_id, m.stance.value) for m in a.matched_claims] for a in analyze_texts(texts, settings, "real")]


def figures(
    posts: Sequence[RealPost], labels: dict[str, Label], seen: Sequence[list[tuple[str, str]]]
) -> dict[str, dict[str, int]]:
    """Counts against the labels, by group of posts (see the module docstring); no post is named."""
    figs: dict[str, dict[str, int]] = {}

    def add(group: str, key: str, hit: bool = True) -> None:
        row = figs.setdefault(group, {})
        row[key] = row.get(key, 0) + int(hit)

    for post, matches in zip(posts, seen, strict=True):
        label = labels[post.id]
        found = {c for c, _ in matches}
        repeated = {c for c, s in matches if s == "repeats"}
        for scope in ("all", "sure") if not label.unsure else ("all",):
            if label.ids("repeats"):
                group = f"{scope}: posts repeating a registry claim"
                add(group, "posts")
                add(group, "their claim found", bool(found & label.ids("repeats")))
                add(group, "their claim found as repeated", bool(repeated & label.ids("repeats")))
                add(group, "found first", bool(matches) and matches[0][0] in label.ids("repeats"))
                add(group, "only other claims matched", bool(found) and not found & label.ids())
            elif label.ids():
                group = f"{scope}: posts refuting or asking about a registry claim (none repeated)"
                add(group, "posts")
                add(group, "their claim found", bool(found & label.ids()))
                add(group, "a claim read as repeated", bool(repeated))
            else:
                kind = {True: "unreliable", False: "reliable", None: "unlabelled"}[post.unreliable]
                group = f"{scope}: posts with no registry claim, ReINTEL {kind}"
                add(group, "posts")
                add(group, "a claim matched (false match)", bool(found))
                add(group, "a claim read as repeated", bool(repeated))
                if label.other:
                    add(group, "spreading a false claim the registry lacks")
            if matches:
                group = f"{scope}: posts the analyzer matched"
                add(group, "posts")
                add(group, "best match is a labelled claim (precision)", matches[0][0] in label.ids())
                add(group, "best match labelled repeated", matches[0][0] in label.ids("repeats"))
        if post.unreliable:
            add("coverage: ReINTEL unreliable posts", "posts")
            add("coverage: ReINTEL unreliable posts", "repeating a registry claim", bool(label.ids("repeats")))
            add("coverage: ReINTEL unreliable posts", "a false claim the registry lacks", label.other)
    return figs


def qa_texts(split: str, data_dir: Path = DATA_DIR) -> dict[str, list[str]]:
    """UIT-ViCoV19QA's questions (people's) and first answers (doctors') of one split, NFC."""
    path = data_dir / "covid_qa" / "uit_vicov19qa" / f"UIT-ViCoV19QA_{split}.csv"
    if not path.is_file():
        raise SystemExit(f"{path} not found: --data must be the shared datasets folder")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="|"))
    return {
        "questions": [nfc(r["Question"]) for r in rows if (r.get("Question") or "").strip()],
        "answers": [nfc(r["Answer_1"]) for r in rows if (r.get("Answer_1") or "").strip()],
    }


def qa_figures(seen: Sequence[list[tuple[str, str]]]) -> dict[str, int]:
    """Matches on texts that should repeat no false claim, by the stance of the best match."""
    out = {"texts": len(seen), "matched": sum(bool(m) for m in seen)}
    for stance in STANCES:
        out[f"best match read as {stance}"] = sum(bool(m) and m[0][1] == stance for m in seen)
    return out


def _kappa(a: Sequence[bool], b: Sequence[bool]) -> float | None:
    """Cohen's kappa of two yes/no labellings of the same posts."""
    n = len(a)
    if not n:
        return None
    seen = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    chance = pa * pb + (1 - pa) * (1 - pb)
    return None if chance == 1 else round((seen - chance) / (1 - chance), 3)


def agreement(first: dict[str, Label], second: dict[str, Label], among: set[str]) -> dict[str, float | int | None]:
    """How two independent labellings of one set agree, on the claims ``among`` (the registry
    both labelled against): posts repeating some claim, and (post, claim) pairs repeated."""
    ids = sorted(first.keys() & second.keys())
    a = [bool(first[i].ids("repeats") & among) for i in ids]
    b = [bool(second[i].ids("repeats") & among) for i in ids]
    pairs_a = {(i, c) for i in ids for c in first[i].ids("repeats") & among}
    pairs_b = {(i, c) for i in ids for c in second[i].ids("repeats") & among}
    return {
        "posts": len(ids),
        "repeating a claim: first": sum(a),
        "repeating a claim: second": sum(b),
        "repeating a claim: both": sum(x and y for x, y in zip(a, b, strict=True)),
        "repeating a claim: kappa": _kappa(a, b),
        "claim pairs: first": len(pairs_a),
        "claim pairs: second": len(pairs_b),
        "claim pairs: both": len(pairs_a & pairs_b),
        "other: kappa": _kappa([first[i].other for i in ids], [second[i].other for i in ids]),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.claims_real", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["dump", "count", "report", "agreement", "qa"])
    parser.add_argument("--split", choices=QA_SPLITS, default="val", help="qa: the ViCoV19QA split")
    parser.add_argument("--set", choices=SETS, default="dev")
    parser.add_argument("--out", type=Path, default=None, help="dump: file to write (outside the repository)")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="the shared datasets folder")
    args = parser.parse_args(argv)
    if args.command == "count":
        for name in SETS:
            posts = committed_posts(name, args.data)
            bad, good = sum(p.unreliable is True for p in posts), sum(p.unreliable is False for p in posts)
            print(
                f"{name}: {len(posts)} posts ({bad} unreliable, {good} reliable, {len(posts) - bad - good} unlabelled)"
            )
        return 0
    if args.command == "qa":
        import json

        settings = Settings()
        texts = qa_texts(args.split, args.data)
        figs = {kind: qa_figures(outcomes(items, settings)) for kind, items in texts.items()}
        print(json.dumps(figs, indent=2, ensure_ascii=False))
        return 0
    if args.command == "agreement":  # the second labelling (second/<set>.tsv) against the first
        import json

        from nlp.claims import load_claims

        known = {c.id for c in load_claims(Settings().claims_file)}
        second = load_labels(args.set, known, LABEL_DIR / "second")
        among = known - ADDED_AFTER_SECOND if args.set == "check" else known
        print(json.dumps(agreement(load_labels(args.set, known), second, among), indent=2))
        return 0
    if args.command == "report":
        import json

        from nlp.claims import load_claims

        settings = Settings()
        labels = load_labels(args.set, {c.id for c in load_claims(settings.claims_file)})
        posts = committed_posts(args.set, args.data)
        print(
            json.dumps(
                figures(posts, labels, outcomes([p.text for p in posts], settings)), indent=2, ensure_ascii=False
            )
        )
        return 0
    if args.out is None:
        parser.error("dump needs --out")
    print(f"{dump(args.set, args.out, args.data)} posts written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
