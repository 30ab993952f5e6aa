"""The hand-written claim-matching evaluation set is what docs/nlp.md says it is (no encoder needed)."""

from __future__ import annotations

from collections import Counter

from nlp.claims import load_claims
from nlp.claims_eval import load_eval_set
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


def test_every_item_names_a_registry_claim_and_no_paraphrase_is_a_variant() -> None:
    claims = {c.id: c for c in load_claims(Settings().claims_file)}
    registry = {_compact(t) for c in claims.values() for t in [c.claim, *c.variants]}
    items = load_eval_set()
    for i in items:
        assert i.claim is None or i.claim in claims, i.claim
    texts = [_compact(i.text) for i in items]
    assert len(set(texts)) == len(texts), "an item is written twice"
    for item, text in zip(items, texts, strict=True):
        assert text not in registry
        if item.kind == "paraphrase":  # corrections and questions may quote the claim; paraphrases may not
            assert not any(v in text for v in registry if len(v) > 25), text
