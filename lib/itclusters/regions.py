"""The 16 first-level units of Kazakhstan of 2010-2017 (the article's), and a name resolver.

The units are the ``kz16`` layout of ``data/layouts/`` (``units.csv``): the layouts there are the
only description of which units exist.  The spellings the resolver knows beyond each unit's names
(transliterations, the Kazakh Latin alphabets of 2018 and 2021, the bureau's abbreviations, ISO
3166-2 and KATO codes, total rows) are data too, ``data/layouts/spellings.csv``; this module holds
only the rules of matching (case, spacing, look-alike letters, the words for region and city).
Spellings for the layouts of 2018 onwards are resolved by :func:`itclusters.layouts.resolve_region`
on the same tables.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from ._checks import checked
from ._tables import layout_table, layout_unit_ids

__all__ = [
    "REGION_IDS",
    "Region",
    "UnknownRegionError",
    "PostReformRegionError",
    "regions",
    "resolve_region",
    "region_name",
]

#: The layout of the article (2010-2017); its units are :data:`REGION_IDS`.
ARTICLE_LAYOUT = "kz16"
#: The unit id of a national total row.
NATIONAL = "national"
# Families of spellings.csv that are names (a unit with the same name as an earlier one, such as
# ``east_kazakhstan_2022``, is known by them too); codes (ISO, KATO) belong to one unit each.
_NAME_FAMILIES = ("common", "latin_2021", "latin_2018", "bureau")
_CODE_FAMILIES = ("iso_alpha", "iso_numeric")


@dataclass(frozen=True)
class Region:
    id: str
    name_en: str
    name_kk: str
    name_ru: str
    iso_3166_2: str
    kind: str  # "oblast" or "city"
    aliases: tuple[str, ...] = ()


def _units() -> pd.DataFrame:
    return layout_table("units").set_index("unit_id")


def _spelling_rows(unit: str, layout: str) -> list[tuple[str, str]]:
    """(form, family) of ``spellings.csv`` for ``unit`` that are valid in ``layout``."""
    return [(form, family) for form, family, layouts in _spellings_of().get(unit, ())
            if not layouts or layout in layouts.split("|")]


@lru_cache(maxsize=None)
def _spellings_of() -> dict[str, tuple[tuple[str, str, str], ...]]:
    """Each unit's rows of ``spellings.csv`` (form, family, layouts), in the file's order:
    read through once, not once per unit (made as fresh as the table it reads, which is read
    once)."""
    out: dict[str, list] = {}
    for r in layout_table("spellings").itertuples(index=False):
        out.setdefault(r.unit_id, []).append((r.form, r.family, r.layouts))
    return {unit: tuple(rows) for unit, rows in out.items()}


def _registry() -> tuple[Region, ...]:
    table = _units()
    out = []
    for unit in layout_unit_ids(ARTICLE_LAYOUT):
        row = table.loc[unit]
        aliases = tuple(form for form, _ in _spelling_rows(unit, ARTICLE_LAYOUT))
        out.append(Region(unit, row["name_en"], row["name_kk"], row["name_ru"],
                          row["iso_3166_2"], row["kind"], aliases))
    return tuple(out)


# Order = order of the rows in the article's Tables 2 and 3 (and of units.csv).
_REGISTRY: tuple[Region, ...] = _registry()
REGION_IDS: tuple[str, ...] = tuple(r.id for r in _REGISTRY)
_BY_ID = {r.id: r for r in _REGISTRY}


def _article_parent(unit: str) -> str:
    """The unit of the article's layout whose territory ``unit`` was part of (the crosswalk)."""
    table = layout_table("crosswalk")
    while unit not in _BY_ID:
        rows = table[table["later_unit"] == unit]
        if rows.empty:  # pragma: no cover - a registry error
            raise RuntimeError(f"data/layouts/crosswalk.csv: no earlier unit for {unit!r}")
        unit = rows["earlier_unit"].iloc[0]
    return unit


#: Longest text the resolver tries to match (a region name with its qualifiers is far shorter);
#: anything longer is refused at once rather than searched for suggestions.
MAX_NAME_LENGTH = 200

# Generic words that may surround a name ("... region", "oblast of ...", "г. ...").
_GENERIC = {"region", "oblast", "obl", "oblysy", "oblys", "province", "область", "обл",
            "облысы", "облыс", "the", "of"}
# words that say "region, not city": they settle "Almaty oblysy" (the region) at once
_REGION_WORDS = _GENERIC - {"the", "of"}
_CITY_WORDS = {"city", "qalasy", "kalasy", "город", "г", "қаласы", "каласы"}

# Cyrillic letters that look like Latin ones; source spreadsheets mix them into names of
# either script, so a name is tried with the look-alikes turned both ways.
_ALMATY = {"almaty", "алматы"}
# (compared after case folding, so that upper-case look-alikes such as В/B and Н/H count too)
_CYRILLIC_LOOKS = "авекмнорстухі"
_LATIN_LOOKS = "abekmhopctyxi"
_HOMOGLYPHS = str.maketrans(_CYRILLIC_LOOKS, _LATIN_LOOKS)
_TO_CYRILLIC = str.maketrans(_LATIN_LOOKS, _CYRILLIC_LOOKS)

# Transliterations of the registry's Russian and Kazakh names, so that "Aktyubinskaya oblast",
# "Kostanai oblysy" or "Almaty qalasy" need no alias of their own.  Each table is one common
# convention (BGN/PCGN-like; "ia/iu/i"; Kazakh Latin with q/gh; Kazakh with k/g).
_RU_LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
                      "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y",
                      "", "e", "yu", "ya"]))
_KK_LATIN = {"ә": "a", "ғ": "gh", "қ": "q", "ң": "ng", "ө": "o", "ұ": "u", "ү": "u", "һ": "h",
             "і": "i"}
_TRANSLITERATIONS = (
    {**_RU_LATIN, **_KK_LATIN},
    {**_RU_LATIN, "й": "i", "ю": "iu", "я": "ia", "х": "h", **_KK_LATIN},
    {**_RU_LATIN, "й": "j", "ю": "ju", "я": "ja", "х": "h", **_KK_LATIN},
    {**_RU_LATIN, "й": "i", **_KK_LATIN, "ғ": "g", "қ": "k", "ң": "n"},
    {**_RU_LATIN, **_KK_LATIN, "ғ": "g", "қ": "k", "ң": "n"},
)


def _transliterate(text: str, table: dict[str, str]) -> str:
    return "".join(table.get(ch, ch) for ch in text.casefold())


class UnknownRegionError(KeyError):
    """A name that matches none of the 16 regions of 2010-2016."""

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return str(self.args[0])


class PostReformRegionError(UnknownRegionError):
    """A unit created after 2016: it is recognised, but has no 2010-2016 counterpart of its own."""

    def __init__(self, message: str, parent: str):
        super().__init__(message)
        self.parent = parent


def _key(name: str) -> str:
    text = str(name).strip().casefold()
    has_latin = re.search(r"[a-z]", text) is not None
    if has_latin:
        text = text.translate(_HOMOGLYPHS)
    return _normal(text)


def _keys(name: str) -> list[str]:
    """The name's key, and its key with Latin look-alikes made Cyrillic."""
    keys = [_key(name)]
    text = str(name).strip().casefold()
    if re.search(r"[a-z]", text):  # "BKO" typed with Latin letters is ВКО
        cyrillic = _normal(text.translate(_TO_CYRILLIC))
        if cyrillic not in keys:
            keys.append(cyrillic)
    return keys


def _normal(text: str) -> str:
    # the dotless ı of the 2021 Kazakh Latin alphabet upper-cases to I: read it as i
    text = unicodedata.normalize("NFKD", text.casefold().replace("ı", "i"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^\w]+", " ", text).replace("_", " ")
    return " ".join(text.split())


def _strip(key: str, words: set[str]) -> str:
    return " ".join(w for w in key.split() if w not in words)


@lru_cache(maxsize=None)
def _layout_index(layout: str) -> dict[str, str]:
    """Key -> unit id for the units of ``layout``: their ids, names, transliterations of their
    Kazakh and Russian names, and the forms of ``spellings.csv`` valid in that layout."""
    table = _units()
    index: dict[str, str] = {}
    for unit in layout_unit_ids(layout):
        row = table.loc[unit]
        spellings = [unit, row["name_en"], row["name_kk"], row["name_ru"]]
        for name in (row["name_kk"], row["name_ru"]):
            spellings += [_transliterate(name, t) for t in _TRANSLITERATIONS]
        spellings += [form for form, _ in _spelling_rows(unit, layout)]
        if row["same_name_as"]:  # the same name as an earlier unit: its names, not its codes
            spellings += [form for form, family in _spelling_rows(row["same_name_as"], layout)
                          if family in _NAME_FAMILIES]
        for spelling in spellings:
            key = _key(spelling)
            if index.get(key, unit) != unit:
                raise RuntimeError(f"data/layouts/spellings.csv: spelling {spelling!r} names "
                                   f"both {index[key]!r} and {unit!r} in layout {layout}")
            index[key] = unit
    return index


@lru_cache(maxsize=None)
def _code_keys() -> frozenset[str]:
    """Keys of ISO 3166-2 codes: a code belongs to its generation's layouts only."""
    table = layout_table("spellings")
    return frozenset(_key(f) for f in table.loc[table["family"].isin(_CODE_FAMILIES), "form"])


@lru_cache(maxsize=None)
def _national_keys() -> frozenset[str]:
    table = layout_table("spellings")
    return frozenset(_key(f) for f in table.loc[table["unit_id"] == NATIONAL, "form"])


@lru_cache(maxsize=None)
def _later_units_index() -> dict[str, str]:
    """Keys of units created after the article's layout (Shymkent, Turkestan, Abai ...)."""
    out: dict[str, str] = {}
    layouts = layout_table("layouts")["layout"]
    table = _units()
    for layout in layouts:
        for key, unit in _layout_index(layout).items():
            if unit not in _BY_ID and not table.loc[unit, "same_name_as"]:
                out.setdefault(key, unit)
    return out


# the resolver's indexes (_layout_index(ARTICLE_LAYOUT), _later_units_index()) are made at
# its first use, not on import: a dashboard that resolves no name never pays for them


def _kind(unit: str) -> str:
    return _units().loc[unit, "kind"]


def _lookup_in(index: dict[str, str], key: str) -> str | None:
    """Exact key, then with generic words removed; city words only decide between cities."""
    if key in index:
        return index[key]
    bare = _strip(key, _GENERIC)
    if bare in index and _kind(index[bare]) == "oblast":
        return index[bare]
    mentions_city = any(w in _CITY_WORDS for w in key.split())
    mentions_region = any(w in _REGION_WORDS for w in key.split())
    core = _strip(bare, _CITY_WORDS)
    if core in _ALMATY:
        # "Almaty" alone is ambiguous; a word for city or for region settles it
        if mentions_city == mentions_region:
            return None
        return index.get("almaty city" if mentions_city else "almaty region")
    if core in index:
        found = index[core]
        if mentions_city and _kind(found) != "city":
            return None
        return found
    return None


def _lookup(key: str) -> str | None:
    return _lookup_in(_layout_index(ARTICLE_LAYOUT), key)


def is_total_row(name: str) -> bool:
    """Whether ``name`` is a national total row ("Республика Казахстан, всего", "Total" ...)."""
    return isinstance(name, str) and any(k in _national_keys() for k in _keys(name))


def names_a_unit(name: str) -> bool:
    """Whether ``name`` is a spelling of a unit of any layout (not a total row)."""
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_LENGTH:
        return False
    keys = _keys(name)
    return any(_lookup_in(_layout_index(layout), key) is not None
               for layout in layout_table("layouts")["layout"] for key in keys)


def _is_ambiguous_almaty(key: str) -> bool:
    return _strip(_strip(key, _GENERIC), _CITY_WORDS) in _ALMATY


def _check_name(name) -> None:
    """Refuse what cannot be a region's name before any matching (empty, not text, too long)."""
    if not isinstance(name, str) or not name.strip():
        raise UnknownRegionError(f"region name must be a non-empty string, got {name!r}")
    if len(name) > MAX_NAME_LENGTH:
        raise UnknownRegionError(
            f"region name of {len(name):,} characters ({name[:40]!r}...) is too long: a region "
            f"name has at most {MAX_NAME_LENGTH} characters; is the right column being read?")


def resolve_region(name: str) -> str:
    """Map any common spelling of one of the 16 regions of 2010-2016 to its region id.

    Accepts the article's spellings ("Karagand region"), transliterations ("Qaraghandy",
    "Ontustik Kazakhstan"), Russian and Kazakh names, ISO 3166-2 codes of the period and
    later names of the capital ("Nur-Sultan").

    Parameters
    ----------
    name : str
        The spelling to resolve.

    Returns
    -------
    str
        One of :data:`REGION_IDS`.

    Raises
    ------
    PostReformRegionError
        For units created after 2016 (Shymkent, Turkestan, Abai, Jetisu, Ulytau); the message
        names the 2010-2016 unit they belong to, available as ``.parent``.
    UnknownRegionError
        For anything else, with the closest ids suggested.

    Examples
    --------
    >>> resolve_region("Karagand region")
    'karaganda'
    >>> resolve_region("Карагандинская область")
    'karaganda'
    >>> resolve_region("Almaty (city)"), resolve_region("Almaty region")
    ('almaty_city', 'almaty_region')
    >>> resolve_region("Nur-Sultan")
    'astana'
    """
    _check_name(name)
    keys = _keys(name)
    for key in keys:
        found = _lookup(key)
        if found is not None:
            return found
    key = keys[0]
    for candidate in (key, _strip(key, _GENERIC), _strip(key, _GENERIC | _CITY_WORDS)):
        if candidate in _later_units_index():
            unit = _later_units_index()[candidate]
            parent = _article_parent(unit)
            raise PostReformRegionError(
                f"{name!r} is not one of the 16 units of 2010-2016 (the article's layout, in "
                f"force to 2017): {_units().loc[unit, 'note']}; its territory was then part of "
                f"{parent!r} ({_BY_ID[parent].name_en}). Read a table of a later year on that "
                f"year's units (itclusters.resolve_region(name, year=...); read_indicators does "
                f"so for each year), or bring levels, never ratios, to the 16 units with "
                f"itclusters.harmonise", parent)
    if _is_ambiguous_almaty(key):
        raise UnknownRegionError(
            f"{name!r} is ambiguous: use 'almaty_city' (Almaty city) or 'almaty_region' "
            f"(Almaty region)")
    raise UnknownRegionError(
        f"unknown region {name!r}; closest ids: {', '.join(_suggest(key))}. "
        f"Known ids: {', '.join(REGION_IDS)}")


def _suggest(key: str, n: int = 3) -> list[str]:
    scored: dict[str, float] = {}
    for spelling, rid in _layout_index(ARTICLE_LAYOUT).items():
        score = difflib.SequenceMatcher(None, key, spelling).ratio()
        scored[rid] = max(score, scored.get(rid, 0.0))
    return sorted(scored, key=lambda rid: -scored[rid])[:n]


@checked
def region_name(region_id: str, lang: str = "en") -> str:
    """The name of a region in English (``"en"``), Kazakh (``"kk"``) or Russian (``"ru"``).

    >>> region_name("south_kazakhstan", "ru")
    'Южно-Казахстанская область'
    """
    if region_id not in _BY_ID:
        raise UnknownRegionError(f"unknown region id {region_id!r}; known: {', '.join(REGION_IDS)}")
    if lang not in ("en", "kk", "ru"):
        raise ValueError(f"lang must be 'en', 'kk' or 'ru', got {lang!r}")
    return getattr(_BY_ID[region_id], f"name_{lang}")


@checked
def regions() -> pd.DataFrame:
    """The registry as a table indexed by region id.

    >>> table = regions()
    >>> len(table), table.loc["astana", "iso_3166_2"], int((table["kind"] == "city").sum())
    (16, 'KZ-AST', 2)
    """
    rows = [{"region_id": r.id, "name_en": r.name_en, "name_kk": r.name_kk, "name_ru": r.name_ru,
             "iso_3166_2": r.iso_3166_2, "kind": r.kind} for r in _REGISTRY]
    return pd.DataFrame(rows).set_index("region_id")
