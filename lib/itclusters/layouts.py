"""Region layouts of Kazakhstan, 2010 to today: which units exist in which year, and how they add up.

Three layouts (``data/layouts/``, see its README):

- ``kz16`` (2010-2017): 14 oblasts and the cities of Astana and Almaty, the article's layout;
- ``kz17`` (2018-2021): South Kazakhstan split into Turkestan region and Shymkent city;
- ``kz20`` (2022-): Abai, Jetisu and Ulytau split off East Kazakhstan, Almaty region and Karaganda.

A unit id never denotes two territories: East Kazakhstan before 2022 is ``east_kazakhstan``, after
it ``east_kazakhstan_2022``, although both carry the same name.  The crosswalk (data, not code)
says which units of a later layout make up each unit of an earlier one, so that levels (GVA, GRP,
employment, population, R&D expenditure) add up to an earlier layout (:func:`harmonise`) and
ratios are recomputed from the added levels (:func:`harmonise_ratio`), never averaged.  Moves of
territory the crosswalk cannot undo (Almaty city's enlargement in 2014, land passed from Akmola to
Astana) are listed by :func:`territory_changes` and flagged on harmonised results.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import import_module

import numpy as np
import pandas as pd

from .data import _layout_table
from .regions import PostReformRegionError, UnknownRegionError

# the package re-exports the function ``regions``, which shadows the submodule's name
_regions = import_module(".regions", __package__)

__all__ = [
    "LAYOUTS",
    "LayoutError",
    "NotInLayoutError",
    "layouts",
    "units",
    "layout_units",
    "layout_of",
    "layout_name",
    "unit_name",
    "crosswalk",
    "detect_layout",
    "source_unit",
    "source_layout",
    "territory_changes",
    "resolve_region",
    "harmonise",
    "harmonise_ratio",
]

#: The layouts, oldest first.
LAYOUTS: tuple[str, ...] = ("kz16", "kz17", "kz20")
NATIONAL = "national"


class LayoutError(ValueError):
    """Values whose units do not form one layout, or a move the crosswalk cannot make."""


class NotInLayoutError(UnknownRegionError):
    """A unit that exists, but not in the layout of the year asked for."""

    def __init__(self, message: str, unit: str, layout: str, replacements: tuple[str, ...]):
        super().__init__(message)
        self.unit, self.layout, self.replacements = unit, layout, replacements


# --- the tables -------------------------------------------------------------------------------

def layouts() -> pd.DataFrame:
    """The layouts with their first and last year (``<NA>`` = still in force).

    >>> layouts().loc["kz17", ["first_year", "last_year", "n_units"]].tolist()
    [2018, 2021, 17]
    """
    return _layout_table("layouts").set_index("layout").copy()


def layout_name(layout: str) -> str:
    """A layout in words, for captions and sentences (a reader never sees the id).

    >>> layout_name("kz16"), layout_name("kz17"), layout_name("kz20")
    ('the 16 units of 2010–2017', 'the 17 units of 2018–2021', 'the 20 units of 2022 onwards')
    """
    table = layouts()
    if layout not in table.index:
        raise ValueError(f"unknown layout {layout!r}; available: {', '.join(table.index)}")
    row = table.loc[layout]
    years = f"{row['first_year']} onwards" if pd.isna(row["last_year"]) else \
        f"{row['first_year']}–{row['last_year']}"
    return f"the {row['n_units']} units of {years}"


def units() -> pd.DataFrame:
    """Every unit that has existed since 2010: names (en/kk/ru), kind, years, ISO 3166-2 codes.

    ``iso_3166_2`` is the code in force when the unit began (alphabetic until 2022),
    ``iso_3166_2_2022`` the numeric code ISO introduced in November 2022 (units still existing).

    >>> u = units()
    >>> u.loc["east_kazakhstan_2022", ["name_en", "same_name_as"]].tolist()
    ['East-Kazakhstan', 'east_kazakhstan']
    >>> int(u.loc["east_kazakhstan", "last_year"])
    2021
    """
    return _layout_table("units").set_index("unit_id").copy()


@lru_cache(maxsize=None)
def layout_units(layout: str) -> tuple[str, ...]:
    """The unit ids of one layout: those existing over all of its years.

    >>> len(layout_units("kz16")), len(layout_units("kz17")), len(layout_units("kz20"))
    (16, 17, 20)
    >>> "shymkent" in layout_units("kz16"), "shymkent" in layout_units("kz17")
    (False, True)
    """
    table = layouts()
    if layout not in table.index:
        raise LayoutError(f"unknown layout {layout!r}; available: {', '.join(LAYOUTS)}")
    first, last = table.loc[layout, "first_year"], table.loc[layout, "last_year"]
    u = _layout_table("units")
    ends = u["last_year"].fillna(9999)
    last = 9999 if pd.isna(last) else last
    return tuple(u.loc[(u["first_year"] <= first) & (ends >= last), "unit_id"])


def layout_of(year: int) -> str:
    """The administrative layout in force in ``year`` (the source of a series may differ: see
    :func:`source_layout`).

    >>> layout_of(2016), layout_of(2019), layout_of(2024)
    ('kz16', 'kz17', 'kz20')
    """
    table = layouts()
    year = int(year)
    for layout, row in table.iterrows():
        last = 9999 if pd.isna(row["last_year"]) else row["last_year"]
        if row["first_year"] <= year <= last:
            return layout
    raise LayoutError(f"no layout for {year}; the registry starts in "
                      f"{int(table['first_year'].min())}")


def unit_name(unit_id: str, lang: str = "en") -> str:
    """The name of any unit (``"en"``, ``"kk"`` or ``"ru"``).

    >>> unit_name("shymkent"), unit_name("abai", "ru")
    ('Shymkent', 'Абайская область')
    """
    table = units()
    if unit_id not in table.index:
        raise UnknownRegionError(f"unknown unit id {unit_id!r}; known: {', '.join(table.index)}")
    if lang not in ("en", "kk", "ru"):
        raise ValueError(f"lang must be 'en', 'kk' or 'ru', got {lang!r}")
    return table.loc[unit_id, f"name_{lang}"]


def _order(layout: str) -> int:
    if layout not in LAYOUTS:
        raise LayoutError(f"unknown layout {layout!r}; available: {', '.join(LAYOUTS)}")
    return LAYOUTS.index(layout)


@lru_cache(maxsize=None)
def _crosswalk_map(source: str, target: str) -> dict[str, str]:
    if _order(source) < _order(target):
        raise LayoutError(
            f"cannot go from layout {source} to {target}, a later one: units cannot be split "
            f"(the crosswalk only adds units of a later layout into an earlier one)")
    mapping = {u: u for u in layout_units(source)}
    table = _layout_table("crosswalk")
    for step in range(_order(source), _order(target), -1):
        later, earlier = LAYOUTS[step], LAYOUTS[step - 1]
        rows = table[(table["later_layout"] == later) & (table["earlier_layout"] == earlier)]
        one_step = dict(zip(rows["later_unit"], rows["earlier_unit"]))
        mapping = {u: one_step[v] for u, v in mapping.items()}
    return mapping


def crosswalk(source: str, target: str) -> pd.Series:
    """Which unit of ``target`` (an earlier or the same layout) each unit of ``source`` is part of.

    >>> cw = crosswalk("kz20", "kz16")
    >>> cw["shymkent"], cw["turkestan"], cw["abai"], cw["east_kazakhstan_2022"]
    ('south_kazakhstan', 'south_kazakhstan', 'east_kazakhstan', 'east_kazakhstan')
    """
    mapping = _crosswalk_map(source, target)
    return pd.Series(mapping, name=target).rename_axis(source)


def detect_layout(ids) -> str:
    """The layout whose units are exactly ``ids`` (``"national"`` ignored).

    Raises :class:`LayoutError` naming overlapping units (e.g. South Kazakhstan together with
    Shymkent), units of no single layout, and missing units.

    >>> detect_layout(layout_units("kz17"))
    'kz17'
    """
    given = set(ids) - {NATIONAL}
    known = set(_layout_table("units")["unit_id"])
    unknown = sorted(given - known)
    if unknown:
        raise LayoutError(f"unknown unit ids {unknown}; known: {', '.join(sorted(known))}")
    for layout in LAYOUTS:
        if given == set(layout_units(layout)):
            return layout
    raise LayoutError(_layout_problem(given))


def _layout_problem(given: set[str]) -> str:
    overlaps = []
    for later in LAYOUTS[1:]:
        for earlier in LAYOUTS[:_order(later)]:
            for part, whole in _crosswalk_map(later, earlier).items():
                if part != whole and part in given and whole in given:
                    overlaps.append(f"{whole} and {part} ({part} is part of {whole})")
    if overlaps:
        return (f"the units overlap: {'; '.join(sorted(set(overlaps)))}. Keep the units of one "
                f"layout ({', '.join(LAYOUTS)}) per year")
    best = min(LAYOUTS, key=lambda lay: len(given ^ set(layout_units(lay))))
    missing = sorted(set(layout_units(best)) - given)
    extra = sorted(given - set(layout_units(best)))
    parts = [f"closest layout {best}"]
    if missing:
        parts.append(f"missing {', '.join(missing)}")
    if extra:
        parts.append(f"not in {best}: {', '.join(extra)}")
    return (f"{len(given)} units form no layout ({'; '.join(parts)}). Give every unit of one "
            f"layout (a missing value as NaN)")


def source_layout(source: str, year: int) -> str:
    """The layout a source publishes a year in (``data/layouts/source_layouts.csv``).

    >>> source_layout("bns_gva", 2021), source_layout("bns_employed", 2021)
    ('kz20', 'kz17')
    """
    table = _layout_table("source_layouts")
    rows = table[(table["source"] == source) & (table["first_year"] <= year)
                 & (table["last_year"].fillna(9999) >= year)]
    if len(rows) != 1:
        sources = sorted(set(table["source"]))
        if source not in sources:
            raise LayoutError(f"unknown source {source!r}; known: {', '.join(sources)}")
        raise LayoutError(f"source {source!r} has no layout for {year}")
    return rows["layout"].iloc[0]


def source_unit(source: str, code: str, year: int) -> str:
    """The unit id a source's region code denotes in ``year``.

    >>> source_unit("sdg", "KZYUZ", 2019), source_unit("sdg", "KZONT", 2016)
    ('turkestan', 'south_kazakhstan')
    >>> source_unit("bns_gva", "VKO", 2021), source_unit("bns_employed", "VKO", 2021)
    ('east_kazakhstan_2022', 'east_kazakhstan')
    >>> source_unit("kz17_boundaries", "KZ10", 2019), source_unit("sdg_geocode", "KZ10", 2016)
    ('turkestan', 'south_kazakhstan')
    """
    table = _source_codes()
    rows = table.get((source, code))
    if rows is None:
        known = sorted({c for s, c in table if s == source})
        raise LayoutError(f"source {source!r} has no region code {code!r}"
                          + (f"; its codes: {', '.join(known)}" if known else ""))
    for unit, first, last in rows:
        if first <= year <= last:
            return unit
    spans = ", ".join(f"{u} {f}-{'' if l == 9999 else l}" for u, f, l in rows)
    raise LayoutError(f"code {code!r} of source {source!r} denotes no unit in {year} ({spans})")


@lru_cache(maxsize=1)
def _source_codes() -> dict[tuple[str, str], list[tuple[str, int, int]]]:
    table = _layout_table("source_codes")
    out: dict[tuple[str, str], list[tuple[str, int, int]]] = {}
    for row in table.itertuples(index=False):
        last = 9999 if pd.isna(row.last_year) else int(row.last_year)
        out.setdefault((row.source, row.code), []).append((row.unit_id, int(row.first_year), last))
    return out


def territory_changes(*, undone: bool | None = None) -> pd.DataFrame:
    """Moves of territory between units since 2010; ``undone`` says whether the crosswalk adds
    the parts back together (``False``: a break in a series that harmonising cannot remove).

    >>> moves = territory_changes(undone=False)
    >>> sorted(moves["to_unit"])
    ['almaty_city', 'astana']
    """
    table = _layout_table("territory_changes").copy()
    table["undone_by_crosswalk"] = table["undone_by_crosswalk"].map({"true": True, "false": False})
    if undone is not None:
        table = table[table["undone_by_crosswalk"] == undone]
    return table.reset_index(drop=True)


def _flags(ids, years, series: str | None = None) -> list[str]:
    """Descriptions of moves the crosswalk cannot undo that matter for these values.

    A move matters to a comparison across years that spans it (or whose year is not known), and
    to any year of a series the bureau back-cast to the later territory (``series_affected``,
    named by ``.attrs["series"]`` of the values).
    """
    ids, years = set(ids), sorted(set(years))
    out = []
    for row in territory_changes(undone=False).itertuples(index=False):
        if not ({row.from_unit, row.to_unit} & ids):
            continue
        across = len(years) > 1 and (pd.isna(row.year) or years[0] < row.year <= years[-1])
        backcast = (series is not None and series in row.series_affected.split("|")
                    and (pd.isna(row.year) or not years or years[0] < row.year))
        if across or backcast:
            out.append(row.description)
    return out


# --- names -----------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _spellings(layout: str) -> dict[str, str]:
    """Key -> unit for the units of ``layout`` (their names, codes and aliases)."""
    table = units()
    by_old: dict[str, list[str]] = {}
    for key, rid in _regions._EXACT.items():
        by_old.setdefault(rid, []).append(key)
    out: dict[str, str] = {}
    for unit in layout_units(layout):
        row = table.loc[unit]
        spellings = [unit, row["name_en"], row["name_kk"], row["name_ru"], row["iso_3166_2"],
                     row["iso_3166_2_2022"], *[a for a in row["aliases"].split("|") if a]]
        keys = [_regions._key(s) for s in spellings if s]
        keys += by_old.get(unit, []) + by_old.get(row["same_name_as"], [])
        for key in keys:
            if out.get(key, unit) != unit:
                raise LayoutError(f"data/layouts/units.csv: spelling {key!r} names both "
                                  f"{out[key]!r} and {unit!r} in {layout}")
            out[key] = unit
    return out


def _match(key: str, layout: str) -> str | None:
    index = _spellings(layout)
    if key in index:
        return index[key]
    bare = _regions._strip(key, _regions._GENERIC)
    if bare in index:
        return index[bare]
    core = _regions._strip(bare, _regions._CITY_WORDS)
    found = index.get(core)
    mentions_city = any(w in _regions._CITY_WORDS for w in key.split())
    if found is not None and (not mentions_city or units().loc[found, "kind"] == "city"):
        return found
    return None


def resolve_region(name: str, year: int | None = None) -> str:
    """Resolve a region's name in the layout of ``year`` (the 16 units of 2010-2016 without it).

    Parameters
    ----------
    name : str
        Any spelling :func:`itclusters.regions.resolve_region` understands, and the names of the
        units created since 2018 (Turkestan, Shymkent, Abai, Jetisu, Ulytau).
    year : int, optional
        Without it, or for 2010-2017, the 16 units of the article (Shymkent raises the error that
        names South Kazakhstan).  For 2018-2021 the 17 units, from 2022 the 20 units: the same
        name may then denote another id (East Kazakhstan in 2024 is ``east_kazakhstan_2022``).

    Raises
    ------
    NotInLayoutError
        A unit that exists, but not in that year (South Kazakhstan in 2019, Abai in 2019); the
        message names what stands in its place.
    PostReformRegionError, UnknownRegionError
        As :func:`itclusters.regions.resolve_region`.

    Examples
    --------
    >>> resolve_region("г. Шымкент", year=2019)
    'shymkent'
    >>> resolve_region("East Kazakhstan", year=2019), resolve_region("East Kazakhstan", year=2024)
    ('east_kazakhstan', 'east_kazakhstan_2022')
    >>> resolve_region("KZ-YUZ", year=2016), resolve_region("KZ-YUZ", year=2019)
    ('south_kazakhstan', 'turkestan')
    """
    if year is None:
        return _regions.resolve_region(name)
    layout = layout_of(year)
    if layout == LAYOUTS[0]:
        return _regions.resolve_region(name)
    _regions._check_name(name)  # the same refusals as without a year (length cap included)
    key = _regions._key(name)
    found = _match(key, layout)
    if found is not None:
        return found
    for other in LAYOUTS:
        unit = _match(key, other) if other != layout else None
        if unit is not None and unit not in layout_units(layout):
            raise _not_in_layout(name, unit, layout, year)
    try:
        old = _regions.resolve_region(name)
    except PostReformRegionError:
        # its message speaks of the 16 units of 2010-2016, which is not the question here
        raise UnknownRegionError(
            f"unknown region {name!r} in {year} (layout {layout}); its units: "
            f"{', '.join(layout_units(layout))}") from None
    if old in layout_units(layout):
        return old
    raise _not_in_layout(name, old, layout, year)


def _not_in_layout(name: str, unit: str, layout: str, year: int) -> NotInLayoutError:
    table = units()
    note = table.loc[unit, "note"]
    if _order(layout) > max(i for i, lay in enumerate(LAYOUTS) if unit in layout_units(lay)):
        successors = tuple(u for u, whole in _crosswalk_map(layout, _first_layout(unit)).items()
                           if whole == unit)
        where = f"in {year} its territory is {', '.join(successors)}"
    else:
        whole = _crosswalk_map(_first_layout(unit), layout)[unit]
        successors = (whole,)
        where = f"in {year} its territory is part of {whole}"
    return NotInLayoutError(
        f"{name!r} ({unit}) is not a unit of {year} (layout {layout}): {note}; {where}",
        unit, layout, successors)


def _first_layout(unit: str) -> str:
    return next(lay for lay in LAYOUTS if unit in layout_units(lay))


# --- harmonisation ----------------------------------------------------------------------------

def _sum_all(values: pd.Series) -> float:
    return values.sum() if values.notna().all() else np.nan


def harmonise(levels: pd.Series | pd.DataFrame, to: str = "kz16") -> pd.Series | pd.DataFrame:
    """Add levels along the crosswalk to the units of an earlier (or the same) layout.

    Parameters
    ----------
    levels : Series or DataFrame
        Levels that add up (GVA, GRP, employment, population, R&D expenditure), indexed by unit
        id or by ``(region_id, year)``.  Each year must hold the units of exactly one layout
        (a ``national`` row is passed through); the layout may differ between years.
    to : {"kz16", "kz17", "kz20"}
        The target layout.  A unit whose parts include a missing value is missing.

    Returns
    -------
    Series or DataFrame
        Indexed like the input, on the units of ``to``; ``.attrs["layout"]`` is ``to`` and
        ``.attrs["flags"]`` lists moves of territory the crosswalk cannot undo that touch the
        result (see :func:`territory_changes`).

    Raises
    ------
    LayoutError
        Units that do not form one layout, that overlap (South Kazakhstan with Shymkent), or a
        later target than the data's layout (units cannot be split).

    Examples
    --------
    >>> ids = layout_units("kz17")
    >>> gva = pd.Series(1.0, index=ids)
    >>> out = harmonise(gva, to="kz16")
    >>> float(out["south_kazakhstan"]), float(out.sum()) == float(gva.sum())
    (2.0, True)
    """
    if not isinstance(levels, (pd.Series, pd.DataFrame)):
        raise TypeError(f"harmonise takes a pandas Series or DataFrame, got {type(levels).__name__}")
    _order(to)
    index = levels.index
    if isinstance(index, pd.MultiIndex):
        if "year" not in index.names:
            raise LayoutError(f"a two-level index must be (region_id, year); got {index.names}")
        pieces, all_ids, years = [], set(), []
        for year, block in levels.groupby(level="year", sort=True):
            one = block.droplevel("year")
            done = _harmonise_one(one, to, f"year {year}")
            all_ids |= set(one.index)
            years.append(int(year))
            pieces.append(pd.concat({year: done}, names=["year"]).swaplevel(0, 1))
        out = pd.concat(pieces).sort_index()
        out.index = out.index.set_names(["region_id", "year"])
    else:
        out = _harmonise_one(levels, to, "the values")
        all_ids, years = set(index), []
    out.attrs.update(levels.attrs)
    out.attrs["layout"] = to
    out.attrs["flags"] = _flags(all_ids, years, levels.attrs.get("series"))
    return out


def _harmonise_one(values, to: str, what: str):
    if values.index.has_duplicates:
        dup = sorted(set(values.index[values.index.duplicated()]))
        raise LayoutError(f"{what}: unit ids appear more than once: {dup}")
    national = values.loc[values.index == NATIONAL]
    regional = values.loc[values.index != NATIONAL]
    try:
        layout = detect_layout(regional.index)
    except LayoutError as err:
        raise LayoutError(f"{what}: {err}") from None
    if _order(layout) < _order(to):
        raise LayoutError(f"{what} are in layout {layout}, earlier than {to}: units cannot be "
                          f"split (harmonise to {layout} or an earlier layout)")
    mapping = _crosswalk_map(layout, to)
    target = list(layout_units(to))
    grouped = regional.groupby(regional.index.map(mapping), sort=False)
    added = grouped.agg(_sum_all).reindex(target)
    added.index.name = "region_id"
    return pd.concat([added, national]) if len(national) else added


def harmonise_ratio(numerator, denominator, to: str = "kz16", scale: float = 1.0):
    """A ratio on the units of ``to``, recomputed from harmonised levels (never averaged).

    ``scale`` multiplies the result (for example 100 for a percentage).

    >>> ids = layout_units("kz17")
    >>> ict = pd.Series(1.0, index=ids); ict["shymkent"] = 3.0
    >>> grp = pd.Series(10.0, index=ids); grp["shymkent"] = 30.0
    >>> float(harmonise_ratio(ict, grp, to="kz16")["south_kazakhstan"])  # (1 + 3) / (10 + 30)
    0.1
    """
    num, den = harmonise(numerator, to), harmonise(denominator, to)
    num, den = num.align(den, join="outer")
    out = num / den.where(den != 0) * scale
    out.attrs["layout"] = to
    out.attrs["flags"] = sorted(set(num.attrs.get("flags", [])) | set(den.attrs.get("flags", [])))
    return out


# --- one layout per year, for any function taking region-indexed values -----------------------

def ids_layout(ids, what: str = "the values") -> str | None:
    """The earliest layout whose units include every id of ``ids`` (a year's values; missing units
    are allowed), ``None`` for ids outside the registry (a user's own regions), and a
    :class:`LayoutError` for a mix of layouts (South Kazakhstan with Shymkent, Abai with East
    Kazakhstan of 2021), naming the units and how to harmonise.

    >>> ids_layout(["akmola", "shymkent"]), ids_layout(["a", "b"])
    ('kz17', None)
    >>> ids_layout(["south_kazakhstan", "shymkent"])
    Traceback (most recent call last):
    ...
    itclusters.layouts.LayoutError: the values mix layouts: the units overlap: south_kazakhstan and shymkent (shymkent is part of south_kazakhstan)...
    """
    given = set(ids) - {NATIONAL}
    if not given or not given <= set(_layout_table("units")["unit_id"]):
        return None
    for layout in LAYOUTS:
        if given <= set(layout_units(layout)):
            return layout
    raise LayoutError(
        f"{what} mix layouts: {_layout_problem(given)}; to compare units of several layouts, "
        f"bring levels to one layout first: itclusters.harmonise(levels, to='kz16') (a ratio is "
        f"recomputed from harmonised levels, itclusters.harmonise_ratio; never averaged)")
