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
from typing import Annotated

import numpy as np
import pandas as pd

from ._checks import checked
from ._tables import layout_table as _layout_table
from ._tables import layout_unit_ids
from .regions import NATIONAL, PostReformRegionError, UnknownRegionError

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

#: A year as a function taking one reads it: a whole number, also as a float (2019.0, as read
#: from a sheet); any other float is refused by the function, saying so.
Year = Annotated[int | float, "a whole number such as 2019"]

#: The layouts, oldest first.
LAYOUTS: tuple[str, ...] = ("kz16", "kz17", "kz20")


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
    return _indexed("layouts", "layout").copy()


@lru_cache(maxsize=None)
def _indexed(name: str, key: str) -> pd.DataFrame:
    """A table of ``data/layouts/`` indexed by ``key``, made once (read-only: callers that
    hand it out copy it).  As fresh as :func:`~itclusters._tables.layout_table`, which it is
    made from and which reads each file once."""
    return _layout_table(name).set_index(key)


@checked
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
    return _indexed("units", "unit_id").copy()


@checked
@lru_cache(maxsize=None)
def layout_units(layout: str) -> tuple[str, ...]:
    """The unit ids of one layout: those existing over all of its years.

    >>> len(layout_units("kz16")), len(layout_units("kz17")), len(layout_units("kz20"))
    (16, 17, 20)
    >>> "shymkent" in layout_units("kz16"), "shymkent" in layout_units("kz17")
    (False, True)
    """
    ids = layout_unit_ids(layout)
    if not ids:
        raise LayoutError(f"unknown layout {layout!r}; available: {', '.join(LAYOUTS)}")
    return ids


@checked
def layout_of(year: int) -> str:
    """The administrative layout in force in ``year`` (the source of a series may differ: see
    :func:`source_layout`).

    >>> layout_of(2016), layout_of(2019), layout_of(2024)
    ('kz16', 'kz17', 'kz20')
    """
    return _layout_of_year(int(year))


@lru_cache(maxsize=None)
def _layout_of_year(year: int) -> str:
    table = _indexed("layouts", "layout")
    for layout, row in table.iterrows():
        last = 9999 if pd.isna(row["last_year"]) else row["last_year"]
        if row["first_year"] <= year <= last:
            return layout
    raise LayoutError(f"no layout for {year}; the registry starts in "
                      f"{int(table['first_year'].min())}")


@checked
def unit_name(unit_id: str, lang: str = "en") -> str:
    """The name of any unit (``"en"``, ``"kk"`` or ``"ru"``).

    >>> unit_name("shymkent"), unit_name("abai", "ru")
    ('Shymkent', 'Абайская область')
    """
    table = _indexed("units", "unit_id")
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


@checked
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
    spans = _source_layouts()
    if source not in spans:
        raise LayoutError(f"unknown source {source!r}; known: {', '.join(sorted(spans))}")
    found = [layout for first, last, layout in spans[source] if first <= year <= last]
    if len(found) != 1:
        raise LayoutError(f"source {source!r} has no layout for {year}")
    return found[0]


@lru_cache(maxsize=1)
def _source_layouts() -> dict[str, list[tuple[int, int, str]]]:
    """``source_layouts.csv`` as ``{source: [(first_year, last_year, layout), ...]}``: looked up
    once a row by the readers of the official files, so read once."""
    out: dict[str, list[tuple[int, int, str]]] = {}
    for row in _layout_table("source_layouts").itertuples(index=False):
        last = 9999 if pd.isna(row.last_year) else int(row.last_year)
        out.setdefault(row.source, []).append((int(row.first_year), last, row.layout))
    return out


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


@checked
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


@lru_cache(maxsize=1)
def _moves_not_undone() -> tuple:
    return tuple(territory_changes(undone=False).itertuples(index=False))


def _flags(ids, years, series: str | None = None) -> list[str]:
    """Descriptions of moves the crosswalk cannot undo that matter for these values.

    A move matters to a comparison across years that spans it (or whose year is not known), and
    to any year of a series the bureau back-cast to the later territory (``series_affected``,
    named by ``.attrs["series"]`` of the values).
    """
    ids, years = set(ids), sorted(set(years))
    out = []
    for row in _moves_not_undone():
        if not ({row.from_unit, row.to_unit} & ids):
            continue
        across = len(years) > 1 and (pd.isna(row.year) or years[0] < row.year <= years[-1])
        backcast = (series is not None and series in row.series_affected.split("|")
                    and (pd.isna(row.year) or not years or years[0] < row.year))
        if across or backcast:
            out.append(row.description)
    return out


# --- names -----------------------------------------------------------------------------------

def _spellings(layout: str) -> dict[str, str]:
    """Key -> unit for the units of ``layout`` (their names, codes and ``spellings.csv``)."""
    _order(layout)
    return _regions._layout_index(layout)


def _check_year(year) -> int:
    """A year as a whole number (2019, numpy integers, 2019.0), else a ValueError saying so."""
    whole = isinstance(year, (int, np.integer)) and not isinstance(year, (bool, np.bool_))
    if isinstance(year, (float, np.floating)) and np.isfinite(year) and float(year).is_integer():
        whole = True
    if not whole:
        first = int(layouts()["first_year"].min())
        raise ValueError(f"year must be a whole number, a calendar year from {first} on such as "
                         f"2019; got {year!r}")
    return int(year)


@checked
def resolve_region(name: str, year: Year | None = None, layout: str | None = None) -> str:
    """Resolve a region's name on the layout of ``year`` (or the layout given), or a total row.

    Parameters
    ----------
    name : str
        A unit's name in English, Kazakh or Russian, a transliteration, the 2021 or the 2018
        (apostrophe) Kazakh Latin alphabet ("Atyraý oblysy", "Aqto'be oblysy"), the bureau's
        abbreviations ("Астана қ.", "г.Алматы", "Акмолинская обл."), an ISO 3166-2 code of the
        layout's generation (alphabetic to 2021, "KZ-AKM"; numeric since November 2022, "KZ-11"),
        a KATO code ("11", "110000000"), or a total row ("Республика Казахстан, всего", which
        gives ``"national"``).  The spellings are ``data/layouts/spellings.csv``.
    year : int, optional
        The year the name is read in (a whole number; 2019.0 as read from a sheet is taken too):
        its layout's units (16 to 2017, 17 in 2018-2021, 20 from 2022).  The same name may
        denote another id in another year: East Kazakhstan in 2024 is
        ``east_kazakhstan_2022``.  Without year and layout, the 16 units of the article.
    layout : {"kz16", "kz17", "kz20"}, optional
        Read the name on this layout whatever the year (a table of 2023 on the 16 old units).

    Raises
    ------
    NotInLayoutError
        A unit that exists, but not in that year (South Kazakhstan in 2019, Abai in 2019); the
        message names what stands in its place.
    UnknownRegionError
        An ISO code of another generation than the year's layout (its message gives the code of
        the year), an unknown or ambiguous name; :class:`PostReformRegionError` on the 16 units.
    ValueError
        A year that is not a whole number, or an unknown layout.

    Examples
    --------
    >>> resolve_region("г. Шымкент", year=2019)
    'shymkent'
    >>> resolve_region("East Kazakhstan", year=2019), resolve_region("East Kazakhstan", year=2024)
    ('east_kazakhstan', 'east_kazakhstan_2022')
    >>> resolve_region("KZ-YUZ", year=2016), resolve_region("KZ-YUZ", year=2019)
    ('south_kazakhstan', 'turkestan')
    >>> resolve_region("Qaraǵandy oblysy", year=2023), resolve_region("KZ-35", year=2023)
    ('karaganda_2022', 'karaganda_2022')
    >>> resolve_region("Республика Казахстан, всего", year=2023)
    'national'
    """
    if layout is not None and layout not in LAYOUTS:
        raise LayoutError(f"layout {layout!r} is not one of the layouts: {', '.join(LAYOUTS)}")
    if year is not None:
        year = _check_year(year)
    _regions._check_name(name)
    keys = _regions._keys(name)
    if any(k in _regions._national_keys() for k in keys):
        return NATIONAL
    if layout is None:
        if year is None:
            return _regions.resolve_region(name)
        layout = layout_of(year)
    when = f"{year} (layout {layout})" if year is not None else f"layout {layout}"
    for key in keys:
        found = _regions._lookup_in(_spellings(layout), key)
        if found is not None:
            return found
    for key in keys:
        for other in LAYOUTS:
            unit = _regions._lookup_in(_spellings(other), key) if other != layout else None
            if unit is None:
                continue
            if key in _regions._code_keys():
                raise _other_generation(name, unit, layout, when)
            if unit not in layout_units(layout):
                if layout == LAYOUTS[0]:
                    return _regions.resolve_region(name)  # PostReformRegionError, as ever
                raise _not_in_layout(name, unit, layout, year)
    if layout == LAYOUTS[0]:
        return _regions.resolve_region(name)
    if _regions._is_ambiguous_almaty(keys[0]):
        raise UnknownRegionError(
            f"{name!r} is ambiguous in {when}: use 'Almaty city' or 'Almaty region'")
    raise UnknownRegionError(f"unknown region {name!r} in {when}; its units: "
                             f"{', '.join(layout_units(layout))}")


def _counterparts(unit: str, layout: str) -> list[str]:
    """The units of ``layout`` that stand for ``unit``: itself, a unit of the same name, or
    the units its territory went to / came from along the crosswalk."""
    if unit in layout_units(layout):
        return [unit]
    table = units()
    same = [u for u in layout_units(layout) if table.loc[u, "same_name_as"] == unit
            or table.loc[unit, "same_name_as"] == u]
    if same:
        return same
    first = _first_layout(unit)
    if _order(layout) > _order(first):
        return [u for u, whole in _crosswalk_map(layout, first).items() if whole == unit]
    return [_crosswalk_map(first, layout)[unit]]


def _other_generation(name: str, unit: str, layout: str, when: str) -> UnknownRegionError:
    table = _layout_table("spellings")
    codes = table[table["family"].isin(_regions._CODE_FAMILIES)]
    hints = []
    for other in _counterparts(unit, layout):
        mine = [r.form for r in codes[codes["unit_id"] == other].itertuples()
                if not r.layouts or layout in r.layouts.split("|")]
        hints += [f"{code!r} ({other}, {unit_name(other)})" for code in mine]
    where = [r.layouts.replace("|", ", ") for r in codes.itertuples()
             if r.unit_id == unit and _regions._key(r.form) in _regions._keys(name)]
    return UnknownRegionError(
        f"{name!r} is an ISO 3166-2 code of layout(s) {where[0] if where else '?'} ({unit}), not "
        f"of {when}: ISO's alphabetic codes of 2010-2021 were replaced by numeric ones on 29 "
        f"November 2022, and a code is read in its own generation only. The code in {when}: "
        f"{', '.join(hints) if hints else 'none'}")


def _not_in_layout(name: str, unit: str, layout: str, year: int | None) -> NotInLayoutError:
    table = units()
    when = f"{year} (layout {layout})" if year is not None else f"layout {layout}"
    note = table.loc[unit, "note"]
    if _order(layout) > max(i for i, lay in enumerate(LAYOUTS) if unit in layout_units(lay)):
        successors = tuple(u for u, whole in _crosswalk_map(layout, _first_layout(unit)).items()
                           if whole == unit)
        where = f"in {'that year' if year is not None else layout} its territory is {', '.join(successors)}"
    else:
        whole = _crosswalk_map(_first_layout(unit), layout)[unit]
        successors = (whole,)
        where = f"in {'that year' if year is not None else layout} its territory is part of {whole}"
    return NotInLayoutError(
        f"{name!r} ({unit}) is not a unit of {when}: {note}; {where}",
        unit, layout, successors)


def _first_layout(unit: str) -> str:
    return next(lay for lay in LAYOUTS if unit in layout_units(lay))


# --- harmonisation ----------------------------------------------------------------------------

@checked
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
    keys = regional.index.map(mapping)
    added = regional.groupby(keys, sort=False).sum()
    added = added.mask(regional.isna().groupby(keys, sort=False).any()).reindex(target)
    added.index.name = "region_id"
    return pd.concat([added, national]) if len(national) else added


@checked
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
