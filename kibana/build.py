"""Generate ``kibana/tinradar.ndjson``: TinRadar's saved objects for Kibana 9.

The objects are written by this script rather than exported by hand so that every field
they use comes from one list checked against the index mapping (see
``tests/index/test_kibana.py``). Run ``python kibana/build.py`` after changing it; the
tests fail when the committed NDJSON and this script disagree.

Only panel types that import cleanly are used: Lens panels *by value* (XY bars, donut)
and a saved search embedded by reference. Ids are fixed (uuid5 of a name) so a second
import overwrites the first instead of adding copies.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from index.search import SPREAD_CLAIMS_SCRIPT

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "tinradar.ndjson"
NS = uuid.UUID("6b7c6f0e-1d1e-4b55-9f57-7a2f1c0b9e21")
DATA_VIEW_ID = "tinradar-docs"
DATA_VIEW_TITLE = "tinradar-docs*"
TIME_FIELD = "published_at"
CORE_VERSION = "8.8.0"  # older than any Kibana 9: the import migrates them forward
#: The data view's runtime field "claims this item spreads" (repeats or asks, not refutes; every
#: match on documents written before schema version 2). Kibana cannot express that fallback in
#: a query, so the data view computes it with the script ``index.search`` defines for it.
SPREAD_FIELD = "spread_claims"
RUNTIME_FIELDS = {SPREAD_FIELD: {"type": "keyword", "script": {"source": SPREAD_CLAIMS_SCRIPT}}}


def uid(name: str) -> str:
    return str(uuid.uuid5(NS, name))


def data_view() -> dict[str, Any]:
    return {
        "id": DATA_VIEW_ID,
        "type": "index-pattern",
        "attributes": {
            "title": DATA_VIEW_TITLE,
            "name": "TinRadar — tin và bài đăng / items",
            "timeFieldName": TIME_FIELD,
            "sourceFilters": json.dumps([{"value": "text_folded"}, {"value": "title_folded"}]),
            "fields": "[]",
            "fieldFormatMap": "{}",
            "fieldAttrs": json.dumps(
                {
                    "rumor_risk": {"customLabel": "Rủi ro tin đồn / rumor risk"},
                    "risk_level": {"customLabel": "Mức rủi ro / risk level"},
                    "sentiment": {"customLabel": "Cảm xúc / sentiment"},
                    "source_id": {"customLabel": "Nguồn / source"},
                    "claim_ids": {"customLabel": "Tin đồn đã biết / known claims"},
                    SPREAD_FIELD: {"customLabel": "Tin đồn đã biết bị lan truyền / known claims spread"},
                    "place_names": {"customLabel": "Địa danh / places"},
                    "review.status": {"customLabel": "Kiểm duyệt / review"},
                },
                ensure_ascii=False,
            ),
            "runtimeFieldMap": json.dumps(RUNTIME_FIELDS),
            "allowHidden": False,
        },
        "references": [],
        "managed": False,
        "coreMigrationVersion": CORE_VERSION,
        "typeMigrationVersion": "8.0.0",
    }


SEARCH_COLUMNS = [
    "title",
    "source_id",
    "risk_level",
    "rumor_risk",
    "sentiment",
    "claim_ids",
    "place_names",
    "review.status",
]

SEARCHES: list[dict[str, Any]] = [
    {
        "key": "needs-review",
        "title": "Cần xem xét",
        "description": "Rủi ro cao, chưa kiểm duyệt / high rumor risk, not yet reviewed.",
        "query": 'risk_level : "high" and (not review.status : * or review.status : "new")',
        "columns": SEARCH_COLUMNS,
        "sort": [["rumor_risk", "desc"], [TIME_FIELD, "desc"]],
    },
    {
        "key": "confirmed-rumors",
        "title": "Tin đồn đã xác nhận",
        "description": "Người kiểm duyệt xác nhận là sai / reviewers confirmed these as false.",
        "query": 'review.status : "confirmed_false"',
        "columns": ["title", "source_id", "claim_ids", "place_names", "review.by", "review.at", "review.note"],
        "sort": [["review.at", "desc"]],
    },
    {
        "key": "by-place",
        "title": "Theo địa phương",
        "description": "Tin nhắc tới một địa danh, theo tỉnh/huyện / items that mention a place.",
        "query": "provinces : * or districts : *",
        "columns": ["place_names", "provinces", "districts", "title", "risk_level", "sentiment", "source_id"],
        "sort": [[TIME_FIELD, "desc"]],
    },
]


def saved_search(spec: dict[str, Any]) -> dict[str, Any]:
    source = {
        "query": {"query": spec["query"], "language": "kuery"},
        "filter": [],
        "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index",
    }
    return {
        "id": uid(f"search:{spec['key']}"),
        "type": "search",
        "attributes": {
            "title": spec["title"],
            "description": spec["description"],
            "columns": spec["columns"],
            "sort": spec["sort"],
            "grid": {},
            "hideChart": False,
            "isTextBasedQuery": False,
            "timeRestore": False,
            "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps(source, ensure_ascii=False)},
        },
        "references": [
            {"name": "kibanaSavedObjectMeta.searchSourceJSON.index", "type": "index-pattern", "id": DATA_VIEW_ID}
        ],
        "managed": False,
        "coreMigrationVersion": CORE_VERSION,
        "typeMigrationVersion": "10.5.0",
    }


# --- Lens panels (by value) -----------------------------------------------------------


def _count_column(label: str) -> dict[str, Any]:
    return {
        "label": label,
        "dataType": "number",
        "operationType": "count",
        "isBucketed": False,
        "scale": "ratio",
        "sourceField": "___records___",
        "params": {"emptyAsNull": True},
        "customLabel": True,
    }


def _terms_column(field: str, label: str, size: int, order_by: str) -> dict[str, Any]:
    return {
        "label": label,
        "dataType": "string",
        "operationType": "terms",
        "scale": "ordinal",
        "sourceField": field,
        "isBucketed": True,
        "params": {
            "size": size,
            "orderBy": {"type": "column", "columnId": order_by},
            "orderDirection": "desc",
            "otherBucket": True,
            "missingBucket": False,
            "parentFormat": {"id": "terms"},
        },
        "customLabel": True,
    }


def _date_column(field: str, label: str) -> dict[str, Any]:
    return {
        "label": label,
        "dataType": "date",
        "operationType": "date_histogram",
        "sourceField": field,
        "isBucketed": True,
        "scale": "interval",
        "params": {"interval": "d", "includeEmptyRows": True, "dropPartials": False},
        "customLabel": True,
    }


def _lens_panel(
    key: str,
    title: str,
    grid: tuple[int, int, int, int],
    columns: dict[str, dict[str, Any]],
    visualization: dict[str, Any],
    vis_type: str,
    layer: str,
) -> dict[str, Any]:
    panel_index = uid(f"panel:{key}")
    x, y, w, h = grid
    attributes = {
        "title": title,
        "visualizationType": vis_type,
        "type": "lens",
        "references": [{"type": "index-pattern", "id": DATA_VIEW_ID, "name": f"indexpattern-datasource-layer-{layer}"}],
        "state": {
            "visualization": visualization,
            "query": {"query": "", "language": "kuery"},
            "filters": [],
            "datasourceStates": {
                "formBased": {
                    "layers": {
                        layer: {
                            "columns": columns,
                            "columnOrder": list(columns),
                            "incompleteColumns": {},
                            "sampling": 1,
                        }
                    }
                }
            },
            "internalReferences": [],
            "adHocDataViews": {},
        },
    }
    return {
        "type": "lens",
        "title": title,
        "panelIndex": panel_index,
        "gridData": {"x": x, "y": y, "w": w, "h": h, "i": panel_index},
        "embeddableConfig": {"attributes": attributes, "enhancements": {}},
    }


def xy_panel(
    key: str,
    title: str,
    grid: tuple[int, int, int, int],
    x_col: dict[str, Any],
    series: str,
    split: dict[str, Any] | None = None,
) -> dict[str, Any]:
    layer = uid(f"layer:{key}")
    x_id, y_id, split_id = uid(f"col:{key}:x"), uid(f"col:{key}:y"), uid(f"col:{key}:split")
    columns = {x_id: x_col, y_id: _count_column("Số tin / items")}
    layer_vis: dict[str, Any] = {
        "layerId": layer,
        "accessors": [y_id],
        "position": "top",
        "seriesType": series,
        "showGridlines": False,
        "layerType": "data",
        "xAccessor": x_id,
    }
    if split is not None:
        columns = {x_id: x_col, split_id: split, y_id: columns[y_id]}
        layer_vis["splitAccessor"] = split_id
    visualization = {
        "legend": {"isVisible": True, "position": "right"},
        "valueLabels": "hide",
        "fittingFunction": "None",
        "preferredSeriesType": series,
        "layers": [layer_vis],
    }
    return _lens_panel(key, title, grid, columns, visualization, "lnsXY", layer)


def donut_panel(key: str, title: str, grid: tuple[int, int, int, int], field: str, label: str) -> dict[str, Any]:
    layer = uid(f"layer:{key}")
    g_id, m_id = uid(f"col:{key}:group"), uid(f"col:{key}:count")
    columns = {g_id: _terms_column(field, label, 5, m_id), m_id: _count_column("Số tin / items")}
    visualization = {
        "shape": "donut",
        "layers": [
            {
                "layerId": layer,
                "primaryGroups": [g_id],
                "metrics": [m_id],
                "numberDisplay": "percent",
                "categoryDisplay": "default",
                "legendDisplay": "default",
                "nestedLegend": False,
                "layerType": "data",
            }
        ],
    }
    return _lens_panel(key, title, grid, columns, visualization, "lnsPie", layer)


def top_panel(
    key: str, title: str, grid: tuple[int, int, int, int], field: str, label: str, size: int = 10
) -> dict[str, Any]:
    y_id = uid(f"col:{key}:y")
    panel = xy_panel(key, title, grid, _terms_column(field, label, size, y_id), "bar_horizontal")
    return panel


def claim_life_panel(grid: tuple[int, int, int, int]) -> dict[str, Any]:
    """The life of each known claim: the posts per day that spread it, as the report's chart
    counts them (a correction quoting the claim is its answer, not one more post; the report
    and the CLI give the correction's day and the delays, which live in the claims index)."""
    panel = xy_panel(
        "claim-life",
        "Vòng đời tin đồn đã biết: số bài mỗi ngày / known claims: posts per day",
        grid,
        _date_column(TIME_FIELD, "Ngày / day"),
        "bar_stacked",
        split=_terms_column(SPREAD_FIELD, "Tin đồn / claim", 5, uid("col:claim-life:y")),
    )
    panel["embeddableConfig"]["attributes"]["state"]["query"] = {"query": f"{SPREAD_FIELD} : *", "language": "kuery"}
    return panel


def search_panel(
    key: str, title: str, grid: tuple[int, int, int, int], search_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    panel_index = uid(f"panel:{key}")
    x, y, w, h = grid
    panel = {
        "type": "search",
        "title": title,
        "panelIndex": panel_index,
        "gridData": {"x": x, "y": y, "w": w, "h": h, "i": panel_index},
        "embeddableConfig": {"enhancements": {}},
        "panelRefName": f"panel_{panel_index}",
    }
    ref = {"name": f"{panel_index}:panel_{panel_index}", "type": "search", "id": search_id}
    return panel, ref


def dashboard(searches: list[dict[str, Any]]) -> dict[str, Any]:
    volume = xy_panel(
        "volume",
        "Số tin theo ngày và mức rủi ro / items per day by risk level",
        (0, 0, 32, 12),
        _date_column(TIME_FIELD, "Ngày / day"),
        "bar_stacked",
        split=_terms_column("risk_level", "Mức rủi ro / risk level", 3, uid("col:volume:y")),
    )
    panels = [
        volume,
        donut_panel("risk", "Mức rủi ro / risk levels", (32, 0, 16, 12), "risk_level", "Mức rủi ro / risk level"),
        donut_panel("sentiment", "Cảm xúc / sentiment", (0, 12, 16, 12), "sentiment", "Cảm xúc / sentiment"),
        top_panel("sources", "Nguồn nhiều tin nhất / top sources", (16, 12, 16, 12), "source_id", "Nguồn / source"),
        top_panel(
            "claims",
            "Tin đồn đã biết hay gặp nhất / top matched claims",
            (32, 12, 16, 12),
            "claim_ids",
            "Tin đồn / claim",
        ),
        top_panel(
            "places", "Địa danh được nhắc tới / places", (0, 24, 24, 14), "place_names", "Địa danh / place", size=15
        ),
        claim_life_panel((0, 38, 48, 14)),
    ]
    needs_review = next(s for s in searches if s["attributes"]["title"] == "Cần xem xét")
    s_panel, s_ref = search_panel("needs-review", "Cần xem xét / needs review", (24, 24, 24, 14), needs_review["id"])
    panels.append(s_panel)
    references = [s_ref]
    for panel in panels:
        if panel["type"] != "lens":
            continue
        for ref in panel["embeddableConfig"]["attributes"]["references"]:
            references.append({**ref, "name": f"{panel['panelIndex']}:{ref['name']}"})
    return {
        "id": uid("dashboard:overview"),
        "type": "dashboard",
        "attributes": {
            "title": "TinRadar — tổng quan / overview",
            "description": "Số tin, mức rủi ro, cảm xúc, nguồn, tin đồn đã biết và địa danh / volume, risk, sentiment, sources, known claims, places.",
            "version": 1,
            "timeRestore": True,
            "timeFrom": "now-30d",
            "timeTo": "now",
            "refreshInterval": {"pause": True, "value": 60000},
            "optionsJSON": json.dumps(
                {
                    "useMargins": True,
                    "syncColors": False,
                    "syncCursor": True,
                    "syncTooltips": False,
                    "hidePanelTitles": False,
                }
            ),
            "panelsJSON": json.dumps(panels, ensure_ascii=False),
            "kibanaSavedObjectMeta": {
                "searchSourceJSON": json.dumps({"query": {"query": "", "language": "kuery"}, "filter": []})
            },
        },
        "references": references,
        "managed": False,
        "coreMigrationVersion": CORE_VERSION,
        "typeMigrationVersion": "10.2.0",
    }


def build() -> list[dict[str, Any]]:
    searches = [saved_search(spec) for spec in SEARCHES]
    return [data_view(), *searches, dashboard(searches)]


def render() -> str:
    return "".join(json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n" for obj in build())


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT}")
