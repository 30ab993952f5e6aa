"""CLI: ``tinradar score`` (analyse JSON lines) and ``tinradar train rumor|sentiment``.

``score`` is a contract users script against: every output line is the input object
plus ``rumor_risk``, ``risk_level``, ``cues``, ``cue_spans``, ``sentiment``, ``sentiment_proba``,
``covid``, ``covid_proba``, ``locations``, ``matched_claims``, ``cluster_id``,
``language`` (and ``notes``, ``model_versions``, ``analyzed_at``). A bad input line is
reported with its number on stderr and skipped; it never stops the run.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import typer

from flows.cli.common import console, fail, load_settings
from tinradar.schema import Document, Note, NoteCode

#: Input keys copied into the ``Document`` the analyzer reads (all optional but id/text).
_DOC_KEYS = (
    "title",
    "published_at",
    "likes",
    "comments",
    "shares",
    "views",
    "url",
    "platform",
    "province_code",
    "district_code",
)


class Model(StrEnum):
    rumor = "rumor"
    sentiment = "sentiment"


@contextmanager
def _open(path: Path, mode: str) -> Iterator[IO[str]]:
    if str(path) == "-":
        yield sys.stdin if "r" in mode else sys.stdout
        return
    with path.open(mode, encoding="utf-8") as fh:
        yield fh


def _document(obj: dict[str, Any], line_no: int) -> tuple[Document, list[Note]]:
    """Build the Document to analyse; metadata that does not validate is dropped with a note."""
    from pydantic import ValidationError

    from tinradar.ids import social_id
    from tinradar.schema import Kind, id_problem, utc_now

    raw_id = str(obj["id"])
    # The output keeps the input's id (``index load`` indexes it as it is); only an id the
    # index could not take (blank, over 512 bytes) is hashed for the analysis itself.
    doc_id = social_id("score", raw_id) if id_problem(raw_id) else raw_id
    base = {
        "id": doc_id,
        "source_id": str(obj.get("source_id") or "score"),
        "kind": Kind.SOCIAL,
        "text": obj.get("text") or "",
        "fetched_at": utc_now(),
    }
    extra = {k: obj[k] for k in _DOC_KEYS if obj.get(k) is not None}
    try:
        return Document.model_validate({**base, **extra}), []
    except ValidationError as exc:
        bad = sorted({str(e["loc"][0]) for e in exc.errors() if e.get("loc")})
        kept = {k: v for k, v in extra.items() if k not in bad}
        doc = Document.model_validate({**base, **kept})
        return doc, [
            Note(code=NoteCode.IGNORED_FIELDS, message=f"{', '.join(bad)} (giá trị không hợp lệ ở dòng {line_no})")
        ]


def _read(fh: IO[str]) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """Yield (line number, object or None, error or None) for each non-blank line."""
    for line_no, line in enumerate(fh, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield line_no, None, f"JSON không hợp lệ / invalid JSON: {exc.msg} (cột {exc.colno})"
            continue
        if not isinstance(obj, dict):
            yield line_no, None, "dòng không phải đối tượng JSON / not a JSON object"
        elif obj.get("id") in (None, "") or not isinstance(obj.get("id"), str | int):
            yield line_no, None, "thiếu trường 'id' / missing 'id'"
        elif not isinstance(obj.get("text", None), str):
            yield line_no, None, "thiếu trường 'text' (chuỗi) / missing string 'text'"
        else:
            yield line_no, obj, None


def register(app: typer.Typer) -> None:
    """Add this area's commands to app."""

    @app.command("score")
    def score_cmd(
        input_path: Path = typer.Option(..., "--input", "-i", help="JSON lines vào (id, text, ...); '-' = stdin"),
        output_path: Path = typer.Option(..., "--output", "-o", help="JSON lines ra; '-' = stdout"),
    ) -> None:
        """Chấm điểm tin đồn, cảm xúc, địa danh... cho từng dòng. Score JSON lines (rumor risk, sentiment, places, claims)."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from nlp.analyzer import Analyzer

        settings = load_settings()
        if str(input_path) != "-" and not input_path.is_file():
            fail(f"không thấy tệp vào / input not found: {input_path}", hint="kiểm tra đường dẫn --input")
        try:
            analyzer = Analyzer(settings)
        except FileNotFoundError as exc:
            fail(
                f"thiếu mô hình / model missing: {exc}", hint="chạy `tinradar train rumor` hoặc đặt TINRADAR_MODELS_DIR"
            )
        except ValueError as exc:
            fail(
                f"không nạp được mô hình hoặc danh mục tin đồn / cannot load: {exc}",
                hint="kiểm tra nlp/claims.yaml và mô hình",
            )
        except RuntimeError as exc:  # nlp.transformers_backend.TransformersUnavailable
            fail(
                f"không dùng được backend transformers / transformers backend unavailable: {exc}",
                hint="cài 'tinradar[transformers]' và đặt TINRADAR_TRANSFORMERS_MODEL_DIR, hoặc TINRADAR_NLP_BACKEND=sklearn",
            )
        total = None
        if str(input_path) != "-":
            with input_path.open("rb") as fh:
                total = sum(1 for line in fh if line.strip())
        scored = skipped = 0
        batch: list[tuple[dict[str, Any], Document, list[Note]]] = []

        def flush(out: IO[str]) -> None:
            nonlocal scored
            if not batch:
                return
            analyses = analyzer.analyze([doc for _, doc, _ in batch])
            for (obj, _doc, notes), analysis in zip(batch, analyses, strict=True):
                analysis.notes = [*notes, *analysis.notes]
                fields = analysis.model_dump(mode="json", exclude={"doc_id"})
                out.write(json.dumps({**obj, **fields}, ensure_ascii=False) + "\n")
            scored += len(batch)
            batch.clear()

        progress = (
            Progress(
                TextColumn("Chấm điểm / scoring"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            )
            if console.is_terminal
            else nullcontext()
        )
        with _open(input_path, "r") as fin, _open(output_path, "w") as fout, progress as prog:
            task = prog.add_task("score", total=total) if prog is not None else None
            for line_no, obj, error in _read(fin):
                if obj is None:
                    skipped += 1
                    console.print(f"[yellow]Dòng {line_no} bị bỏ qua / line {line_no} skipped:[/] {error}")
                else:
                    doc, notes = _document(obj, line_no)
                    batch.append((obj, doc, notes))
                    if len(batch) >= settings.nlp_batch_size:
                        flush(fout)
                if prog is not None and task is not None:
                    prog.update(task, advance=1)
            flush(fout)
        console.print(f"Đã chấm {scored} dòng, bỏ qua {skipped} / scored {scored}, skipped {skipped} → {output_path}")

    @app.command("train")
    def train_cmd(
        model: Model = typer.Argument(..., help="rumor | sentiment"),
        data: Path = typer.Option(
            ..., "--data", help="rumor: ReINTEL train.csv; sentiment: thư mục datasets / datasets folder"
        ),
        out: Path | None = typer.Option(
            None, "--out", help="Thư mục mô hình / models folder (mặc định TINRADAR_MODELS_DIR); rumor → OUT/rumor"
        ),
        seed: int | None = typer.Option(
            None, "--seed", help="Hạt ngẫu nhiên / random seed (mặc định: hạt của mô hình đang dùng — rumor 42)"
        ),
        no_eval: bool = typer.Option(
            False, "--no-eval", help="rumor: bỏ kiểm định chéo 5-fold / skip cross-validation"
        ),
        with_reviews: bool = typer.Option(
            False,
            "--with-reviews",
            help="rumor: thêm kết luận của Ban (từ Elasticsearch) và ghi điểm trước/sau vào thẻ mô hình / add the board's verdicts, before/after CV in the card",
        ),
        reviews_file: Path | None = typer.Option(
            None,
            "--reviews-file",
            help="rumor: kết luận từ file `tinradar review export` thay vì Elasticsearch (kéo theo --with-reviews)",
        ),
    ) -> None:
        """Huấn luyện mô hình (có thẻ mô hình). Train a model, seeded, and write its model card."""
        settings = load_settings()
        out_dir = out or settings.models_dir
        if not data.exists():
            fail(
                f"không thấy dữ liệu / data not found: {data}", hint="ví dụ --data ../shared/datasets/reintel/train.csv"
            )
        if model is Model.rumor:
            from nlp.rumor import train

            seed = 42 if seed is None else seed
            if data.is_dir():
                data = data / "reintel" / "train.csv" if (data / "reintel").is_dir() else data / "train.csv"
            if with_reviews or reviews_file:  # the review desk's verdicts (docs/review.md)
                from flows.cli.review import train_rumor_with_reviews

                return train_rumor_with_reviews(settings, data, out_dir / "rumor", seed=seed, reviews_file=reviews_file)
            try:
                report = train(data, out_dir / "rumor", seed, evaluate=not no_eval, log=lambda m: console.print(m))
            except (ValueError, KeyError) as exc:
                fail(f"dữ liệu không đúng định dạng ReINTEL / bad data: {exc}", hint="cần các cột post_message, label")
            cv = report["cv"]
            summary = (
                f"ROC-AUC {cv['roc_auc']:.4f}, PR-AUC {cv['pr_auc']:.4f}" if cv else "không kiểm định / not evaluated"
            )
            console.print(f"[green]Xong / done:[/] {report['version']} → {out_dir / 'rumor'} ({summary})")
        else:
            train_fn = _sentiment_trainer()
            try:
                report = train_fn(data, out_dir) if seed is None else train_fn(data, out_dir, seed)
            except (FileNotFoundError, ValueError) as exc:  # data errors; a KeyError would be a bug
                fail(
                    f"dữ liệu cảm xúc không đúng / bad sentiment data under {data}: {exc}",
                    hint="--data là thư mục datasets, có reintel/, comments/ và sentiment/ / --data is the datasets folder, e.g. ../shared/datasets",
                )
            console.print(f"[green]Xong / done:[/] sentiment → {out_dir / 'sentiment'}")
            console.print(json.dumps(report, ensure_ascii=False, default=str)[:2000])


def _sentiment_trainer() -> Any:
    """The sentiment helper's ``train(data_dir, out_dir, seed) -> dict`` (imported lazily)."""
    try:
        from nlp import sentiment

        if hasattr(sentiment, "train"):
            return sentiment.train
        from nlp.sentiment_train import train

        return train
    except ImportError as exc:
        fail(f"chưa có bộ huấn luyện cảm xúc / sentiment trainer unavailable: {exc}")
