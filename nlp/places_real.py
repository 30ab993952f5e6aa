"""Places on real posts: the place finder's (``nlp/places.py``) test on real text.

Every other test of the finder uses written examples. These sets are real COVID-19 posts from
ReINTEL (VLSP 2020), the very posts the claims work drew (``nlp.claims_real.draw``: COVID-related,
one post per near-duplicate group, seeded; no second drawing code here). Each set is frozen as the
ids of its committed label file, in its order (``nlp.claims_real.committed_posts``), whatever the
analyzer's COVID vocabulary does later:

* ``dev``: every post of claims_real's ``dev`` set (256). Read freely to find the finder's mistakes.
* ``check``: the first 250 posts of claims_real's ``check`` set in its committed order
  (``nlp/data/claims_real/check.tsv``). Report only, never tune on it.
* ``fresh``: the first 250 posts of claims_real's ``holdout`` set in its committed order
  (``nlp/data/claims_real/holdout.tsv``: ReINTEL's unlabelled test posts, other near-duplicate
  groups than dev and check). Labelled blind and read once (2026-12-06); no rule is fitted on it.

People label every province and district each post names (``nlp/data/places_real/GUIDE.md``),
blind to the finder; only ids and codes are committed (``nlp/data/places_real/<set>.tsv``)::

    .venv/bin/python -m nlp.places_real dump --set dev --out /tmp/places_real_dev.tsv
    .venv/bin/python -m nlp.places_real report --set dev   # aggregates only

``report`` scores ``Gazetteer.find`` (no province hint: a social post has none) against the labels:
micro precision, recall and F1 over (post, code) pairs, for provinces and districts apart and
together, and how many posts naming no place got a place. Codes a labeller marked ``unsure`` count
neither way.

A second person labels a set again from the guide and the dumped texts, without opening the first
labels (``nlp/data/places_real/second/<set>.tsv``); ``agreement --set check`` compares the two.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nlp import claims_real
from nlp.places import Gazetteer, PlaceNames

LABEL_DIR = Path(__file__).resolve().parent / "data" / "places_real"
SETS = ("dev", "check", "fresh")
#: check: the first posts of claims_real's check set, in its committed order.
CHECK_SIZE = 250
#: fresh: the first posts of claims_real's holdout set, in its committed order.
FRESH_SIZE = 250
#: The claims_real set (and how many of its first posts, in its committed order) each set takes;
#: dev takes every post of claims_real's dev set.
_DRAWN_FROM: dict[str, tuple[str, int]] = {"check": ("check", CHECK_SIZE), "fresh": ("holdout", FRESH_SIZE)}


def posts(name: str, data_dir: Path = claims_real.DATA_DIR) -> list[claims_real.RealPost]:
    """The posts of one set: the ids of its committed label file (``nlp/data/places_real/<set>.tsv``),
    in its order, read by ``nlp.claims_real.committed_posts`` (no draw, no relevance filter). The
    files were taken from claims_real's sets as ``_DRAWN_FROM`` says (a test checks they still are)."""
    return claims_real.committed_posts(name, data_dir, LABEL_DIR)


def dump(name: str, out: Path, data_dir: Path = claims_real.DATA_DIR) -> int:
    """Write ``id<TAB>text`` of one set for the people labelling it (``claims_real.write_dump``)."""
    return claims_real.write_dump(out, ["id", "text"], lambda: ((p.id, p.text) for p in posts(name, data_dir)))


@dataclass(frozen=True)
class PlaceLabel:
    """The places a person read in one post: province codes, district codes, codes unsure."""

    provinces: frozenset[str]
    districts: frozenset[str]
    unsure: frozenset[str]


def _codes(cell: str | None) -> frozenset[str]:
    return frozenset(c.strip() for c in (cell or "").split(";") if c.strip())


def load_labels(name: str, directory: Path = LABEL_DIR) -> dict[str, PlaceLabel]:
    """The committed labels of one set, checked against the gazetteer: a bad row is a clear error."""
    names = PlaceNames.load()

    def parse(row: dict[str, str], where: str) -> PlaceLabel:
        label = PlaceLabel(_codes(row.get("provinces")), _codes(row.get("districts")), _codes(row.get("unsure")))
        bad = [c for c in label.provinces if c not in names.provinces]
        bad += [c for c in label.districts if c not in names.districts]
        bad += [c for c in label.unsure if c not in names.provinces and c not in names.districts]
        if bad:
            raise SystemExit(f"{where}: {', '.join(sorted(bad))} not a 2021-07-01 province/district code")
        return label

    return claims_real.read_label_file(name, directory, parse)


def found_codes(gaz: Gazetteer, text: str) -> tuple[set[str], set[str]]:
    """What the shipped finder reports for a post: (province codes, district codes).

    A province is counted only where the finder names the province itself (a location without a
    district), as the labels count only provinces the post names."""
    locations = gaz.find(text)
    return (
        {loc.province_code for loc in locations if loc.district_code is None},
        {loc.district_code for loc in locations if loc.district_code},
    )


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3)}


def score(
    chosen: Sequence[claims_real.RealPost], labels: dict[str, PlaceLabel], found: Iterable[tuple[set[str], set[str]]]
) -> dict[str, object]:
    """Micro precision/recall/F1 over (post, code) pairs; no post is named."""
    counts = {k: [0, 0, 0] for k in ("provinces", "districts", "combined")}
    no_place = no_place_hit = 0
    for post, (provs, dists) in zip(chosen, found, strict=True):
        label = labels[post.id]
        for kind, gold, got in (("provinces", label.provinces, provs), ("districts", label.districts, dists)):
            got = set(got) - label.unsure
            gold = set(gold) - label.unsure
            for key in (kind, "combined"):
                counts[key][0] += len(got & gold)
                counts[key][1] += len(got - gold)
                counts[key][2] += len(gold - got)
        if not label.provinces and not label.districts and not label.unsure:
            no_place += 1
            no_place_hit += bool(provs or dists)
    out: dict[str, object] = {"posts": len(chosen)}
    out.update({k: _prf(*v) for k, v in counts.items()})
    out["posts naming no place"] = {"posts": no_place, "a place found (false)": no_place_hit}
    return out


def measure(name: str, data_dir: Path = claims_real.DATA_DIR) -> dict[str, object]:
    """The shipped finder's figures on one labelled set."""
    labels = load_labels(name)
    chosen = posts(name, data_dir)
    missing = [p.id for p in chosen if p.id not in labels]
    if missing or len(labels) != len(chosen):
        raise SystemExit(f"{name}.tsv labels {len(labels)} ids; the set has {len(chosen)} ({len(missing)} unlabelled)")
    gaz = Gazetteer()
    return score(chosen, labels, [found_codes(gaz, p.text) for p in chosen])


def agreement(first: dict[str, PlaceLabel], second: dict[str, PlaceLabel]) -> dict[str, object]:
    """How two independent labellings of one set agree; no post is named.

    A code either labeller marked ``unsure`` in a post is set aside in that post for both (as
    ``score`` sets it aside): it is neither a place one of them named nor a disagreement. What is
    left: posts that name any place (both, only one, Cohen's kappa) and the (post, code) pairs,
    provinces and districts apart and together (both, only the first, only the second)."""
    ids = sorted(first.keys() & second.keys())
    a: list[bool] = []
    b: list[bool] = []
    pairs = {k: [0, 0, 0] for k in ("provinces", "districts", "combined")}
    for i in ids:
        aside = first[i].unsure | second[i].unsure
        sure_a = (first[i].provinces | first[i].districts) - aside
        sure_b = (second[i].provinces | second[i].districts) - aside
        a.append(bool(sure_a))
        b.append(bool(sure_b))
        for kind, got_a, got_b in (
            ("provinces", first[i].provinces - aside, second[i].provinces - aside),
            ("districts", first[i].districts - aside, second[i].districts - aside),
        ):
            for key in (kind, "combined"):
                pairs[key][0] += len(got_a & got_b)
                pairs[key][1] += len(got_a - got_b)
                pairs[key][2] += len(got_b - got_a)
    out: dict[str, object] = {
        "posts": len(ids),
        "only in one labelling (left out)": len(first.keys() ^ second.keys()),
        "posts with unsure codes: first": sum(bool(first[i].unsure) for i in ids),
        "posts with unsure codes: second": sum(bool(second[i].unsure) for i in ids),
        "naming a place": {
            "first": sum(a),
            "second": sum(b),
            "both": sum(x and y for x, y in zip(a, b, strict=True)),
            "only one": sum(x != y for x, y in zip(a, b, strict=True)),
            "kappa": claims_real._kappa(a, b),
        },
    }
    for key, (both, only_a, only_b) in pairs.items():
        union = both + only_a + only_b
        out[f"{key} pairs"] = {
            "both": both,
            "first only": only_a,
            "second only": only_b,
            "both of either": round(both / union, 3) if union else None,
        }
    return out


def measure_agreement(name: str) -> dict[str, object]:
    """The committed first labelling of a set against its second (``second/<set>.tsv``)."""
    return agreement(load_labels(name), load_labels(name, LABEL_DIR / "second"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.places_real", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["dump", "report", "agreement"])
    parser.add_argument("--set", choices=SETS, default="dev")
    parser.add_argument("--out", type=Path, default=None, help="dump: file to write (outside the repository)")
    parser.add_argument("--data", type=Path, default=claims_real.DATA_DIR, help="the shared datasets folder")
    args = parser.parse_args(argv)
    if args.command == "report":
        print(json.dumps(measure(args.set, args.data), indent=2, ensure_ascii=False))
        return 0
    if args.command == "agreement":
        print(json.dumps(measure_agreement(args.set), indent=2, ensure_ascii=False))
        return 0
    if args.out is None:
        parser.error("dump needs --out")
    print(f"{dump(args.set, args.out, args.data)} posts written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
