"""Entity-blind text: names of countries, places, groups, organisations and persons → their type.

Why: who or where a text names must not move its rumor or sentiment score (principle 1,
issue 21). Trained on 2020 posts, a lexical model learns that "Trung Quốc" co-occurs with
unreliable posts, and then rates a neutral official sentence about a vaccine donation as
suspect because of the donor's name. Replacing every such name by its type
(``<QUỐC_GIA>``, ``<ĐỊA_DANH>``, ``<DÂN_TỘC>``, ``<TÔN_GIÁO>``, ``<TỔ_CHỨC>``, ``<NGƯỜI>``),
in training and in scoring alike, leaves the model only what is *said*.

Where names come from:

* provinces and districts of Vietnam: the gazetteer of :mod:`nlp.places` (one table, one
  matcher for both location tagging and masking);
* countries, foreign places, ethnic groups, religions and organisations:
  ``nlp/data/entities.yaml`` (its header explains the three precision tiers that keep
  "thẩm mỹ", "anh ấy" and "phương pháp" untouched);
* persons: a rule — two to four capitalised syllables opening with a Vietnamese surname
  ("Nguyễn Văn An"), or a title followed by capitalised syllables ("bác sĩ Lan").

Matching runs on the length-preserving fold of the text, so "trung quoc" typed without
diacritics is found, and every span is a span of the text as written. A name written in lower
case ("ở mỹ", "người hoa", "hà nội") gets the rules of a text typed without diacritics, with or
without its marks: there is no case to go by, so a context word must stand before it, except
for names that are also common words (``lower_case`` in the YAML file). An "any" name is found in
any case, but not where its first syllable, written in lower case, ends another word ("cơ sở y
tế", ``not_after``) nor where the next syllable makes one with it ("nam phi công", ``not_before``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

import yaml

from nlp.normalize import NormalizedText, expand_shorthand, unify_tone_marks
from tinradar.text import fold, fold_aligned, has_vietnamese_diacritics

ENTITIES_FILE = Path(__file__).with_name("data") / "entities.yaml"


class EntityType(StrEnum):
    """What a masked name was; the value is the token that replaces it."""

    COUNTRY = "<QUỐC_GIA>"
    PLACE = "<ĐỊA_DANH>"
    ETHNIC = "<DÂN_TỘC>"
    RELIGION = "<TÔN_GIÁO>"
    ORGANISATION = "<TỔ_CHỨC>"
    PERSON = "<NGƯỜI>"


#: Every mask token, lower-cased and folded too, as the models' tokenisers see them.
MASK_TOKENS: frozenset[str] = frozenset(
    form for t in EntityType for form in (t.value, t.value.lower(), fold(t.value), fold(t.value).upper())
)

#: Any type token in a masked text (as ``Masker.mask`` writes them).
MASK_TOKEN_RE = re.compile("|".join(re.escape(t.value) for t in EntityType))

_SECTIONS = {
    "country": EntityType.COUNTRY,
    "place": EntityType.PLACE,
    "religion": EntityType.RELIGION,
    "organisation": EntityType.ORGANISATION,
}
#: When two matches overlap the longer wins; on equal length, the earlier type here.
_PRIORITY = (
    EntityType.RELIGION,
    EntityType.ORGANISATION,
    EntityType.COUNTRY,
    EntityType.PLACE,
    EntityType.ETHNIC,
    EntityType.PERSON,
)
_WORD = re.compile(r"[\w']+")
_SENTENCE_END = re.compile(r"(?:^|[.!?:\n\"“”(\[]\s*)$")


@dataclass(frozen=True)
class Entity:
    """A name found in a text: where it is (characters of the text as given) and its type."""

    start: int
    end: int
    kind: EntityType
    surface: str


def _key(name: str) -> str:
    return " ".join(_WORD.findall(fold(name)))


def _marked(name: str) -> str:
    """Like :func:`_key`, with the diacritics kept ("từ" and "tư" stay two words)."""
    return " ".join(_WORD.findall(unify_tone_marks(name).lower()))


def with_types(text: str, entities: Sequence[Entity]) -> str:
    """``text`` with these names (found in it, in text order) replaced by their type token: the
    masker's whole mask, or a part of it (the claim finder keeps the names a claim uses)."""
    if not entities:
        return text
    parts: list[str] = []
    pos = 0
    for e in entities:
        parts += [text[pos : e.start], e.kind.value]
        pos = e.end
    parts.append(text[pos:])
    return "".join(parts)


@dataclass(frozen=True)
class _Name:
    name: str
    kind: EntityType
    tier: str  # "any" | "cap" | "ctx"


def _capitalised(surface: str) -> bool:
    return surface[:1].isupper()


def _same_marks(surface: str, name: str, *, plain_ok: bool = True) -> bool:
    """The surface is the name as written (any case), or — when ``plain_ok`` — the name typed
    without diacritics. One-syllable names without their marks are too often another word
    ("Lao" of "Lao động"), so they pass ``plain_ok=False`` unless the whole text is plain."""
    if not has_vietnamese_diacritics(surface) and has_vietnamese_diacritics(name):
        return plain_ok
    a = re.sub(r"[\s\-]+", " ", unify_tone_marks(surface).lower())
    return a == re.sub(r"[\s\-]+", " ", name.lower())


class Masker:
    """Finds names in a text and replaces them by their type; build once, reuse."""

    def __init__(self, path: Path = ENTITIES_FILE) -> None:
        from nlp.places import Gazetteer

        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.gazetteer = Gazetteer()
        self._found: dict[str, tuple[Entity, ...]] = {}
        self.context = {_key(w) for w in data["context_words"]}
        self.not_before = {k: set(v) for k, v in (data.get("not_before") or {}).items()}
        self.not_before_unless = {_key(w) for w in data.get("not_before_unless") or []}
        self.titles = {_key(w) for w in data["person_titles"]}
        self.surnames = {unify_tone_marks(s) for s in data["surnames"]}
        self.not_names = {_key(w) for w in data.get("not_names") or []}
        #: name → the only context words that make it a name in lower case (empty: none)
        self.lower_only_after = {
            _key(str(n)): {_marked(w) for w in words or []} for n, words in (data.get("lower_case") or {}).items()
        }
        #: the same, folded: a text typed without diacritics
        self.lower_only_after_plain = {n: {_key(w) for w in ws} for n, ws in self.lower_only_after.items()}
        #: one-syllable names found anywhere in lower case with their marks, and the syllables
        #: before them that make another word ("thẩm mỹ", "đạo đức")
        self.lower_anywhere = {_key(str(n)) for n in data.get("lower_case_anywhere") or []}
        #: name → the syllables before it that make another word with its first syllable, with
        #: their marks, and folded for a text typed without diacritics
        self.not_after = {_key(n): {_marked(w) for w in ws or []} for n, ws in (data.get("not_after") or {}).items()}
        self.not_after_plain = {n: {_key(w) for w in ws} for n, ws in self.not_after.items()}
        self.context_marked = {_marked(w) for w in data["context_words"]}
        names: dict[str, list[_Name]] = {}

        def add(name: str, kind: EntityType, tier: str) -> None:
            names.setdefault(_key(name), []).append(_Name(unify_tone_marks(name), kind, tier))

        for section, kind in _SECTIONS.items():
            for tier in ("any", "cap", "ctx"):
                for name in data[section].get(tier) or []:
                    add(str(name), kind, tier)
        ethnic = data["ethnic"]
        self.ethnic_after = {_key(w) for w in ethnic["after"]}
        self.ethnic_after_lower = {_marked(w) for w in ethnic["after_in_lower_case"]}
        self.ethnic_after_plain = {_key(w) for w in self.ethnic_after_lower} - {
            _key(w) for w in ethnic.get("not_after_in_plain_text") or []
        }
        self.ethnic: dict[str, list[str]] = {}
        for n in ethnic["names"]:
            self.ethnic.setdefault(_key(n), []).append(unify_tone_marks(n))
        for name in ethnic["alone"]:
            add(str(name), EntityType.ETHNIC, "cap")
        self.names = names
        alternatives = sorted({re.escape(k).replace(r"\ ", r"[\s\-]+") for k in names}, key=len, reverse=True)
        self._names_re = re.compile(r"(?<![\w'])(?:" + "|".join(alternatives) + r")(?![\w'])")
        eth = sorted({re.escape(k).replace(r"\ ", r"[\s\-]+") for k in self.ethnic}, key=len, reverse=True)
        after = sorted({re.escape(k).replace(r"\ ", r"\s+") for k in self.ethnic_after}, key=len, reverse=True)
        self._ethnic_re = re.compile(r"(?<![\w'])(?:" + "|".join(after) + r")\s+((?:" + "|".join(eth) + r"))(?![\w'])")

    # --- finding ------------------------------------------------------------------------
    def find(self, text: str) -> Sequence[Entity]:
        """Names in ``text``, non-overlapping, in order (remembered: the rumor path masks a text and
        the claim finder then reads the same text's names; a tuple of frozen entities, so no caller
        can change what the next one gets)."""
        found = self._found.get(text)
        if found is None:
            if len(self._found) > 4096:
                self._found.clear()
            found = self._found[text] = tuple(self._find(text))
        return found

    def _find(self, text: str) -> list[Entity]:
        if not text:
            return []
        text = unify_tone_marks(text)  # same length: only the mark moves
        folded = fold_aligned(text)
        plain = not has_vietnamese_diacritics(text) and text == text.lower()
        cands: list[Entity] = []
        for m in self._names_re.finditer(folded):
            kind = self._accept(text, folded, m.start(), m.end(), plain)
            if kind is not None:
                cands.append(Entity(m.start(), m.end(), kind, text[m.start() : m.end()]))
        for m in self._ethnic_re.finditer(folded):
            s, e = m.span(1)
            surface = text[s:e]
            key = _key(surface)
            for name in self.ethnic.get(key, []):
                multi = len(name.split()) > 1
                if _same_marks(surface, name, plain_ok=plain or multi) and (
                    _capitalised(surface) or multi or self._lower_ethnic(text, folded, m.start(), s, e, plain)
                ):
                    cands.append(Entity(s, e, EntityType.ETHNIC, surface))
                    break
        cands += [Entity(s, e, EntityType.PLACE, text[s:e]) for s, e in self.gazetteer.spans(text)]
        cands += self._persons(text)
        return _non_overlapping(cands)

    def _accept(self, text: str, folded: str, start: int, end: int, plain: bool) -> EntityType | None:
        surface = text[start:end]
        key = _key(surface)
        before = _words_before(folded, start, 3)
        after = _WORD.findall(folded[end : end + 24])[:2]
        for cand in self.names.get(key, []):
            one = len(key.split()) == 1
            if not _same_marks(surface, cand.name, plain_ok=plain or not one or cand.tier == "any"):
                continue
            if self._makes_a_word(key, after) and self._word_start(text, start):
                continue  # "mỹ phẩm", "Pháp luật …" — but "Đại sứ Mỹ nhân dịp" mid-sentence is the country
            after_context = any(" ".join(before[-n:]) in self.context for n in (1, 2, 3) if len(before) >= n)
            if cand.tier == "any":
                if not _capitalised(surface) and self._after_a_word(text, start, key, plain):
                    continue  # "cơ sở y tế", "cán bộ Công an": the name's head word is another word's end
                return cand.kind
            if plain or surface == surface.lower():  # no case to go by: a context word must stand right before
                if cand.kind is EntityType.ETHNIC:
                    continue  # in lower case only after an ethnic trigger word ("người hoa"): find()
                if self._lower_case_name(text, start, key, before, plain, after_context):
                    return cand.kind
                continue
            if not _capitalised(surface):
                continue
            if cand.tier == "ctx":
                if after_context:
                    return cand.kind
                continue
            if one and not after_context and not self._lone_ok(text, start, end):
                continue
            return cand.kind
        return None

    def _lower_case_name(
        self, text: str, start: int, key: str, before: list[str], plain: bool, after_context: bool
    ) -> bool:
        """A "cap" or "ctx" name written in lower case: after a context word — read with its marks
        when the text has them ("tư pháp" is no "từ Pháp") — or, for the few names in
        ``lower_case_anywhere`` written with their marks, anywhere but inside another word."""
        if not plain:
            marked = [_marked(w) for w in _words_before(text[max(0, start - 40) : start].lower(), 40, 3)]

            def follows(words: set[str]) -> bool:
                return any(" ".join(marked[-n:]) in words for n in (1, 2, 3) if len(marked) >= n)

            only = self.lower_only_after.get(key)
            if only is not None:  # also a common word in lower case ("của anh", "và áo mưa")
                return follows(only)
            if key in self.lower_anywhere:
                return not (self._after_a_word(text, start, key, plain) or (marked and _key(marked[-1]) in self.titles))
            return follows(self.context_marked)
        only = self.lower_only_after_plain.get(key)
        if only is not None:
            return any(" ".join(before[-n:]) in only for n in (1, 2, 3) if len(before) >= n)
        return after_context

    def _after_a_word(self, text: str, start: int, key: str, plain: bool) -> bool:
        """The syllable right before the name makes another word with its first syllable
        (``not_after``: "thẩm mỹ", "cơ sở y tế", "góp phần lan tỏa"). Read with its marks when
        the text has them ("tư pháp" is a word, "từ Pháp" is not); folded in a text typed
        without diacritics, where the marks are not there to tell them apart."""
        if not self.not_after.get(key):
            return False
        prev = _words_before(text[max(0, start - 40) : start].lower(), 40, 1)
        if not prev:
            return False
        if plain:
            return _key(prev[0]) in self.not_after_plain[key]
        return _marked(prev[0]) in self.not_after[key]

    def _lower_ethnic(self, text: str, folded: str, trigger: int, start: int, end: int, plain: bool) -> bool:
        """A one-syllable ethnic name in lower case ("người hoa", "dong bao tay"): only after a
        trigger that names people ("làng hoa", "hộ kinh doanh" are words; read with its marks when
        the text has them: "bạn" is no "bản"), not before a syllable that makes another word
        ("người chăm sóc", "người kinh doanh"), not a common word ("Co")."""
        key = _key(folded[start:end])
        if key in self.lower_only_after:
            return False
        if plain:
            if _key(folded[trigger:start]) not in self.ethnic_after_plain:
                return False
        elif _marked(text[trigger:start]) not in self.ethnic_after_lower:
            return False
        after = _WORD.findall(folded[end : end + 24])[:2]
        return not self._makes_a_word(key, after)

    def _makes_a_word(self, key: str, after: list[str]) -> bool:
        """The name's next syllable makes another word with it ("mỹ phẩm"), unless that syllable
        opens a word of its own with the one after ("Đại sứ mỹ nhân dịp")."""
        return (
            bool(after) and after[0] in self.not_before.get(key, ()) and " ".join(after) not in self.not_before_unless
        )

    @staticmethod
    def _word_start(text: str, start: int) -> bool:
        """The name is lower-case, or capitalised only because it opens a sentence."""
        return not _capitalised(text[start:]) or bool(_SENTENCE_END.search(text[:start]))

    def _lone_ok(self, text: str, start: int, end: int) -> bool:
        """A capitalised one-syllable name alone: not part of a run of capitalised words
        ("Mỹ Tho", "Văn Đức") and not after a person's title ("chị Mỹ")."""
        prev = re.search(r"([\w']+)[ \t]*$", text[:start])
        nxt = re.match(r"[ \t]*([\w']+)", text[end:])
        if nxt and _capitalised(nxt.group(1)) and not text[start:end].isupper():
            return False
        if prev:
            word = prev.group(1)
            if _capitalised(word) and not word.isupper() and not _SENTENCE_END.search(text[: prev.start(1)]):
                return False
            if _key(word) in self.titles:
                return False
        return True

    def _persons(self, text: str) -> list[Entity]:
        """Surname + 1–3 capitalised syllables, or a title + 1–3 capitalised syllables."""
        out: list[Entity] = []
        words = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]
        i = 0
        while i < len(words):
            if not _capitalised(words[i][2]):
                i += 1
                continue
            j = i + 1
            while (
                j < len(words)
                and j - i < 4
                and _capitalised(words[j][2])
                and not text[words[j - 1][1] : words[j][0]].strip(" \t")
            ):
                j += 1
            run = words[i:j]
            start, end = run[0][0], run[-1][1]
            surface = text[start:end]
            if not (surface.isupper() and len(surface) > 3):  # headlines in capitals: no name rule holds
                prev: list[str] = []
                for k in (i - 1, i - 2):
                    if k < 0 or text[words[k][1] : words[k + 1][0]].strip(" \t"):
                        break
                    prev.insert(0, _key(words[k][2]))
                titled = any(" ".join(prev[-n:]) in self.titles for n in (1, 2) if len(prev) >= n)
                if (run[0][2] in self.surnames and len(run) >= 2) or (
                    titled and _key(surface) not in self.not_names and not text[:start].endswith("\n")
                ):
                    out.append(Entity(start, end, EntityType.PERSON, surface))
            i = j
        return out

    # --- masking ------------------------------------------------------------------------
    def mask(self, text: str) -> str:
        """``text`` with every name replaced by its type token. The names come from :meth:`find`,
        which remembers them: the signals, the text models and the claim finder read the same
        opening, and its names are found once (building the masked string again is cheap)."""
        return with_types(text, self.find(text))

    def mask_normalized(self, norm: NormalizedText, limit: int | None = None) -> NormalizedText:
        """The model views of ``norm`` rebuilt from its masked text (shorthand expanded after
        masking, so "TQ" is a country, not the two words it expands to)."""
        text = norm.text if limit is None else norm.text[:limit]
        masked = self.mask(text)
        features = expand_shorthand(masked.lower())
        return replace(norm, text=masked, features=features, folded=fold(features))


def _words_before(folded: str, start: int, n: int) -> list[str]:
    """The ``n`` words right before ``start`` (stopping at a sentence end)."""
    window = folded[max(0, start - 40) : start]
    window = re.split(r"[.!?:;\n]", window)[-1]
    return _WORD.findall(window)[-n:]


def _non_overlapping(cands: list[Entity]) -> list[Entity]:
    """Longest first, then by type priority; drop what overlaps a kept match."""
    order = sorted(cands, key=lambda e: (-(e.end - e.start), _PRIORITY.index(e.kind), e.start))
    kept: list[Entity] = []
    taken: list[tuple[int, int]] = []
    for e in order:
        if all(e.end <= s or e.start >= t for s, t in taken):
            kept.append(e)
            taken.append((e.start, e.end))
    return sorted(kept, key=lambda e: e.start)


@functools.cache
def masker() -> Masker:
    """The shared masker (loaded once per process)."""
    return Masker()


def mask(text: str) -> str:
    """Replace the names in ``text`` by their type (see the module docstring)."""
    return masker().mask(text)


def without_names(text: str) -> str:
    """``text`` with its names left out (masked, then the type tokens dropped): what style
    signals (length, capitals, punctuation) count, so that a score never moves with the
    name, e.g. with "Trung Quốc" being longer and more capitalised than "Mỹ" (issue 21)."""
    return MASK_TOKEN_RE.sub("", masker().mask(text))


def readable(masked: str) -> str:
    """A masked text as the sentence encoder reads it: each type token as plain words
    ("<ĐỊA_DANH>" → "địa danh"). Claim matching embeds its views this way, and so do the models'
    e5 views trained since (``readable`` on the view): the same string, one cached embedding."""
    return MASK_TOKEN_RE.sub(lambda m: m.group()[1:-1].replace("_", " ").lower(), masked)


def is_mask_token(token: str) -> bool:
    """Whether ``token`` is one of the type tokens (any case, folded or not)."""
    return token in MASK_TOKENS


__all__ = [
    "MASK_TOKENS",
    "MASK_TOKEN_RE",
    "Entity",
    "EntityType",
    "Masker",
    "is_mask_token",
    "mask",
    "masker",
    "readable",
    "with_types",
    "without_names",
]
