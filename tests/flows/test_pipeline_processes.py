"""The analyse task on several processes (``nlp_processes``): the analyses of one process.

Real parts: the shipped models in two spawned pool processes, repeat clusters in the tests'
Elasticsearch node. Reposts of three texts are spread over batches of three, newest first,
so a family's founder is decided by the order the batches are clustered in: the pool's
analyses must carry the same cluster ids as one process's, whichever process finishes first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tinradar.ids import news_id
from tinradar.schema import Document, Kind, utc_now

pytestmark = pytest.mark.slow

TEXTS = [
    "KHẨN: tiêm vắc xin COVID-19 gây vô sinh, hiếm muộn ở phụ nữ trẻ, chia sẻ gấp cho mọi người trong nhóm!!!",
    "UBND huyện Sơn Dương thông báo lịch tiêm vắc xin COVID-19 mũi 1 tại Trung tâm Y tế huyện từ ngày 5/9.",
    "Uống nước lá xông và tỏi sống mỗi sáng sẽ diệt sạch virus corona trong cổ họng, bác sĩ khuyên như vậy.",
]


def _docs() -> list[Document]:
    start = datetime(2021, 9, 3, tzinfo=UTC)
    docs = []
    for n in range(12):  # newest first: each family's oldest repost comes in the last batches
        text = TEXTS[n % 3] + f" (bài {n})" * (n % 2)
        url = f"https://x.vn/{n}"
        published = start - timedelta(hours=n)
        docs.append(
            Document(
                id=news_id(url),
                url=url,
                source_id="t",
                kind=Kind.SOCIAL,
                text=text,
                published_at=published,
                fetched_at=utc_now(),
            )
        )
    return docs


def _rows(items):
    return [i.analysis.model_dump(mode="json", exclude={"analyzed_at"}) for i in items]


def test_two_processes_give_the_analyses_and_cluster_ids_of_one(es_settings):
    from flows.tasks import _analysis_pool, analyse_documents

    docs = _docs()
    one = es_settings.model_copy(update={"nlp_batch_size": 3, "nlp_processes": 1})
    two = es_settings.model_copy(
        update={"nlp_batch_size": 3, "nlp_processes": 2, "es_index_prefix": f"{es_settings.es_index_prefix}-two"}
    )
    assert _analysis_pool(one) is None and _analysis_pool(two) is not None

    alone = analyse_documents(one, docs)
    pooled = analyse_documents(two, docs)

    assert [i.document.id for i in pooled] == [d.id for d in docs]
    assert _rows(pooled) == _rows(alone)
    ids = [i.analysis.cluster_id for i in pooled]
    assert None not in ids
    assert len(set(ids)) == 3  # one cluster per text, reposts included
    assert all(ids[n] == ids[n % 3] for n in range(12))


def test_a_dead_pool_process_fails_the_chunk_and_the_next_call_starts_a_new_pool(es_settings):
    """A pool process killed (out of memory, say) fails the task, which leaves the chunk on
    disk for the next run; the broken pool is dropped, so the next chunk or run gets a new one."""
    from concurrent.futures.process import BrokenProcessPool

    from flows.tasks import _analysis_pool, analyse_documents

    docs = _docs()[:6]
    settings = es_settings.model_copy(update={"nlp_batch_size": 3, "nlp_processes": 2})
    first = analyse_documents(settings, docs)
    pool = _analysis_pool(settings)
    for process in list(pool._processes.values()):  # type: ignore[union-attr]
        process.kill()
        process.join()
    with pytest.raises(BrokenProcessPool):
        analyse_documents(settings, docs)
    assert _analysis_pool(settings) is not pool
    again = analyse_documents(settings, docs)
    assert _rows(again) == _rows(first)  # known documents keep their clusters
