"""CLI: ``tinradar score`` (analyse JSON lines) and ``tinradar train rumor|sentiment|claims``.

``score`` is a contract users script against: every output line is the input object
plus ``rumor_risk``, ``risk_level``, ``cues``, ``cue_spans``, ``score_steps``, ``sentiment``, ``sentiment_proba``,
``covid``, ``covid_proba``, ``locations``, ``matched_claims``, ``cluster_id``,
``language`` (and ``notes``, ``model_versions``, ``analyzed_at``). A bad input line is
reported with its number on stderr and skipped; it never stops the run (exit code 1 then,
see ``ExitCode``). The output is written to a temporary file and moved into place at
the end, so ``-i f -o f`` is safe and an interrupted run leaves no half file. A value
the loader would refuse (``likes: "abc"``, ``published_at: "yesterday"``) is dropped
from the output with an ``ignored_fields`` note: whatever ``score`` writes, ``index
load`` accepts.
"""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import typer

from flows.cli.common import (
    ExitCode,
    LineReport,
    atomic_output,
    console,
    fail,
    input_file,
    load_settings,
    output_folder,
)
from tinradar.schema import Document, Note, NoteCode
from tinradar.settings import Settings

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
    claims = "claims"  # the claim verifier (nlp.claim_verifier_train)


def _document(obj: dict[str, Any]) -> tuple[Document, list[str]]:
    """The Document to analyse, and the metadata fields left out of it because they do not validate."""
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
        return Document.model_validate({**base, **kept}), bad


def _ignored(fields: list[str], line_no: int) -> Note:
    return Note(code=NoteCode.IGNORED_FIELDS, message=f"{', '.join(fields)} (giá trị không hợp lệ ở dòng {line_no})")


def _problem(obj: dict[str, Any]) -> str | None:
    """Why a line cannot be scored at all (no usable id or text), or None."""
    raw_id = obj.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or not str(raw_id).strip():
        return "thiếu trường 'id' (chuỗi hoặc số nguyên) / missing 'id' (a string or an integer)"
    if not isinstance(obj.get("text"), str):
        return "thiếu trường 'text' (chuỗi) / missing string 'text'"
    return None


def _loadable(line: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The output line as ``index load`` will take it: values it would refuse are dropped, and named.

    ``score`` keeps the input object, so a key the analysis does not read (``kind``,
    ``fetched_at``, ``author_hash``...) could still hold a value the loader refuses; it
    is left out here rather than passed on to fail there.
    """
    from pydantic import ValidationError

    from tinradar.schema import LineError, ScoredItem

    dropped: list[str] = []
    for _ in range(5):  # each pass drops every field pydantic named; a few passes at most
        try:
            ScoredItem.from_line(line)
            return line, dropped
        except LineError as exc:
            cause = exc.__cause__
            bad = (
                {str(e["loc"][0]) for e in cause.errors() if e.get("loc")} & set(line)
                if isinstance(cause, ValidationError)
                else set()
            )
            bad -= {"id", "text"}
            if not bad:
                break
            dropped += sorted(bad)
            line = {k: v for k, v in line.items() if k not in bad}
    return line, dropped


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
        if str(input_path) != "-":  # any file that reads: a FIFO, /dev/stdin or a shell's <(…) too
            input_file(input_path, hint="kiểm tra đường dẫn --input / check the --input path")
        output_folder(output_path)
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
        from tinradar.jsonlines import read_lines

        scored = 0
        report = LineReport()
        batch: list[tuple[int, dict[str, Any], Document, list[str]]] = []

        def flush(out: IO[str]) -> None:
            nonlocal scored
            if not batch:
                return
            analyses = analyzer.analyze([doc for _, _, doc, _ in batch])
            for (line_no, obj, doc, bad), analysis in zip(batch, analyses, strict=True):
                kept = {k: v for k, v in obj.items() if k not in bad}
                if str(obj["id"]) != doc.id:  # an id the index cannot take (over 512 bytes): its hash, said so
                    kept["id"] = doc.id
                    report.warn(line_no, f"id dài quá 512 byte, ghi thành / id over 512 bytes, written as {doc.id}")
                line, dropped = _loadable({**kept, **analysis.model_dump(mode="json", exclude={"doc_id"})})
                if bad or dropped:
                    ignored = _ignored([*bad, *dropped], line_no)
                    line["notes"] = [str(ignored), *line.get("notes", [])]
                    report.warn(
                        line_no, f"giá trị không hợp lệ, đã bỏ / bad values dropped: {', '.join([*bad, *dropped])}"
                    )
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
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
        source = sys.stdin.buffer if str(input_path) == "-" else input_path
        with analyzer, atomic_output(output_path) as fout, progress as prog:  # closes the analyzer too
            task = prog.add_task("score", total=None) if prog is not None else None
            for line in read_lines(source, max_bytes=settings.max_line_bytes):
                problem = line.error or (_problem(line.obj) if line.obj is not None else None)
                if line.obj is None or problem:
                    report.skip(line.number, problem or "?")
                else:
                    if line.warning:
                        report.warn(line.number, line.warning)
                    doc, bad = _document(line.obj)
                    batch.append((line.number, line.obj, doc, bad))
                    if len(batch) >= settings.nlp_batch_size:
                        flush(fout)
                if prog is not None and task is not None:
                    prog.update(task, advance=1)
            flush(fout)
            report.finish()
            skipped = len(report.skipped)
            if not scored:
                # Nothing usable: the output (maybe the input itself, with -i f -o f) stays as it was.
                # An empty input too (no line, or only a BOM): it used to "succeed" with exit 0 and
                # replace the output with an empty file, where ingest says the same input is an error.
                fail(
                    f"không dòng nào chấm được / no line could be scored ({skipped} bad) in {input_path}"
                    if skipped
                    else f"tệp vào không có dòng nào / the input has no lines: {input_path}",
                    hint="mỗi dòng là một đối tượng JSON có 'id' và 'text' / each line: a JSON object with 'id' and 'text'",
                    code=ExitCode.USAGE,
                )
        console.print(f"Đã chấm {scored} dòng, bỏ qua {skipped} / scored {scored}, skipped {skipped} → {output_path}")
        if skipped:
            raise typer.Exit(ExitCode.PARTIAL)

    @app.command("train")
    def train_cmd(
        model: Model = typer.Argument(..., help="rumor | sentiment | claims"),
        data: Path = typer.Option(
            ...,
            "--data",
            help="rumor: ReINTEL train.csv; sentiment, claims: thư mục datasets / datasets folder",
        ),
        out: Path | None = typer.Option(
            None,
            "--out",
            help="Thư mục mô hình / models folder (mặc định TINRADAR_MODELS_DIR); rumor → OUT/rumor, claims → OUT/claims/verifier.json",
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
            help="rumor: thêm kết luận của Ban (từ Elasticsearch), điểm trước/sau vào thẻ mô hình; sentiment: thêm giọng điệu do người duyệt ghi, độ đồng thuận vào thẻ; claims: thêm các tin đồn người duyệt ghi là bài lặp lại / add the board's verdicts (rumor), reviewed tones (sentiment) or claim readings (claims)",
        ),
        reviews_file: Path | None = typer.Option(
            None,
            "--reviews-file",
            help="kết luận/giọng điệu/ghi nhận tin đồn từ file `tinradar review export` thay vì Elasticsearch (kéo theo --with-reviews)",
        ),
    ) -> None:
        """Huấn luyện mô hình (có thẻ mô hình). Train a model, seeded, and write its model card."""
        settings = load_settings()
        out_dir = out or settings.models_dir
        if not data.exists():
            fail(
                f"không thấy dữ liệu / data not found: {data}",
                hint="ví dụ --data ../shared/datasets/reintel/train.csv",
                code=ExitCode.USAGE,
            )
        if model is Model.claims:  # no seed: the verifier's folds are grouped, not drawn
            _check_claims_data(data)
            if with_reviews or reviews_file:  # claim readings recorded on the review desk (docs/review.md)
                from flows.cli.review import train_claims_with_reviews

                return train_claims_with_reviews(settings, data, out_dir, reviews_file=reviews_file)
            return _train_claims(settings, data, out_dir)
        if model is Model.rumor:
            from nlp.rumor import train

            seed = 42 if seed is None else seed
            if data.is_dir():
                data = data / "reintel" / "train.csv" if (data / "reintel").is_dir() else data / "train.csv"
                if not data.is_file():  # a folder without the sheet: said here, not a FileNotFoundError (exit 70)
                    fail(
                        f"không thấy ReINTEL / ReINTEL not found: {data}",
                        hint="--data là tệp train.csv hoặc thư mục có reintel/train.csv / --data is train.csv or a folder holding reintel/train.csv",
                        code=ExitCode.USAGE,
                    )
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
            stacked = report.get("cv_stacked") or {}
            if stacked:
                summary += f"; + e5: ROC-AUC {stacked['roc_auc']:.4f}, PR-AUC {stacked['pr_auc']:.4f}"
            summary += f"; e5: {report['encoder']['why']}"
            console.print(f"[green]Xong / done:[/] {report['version']} → {out_dir / 'rumor'} ({summary})")
        else:
            if with_reviews or reviews_file:  # tones recorded on the review desk (docs/review.md)
                from flows.cli.review import train_sentiment_with_reviews

                return train_sentiment_with_reviews(
                    settings, data, out_dir, seed=13 if seed is None else seed, reviews_file=reviews_file
                )
            train_fn = _sentiment_trainer()
            try:
                report = train_fn(data, out_dir) if seed is None else train_fn(data, out_dir, seed)
            except (FileNotFoundError, ValueError) as exc:  # data errors; a KeyError would be a bug
                fail(
                    f"dữ liệu cảm xúc không đúng / bad sentiment data under {data}: {exc}",
                    hint="--data là thư mục datasets, có reintel/, comments/ và sentiment/ / --data is the datasets folder, e.g. ../shared/datasets",
                    # a file missing is a usage error (exit 2), as for train rumor and train claims;
                    # a file without its columns is bad content (exit 1), as a broken rumor sheet
                    code=ExitCode.USAGE if isinstance(exc, FileNotFoundError) else ExitCode.PARTIAL,
                )
            console.print(f"[green]Xong / done:[/] sentiment → {out_dir / 'sentiment'}")
            console.print(json.dumps(report, ensure_ascii=False, default=str)[:2000])


#: What ``--data`` must hold for ``train claims`` (the verifier's ReINTEL rows).
CLAIMS_DATA_HINT = (
    "--data là thư mục datasets, có reintel/train.csv / --data is the datasets folder, e.g. ../shared/datasets"
)


def _check_claims_data(data: Path) -> None:
    """Before anything loads: the verifier's trainer reads ``<data>/reintel/train.csv``."""
    reintel = data / "reintel" / "train.csv"
    if not reintel.is_file():
        fail(
            f"không thấy ReINTEL / ReINTEL not found: {reintel}",
            hint=CLAIMS_DATA_HINT,
            code=ExitCode.USAGE,
        )


def _train_claims(settings: Settings, data: Path, models_dir: Path) -> None:
    """``tinradar train claims``: the claim verifier's trainer as it is (``python -m nlp.claim_verifier_train train``)."""
    from flows.review.retrain import verifier_selection
    from nlp.claim_verifier_train import train

    before = verifier_selection(settings.models_dir / "claims" / "verifier.json")
    try:
        report = train(settings, models_dir / "claims" / "verifier.json", data)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        fail(
            f"dữ liệu huấn luyện bộ xác minh không đúng / bad verifier data under {data}: {exc}", hint=CLAIMS_DATA_HINT
        )
    print_claims_report({**report, "before": before}, models_dir)


def _claims_figures(selection: dict[str, Any] | None) -> str:
    """The trainer's out-of-fold figures (``verifier.json``'s ``selection`` and threshold) in one line."""
    if not selection:
        return "không có / none"
    return (
        f"ngưỡng / threshold {selection.get('threshold', '?')}, C {selection['C']}: "
        f"recall (calibration) {selection['out_of_fold_calibration_recall']:.3f}, "
        f"khớp sai / false matches {selection['out_of_fold_calibration_false_matches']:.3f}, "
        f"ReINTEL thêm / added {selection['out_of_fold_reintel_added']:.4f}"
    )


def print_claims_report(report: dict[str, Any], models_dir: Path) -> None:
    """The verifier trainer's rows and out-of-fold figures: before (the verifier in use) and after."""
    after = {**report["selection"], "threshold": report["threshold"]}
    reviews = report["trained_on"].get("reviews")
    if reviews:
        oof = reviews["out_of_fold"]
        console.print(
            f"Ghi nhận của người duyệt / readings: {reviews['added']} dòng huấn luyện / rows "
            f"({reviews['positive']} dương / positive); bỏ qua / skipped: không nhúng / not embedded "
            f"{reviews['skipped_not_embedded']}, mã tin đồn lạ / unknown claim ids {reviews['skipped_unknown_claim_ids']}, "
            f"gần bản đánh giá / near held-out {reviews['skipped_held_out']}, trống / empty {reviews['skipped_empty']}, "
            f"trùng id / duplicate ids {reviews['skipped_duplicate_ids']}. Ngoài fold / out of fold: "
            f"{oof['positive_verified']}/{oof['positive']} dương được xác minh / positives verified, "
            f"{oof['negative_verified']}/{oof['negative']} âm bị xác minh / negatives verified."
        )
    console.print(f"Trước / before: {_claims_figures(report.get('before'))}")
    console.print(f"Sau / after: {_claims_figures(after)}")
    console.print(f"[green]Xong / done:[/] → {models_dir / 'claims' / 'verifier.json'}")


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
