"""Small generated ReINTEL-format training data and verdicts, for retraining tests."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from flows.review import retrain
from index.review.export import ReviewExportRow

RUMOR = [
    "CHIA SẺ GẤP!!! tối nay trực thăng phun thuốc diệt virus, mọi người đóng cửa {n}",
    "Nóng: uống nước chanh nóng diệt virus corona, bác sĩ giấu không nói {n}",
    "Tin mật: tiêm vắc xin gây vô sinh, share ngay cho người thân {n}",
    "Khẩn cấp!!! ăn tỏi sống chữa khỏi covid, sự thật bị che giấu {n}",
]
OFFICIAL = [
    "UBND huyện thông báo lịch tiêm vắc xin mũi {n} tại trạm y tế xã",
    "Sở Y tế ghi nhận {n} ca mắc mới, đều đã được cách ly tập trung",
    "Bộ Y tế hướng dẫn người dân khai báo y tế, đeo khẩu trang, giữ khoảng cách {n}",
    "Trung tâm Y tế huyện tổ chức tập huấn phòng chống dịch cho {n} cán bộ",
]


def base_csv(path: Path, n: int = 80) -> None:
    """A ReINTEL-format CSV: every fourth row a rumor (label 1), the rest official notices."""
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(retrain.REINTEL_COLUMNS))
        writer.writeheader()
        for i in range(n):
            label = 1 if i % 4 == 0 else 0
            text = rng.choice(RUMOR if label else OFFICIAL).format(n=i)
            writer.writerow(
                {
                    "id": str(i),
                    "user_name": "",
                    "post_message": text,
                    "timestamp_post": "1585000000",
                    "num_like_post": str(rng.randint(0, 50)),
                    "num_comment_post": "1",
                    "num_share_post": "0",
                    "label": str(label),
                }
            )


def reviews(n: int = 16) -> list[ReviewExportRow]:
    """Verdicts as `tinradar review export` writes them, half of them rumors."""
    return [
        ReviewExportRow(id=f"doc{i}", text=(RUMOR if i % 2 else OFFICIAL)[i % 4].format(n=100 + i), label=i % 2)
        for i in range(n)
    ]
