"""Retrain the rumor and sentiment models with the board's verdicts and tones, and say what they changed.

The board's verdicts (``tinradar review export`` or ``index.review.export_decisions``) are
local, recent, labelled examples: exactly what the ReINTEL-trained model lacks. This
module is the wiring between the review desk and the NLP trainer (``nlp.rumor``): it
appends the verdicts to the training CSV in ReINTEL form (text + label, no engagement
counts), trains with the unchanged procedure, and records the cross-validated scores
*before* (training data alone, same seed and folds) and *after* (with the verdicts) in
``metrics.json`` and in a section of the model card.

Tones recorded on the desk go the same way into the sentiment model
(``train_sentiment_with_reviews``): rows added to the hand-labelled posts
(``nlp.sentiment_reviews``), and the reviewer-vs-model agreement (the model in use before,
and the retrained one out of fold) in ``metrics.json`` and the card.

Claim readings (which registry claims an item repeats, or none) go into the claim verifier
(``train_claims_with_reviews``): rows added to its training rows (``nlp.claim_reviews``), the
finder in use against the readings (``claim_agreement``) and the out-of-fold figures before
(the verifier in use) and after, in the command's output and ``verifier.json``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from index.review.export import ReviewExportRow
from tinradar.text import utf8_text

if TYPE_CHECKING:  # the NLP stack loads only when a model is trained
    from nlp.claim_reviews import ReviewedClaims
    from nlp.encoder import Encoder
    from nlp.sentiment_reviews import ReviewedTone
    from tinradar.settings import Settings

#: Columns of a ReINTEL CSV row; verdict rows leave the engagement columns empty.
REINTEL_COLUMNS = (
    "id",
    "user_name",
    "post_message",
    "timestamp_post",
    "num_like_post",
    "num_comment_post",
    "num_share_post",
    "label",
)


def rumor_rows(rows: Iterable[ReviewExportRow]) -> list[ReviewExportRow]:
    """Rows with a rumor verdict (``label``); rows with only a tone say nothing about rumors."""
    return [r for r in rows if r.label is not None]


def tone_rows(rows: Iterable[ReviewExportRow]) -> list[ReviewedTone]:
    """Rows with a reviewer's tone, as the sentiment trainer takes them."""
    from nlp.sentiment_reviews import ReviewedTone

    return [ReviewedTone(id=r.id, text=r.text, tone=r.tone, cluster=r.cluster_id) for r in rows if r.tone is not None]


def claim_rows(rows: Iterable[ReviewExportRow]) -> list[ReviewedClaims]:
    """Rows with a reviewer's claim reading (``claims``; ``[]`` = repeats none), as the verifier trainer takes them."""
    from nlp.claim_reviews import ReviewedClaims

    return [
        ReviewedClaims(id=r.id, text=r.text, claim_ids=tuple(r.claims), cluster=r.cluster_id)
        for r in rows
        if r.claims is not None
    ]


def read_reviews(path: Path) -> list[ReviewExportRow]:
    """Rows of a ``tinradar review export`` file (JSON lines); bad lines are an error with a line number."""
    rows = []
    # was "'utf-8' codec can't decode …", naming no file
    text = utf8_text(
        path.read_bytes(),
        path,
        hint="lưu lại dạng UTF-8 như tinradar review export ghi / save it as UTF-8, as tinradar review export writes it",
    )
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(ReviewExportRow.model_validate_json(line))
        except ValidationError as exc:
            first = exc.errors()[0]
            what = (
                "không phải JSON / not JSON"
                if first["type"] == "json_invalid"
                else "cần một đối tượng có 'id', 'text' và 'label' 0 hoặc 1, 'tone' neg/neu/pos hoặc 'claims' (mã tin đồn)"
                " / expected an object with 'id', 'text' and 'label' 0 or 1, 'tone' neg/neu/pos or 'claims' (claim ids)"
            )
            raise ValueError(f"{path}:{number}: {what} ({first['msg']})") from None
    return rows


def combined_csv(base_csv: Path, reviews: Iterable[ReviewExportRow]) -> tuple[str, int, int, int]:
    """The training CSV with one row per verdict appended (ids prefixed ``review:``).

    A verdict on a text that is also in the base data replaces nothing: both rows stay, and
    the board's label counts once more. Returns (csv text, base rows, verdict rows, of which label 1).
    Cells are written as they are, not made spreadsheet-safe (``tinradar.text.spreadsheet_text``):
    only the trainer reads this file (it is deleted after training), and a leading ``'`` would
    become part of the text it learns from.
    """
    csv.field_size_limit(sys.maxsize)
    with base_csv.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or REINTEL_COLUMNS)
        base_rows = list(reader)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(base_rows)
    added = positives = 0
    for row in reviews:
        if row.label is None:
            continue
        writer.writerow(
            {f: "" for f in fields}
            | {
                "id": f"review:{row.id}",
                "post_message": row.text,
                "label": str(row.label),
            }
        )
        added += 1
        positives += row.label
    return out.getvalue(), len(base_rows), added, positives


def _previous_cv(model_dir: Path, sha256: str, seed: int, folds: int) -> dict[str, Any] | None:
    """CV scores already recorded for exactly this base data, seed and folds (saves one CV run)."""
    try:
        report = json.loads((model_dir / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    cv = report.get("cv") or {}
    same = report.get("data", {}).get("sha256") == sha256 and report.get("seed") == seed and cv.get("folds") == folds
    return cv if same else None


def card_section(base_rows: int, reviews: int, positives: int, before: dict[str, Any], after: dict[str, Any]) -> str:
    """Model-card section: before/after cross-validated scores."""

    def line(name: str, rows: int, cv: dict[str, Any]) -> str:
        return (
            f"| {name} | {rows:,} | {cv['roc_auc']:.4f} ± {cv['roc_auc_std']:.4f} "
            f"| {cv['pr_auc']:.4f} ± {cv['pr_auc_std']:.4f} |"
        )

    return f"""
## Kết luận của Ban / Board verdicts

Retrained with **{reviews}** items decided on the review desk ({positives} *confirmed false* or
*misleading* → label 1, {reviews - positives} *accurate* → label 0; *irrelevant* items are not used).
Same procedure, seed and {after["folds"]}-fold cross-validation as above:

| training data | rows | ROC-AUC | PR-AUC |
|---|---|---|---|
{line("before: training data only", base_rows, before)}
{line("after: + board verdicts", base_rows + reviews, after)}

The *after* folds also test on verdict rows, so the two lines are not the same test set;
with few verdicts the difference is mostly noise. Reproduce: `tinradar review export --out
reviews.jsonl` then `tinradar train rumor --data … --with-reviews --reviews-file reviews.jsonl`.
"""


def train_rumor_with_reviews(
    base_csv: Path,
    reviews: list[ReviewExportRow],
    model_dir: Path,
    *,
    seed: int = 42,
    folds: int = 5,
    log: Callable[[str], Any] | None = None,
) -> dict[str, Any]:
    """Train ``nlp.rumor`` on base + verdicts into ``model_dir``; the report holds before/after CV."""
    from nlp import rumor

    reviews = rumor_rows(reviews)
    if not reviews:
        raise ValueError("no verdicts to learn from: decide some items first (or check the export)")
    text, base_rows, added, positives = combined_csv(base_csv, reviews)
    sha = hashlib.sha256(base_csv.read_bytes()).hexdigest()
    before = _previous_cv(model_dir, sha, seed, folds)
    if before is None:
        if log:
            log("Kiểm định chéo trước khi thêm kết luận / CV before the verdicts …")
        cv = rumor.cross_validate(rumor.load_reintel(base_csv, seed=seed), seed=seed, folds=folds, log=log)
        before = rumor.public_figures(cv)  # out-of-fold arrays stay out of metrics.json
    model_dir.mkdir(parents=True, exist_ok=True)
    combined = model_dir / f"{base_csv.stem}+reviews.csv"  # its name appears in the card
    combined.write_text(text, encoding="utf-8")
    try:
        if log:
            log(f"Huấn luyện với {added} kết luận của Ban / training with {added} board verdicts …")
        report = rumor.train(combined, model_dir, seed, folds=folds, evaluate=True, log=log)
    finally:
        combined.unlink(missing_ok=True)
    report["reviews"] = {"rows": added, "positives": positives, "base_sha256": sha, "cv_before": before}
    (model_dir / rumor.METRICS_FILE).write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    card = model_dir / rumor.CARD_FILE
    card.write_text(
        card.read_text(encoding="utf-8") + card_section(base_rows, added, positives, before, report["cv"]),
        encoding="utf-8",
    )
    return report


def train_sentiment_with_reviews(
    data_dir: Path,
    reviews: Iterable[ReviewExportRow],
    models_dir: Path,
    *,
    seed: int = 13,
    log: Callable[[str], Any] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Train ``nlp.sentiment_train`` with the reviewers' tones added; the report holds the agreement.

    Before training, the model in ``models_dir`` (if any) guesses the reviewed items, so
    the card can say how far the model in use agreed with the reviewers on items it never
    trained on. ``options`` go to the trainer (``limit``, ``params``, ``features``: tests).
    """
    from nlp import sentiment_reviews, sentiment_train
    from nlp.sentiment import SentimentModel

    toned = tone_rows(reviews)
    if not toned:
        raise ValueError("no tones to learn from: record the author's tone of some items on the review desk first")
    try:
        previous: SentimentModel | None = SentimentModel.load(models_dir)
    except (FileNotFoundError, ValueError):  # no model yet, or one this code cannot read
        previous = None
    guesses = previous.predict([r.text for r in toned]) if previous else []
    if log:
        log(
            f"Huấn luyện với {len(toned)} bài có giọng điệu do người duyệt ghi / training with {len(toned)} reviewed tones …"
        )
    report: dict[str, Any] = sentiment_train.train(data_dir, models_dir, seed, reviewed=toned, **options)
    report.pop("_model", None)
    reviews_report = report["reviews"]
    if previous is not None:
        seen = reviews_report["rows"]["near_copies_of_labelled"]
        reviews_report["shipped_model"] = sentiment_reviews.shipped_agreement(previous.version, toned, guesses, seen)
    if options.get("write", True):
        folder = models_dir / "sentiment"
        (folder / "metrics.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        card = folder / "MODEL_CARD.md"
        card.write_text(
            card.read_text(encoding="utf-8") + sentiment_reviews.card_section(reviews_report), encoding="utf-8"
        )
    return report


def training_encoder(settings: Settings) -> Encoder:
    """The sentence encoder the claim verifier's training needs, loaded once for the finder's
    agreement and the trainer (each loading its own mapped 91 MB model and cache handle was
    the double cost). Raises ``RuntimeError`` when it is missing: without it the verifier is
    off, and there is nothing to train."""
    from nlp.encoder import load_encoder

    encoder, why = load_encoder(settings)
    if encoder is None:
        raise RuntimeError(f"the encoder is needed: {why}")
    return encoder


def claim_agreement(settings: Settings, readings: list[ReviewedClaims], encoder: Encoder) -> dict[str, Any]:
    """The claim finder in use (``settings``: registry, rule, verifier, windows) against the
    reviewers' readings, in counts (``nlp.claim_reviews.Agreement``), read with ``encoder``
    (``training_encoder``)."""
    from nlp.claim_finder import ClaimFinder
    from nlp.claim_reviews import agreement
    from nlp.claims import load_claims

    finder = ClaimFinder.from_settings(load_claims(settings.claims_file), settings, encoder=encoder)
    return agreement(finder, readings).as_dict()


def verifier_selection(path: Path) -> dict[str, Any] | None:
    """The out-of-fold figures a verifier file records (``selection``), or ``None`` without one."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    selection = raw.get("selection") if isinstance(raw, dict) else None
    return {**selection, "threshold": raw.get("threshold")} if isinstance(selection, dict) else None


def train_claims_with_reviews(
    settings: Settings,
    data_dir: Path,
    reviews: Iterable[ReviewExportRow],
    models_dir: Path,
    *,
    agreement: dict[str, Any] | None = None,
    encoder: Encoder | None = None,
) -> dict[str, Any]:
    """Train the claim verifier (``nlp.claim_verifier_train``) with the reviewers' claim readings
    into ``models_dir/claims/verifier.json``.

    The report is the trainer's (the payload less the weights), with ``before``: the out-of-fold
    figures of the verifier in use (``settings.models_dir``), read before it may be overwritten,
    and ``agreement``: the finder in use against the readings (``claim_agreement``), when given.
    """
    from nlp import claim_verifier_train

    readings = claim_rows(reviews)
    if not readings:
        raise ValueError(
            "no claim readings to learn from: record which claims some items repeat on the review desk first"
        )
    before = verifier_selection(settings.models_dir / "claims" / "verifier.json")
    report: dict[str, Any] = claim_verifier_train.train(
        settings, models_dir / "claims" / "verifier.json", data_dir, reviewed=readings, encoder=encoder
    )
    report["before"] = before
    if agreement is not None:
        report["agreement"] = agreement
    return report
