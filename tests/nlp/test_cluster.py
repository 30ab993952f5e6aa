"""Repeat clusters in one process (``MemoryClusterStore``); the shared store is tested in tests/index/test_clusters.py."""

from datetime import UTC, datetime, timedelta

from nlp.cluster import ClusterIndex, MemoryClusterStore, band_keys, signature, similarity
from nlp.normalize import normalize
from tinradar.clusters import ClusterState

RUMOR = "KHẨN: Huyện Sơn Dương phong tỏa toàn huyện từ 0h ngày mai, cấm ra khỏi nhà. Bà con đi mua lương thực ngay!"
REPOST_PLAIN = "Huyen Son Duong phong toa toan huyen tu 0h ngay mai, cam ra khoi nha. Ba con di mua luong thuc ngay!!!"
REPOST_EDITED = "Huyện Sơn Dương phong tỏa toàn huyện từ 0h ngày mai, cấm ra khỏi nhà, bà con đi mua lương thực ngay nhé. Chia sẻ gấp"
OTHER = "Sáng nào em cũng uống nước chanh nóng với nước sả gừng, diệt được virus corona đấy các chị ạ."
T0 = datetime(2021, 9, 3, 10, tzinfo=UTC)


def item(doc_id: str, text: str, days: int = 0):
    return (doc_id, normalize(text).folded, T0 + timedelta(days=days))


def test_reposts_share_a_cluster_and_others_do_not() -> None:
    ids = ClusterIndex().assign([item("a", RUMOR), item("b", REPOST_PLAIN), item("c", REPOST_EDITED), item("d", OTHER)])
    assert ids[0] == ids[1] == ids[2]
    assert ids[3] != ids[0] and ids[3] is not None


def test_cluster_ids_stable_across_runs_and_days() -> None:
    store = MemoryClusterStore()
    first = ClusterIndex(store).assign([item("a", RUMOR)])[0]
    # another analyser tomorrow, same store: the repost joins yesterday's cluster
    later = ClusterIndex(store).assign([item("b", REPOST_PLAIN, days=1)])[0]
    assert later == first
    # re-analysing a known document returns its stored cluster (idempotent)
    again = ClusterIndex(store).assign([item("b", OTHER, days=2)])[0]
    assert again == first
    # and the id depends on the founding text only: a fresh store gives the same id
    assert ClusterIndex().assign([item("x", RUMOR)])[0] == first
    assert store.record(first) is not None and store.record(first).state is ClusterState.OPEN  # type: ignore[union-attr]


def test_order_of_a_batch_does_not_change_ids() -> None:
    items = [item("a", RUMOR, 0), item("b", REPOST_PLAIN, 1), item("d", OTHER, 2)]
    forward = ClusterIndex().assign(items)
    backward = ClusterIndex().assign(list(reversed(items)))
    assert forward == list(reversed(backward))


def test_short_texts_have_no_cluster() -> None:
    assert ClusterIndex().assign([item("a", "ok"), item("b", "")]) == [None, None]


def test_reposts_share_band_keys_and_other_texts_do_not() -> None:
    rumor, repost, other = (signature(normalize(t).folded) for t in (RUMOR, REPOST_EDITED, OTHER))
    assert rumor is not None and repost is not None and other is not None
    assert similarity(rumor, repost) >= 0.5 > similarity(rumor, other)
    assert set(band_keys(rumor)) & set(band_keys(repost))
    assert not set(band_keys(rumor)) & set(band_keys(other))
    assert len(band_keys(rumor)) == 16


def test_a_founder_written_second_merges_into_the_first() -> None:
    """Two analysers that did not see each other's repost: the later founder merges, no twin cluster."""
    store = MemoryClusterStore()
    one, two = ClusterIndex(store), ClusterIndex(store)
    # both read before either wrote: simulate by giving "two" an empty first read
    real = store.candidates
    store.candidates = lambda bands, recent=False: real(bands, recent=recent) if recent else [[] for _ in bands]  # type: ignore[method-assign]
    a = one.assign([item("a", RUMOR)])[0]
    b = two.assign([item("b", REPOST_EDITED)])[0]
    assert a == b
    founded_by_b = next(c for c in store._records if c != a)
    assert store.record(founded_by_b).state is ClusterState.MERGED  # type: ignore[union-attr]
    assert store.known(["b"]) == {"b": a}
