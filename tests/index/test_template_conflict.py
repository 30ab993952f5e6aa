"""An existing index that types a field otherwise than our template (made by hand, or by another
tool, under our prefix): installing the template used to crash (exit 70, a traceback in the crash
log). Now it is a clear error, exit 3, and nothing is written or lost (real node)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.runstore import indexed_marker
from flows.tasks import IndexUnavailable, index_chunks
from index.templates import TemplateConflict, ensure_templates
from tests.index.items import make_item


@pytest.fixture
def conflicting(es_client, es_settings):
    """September's index made by another tool, where ``cues`` is a number."""
    name = f"{es_settings.es_index_prefix}-docs-2021.09"
    es_client.indices.create(index=name, mappings={"properties": {"cues": {"type": "long"}}})
    yield name
    es_client.indices.delete(index=name, ignore_unavailable=True)


def test_the_template_names_the_conflict(es_client, es_settings, conflicting):
    with pytest.raises(TemplateConflict, match=r"types a field otherwise than the template: .*cues"):
        ensure_templates(es_client, es_settings)


def test_index_load_says_it_and_exits_3(env, conflicting, tmp_path):
    scored = tmp_path / "scored.jsonl"
    scored.write_text(json.dumps(make_item(1).to_line(), ensure_ascii=False) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["index", "load", str(scored)])
    said = " ".join(result.stderr.split())
    assert result.exit_code == 3, said
    assert "Traceback" not in result.stderr and "types a field otherwise than the template" in said
    assert "reindex" in said  # what to do


def test_the_pipeline_keeps_its_chunk_for_the_next_run(es_settings, conflicting, tmp_path):
    chunk = tmp_path / "scored-000.jsonl"
    chunk.write_text(make_item(1).model_dump_json() + "\n", encoding="utf-8")
    with pytest.raises(IndexUnavailable, match="types a field otherwise than the template"):
        index_chunks.fn(es_settings, [chunk])
    assert chunk.is_file() and not indexed_marker(chunk).exists()  # not marked: indexed by the next run
