"""Places: find Vietnamese provinces and districts in text, with official codes.

The gazetteer is a small derived table, ``nlp/data/admin_units.tsv`` (63 provinces and
their districts as of 2021-07-01: codes, type and name — public facts), built once from
``../shared/datasets/admin_units/dvhcvn_2021-07-01.json`` by ``build_table`` (that file
is GPL and is not copied). Loading the table and indexing every name by its folded
syllables takes a few milliseconds; matching is a dictionary lookup per 1–5-syllable
window, so it costs far less than word segmentation.

Precision rules, because many place names are also common words ("Thống Nhất",
"Hòa Bình", "Bình Minh"):

* a match is kept if its words are capitalised in the text ("Sơn Dương", "SƠN DƯƠNG"),
  or a type word precedes it ("huyện son duong", "tp hcm"), or — for province names
  only — it is written in lower case, with or without diacritics ("ha noi", "hà nội": most
  social posts are typed so), unless the name is also a common word (``COMMON_IN_LOWER_CASE``);
* one-syllable and numbered names ("Quận 1") need a type word, except a few well-known
  short names (Huế, HN, TP.HCM);
* a district name shared by several provinces is resolved by a province named in the same
  text, then by the document's own province; otherwise it is left out.

What real posts showed (``nlp/places_real.py``, docs/nlp.md "Places on real posts"), each a rule:

* a name after a commune, ward or street word ("xã Thanh Thủy", "phường An Phú", "đường ...")
  names that smaller place, not the district;
* a bare name inside an institution's name ("Viện Pasteur Nha Trang", "sân bay Vân Đồn",
  "Bệnh viện số 2 Quảng Ninh") is the institution, not the place (with its type word it still
  names the unit: "Bệnh viện Đa khoa tỉnh Bạc Liêu");
* a bare name after a family name ("Lê Thanh Liêm") is a person, and one that runs on into
  another capitalised word after a lower-case one ("sân bay Tân Sơn Nhất", "châu Á - Thái Bình
  Dương") is a longer name;
* names folded alike but marked differently are told apart by their marks ("Phú Yên" the
  province, "Phù Yên" the district); "Ð" (Latin eth, a look-alike some typists use) reads "Đ".
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from nlp.normalize import unify_tone_marks
from tinradar.schema import Location
from tinradar.text import fold, fold_aligned, has_vietnamese_diacritics

TABLE = Path(__file__).with_name("data") / "admin_units.tsv"
_TYPE_PREFIX = re.compile(r"^(?:Thành phố|Tỉnh|Huyện|Quận|Thị xã)\s+")
_TYPE_WORDS = ("tinh", "huyen", "quan", "thi xa", "thanh pho", "tp", "tx", "h", "q")
_TYPE_SURFACES = frozenset({"tỉnh", "huyện", "quận", "thị", "xã", "thành", "phố", "tp", "tx", "h", "q"})
_SYL = re.compile(r"[a-z0-9]+")
_SEP = re.compile(r"[\s-]+")
#: Texts whose matches are remembered (more than an analyser batch, ``nlp_batch_size``).
_MEMO_TEXTS = 2048
_WANTED: dict[str, tuple[str, ...]] = {
    "tinh": ("Tỉnh",),
    "huyen": ("Huyện",),
    "h": ("Huyện",),
    "quan": ("Quận",),
    "q": ("Quận",),
    "thi xa": ("Thị xã",),
    "tx": ("Thị xã",),
    "thanh pho": ("Thành phố", "Thành phố Trung ương"),
    "tp": ("Thành phố", "Thành phố Trung ương"),
}

#: Extra names people use: folded alias → province code (or "province/district").
ALIASES: dict[str, str] = {
    "tphcm": "79",
    "tp hcm": "79",
    "hcm": "79",
    "hcmc": "79",
    "sai gon": "79",
    "saigon": "79",
    "ho chi minh city": "79",
    "hn": "01",
    "ha noi": "01",
    "hanoi": "01",
    "thu do ha noi": "01",
    "da nang": "48",
    "danang": "48",
    "hai phong": "31",
    "can tho": "92",
    "hue": "46/474",
    "thua thien hue": "46",
    "brvt": "77",
    "br vt": "77",
    "ba ria vung tau": "77",
    "dak lak": "66",
    "daklak": "66",
    "dac lac": "66",
    "dak nong": "67",
    "daknong": "67",
    "kontum": "62",
    "tay nguyen": "",
    "ha tinh": "42",
    "sg": "79",
    "sapa": "10/088",
}
#: Province names that are also common words in lower case: there they are a place only after
#: the words listed ("ở hòa bình"; with a type word, "tỉnh hòa bình", always). Counts from the
#: free corpora (ReINTEL, ViCTSD, UIT-ViCoV19QA; next words only, docs/nlp.md "Masking"):
COMMON_IN_LOWER_CASE: dict[str, frozenset[str]] = {
    # "hòa bình" = peace: 55 lower-case uses ("hòa bình ổn định", "… lâu dài", "… độc lập")
    "hoa binh": frozenset({"ở", "tại"}),
    # "trạng thái bình thường" spans it, and "thái bình" = peaceful: 24 of its 25 lower-case uses
    "thai binh": frozenset({"ở", "tại"}),
    # "cao bằng" = as tall as ("cao bằng người")
    "cao bang": frozenset({"ở", "tại"}),
}
#: Short aliases that are only accepted in this exact (case-sensitive) spelling ("hn" is also
#: teen code for "hôm nay"; "sg" in lower case: 0 uses in the free corpora, "SG" 17).
_CASED_SHORT = {"hn": "HN", "hcm": "HCM", "hcmc": "HCMC", "brvt": "BRVT", "hue": "Huế", "sg": "SG"}
#: One-word spellings of longer names ("TPHCM", "Saigon", "Sapa"): accepted like a full name
#: when capitalised, not held back as one-syllable names (which need their type word).
_ONE_WORD_ALIASES = frozenset(a for a in ALIASES if " " not in a and a not in _CASED_SHORT)
#: The Latin eth look-alikes of "Đ"/"đ" some typists use ("Ðiện Biên"); same length, so spans hold.
_ETH = str.maketrans({"\u00d0": "Đ", "\u00f0": "đ"})
#: Words that name a smaller place than a district when they stand right before a name: the
#: name is that commune, ward, village or street ("xã Thanh Thủy", "phường An Phú Đông").
_SMALL_PLACE_WORDS = frozenset({"xã", "phường", "thôn", "ấp", "xóm", "bản", "làng", "phố", "đường", "p."})
#: Heads of institution names: a bare place name in "<head> ... <name>" is part of the
#: institution's name ("Viện Pasteur Nha Trang", "sân bay Vân Đồn").
_INSTITUTION_HEADS = (
    "bệnh viện",
    "bv",
    "viện",
    "học viện",
    "sân bay",
    "cảng hàng không",
    "đại học",
    "đh",
    "khách sạn",
    "siêu thị",
    "bến xe",
    "nhà máy",
    "công ty",
    "ngân hàng",
    "bưu điện",
)
#: Lower-case words that may stand between an institution's head and its place name
#: ("Bệnh viện đa khoa ...", "sân bay quốc tế ...", "Bệnh viện dã chiến ...").
_INSTITUTION_FILLERS = frozenset(
    {"số", "đa", "khoa", "dã", "chiến", "điều", "trị", "quốc", "tế", "trung", "ương", "quân", "y", "nhi", "đồng"}
)
#: Common Vietnamese family names: a bare name right after one is a person ("Lê Thanh Liêm").
_FAMILY_NAMES = frozenset(
    [
        "nguyễn",
        "trần",
        "lê",
        "phạm",
        "hoàng",
        "huỳnh",
        "phan",
        "vũ",
        "võ",
        "đặng",
        "bùi",
        "đỗ",
        "hồ",
        "ngô",
        "dương",
        "lý",
        "đinh",
        "trịnh",
        "trương",
        "lương",
        "đào",
        "đoàn",
        "vương",
        "tô",
        "tạ",
        "chu",
        "quách",
        "lưu",
        "kiều",
    ]
)


@dataclass(frozen=True)
class Unit:
    province_code: str
    district_code: str | None
    name: str  # without the type word: "Sơn Dương", "Tuyên Quang"
    type: str  # "Tỉnh", "Thành phố Trung ương", "Huyện", "Quận", "Thị xã", "Thành phố"


def build_table(source_json: Path, out: Path = TABLE) -> int:
    """Derive the compact TSV gazetteer from the dvhcvn JSON; returns the row count."""
    data = json.loads(source_json.read_text(encoding="utf-8"))["data"]
    rows: list[tuple[str, str, str, str]] = []
    for prov in data:
        rows.append((prov["level1_id"], "", prov["type"], unify_tone_marks(prov["name"])))
        for dist in prov.get("level2s", []):
            rows.append((prov["level1_id"], dist["level2_id"], dist["type"], unify_tone_marks(dist["name"])))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh:
        fh.write("# Provinces and districts of Vietnam as of 2021-07-01 (official codes; public facts).\n")
        fh.write("# Derived from dvhcvn_2021-07-01.json by nlp.places.build_table.\n")
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(("province_code", "district_code", "type", "name"))
        writer.writerows(rows)
    return len(rows)


def _syllables(folded: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _SYL.finditer(folded)]


def _one_phrase(text: str, syl: list[tuple[str, int, int]]) -> bool:
    """The syllables of a name are separated by spaces or hyphens only ("Nóng: Sơn" is not one)."""
    return all(not text[a[2] : b[1]].strip(" -") for a, b in itertools.pairwise(syl))


def _same_marks(surface: str, name: str, key: str) -> bool:
    """Accept a surface whose tone marks differ from the name's only when it has none at all
    (typed without diacritics) or is written in capitals (headings, where scans and typists
    slip: "TUYỀN QUANG"). Aliases ("sai gon", "tphcm") are matched on folded text only.
    """
    if fold(name) != key or not has_vietnamese_diacritics(surface):
        return True
    if _SEP.sub(" ", unify_tone_marks(surface).lower()) == _SEP.sub(" ", name.lower()):
        return True
    return surface.isupper()


_WORD = re.compile(r"\S+")
#: A type word's abbreviation glued to the name by its dot ("TP.HCM", "tp.hcm", "Q.1"): masked
#: with the name, since "TP.<ĐỊA_DANH>" would leave a stray token that only place names carry.
_GLUED_TYPE = re.compile(r"(?<![\w.])(?:tp|tx|q|h)\.\Z", re.IGNORECASE)
_QUOTES = "\"'“”‘’"


def _words_before(text: str, start: int, limit: int = 6) -> list[str]:
    """Up to ``limit`` words right before ``start``, nearest first, separated by spaces only:
    punctuation or a line break ends the phrase ("Bệnh viện Bạch Mai, Hà Nội": "Hà Nội" has
    none before it)."""
    out: list[str] = []
    edge = start
    for m in reversed(list(_WORD.finditer(text, max(0, start - 80), start))):
        if m.end() > start or text[m.end() : edge].strip(" ") or len(out) >= limit:
            break
        word = m.group(0)
        if word[-1] in ",;:!?()" + _QUOTES or word[0] in "(" + _QUOTES or word == "-":
            break
        out.append(word)
        edge = m.start()
    return out


def _institution_before(before: list[str]) -> bool:
    """The words before a name end an institution's name: its head ("Bệnh viện", "sân bay"),
    then only capitalised words, numbers or the usual lower-case fillers up to the name."""
    lowered = [w.lower() for w in before]
    for k, word in enumerate(lowered):
        pair = f"{lowered[k + 1]} {word}" if k + 1 < len(lowered) else ""
        triple = f"{lowered[k + 2]} {pair}" if k + 2 < len(lowered) else ""
        if word in _INSTITUTION_HEADS or pair in _INSTITUTION_HEADS or triple in _INSTITUTION_HEADS:
            # "nhập viện Hà Nội" is going to hospital, not a hospital's name
            return not (word == "viện" and k + 1 < len(lowered) and lowered[k + 1] in ("nhập", "xuất", "vào", "ra"))
        if not (before[k][:1].isupper() or word.isdigit() or word in _INSTITUTION_FILLERS):
            return False
    return False


def _not_this_place(text: str, start: int, end: int, *, next_is_name: bool = False) -> bool:
    """A bare (untyped) name that real posts use for something else: a commune, ward or
    street, an institution, a person, or the start of a longer capitalised name (unless the
    next word starts another place name: "Lào Cai Sapa" is a list)."""
    before = _words_before(text, start)
    if before:
        prev, prev2 = before[0].lower(), (before[1].lower() if len(before) > 1 else "")
        if prev in _SMALL_PLACE_WORDS and not (prev == "xã" and prev2 == "thị"):
            return True
        if prev == "trấn" and prev2 == "thị":  # "thị trấn X": the town, not the district
            return True
        if prev in _FAMILY_NAMES and before[0][:1].isupper():
            return True
        if _institution_before(before):
            return True
    nxt = re.match(r" (\w+)", text[end : end + 40])
    if nxt and nxt.group(1)[:1].isupper() and not text[start:end].isupper() and not next_is_name:
        # "sân bay Tân Sơn Nhất": the name runs on; not in a Title Case run ("Ở Hà Nội Đã")
        return not before or not before[0][:1].isupper()
    return False


def read_table(table: Path = TABLE) -> list[tuple[Unit, str]]:
    """Every unit of the gazetteer table with its full name ("Huyện Sơn Dương")."""
    with table.open(encoding="utf-8") as fh:
        reader = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        return [
            (
                Unit(
                    row["province_code"],
                    row["district_code"] or None,
                    _TYPE_PREFIX.sub("", row["name"]).strip(),
                    row["type"],
                ),
                row["name"],
            )
            for row in reader
        ]


@dataclass
class PlaceNames:
    """Official code → the name a reader knows, for reports and the review desk."""

    provinces: dict[str, str] = field(default_factory=dict)
    districts: dict[str, str] = field(default_factory=dict)
    district_province: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, table: Path = TABLE) -> PlaceNames:
        names = cls()
        for unit, full_name in read_table(table):
            if unit.district_code:
                names.districts[unit.district_code] = full_name
                names.district_province[unit.district_code] = unit.province_code
            else:
                names.provinces[unit.province_code] = full_name
        return names

    def province(self, code: str) -> str:
        return self.provinces.get(code, f"Tỉnh/TP mã {code}")

    def district(self, code: str) -> str:
        name = self.districts.get(code)
        if not name:
            return f"Huyện mã {code}"
        parent = self.provinces.get(self.district_province.get(code, ""))
        return f"{name} ({parent})" if parent else name


#: A name match: (start, end, folded key, candidate units, typed, named as something else).
_Match = tuple[int, int, str, list[Unit], bool, bool]


class Gazetteer:
    """Province and district names indexed for fast matching; build once, reuse."""

    def __init__(self, table: Path = TABLE) -> None:
        self.units: list[Unit] = [unit for unit, _ in read_table(table)]
        self.provinces = {u.province_code: u for u in self.units if u.district_code is None}
        self.districts = {(u.province_code, u.district_code): u for u in self.units if u.district_code}
        # folded name → list of units
        self.index: dict[str, list[Unit]] = {}
        for u in self.units:
            self.index.setdefault(" ".join(s for s, _, _ in _syllables(fold(u.name))), []).append(u)
        for alias, code in ALIASES.items():
            if not code:
                continue
            prov, _, dist = code.partition("/")
            unit = self.districts.get((prov, dist)) if dist else self.provinces[prov]
            if unit is not None:
                bucket = self.index.setdefault(alias, [])
                if unit not in bucket:
                    bucket.insert(0, unit)
        self.max_len = max(len(k.split()) for k in self.index)
        self.first = {k.split()[0] for k in self.index}  # only these syllables can start a name
        # The analyser reads each text's places twice: masking (``spans``, the opening) and the
        # locations (``find``, the same text when it is short enough); the matches are kept
        # for the last texts so the second read is a look-up (same text, same matches).
        self._memo: dict[str, list[_Match]] = {}

    def find(self, text: str, *, province_hint: str | None = None) -> list[Location]:
        """Places named in ``text``, in order of first mention, deduplicated."""
        if not text:
            return []
        found = [(m[0], m[2], m[3], m[4]) for m in self._matches(text) if not m[5]]
        return self._resolve(found, province_hint)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of every accepted place name in ``text`` (for entity masking).

        Unlike :meth:`find` this keeps a district name shared by several provinces (it is a
        place name whichever province it lies in) and a bare name :meth:`find` reads as something
        else (an institution's, a person's, a street's: a name all the same, masked as before).
        """
        if not text:
            return []
        out = []
        for start, end, _key, _units, typed, _elsewhere in self._matches(text):
            glued = _GLUED_TYPE.search(text, max(0, start - 4), start) if typed else None
            out.append((glued.start() if glued else start, end))  # "TP.HCM": one name, not "TP." + a name
        return out

    def _matches(self, text: str) -> list[_Match]:
        """Accepted name matches as (start, end, key, candidate units, typed, named as something
        else); callers must not change them."""
        text = unify_tone_marks(text).translate(_ETH)
        found = self._memo.get(text)
        if found is None:
            if len(self._memo) >= _MEMO_TEXTS:
                self._memo.clear()
            found = self._memo[text] = self._match(text)
        return found

    def _match(self, text: str) -> list[_Match]:
        folded = fold_aligned(text)
        syl = _syllables(folded)
        lower_plain = folded == text
        found: list[_Match] = []
        i = 0
        while i < len(syl):
            hit = None
            if syl[i][0] not in self.first:
                i += 1
                continue
            for n in range(min(self.max_len, len(syl) - i), 0, -1):
                key = " ".join(s for s, _, _ in syl[i : i + n])
                units = self.index.get(key)
                if units:
                    hit = (n, key, units)
                    break
            if hit is None:
                i += 1
                continue
            n, key, units = hit
            start, end = syl[i][1], syl[i + n - 1][2]
            surface = text[start:end]
            units = [u for u in units if _same_marks(surface, u.name, key)]
            if not _one_phrase(text, syl[i : i + n]) or not units:
                i += 1
                continue
            typed = self._typed(text, syl, i)
            units = self._by_type(units, typed)
            typed_ok = typed is not None and units[0].type in _WANTED.get(typed, ())
            if typed_ok and typed is not None:  # "quận Tân Phú": only the quận of that name
                units = [u for u in units if u.type in _WANTED[typed]]
            before = _words_before(text, start, 1)
            prev = before[0].lower() if before else ""
            if self._accept(key, surface, units, typed=typed_ok, lower_plain=lower_plain, prev=prev):
                elsewhere = not typed_ok and _not_this_place(text, start, end, next_is_name=self._name_at(syl, i + n))
                found.append((start, end, key, units, typed_ok, elsewhere))
            i += n
        return found

    def _name_at(self, syl: list[tuple[str, int, int]], j: int) -> bool:
        """Some gazetteer name starts at syllable ``j``."""
        return any(" ".join(s for s, _, _ in syl[j : j + m]) in self.index for m in range(1, self.max_len + 1))

    @staticmethod
    def _typed(text: str, syl: list[tuple[str, int, int]], i: int) -> str | None:
        """The type word right before syllable ``i`` ("huyen", "thanh pho", "tp"), if any.

        It is checked in the original text: "quản lý" folds to "quan ly" but is no "Quận".
        """

        if i < 1 or text[syl[i - 1][2] : syl[i][1]].strip(" .") or "\n" in text[syl[i - 1][2] : syl[i][1]]:
            return None  # the type word must stand right before the name

        def plain(j: int) -> str:
            word = text[syl[j][1] : syl[j][2]]
            return syl[j][0] if word.lower() in _TYPE_SURFACES or not has_vietnamese_diacritics(word) else ""

        prev1 = plain(i - 1) if i >= 1 else ""
        prev2 = f"{plain(i - 2)} {prev1}" if i >= 2 else ""
        if prev2 in ("thanh pho", "thi xa"):
            return prev2
        if prev1 in ("h", "q"):  # "H. Sơn Dương", "Q.1": only as a capital letter with a dot
            start, end = syl[i - 1][1], syl[i - 1][2]
            return prev1 if text[start:end].isupper() and text[end : end + 1] == "." else None
        return prev1 if prev1 in _TYPE_WORDS else None

    @staticmethod
    def _by_type(units: list[Unit], typed: str | None) -> list[Unit]:
        """Order candidates so the one matching the type word comes first."""
        if not typed:
            return units
        wanted = _WANTED.get(typed, ())
        return sorted(units, key=lambda u: u.type not in wanted)

    @staticmethod
    def _accept(key: str, surface: str, units: list[Unit], *, typed: bool, lower_plain: bool, prev: str = "") -> bool:
        words = surface.split()
        lower = lower_plain or surface == surface.lower()
        if key in _ONE_WORD_ALIASES and (surface[:1].isupper() or lower):  # "TPHCM", "tphcm", "saigon"
            return True
        if key in _CASED_SHORT:
            return surface == _CASED_SHORT[key] or (typed and key != "h")
        short = len(key.split()) == 1 or any(ch.isdigit() for ch in key)
        if short and not typed:
            return False
        capitalised = all(w[:1].isupper() for w in words if w[:1].isalpha())
        if capitalised or typed:
            return True
        if key in COMMON_IN_LOWER_CASE and prev not in COMMON_IN_LOWER_CASE[key]:
            return False
        return lower and any(u.district_code is None for u in units)

    def _resolve(self, found: list[tuple[int, str, list[Unit], bool]], hint: str | None) -> list[Location]:
        named = {u.province_code for _, _, units, _ in found for u in units[:1] if u.district_code is None}
        out: list[Location] = []
        seen: set[tuple[str, str | None]] = set()
        for _pos, _key, units, typed in found:
            unit = self._choose(units, named, hint, typed)
            if unit is None:
                continue
            ident = (unit.province_code, unit.district_code)
            if ident not in seen:
                seen.add(ident)
                name = f"{unit.type} {unit.name}" if unit.name[:1].isdigit() else unit.name  # "Quận 1"
                out.append(Location(name=name, province_code=unit.province_code, district_code=unit.district_code))
        return out

    @staticmethod
    def _choose(units: list[Unit], named: set[str], hint: str | None, typed: bool) -> Unit | None:
        provinces = [u for u in units if u.district_code is None]
        districts = [u for u in units if u.district_code]
        # A province's own name ("Tuyên Quang") wins over its namesake city unless typed as one.
        if provinces and not (typed and districts and units[0].district_code):
            return provinces[0]
        if len(districts) == 1:
            return districts[0]
        for pool in (named, {hint} if hint else set()):
            inside = [u for u in districts if u.province_code in pool]
            if len(inside) == 1:
                return inside[0]
        return None
