"""The analyser matches the registry it is handed (the flows read it from the index each run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.claims import load_claims
from tests.nlp.conftest import make_doc
from tinradar.schema import Claim
from tinradar.settings import Settings

NEW = Claim(
    id="mask-causes-co2-poisoning",
    claim="Đeo khẩu trang lâu ngày gây ngộ độc khí CO2 và thiếu oxy lên não.",
    variants=["Đeo khẩu trang cả ngày bị ngộ độc CO2"],
    category="prevention",
    correction="Khẩu trang y tế không gây ngộ độc CO2 hay thiếu oxy ở người khỏe mạnh.",
    debunked_by=["Bộ Y tế"],
    key_terms=["khau trang"],
)
TEXT = "Cảnh báo: đeo khẩu trang lâu ngày gây ngộ độc khí CO2 và thiếu oxy lên não, chia sẻ ngay cho mọi người!"


def test_a_new_claim_is_matched_once_handed_in_and_dropped_once_retired(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from nlp import Analyzer

    settings = Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache", encoder="off")
    shipped = load_claims(settings.claims_file)
    analyzer = Analyzer(settings, claims=shipped)
    request.addfinalizer(analyzer.close)
    doc = make_doc(TEXT)
    before_version = analyzer.versions["claims"]
    assert NEW.id not in [m.claim_id for m in analyzer.analyze([doc])[0].matched_claims]

    analyzer.use_claims([*shipped, NEW])
    matched = analyzer.analyze([doc])[0]
    assert matched.matched_claims and matched.matched_claims[0].claim_id == NEW.id
    assert analyzer.versions["claims"] != before_version  # the items say which registry scored them

    matcher = analyzer.matcher
    analyzer.use_claims([*shipped, NEW])  # the same content: nothing is rebuilt
    assert analyzer.matcher is matcher
    analyzer.use_claims(shipped)
    assert NEW.id not in [m.claim_id for m in analyzer.analyze([doc])[0].matched_claims]
    assert analyzer.versions["claims"] == before_version
