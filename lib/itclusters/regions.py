"""The 16 first-level units of Kazakhstan as they were in 2010-2016, and a name resolver.

The registry is the single place where region ids, names and codes live.  Names
and ISO 3166-2 codes are those valid throughout 2010-2016 (see
``shapefiles/PROVENANCE.md``, section 4).
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

__all__ = [
    "REGION_IDS",
    "Region",
    "UnknownRegionError",
    "PostReformRegionError",
    "regions",
    "resolve_region",
    "region_name",
]


@dataclass(frozen=True)
class Region:
    id: str
    name_en: str
    name_kk: str
    name_ru: str
    iso_3166_2: str
    kind: str  # "oblast" or "city"
    aliases: tuple[str, ...] = ()


# Order = order of the rows in the article's Tables 2 and 3.
_REGISTRY: tuple[Region, ...] = (
    Region("akmola", "Akmola", "Ақмола облысы", "Акмолинская область", "KZ-AKM", "oblast",
           ("Aqmola", "Akmolinskaya", "Akmolinsk", "Ақмола", "Акмолинская")),
    Region("aktobe", "Aktobe", "Ақтөбе облысы", "Актюбинская область", "KZ-AKT", "oblast",
           ("Aqtobe", "Aqtöbe", "Aktyubinsk", "Aktyubinskaya", "Aktubinskaya", "Aktobinskaya", "Актобе", "Ақтөбе", "Актюбинская")),
    Region("almaty_region", "Almaty (region)", "Алматы облысы", "Алматинская область", "KZ-ALM",
           "oblast", ("Almaty region", "Almaty oblast", "Almaty province", "Almatinskaya",
                      "Almatinskaya oblast", "Алматинская")),
    Region("atyrau", "Atyrau", "Атырау облысы", "Атырауская область", "KZ-ATY", "oblast",
           ("Atyrauskaya", "Guryev", "Атырау", "Атырауская")),
    Region("west_kazakhstan", "West-Kazakhstan", "Батыс Қазақстан облысы",
           "Западно-Казахстанская область", "KZ-ZAP", "oblast",
           ("West Kazakhstan", "Batys Kazakhstan", "Batys Qazaqstan", "Zapadno-Kazakhstanskaya",
            "WKO", "ZKO", "ЗКО", "Батыс Қазақстан", "Западно-Казахстанская")),
    Region("zhambyl", "Zhambyl", "Жамбыл облысы", "Жамбылская область", "KZ-ZHA", "oblast",
           ("Jambyl", "Zhambylskaya", "Dzhambul", "Dzhambulskaya", "Dzhambylskaya", "Жамбыл", "Жамбылская")),
    Region("karaganda", "Karaganda", "Қарағанды облысы", "Карагандинская область", "KZ-KAR",
           "oblast", ("Karagand", "Karagandy", "Qaraghandy", "Qaragandy", "Karagandinskaya",
                      "Қарағанды", "Караганда", "Карагандинская")),
    Region("kostanay", "Kostanay", "Қостанай облысы", "Костанайская область", "KZ-KUS", "oblast",
           ("Qostanay", "Qostanai", "Kostanai", "Kustanai", "Kustanay", "Kostanayskaya",
            "Kostanaiskaya", "Kustanaiskaya", "Қостанай", "Костанай",
            "Костанайская")),
    Region("kyzylorda", "Kyzylorda", "Қызылорда облысы", "Кызылординская область", "KZ-KZY",
           "oblast", ("Qyzylorda", "Kzyl-Orda", "Kyzyl-Orda", "Kzylorda", "Kzyl Orda",
                      "Kyzylordinskaya", "Kzyl-Ordinskaya", "Kzylordinskaya", "Қызылорда", "Кызылорда",
                      "Кызылординская")),
    Region("mangystau", "Mangystau", "Маңғыстау облысы", "Мангистауская область", "KZ-MAN",
           "oblast", ("Mangghystau", "Manghystau", "Mangystau", "Mangistau", "Mangistauskaya",
                      "Mangystauskaya", "Mangyshlak", "Маңғыстау",
                      "Мангистау", "Мангистауская")),
    Region("south_kazakhstan", "South-Kazakhstan", "Оңтүстік Қазақстан облысы",
           "Южно-Казахстанская область", "KZ-YUZ", "oblast",
           ("South Kazakhstan", "Ontustik Kazakhstan", "Ongtustik Qazaqstan", "Ontustik Qazaqstan",
            "Yuzhno-Kazakhstanskaya", "SKR", "YKO", "ЮКО", "Оңтүстік Қазақстан",
            "Южно-Казахстанская")),
    Region("pavlodar", "Pavlodar", "Павлодар облысы", "Павлодарская область", "KZ-PAV", "oblast",
           ("Pavlodarskaya", "Павлодар", "Павлодарская")),
    Region("north_kazakhstan", "North-Kazakhstan", "Солтүстік Қазақстан облысы",
           "Северо-Казахстанская область", "KZ-SEV", "oblast",
           ("North Kazakhstan", "Soltustik Kazakhstan", "Soltustik Qazaqstan",
            "Severo-Kazakhstanskaya", "NKO", "СКО", "Солтүстік Қазақстан", "Северо-Казахстанская")),
    Region("east_kazakhstan", "East-Kazakhstan", "Шығыс Қазақстан облысы",
           "Восточно-Казахстанская область", "KZ-VOS", "oblast",
           ("East Kazakhstan", "Shygys Kazakhstan", "Shyghys Qazaqstan", "Vostochno-Kazakhstanskaya",
            "EKO", "VKO", "ВКО", "Шығыс Қазақстан", "Восточно-Казахстанская")),
    Region("astana", "Astana", "Астана қаласы", "город Астана", "KZ-AST", "city",
           ("Astana city", "City of Astana", "Nur-Sultan", "Nursultan", "Nur-Sultan city",
            "Tselinograd", "Астана", "г. Астана", "Нур-Султан", "Нұр-Сұлтан")),
    Region("almaty_city", "Almaty (city)", "Алматы қаласы", "город Алматы", "KZ-ALA", "city",
           ("Almaty city", "City of Almaty", "Alma-Ata", "Alma Ata", "г. Алматы", "Алма-Ата")),
)

REGION_IDS: tuple[str, ...] = tuple(r.id for r in _REGISTRY)
_BY_ID = {r.id: r for r in _REGISTRY}

# Units created after 2016, with the 2010-2016 unit whose territory they were part of.
_POST_REFORM: dict[str, tuple[str, str]] = {
    "shymkent": ("south_kazakhstan",
                 "Shymkent became a city of republican significance in June 2018; in 2010-2016 it "
                 "was part of South-Kazakhstan region"),
    "turkestan": ("south_kazakhstan",
                  "Turkestan region is South-Kazakhstan region renamed in June 2018 after "
                  "Shymkent was split off; in 2010-2016 the unit was South-Kazakhstan"),
    "abai": ("east_kazakhstan",
             "Abai region was split off East-Kazakhstan region in June 2022"),
    "jetisu": ("almaty_region",
               "Jetisu region was split off Almaty region in June 2022"),
    "ulytau": ("karaganda",
               "Ulytau region was split off Karaganda region in June 2022"),
}
_POST_REFORM_ALIASES = {
    "shymkent": ("Shymkent", "Shymkent city", "Chimkent", "Шымкент", "г. Шымкент"),
    "turkestan": ("Turkestan", "Turkistan", "Turkestan region", "Туркестанская",
                  "Туркестанская область", "Түркістан"),
    "abai": ("Abai", "Abay", "Abai region", "Абай", "Абайская", "Абайская область"),
    "jetisu": ("Jetisu", "Zhetysu", "Zhetisu", "Jetisu region", "Жетісу", "Жетысуская",
               "Жетысуская область"),
    "ulytau": ("Ulytau", "Ulytau region", "Ұлытау", "Улытауская", "Улытауская область"),
}

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
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^\w]+", " ", text).replace("_", " ")
    return " ".join(text.split())


def _strip(key: str, words: set[str]) -> str:
    return " ".join(w for w in key.split() if w not in words)


def _build_index() -> tuple[dict[str, str], dict[str, str]]:
    exact: dict[str, str] = {}
    for r in _REGISTRY:
        spellings = [r.id, r.name_en, r.name_kk, r.name_ru, r.iso_3166_2, *r.aliases]
        for name in (r.name_kk, r.name_ru):
            spellings += [_transliterate(name, table) for table in _TRANSLITERATIONS]
        for spelling in spellings:
            key = _key(spelling)
            if exact.get(key, r.id) != r.id:  # pragma: no cover - a registry error
                raise RuntimeError(f"spelling {spelling!r} names both {exact[key]} and {r.id}")
            exact[key] = r.id
    post: dict[str, str] = {}
    for unit, spellings in _POST_REFORM_ALIASES.items():
        for spelling in spellings:
            post[_key(spelling)] = unit
    return exact, post


_EXACT, _POST = _build_index()


def _lookup(key: str) -> str | None:
    """Exact key, then with generic words removed; city words only decide between cities."""
    if key in _EXACT:
        return _EXACT[key]
    bare = _strip(key, _GENERIC)
    if bare in _EXACT and _BY_ID[_EXACT[bare]].kind == "oblast":
        return _EXACT[bare]
    mentions_city = any(w in _CITY_WORDS for w in key.split())
    mentions_region = any(w in _REGION_WORDS for w in key.split())
    core = _strip(bare, _CITY_WORDS)
    if core in _ALMATY:
        # "Almaty" alone is ambiguous; a word for city or for region settles it
        if mentions_city == mentions_region:
            return None
        return "almaty_city" if mentions_city else "almaty_region"
    if core in _EXACT:
        found = _EXACT[core]
        if mentions_city and _BY_ID[found].kind != "city":
            return None
        return found
    return None


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
        if candidate in _POST:
            unit = _POST[candidate]
            parent, why = _POST_REFORM[unit]
            raise PostReformRegionError(
                f"{name!r} is not one of the 16 units of 2010-2016: {why}. Report its values "
                f"under {parent!r} (summing with the other parts of that unit).", parent)
    if _strip(_strip(key, _GENERIC), _CITY_WORDS) in _ALMATY:
        raise UnknownRegionError(
            f"{name!r} is ambiguous: use 'almaty_city' (Almaty city) or 'almaty_region' "
            f"(Almaty region)")
    raise UnknownRegionError(
        f"unknown region {name!r}; closest ids: {', '.join(_suggest(key))}. "
        f"Known ids: {', '.join(REGION_IDS)}")


def _suggest(key: str, n: int = 3) -> list[str]:
    scored: dict[str, float] = {}
    for spelling, rid in _EXACT.items():
        score = difflib.SequenceMatcher(None, key, spelling).ratio()
        scored[rid] = max(score, scored.get(rid, 0.0))
    return sorted(scored, key=lambda rid: -scored[rid])[:n]


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


def regions() -> pd.DataFrame:
    """The registry as a table indexed by region id.

    >>> table = regions()
    >>> len(table), table.loc["astana", "iso_3166_2"], int((table["kind"] == "city").sum())
    (16, 'KZ-AST', 2)
    """
    rows = [{"region_id": r.id, "name_en": r.name_en, "name_kk": r.name_kk, "name_ru": r.name_ru,
             "iso_3166_2": r.iso_3166_2, "kind": r.kind} for r in _REGISTRY]
    return pd.DataFrame(rows).set_index("region_id")
