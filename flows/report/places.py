"""Official province/district codes → the names a reader knows ("Huyện Sơn Dương", not "073").

The index stores codes (they are unambiguous); the report must show names. Names come
from the NLP stage's gazetteer table, else from the administrative-units
file of the shared datasets when it lies beside the checkout; failing both, the code is
shown (never an error: a report with codes is better than no report).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from tinradar.settings import REPO_ROOT, Settings

ADMIN_UNITS = REPO_ROOT.parent / "shared" / "datasets" / "admin_units" / "dvhcvn_2021-07-01.json"


@dataclass
class PlaceNames:
    provinces: dict[str, str] = field(default_factory=dict)
    districts: dict[str, str] = field(default_factory=dict)
    district_province: dict[str, str] = field(default_factory=dict)

    def province(self, code: str) -> str:
        return self.provinces.get(code, f"Tỉnh/TP mã {code}")

    def district(self, code: str) -> str:
        name = self.districts.get(code)
        if not name:
            return f"Huyện mã {code}"
        parent = self.provinces.get(self.district_province.get(code, ""))
        return f"{name} ({parent})" if parent else name

    @classmethod
    def load(cls, settings: Settings) -> PlaceNames:
        for loader in (_from_nlp, _from_admin_units):
            try:
                names = loader(settings)
            except Exception:
                continue
            if names is not None and names.provinces:
                return names
        return cls()


def _from_nlp(settings: Settings) -> PlaceNames | None:
    """The NLP stage's gazetteer table (``nlp/data/admin_units.tsv``: codes, type, full name)."""
    from nlp.places import TABLE

    names = PlaceNames()
    with Path(TABLE).open(encoding="utf-8") as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        for row in rows:
            if row["district_code"]:
                names.districts[row["district_code"]] = row["name"]
                names.district_province[row["district_code"]] = row["province_code"]
            else:
                names.provinces[row["province_code"]] = row["name"]
    return names


def _from_admin_units(settings: Settings, path: Path = ADMIN_UNITS) -> PlaceNames | None:
    if not path.is_file():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    names = PlaceNames()
    for prov in raw.get("data", []):
        pcode = prov["level1_id"]
        names.provinces[pcode] = prov["name"]
        for dist in prov.get("level2s", []):
            names.districts[dist["level2_id"]] = dist["name"]
            names.district_province[dist["level2_id"]] = pcode
    return names
