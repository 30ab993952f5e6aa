"""The hand-written claim-matching evaluation set is what docs/nlp.md says it is (no encoder needed)."""

from __future__ import annotations

import unicodedata
from collections import Counter

import pytest

from nlp.claims import load_claims
from nlp.claims_eval import EVAL_DIR, FRESH_DIR, load_eval_set
from nlp.normalize import normalize
from tinradar.settings import Settings


def _compact(text: str) -> str:
    return " ".join(normalize(text).folded.replace(",", " ").replace(".", " ").split())


def test_sizes_styles_and_split() -> None:
    items = load_eval_set()
    para = [i for i in items if i.kind == "paraphrase"]
    true = [i for i in items if i.kind == "true"]
    stance = [i for i in items if i.kind == "stance" and i.category in {"refutes", "asks"}]
    assert len(para) >= 150 and len(true) >= 100 and len(stance) >= 60
    assert sum(i.unaccented for i in para) >= len(para) / 3
    assert {i.category for i in para} == {"plain", "slang", "teencode", "typo", "long"}
    for kind in ("paraphrase", "true", "stance"):
        splits = Counter(i.split for i in items if i.kind == kind)
        assert min(splits.values()) >= 0.4 * sum(splits.values()), (kind, splits)
    # near-copies share a group, so they never straddle the split
    by_group: dict[str, set[str]] = {}
    for i in items:
        by_group.setdefault(i.group, set()).add(i.split)
    assert all(len(s) == 1 for s in by_group.values())


@pytest.mark.parametrize("directory", [EVAL_DIR, FRESH_DIR], ids=["eval", "fresh"])
def test_every_item_names_a_registry_claim_and_no_paraphrase_is_a_variant(directory) -> None:  # type: ignore[no-untyped-def]
    claims = {c.id: c for c in load_claims(Settings().claims_file)}
    registry = {_compact(t) for c in claims.values() for t in [c.claim, *c.variants]}
    items = load_eval_set(directory)
    for i in items:
        assert i.claim is None or i.claim in claims, i.claim
    texts = [_compact(i.text) for i in items]
    assert len(set(texts)) == len(texts), "an item is written twice"
    for item, text in zip(items, texts, strict=True):
        assert text not in registry
        if item.kind == "paraphrase":  # corrections and questions may quote the claim; paraphrases may not
            assert not any(v in text for v in registry if len(v) > 25), text


def test_the_fresh_set_is_one_split_covering_every_claim() -> None:
    """The blind set (nlp/data/claims_fresh) is read whole, never split, never calibrated on."""
    items = load_eval_set(FRESH_DIR, split="fresh")
    para = [i for i in items if i.kind == "paraphrase"]
    true = [i for i in items if i.kind == "true"]
    assert len(para) >= 135 and len(true) >= 130
    assert {i.split for i in items} == {"fresh"}
    assert {i.claim for i in para} == {c.id for c in load_claims(Settings().claims_file)}
    assert sum(i.unaccented for i in para) >= 0.35 * len(para)
    assert sum(i.category == "long" for i in para) >= 25
    assert all(unicodedata.normalize("NFC", i.text) == i.text for i in items)


def test_the_long_post_dev_set_is_long_names_registry_claims_and_reuses_no_variant() -> None:
    """``long_posts_dev.yaml`` (what finder changes are chosen on, never a test of them): long
    posts, each naming a registry claim told in words that are not one of its variants."""
    from nlp.claims_dev import load_dev_set

    items = load_dev_set()
    claims = {c.id: c for c in load_claims(Settings().claims_file)}
    para = [i for i in items if i.kind == "paraphrase"]
    true = [i for i in items if i.kind == "true"]
    assert len(para) >= 40 and len(true) >= 40
    assert all(len(i.text) >= 600 for i in items)
    assert all(i.claim in claims for i in para)
    assert sum(i.unaccented for i in para) >= len(para) / 3
    registry = {_compact(t) for c in claims.values() for t in [c.claim, *c.variants]}
    assert not [i.text for i in para if any(v in _compact(i.text) for v in registry if len(v) > 25)]
    assert all(unicodedata.is_normalized("NFC", i.text) for i in items)
