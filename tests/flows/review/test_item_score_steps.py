"""The item page says how the flag's score was made (real node, real HTTP): the steps of
``score_steps`` under "Cách tính điểm", beside the cues; nothing for a document without them."""

from __future__ import annotations

import re

from markupsafe import escape

from tests.flows.review import seed
from tests.flows.review.test_review_web import app, browser, clock, login, users  # noqa: F401  (fixtures)
from tinradar.schema import ScoreStep, StepKind

#: The steps of a post the encoder view raised from low to medium; the last message carries
#: markup, which must come out escaped like every crawled or loaded string.
STEPS = [
    ScoreStep(kind=StepKind.TEXT, score=0.25, message="Mô hình văn bản (từ ngữ và đặc điểm bài): 25%"),
    ScoreStep(
        kind=StepKind.ENCODER, score=0.62, message="Đọc theo nghĩa (bộ mã hóa e5): giống các bài không đáng tin → 62%"
    ),
    ScoreStep(kind=StepKind.OFF_TOPIC, score=0.55, message="Mức liên quan COVID-19 <b>70%</b>: còn 55%"),
]


def _card(page: str) -> str:
    """The "Vì sao bị gắn cờ" card: the cues, the score, and the steps."""
    start = page.index("Vì sao bị gắn cờ")
    return page[start : page.index("</section>", start)]


def test_the_item_page_lists_how_the_score_was_made_and_nothing_without_steps(app, es_client, es_settings) -> None:  # noqa: F811
    stepped = seed.item("stepped", risk=0.55, text="Nội dung bài có các bước tính điểm về COVID-19.")
    stepped = stepped.model_copy(
        update={"analysis": stepped.analysis.model_copy(update={"score_steps": STEPS, "cues": ["từ ngữ: “x”"]})}
    )
    before = seed.item("before", risk=0.55)  # stored before the steps existed: none
    ids = seed.load(es_client, es_settings, [stepped, before])
    lan = browser(app)
    assert login(lan, "lan").status_code == 303

    page = lan.get(f"/item/{ids['stepped']}")
    assert page.status_code == 200
    card = _card(page.text)
    assert '<h3 class="small" id="score-steps-title">Cách tính điểm</h3>' in card
    listed = re.findall(r'<li class="step-([a-z_]+)">(.*?)</li>', card[card.index('id="score-steps"') :])
    # in order, as written, markup escaped
    assert listed == [(st.kind.value, str(escape(st.message))) for st in STEPS]
    assert "<b>70%</b>" not in card
    assert card.index("từ ngữ: “x”") < card.index("Cách tính điểm")  # beside the cues, after them

    old = lan.get(f"/item/{ids['before']}").text
    assert "Cách tính điểm" not in old and 'id="score-steps"' not in old
    assert "Điểm rủi ro 55%" in _card(old)  # the rest of the card as before
