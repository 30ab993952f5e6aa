"""The saved objects against Kibana 9's own saved-object schemas (no Kibana runs here).

The rules below are transcribed from Kibana's source (elastic/kibana, main, 2026):

* ``src/platform/plugins/shared/dashboard/server/dashboard_saved_object/schema/v1/v1.ts``:
  ``dashboardAttributesSchema`` (``unknowns: 'forbid'``): which attributes a dashboard may
  have and their types;
* ``src/platform/plugins/shared/dashboard/server/dashboard_saved_object/schema/v2/v2.ts``:
  ``gridDataSchema`` (x, y, w, h numbers; i a string) for every panel;
* ``x-pack/platform/plugins/shared/lens/server/content_management/v0/types.ts``:
  ``lensItemAttributesSchemaV0`` (title a string; description, visualizationType nullable
  strings; state) for the Lens attributes each by-value panel carries.

A rule that Kibana's schema states is checked here by value, not only by shape.
"""

from __future__ import annotations

import json
from typing import Any

from tests.index.test_kibana import load_objects, runtime_fields

#: dashboardAttributesSchema (v1), key → allowed Python types (None: maybe / optional).
DASHBOARD_ATTRIBUTES: dict[str, tuple[type, ...]] = {
    "title": (str,),
    "description": (str,),
    "kibanaSavedObjectMeta": (dict,),
    "timeRestore": (bool,),
    "timeFrom": (str,),
    "timeTo": (str,),
    "refreshInterval": (dict,),
    "controlGroupInput": (dict,),
    "panelsJSON": (str,),
    "optionsJSON": (str,),
    "hits": (int, float),
    "version": (int, float),
}
REQUIRED_DASHBOARD = {"title"}
REFRESH_INTERVAL = {"pause": bool, "value": (int, float), "display": str, "section": (int, float)}


def dashboards() -> list[dict[str, Any]]:
    return [o for o in load_objects() if o["type"] == "dashboard"]


def test_dashboard_attributes_follow_the_v1_schema() -> None:
    for obj in dashboards():
        attrs = obj["attributes"]
        unknown = set(attrs) - set(DASHBOARD_ATTRIBUTES)
        assert not unknown, f"dashboardAttributesSchema forbids unknown keys: {unknown}"
        assert set(attrs) >= REQUIRED_DASHBOARD
        for key, value in attrs.items():
            assert isinstance(value, DASHBOARD_ATTRIBUTES[key]) and not (
                isinstance(value, bool) and bool not in DASHBOARD_ATTRIBUTES[key]
            ), f"{key}: {type(value).__name__}"
        assert set(attrs["kibanaSavedObjectMeta"]) <= {"searchSourceJSON"}
        assert isinstance(attrs["kibanaSavedObjectMeta"]["searchSourceJSON"], str)
        refresh = attrs["refreshInterval"]
        assert {"pause", "value"} <= set(refresh) and set(refresh) <= set(REFRESH_INTERVAL)
        for key, value in refresh.items():
            assert isinstance(value, REFRESH_INTERVAL[key])
        json.loads(attrs["optionsJSON"])  # a string holding JSON, as the schema's consumers parse it


def test_every_panel_has_a_v2_grid_and_lens_attributes_of_the_v0_schema() -> None:
    for obj in dashboards():
        panels = json.loads(obj["attributes"]["panelsJSON"])
        assert len(panels) >= 8
        for panel in panels:
            grid = panel["gridData"]
            assert set(grid) == {"x", "y", "w", "h", "i"}
            assert all(isinstance(grid[k], int) and not isinstance(grid[k], bool) for k in "xywh")
            assert isinstance(grid["i"], str) and grid["i"] == panel["panelIndex"]
            assert grid["x"] + grid["w"] <= 48  # the dashboard's 48-column grid
            if panel["type"] != "lens":
                continue
            lens = panel["embeddableConfig"]["attributes"]
            assert isinstance(lens["title"], str) and lens["title"]
            assert isinstance(lens["visualizationType"], str)
            assert lens["visualizationType"] in {"lnsXY", "lnsPie"}
            assert isinstance(lens["state"], dict) and isinstance(lens["state"]["query"]["query"], str)


def test_the_claim_life_panel_matches_the_report_chart() -> None:
    (board,) = dashboards()
    panels = json.loads(board["attributes"]["panelsJSON"])
    (life,) = [p for p in panels if p["title"].startswith("Vòng đời tin đồn")]
    state = life["embeddableConfig"]["attributes"]["state"]
    # Like the report's chart, the panel counts the items that spread a claim (not the corrections
    # that quote it): the data view's runtime field, which falls back to every match before schema 2.
    assert state["query"] == {"query": "spread_claims : *", "language": "kuery"}
    (layer,) = state["datasourceStates"]["formBased"]["layers"].values()
    operations = {c["operationType"]: c.get("sourceField") for c in layer["columns"].values()}
    assert operations == {"date_histogram": "published_at", "terms": "spread_claims", "count": "___records___"}
    refs = {r["name"] for r in board["references"]}
    assert (
        f"{life['panelIndex']}:indexpattern-datasource-layer-{next(iter(state['datasourceStates']['formBased']['layers']))}"
        in refs
    )


def test_the_spread_claims_runtime_field_falls_back_before_schema_2() -> None:
    """The data view's ``spread_claims`` (what the claim-life panel breaks down by) is a keyword runtime
    field whose script is the one ``index.search`` defines: a reviewer's reading (``review.claims.ids``)
    where the item has one (``review.claims.at``), else ``spread_claim_ids`` from schema version 2 on,
    else every ``claim_ids``. The test node has no painless, so the script is checked by what it reads."""
    from index.search import SPREAD_CLAIMS_SCRIPT

    runtime = runtime_fields()
    assert set(runtime) == {"spread_claims"}
    field = runtime["spread_claims"]
    assert field["type"] == "keyword" and set(field) == {"type", "script"}
    source = field["script"]["source"]
    assert source == SPREAD_CLAIMS_SCRIPT
    assert "doc['schema_version'].value >= 2" in source
    assert "v2 ? 'spread_claim_ids' : 'claim_ids'" in source and "emit(c)" in source
    assert "doc.containsKey('schema_version')" in source and "doc.containsKey(f)" in source
    # a reading decides before the machine: tested on its time (a reading of "none" indexes no id)
    assert "boolean read = doc.containsKey('review.claims.at') && doc['review.claims.at'].size() > 0;" in source
    assert "String f = read ? 'review.claims.ids' : (v2 ? 'spread_claim_ids' : 'claim_ids');" in source
