"""Real posts labelled with the known claims they carry: the claims matcher's test on real data.

Every other claims evaluation set (``nlp/data/claims_eval``, ``claims_fresh``, ``claims_fresh2``)
was written for the purpose, so it measures the matcher against its writers' style. The board
meets real posts. This module draws real COVID-19 posts from ReINTEL (VLSP 2020) into two sets
that people label by reading, blind to the matcher:

* ``dev``: unreliable COVID-related posts whose id hashes even, and 100 reliable ones with an even
  hash. Read it freely to find the matcher's mistakes.
* ``check``: unreliable COVID-related posts whose id hashes odd, and 200 reliable ones with an odd
  hash. Report on it, never tune on it.

One post per near-duplicate group (:func:`nlp.groups.dup_key`), and a group drawn into ``dev`` is
never drawn into ``check``, so a repost cannot carry a lesson from one set to the other.

Only ids and labels are committed (``nlp/data/claims_real/<set>.tsv``): ReINTEL's terms forbid
redistributing the posts. ``dump`` writes the texts to a file *outside* the repository for the
people labelling them::

    .venv/bin/python -m nlp.claims_real dump --set dev --out /tmp/claims_real_dev.tsv
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nlp.covid import covid_probability
from nlp.groups import dup_key
from tinradar.text import fold, nfc

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT.parent / "shared" / "datasets"
LABEL_DIR = Path(__file__).resolve().parent / "data" / "claims_real"
SETS = ("dev", "check")
#: Reliable posts drawn per set (all unreliable COVID-related posts of the half are taken).
RELIABLE_PER_SET = {"dev": 100, "check": 200}
STANCES = ("repeats", "refutes", "asks")


@dataclass(frozen=True)
class RealPost:
    """A ReINTEL post drawn into a set: its id, text (NFC) and ReINTEL label (1 = unreliable)."""

    id: str
    text: str
    unreliable: bool


def _even(post_id: str) -> bool:
    return int(hashlib.sha256(post_id.encode()).hexdigest()[:8], 16) % 2 == 0


def _order(post_id: str) -> str:
    """The seeded order reliable posts are drawn in (fixed: the draw must never move)."""
    return hashlib.sha256(f"claims-real:{post_id}".encode()).hexdigest()


def _covid_posts(data_dir: Path) -> list[RealPost]:
    path = data_dir / "reintel" / "train.csv"
    if not path.is_file():
        raise SystemExit(f"{path} not found: --data must be the shared datasets folder")
    out = []
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text = nfc((row["post_message"] or "").strip())
            if not text or text == "<URL>" or covid_probability(fold(text)) < 0.5:
                continue
            out.append(RealPost(row["id"], text, row["label"] == "1"))
    return out


def draw(data_dir: Path = DATA_DIR) -> dict[str, list[RealPost]]:
    """Both sets, drawn as the module docstring says; deterministic."""
    posts = sorted(_covid_posts(data_dir), key=lambda p: p.id)
    seen: set[str] = set()
    sets: dict[str, list[RealPost]] = {}
    for name in SETS:
        half = [p for p in posts if _even(p.id) == (name == "dev")]
        unreliable = [p for p in half if p.unreliable]
        reliable = sorted((p for p in half if not p.unreliable), key=lambda p: _order(p.id))
        chosen: list[RealPost] = []
        for pool, limit in ((unreliable, len(unreliable)), (reliable, RELIABLE_PER_SET[name])):
            taken = 0
            for post in pool:
                key = dup_key(post.text)
                if taken >= limit or key in seen:
                    continue
                seen.add(key)
                chosen.append(post)
                taken += 1
        sets[name] = sorted(chosen, key=lambda p: p.id)
    return sets


def dump(name: str, out: Path, data_dir: Path = DATA_DIR) -> int:
    """Write ``id<TAB>text`` (newlines shown as `` / ``) of one set for the people labelling it."""
    if REPO_ROOT in out.resolve().parents:
        raise SystemExit(f"{out} is inside the repository: the posts must not be committed")
    posts = draw(data_dir)[name]
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["id", "unreliable", "text"])
        for post in posts:
            writer.writerow([post.id, int(post.unreliable), " / ".join(post.text.split("\n"))])
    return len(posts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.claims_real", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["dump", "count"])
    parser.add_argument("--set", choices=SETS, default="dev")
    parser.add_argument("--out", type=Path, default=None, help="dump: file to write (outside the repository)")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="the shared datasets folder")
    args = parser.parse_args(argv)
    if args.command == "count":
        for name, posts in draw(args.data).items():
            bad = sum(p.unreliable for p in posts)
            print(f"{name}: {len(posts)} posts ({bad} unreliable, {len(posts) - bad} reliable)")
        return 0
    if args.out is None:
        parser.error("dump needs --out")
    print(f"{dump(args.set, args.out, args.data)} posts written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
