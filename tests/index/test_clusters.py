"""Repeat clusters in Elasticsearch, from several worker processes at once (real node)."""

from __future__ import annotations

import multiprocessing as mp
import socket
from datetime import UTC, datetime, timedelta

from index.clusters import EsClusterStore, alias_name
from nlp.cluster import ClusterIndex, signature, similarity
from nlp.normalize import normalize
from tinradar.clusters import ClusterMember
from tinradar.settings import Settings

BASES = [
    "KHẨN: Huyện Sơn Dương phong tỏa toàn huyện từ 0h ngày mai, cấm ra khỏi nhà. Bà con đi mua lương thực ngay!",
    "Tiêm vắc xin COVID-19 gây vô sinh, hiếm muộn ở phụ nữ trẻ, bác sĩ bệnh viện tỉnh vừa xác nhận như vậy",
    "Uống nước chanh nóng pha tỏi và gừng mỗi sáng diệt được virus corona trong cổ họng, ai cũng nên làm theo",
    "Máy bay sẽ phun thuốc khử trùng trên toàn thành phố đêm nay từ 23 giờ, mọi người đóng cửa sổ ở trong nhà",
    "Bộ Y tế thông báo bỏ cách ly tất cả người về từ vùng dịch từ tuần sau, không cần xét nghiệm nữa đâu nhé",
    "Vắc xin có gắn chip theo dõi vị trí người tiêm, đã có người kiểm tra bằng nam châm thấy dính vào tay",
]
EDITS = [
    lambda t: t,
    lambda t: normalize(t).folded + "!!!",
    lambda t: t + " Chia sẻ gấp cho mọi người.",
    lambda t: "Tin nóng: " + t,
    lambda t: t.replace(",", "") + " Share ngay kẻo muộn",
]
T0 = datetime(2026, 11, 20, 8, tzinfo=UTC)


def _families() -> dict[str, list[tuple[str, str, datetime]]]:
    out = {}
    for f, base in enumerate(BASES):
        out[f"f{f}"] = [
            (f"f{f}-r{e}", normalize(edit(base)).folded, T0 + timedelta(minutes=e)) for e, edit in enumerate(EDITS)
        ]
    return out


def _worker(n: int, settings_json: str, items: list[tuple[str, str, datetime]], start, queue) -> None:  # type: ignore[no-untyped-def]
    """One analysis worker: its own process, its own store client, one item at a time (to interleave)."""
    settings = Settings.model_validate_json(settings_json)
    index = ClusterIndex(EsClusterStore(settings))
    start.wait()
    out = {}
    for it in items:
        out[it[0]] = index.assign([it])[0]
    queue.put((n, out))


def _run_workers(settings: Settings, batches: list[list[tuple[str, str, datetime]]]) -> list[dict[str, str]]:
    ctx = mp.get_context("spawn")
    start, queue = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(n, settings.model_dump_json(), batch, start, queue))
        for n, batch in enumerate(batches)
    ]
    for p in procs:
        p.start()
    EsClusterStore(settings)._es()  # the template and index exist before the race starts
    start.set()
    results = dict(queue.get(timeout=240) for _ in procs)
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return [results[n] for n in range(len(batches))]


def test_reposts_are_similar_enough_to_be_one_family() -> None:
    for family in _families().values():
        sigs = [signature(folded) for _id, folded, _t in family]
        assert all(s is not None for s in sigs)
        assert min(similarity(sigs[0], s) for s in sigs) >= 0.5  # type: ignore[arg-type]


def test_two_worker_processes_make_one_cluster_per_repost_family(es_settings, es_client) -> None:
    families = _families()
    # overlapping batches in opposite orders: both workers meet every family at the same moment,
    # each founding from a different repost, and four reposts of each family are seen by both
    one = [it for fam in families.values() for it in fam[:4]]
    two = [it for fam in families.values() for it in reversed(fam[1:])]
    first, second = _run_workers(es_settings, [one, two])

    for name, family in families.items():
        ids = {r[doc_id] for r in (first, second) for doc_id, _f, _t in family if doc_id in r}
        assert len(ids) == 1, f"{name} split into {ids}"
    per_family = {name: first.get(fam[0][0]) for name, fam in families.items()}
    assert len(set(per_family.values())) == len(families)
    # a document seen by both workers got the same cluster from both
    assert all(first[d] == second[d] for d in first.keys() & second.keys())

    # the store agrees: one member per document, each in its family's cluster, every founding settled
    es_client.indices.refresh(index=alias_name(es_settings))
    hits = es_client.search(index=alias_name(es_settings), query={"term": {"kind": "member"}}, size=100)["hits"]["hits"]
    stored = {h["_source"]["doc_id"]: h["_source"]["cluster_id"] for h in hits}
    assert len(hits) == sum(len(f) for f in families.values())
    assert all(stored[d] == per_family[d.split("-")[0]] for d in stored)
    records = es_client.search(index=alias_name(es_settings), query={"term": {"kind": "cluster"}}, size=100)
    states = {h["_source"]["cluster_id"]: h["_source"]["state"] for h in records["hits"]["hits"]}
    assert "pending" not in states.values()
    assert {c for c, s in states.items() if s == "open"} == set(per_family.values())


def test_reanalysis_keeps_the_stored_cluster(es_settings) -> None:
    family = _families()["f0"]
    first = ClusterIndex(EsClusterStore(es_settings)).assign(family[:2])
    assert first[0] == first[1]
    # a new worker, later, re-analyses a member with an edited text: it keeps its cluster;
    # a new repost joins the stored cluster
    again = ClusterIndex(EsClusterStore(es_settings))
    other = _families()["f1"][0]
    assert again.assign([(family[1][0], other[1], family[1][2])]) == [first[0]]
    assert again.assign([family[3]]) == [first[0]]


def test_candidates_are_the_members_sharing_most_band_keys(es_settings) -> None:
    """A popular band key (boilerplate shared by many posts) must not crowd out the near-copy.

    40 members share one of the newcomer's 16 keys; the one written last shares all 16. Ranked
    by write order alone (a constant-score query), the top CANDIDATES (30) would miss it."""
    store = EsClusterStore(es_settings)
    keys = tuple(f"b{i}:k{i}" for i in range(16))
    blank = bytes(256)
    crowd = [ClusterMember(f"crowd-{n}", f"c-crowd-{n}", blank, (keys[0], f"b1:other{n}")) for n in range(40)]
    store.write(crowd)
    store.write([ClusterMember("near-copy", "c-near", blank, keys)], visible=True)
    [found] = store.candidates([keys])
    assert len(found) == 30
    assert found[0].member.doc_id == "near-copy"
    # ties (one shared key each) go to the earliest written
    assert [m.member.doc_id for m in found[1:4]] == ["crowd-0", "crowd-1", "crowd-2"]


def test_store_down_clusters_within_the_process(tmp_path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(data_dir=tmp_path, es_url=f"http://127.0.0.1:{port}", es_request_timeout=2.0)
    family = _families()["f2"]
    ids = ClusterIndex(EsClusterStore(settings)).assign(family)
    assert len(set(ids)) == 1 and ids[0] is not None
