"""Reading the suite's data: the article's tables, official statistics, boundaries.

Users' own indicator tables are read by :mod:`itclusters.userdata` (re-exported here).

This is the only module that touches disk.  Every frame it returns is tidy and indexed by
``(region_id, year)`` (or by ``region_id`` for the boundaries); units are recorded in
``frame.attrs["units"]``.  Missing values (the article's "—") stay missing (NaN).
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._checks import checked
from ._tables import data_path as _data_path
from ._tables import layout_table as _layout_table
from ._tables import project_root
from .regions import REGION_IDS, UnknownRegionError, resolve_region
# user tables are read by their own module; re-exported here so old imports keep working

if TYPE_CHECKING:  # pragma: no cover
    import geopandas

__all__ = [
    "IndicatorTableError",
    "project_root",
    "paper_table",
    "official_series",
    "OFFICIAL_SERIES",
    "gva_by_section",
    "sector_matrix",
    "SECTOR_LISTS",
    "boundaries",
    "read_indicators",
]

_PAPER_FILES = {
    1: "table1_innovation_index.csv",
    2: "table2_it_production.csv",
    3: "table3_ksi.csv",
}
OFFICIAL_SERIES = (
    "grp",
    "grp_per_capita",
    "population",
    "employed_population",
    "fixed_capital_investment",
    "ict_gva",
    "industry_gva",
)
# Items of gva_by_section.csv that are aggregates or adjustments, not economic-activity sections.
_NOT_SECTIONS = ("IND", "GDP", "FISIM", "NET_TAXES")
_SECTION_ORDER = tuple("ABCDEFGHIJKLMNOPQRST") + ("OTHER_SERVICES",)


@checked
def paper_table(n: int) -> pd.DataFrame:
    """The article's Table 1, 2 or 3 as a tidy frame indexed by ``(region_id, year)``.

    Table 1 has columns ``index`` (formula 4, %) and ``grade`` (the article's letter);
    Table 2 ``it_production`` (million KZT); Table 3 ``ksi`` (formula 5, a share).
    Every table keeps ``name_in_paper``/``row_in_table`` and, for Tables 2 and 3, the
    cell as ``printed`` (decimal comma, "—" for a missing cell).

    Examples
    --------
    >>> t1 = paper_table(1)
    >>> print(t1.loc[("almaty_city", 2016), "index"], t1.loc[("almaty_city", 2016), "grade"])
    76.05 A
    >>> t3 = paper_table(3)
    >>> int(t3["ksi"].isna().sum())  # the article's "—" cells stay missing
    11
    """
    if n not in _PAPER_FILES:
        raise ValueError(f"the article has Tables 1, 2 and 3; got {n!r}")
    path = _data_path("paper", _PAPER_FILES[n])
    frame = pd.read_csv(path, dtype={"printed": str}, keep_default_na=False,
                        na_values={"value": [""], "ksi": [""], "aggregated_index": [""]})
    if n == 1:
        frame = frame.rename(columns={"aggregated_index": "index"})
        units = {"index": "index, 0–100", "grade": "letter on the article's symbolic scale"}
    elif n == 2:
        frame = frame.rename(columns={"value": "it_production"}).drop(columns="unit")
        units = {"it_production": "million KZT"}
    else:
        units = {"ksi": "share of the national total (0–1)"}
    _check_regions(frame["region_id"], path)
    frame = frame.set_index(["region_id", "year"]).sort_index()
    frame.attrs["units"] = units
    frame.attrs["source"] = (f"Kireyeva, Mussabalina & Tolysbaev (2018), Ekonomika regiona "
                             f"14(2), Table {n}")
    return frame


@checked
def official_series(name: str) -> pd.DataFrame:
    """One official regional series (see ``data/official/README.md``).

    Returns a frame indexed by ``(region_id, year)`` with columns ``value`` and ``source_id``;
    the unit is in ``.attrs["units"]["value"]``.

    >>> grp = official_series("grp")
    >>> grp.attrs["units"]["value"]
    'million KZT, current prices'
    >>> float(grp.loc[("akmola", 2010), "value"])
    585965.4
    """
    if name not in OFFICIAL_SERIES:
        raise ValueError(f"unknown official series {name!r}; available: {', '.join(OFFICIAL_SERIES)}")
    path = _data_path("official", f"{name}.csv")
    frame = pd.read_csv(path)
    _check_regions(frame["region_id"], path)
    units = frame["unit"].unique()
    if len(units) != 1:
        raise ValueError(f"{path}: mixed units {list(units)}")
    frame = frame.drop(columns="unit").set_index(["region_id", "year"]).sort_index()
    frame.attrs["units"] = {"value": units[0]}
    frame.attrs["source"] = "Bureau of National Statistics of Kazakhstan, see data/official/SOURCES.md"
    return frame


def gva_by_section() -> pd.DataFrame:
    """Gross value added by economic-activity section, regions and the Republic (``national``).

    Indexed by ``(region_id, year, section)``; columns ``value`` (million KZT, current prices),
    ``section_name_ru``, ``note``.
    """
    return _read_gva(_data_path("official", "gva_by_section.csv")).copy()


@lru_cache(maxsize=4)
def _read_gva(path: Path) -> pd.DataFrame:
    # parsed once per process: sector_matrix() is called for every year by the catalogue
    frame = pd.read_csv(path, keep_default_na=False, na_values={"value": [""]})
    _check_regions(frame.loc[frame["region_id"] != "national", "region_id"], path)
    units = frame["unit"].unique()
    frame = frame.drop(columns="unit").set_index(["region_id", "year", "section"]).sort_index()
    frame.attrs["units"] = {"value": units[0]}
    return frame


#: Sector lists of :func:`sector_matrix`, with the wording figures and tables use to name them.
SECTOR_LISTS = {
    "finest": "sections as published that year (11 in 2010–2013, 19 in 2014–2016)",
    "consistent": "11 sections comparable over 2010–2016 (I, K, M–S merged into other services)",
}
#: Sections that the 2010-2013 tables publish only inside ``OTHER_SERVICES`` (SOURCES.md, S5).
OTHER_SERVICES_PARTS = ("I", "K", "M", "N", "O", "P", "Q", "R", "S", "T")


@checked
def sector_matrix(year: int, sectors: str = "finest", gva: pd.DataFrame | None = None) -> pd.DataFrame:
    """Region x section matrix of gross value added for one year (million KZT).

    Parameters
    ----------
    year : int
        A year of the table (2010-2016).
    sectors : {"finest", "consistent"}
        ``"finest"``: the sections published separately that year (A-H, J, L and
        ``OTHER_SERVICES`` in 2010-2013; A-S in 2014-2016).  ``"consistent"``: the 2010-2013
        list in every year, sections I, K and M-S (T has no value) being added back into
        ``OTHER_SERVICES``.  Krugman, Hoover and HHI depend on the list (more sections give a
        larger Krugman index for the same economy), so every comparison across years uses
        ``"consistent"``; section J, and so its share and location quotient, is the same
        under both.  :data:`SECTOR_LISTS` holds the wording that names each list in figures.
    gva : DataFrame, optional
        A table in the layout of :func:`gva_by_section` (default: that table).  A year
        that carries ``OTHER_SERVICES`` and any of its parts at once is refused: the
        aggregate could include them or not, and the two readings give different matrices.

    Notes
    -----
    **FISIM** (financial intermediation services indirectly measured) is treated the same
    way in every year: the columns add up to the region's gross value added *net of FISIM*,
    which is GRP less net taxes on products.  The 2011-2016 sections add up to exactly that
    (GRP = sections + net taxes), so FISIM is presumably already allocated to them
    (``data/official/SOURCES.md``, S5); the 2010 table publishes the sections gross of it
    and FISIM as one separate deduction per region.  That deduction is taken
    here from the column holding financial intermediation, section K (``OTHER_SERVICES``
    where K is not published), because the source does not say how it would be spread over
    the user industries.  Section J and every other published section keep their values,
    so the ICT location quotient and share do not depend on this placement (Almaty city's
    2010 ICT LQ is 3.804 net of FISIM, 3.634 if the deduction were ignored); the 2010
    Krugman index and HHI do, a little, through the ``OTHER_SERVICES`` column.  ``IND``
    (an aggregate), ``GDP``, ``NET_TAXES`` and ``FISIM`` themselves are not columns.

    Examples
    --------
    >>> sector_matrix(2016).shape, sector_matrix(2016, sectors="consistent").shape
    ((16, 19), (16, 11))
    >>> sector_matrix(2016, sectors="consistent").attrs["sectors"]
    'consistent'
    """
    if sectors not in SECTOR_LISTS:
        raise ValueError(f"unknown sector list {sectors!r}; use one of {list(SECTOR_LISTS)}")
    table = gva_by_section() if gva is None else gva
    values = table["value"]
    years = values.index.get_level_values("year")
    if year not in set(years):
        raise ValueError(f"no gross value added by section for {year}; available: "
                         f"{', '.join(map(str, sorted(set(years))))}")
    one = values.xs(year, level="year")
    twice = one.index[one.index.duplicated()].tolist()
    if twice:
        raise ValueError(f"gross value added by section, {year}: more than one value for "
                         f"{'; '.join(f'{r}, {s}' for r, s in twice[:5])}")
    one = one.drop("national", level="region_id", errors="ignore").unstack("section")
    one = one.dropna(axis=1, how="all")
    parts = [c for c in OTHER_SERVICES_PARTS if c in one.columns]
    if "OTHER_SERVICES" in one.columns and parts:
        raise ValueError(
            f"gross value added by section, {year}: both OTHER_SERVICES and its part(s) "
            f"{', '.join(parts)} have values; OTHER_SERVICES could be the sum of all of I, K, "
            f"M-T (then {', '.join(parts)} are counted twice) or of the remaining ones (then "
            f"they add to it); give one or the other")
    matrix = one.drop(columns=[c for c in _NOT_SECTIONS if c in one.columns])
    if sectors == "consistent" and parts:
        merged = matrix[parts].sum(axis=1, min_count=len(parts))
        matrix = matrix.drop(columns=parts).assign(OTHER_SERVICES=merged)
    if "FISIM" in one.columns:
        holder = "K" if "K" in matrix.columns else "OTHER_SERVICES"
        if holder not in matrix.columns:
            raise ValueError(f"gross value added by section, {year}: FISIM is given but neither "
                             f"section K nor OTHER_SERVICES is there to deduct it from")
        matrix[holder] = matrix[holder] - one["FISIM"]
        negative = matrix.index[matrix[holder] < 0].tolist()
        if negative:
            raise ValueError(f"gross value added by section, {year}: FISIM exceeds {holder} for "
                             f"{', '.join(negative)}; the deduction cannot be placed there")
    order = [c for c in _SECTION_ORDER if c in matrix.columns]
    matrix = matrix[order + [c for c in matrix.columns if c not in order]]
    matrix = matrix.reindex(list(REGION_IDS))
    matrix.index.name, matrix.columns.name = "region_id", "section"
    matrix.attrs["units"] = {"value": "million KZT, current prices, net of FISIM"}
    matrix.attrs["sectors"] = sectors
    return matrix


@checked
def boundaries(layout: str = "kz16", path: str | os.PathLike | None = None
               ) -> "geopandas.GeoDataFrame":
    """The boundaries of one layout, indexed by unit id (EPSG:4326).

    Columns ``name_en``, ``name_kk``, ``name_ru``, ``iso_3166_2``, ``kind`` and the geometry;
    ``.attrs["source"]`` is the credit to print under a map and ``.attrs["map_note"]`` what the
    drawing cannot show (empty when nothing).

    Parameters
    ----------
    layout : {"kz16", "kz17", "kz20"}
        ``kz20``: the 20 units of 2022 onwards (geokz 1.0.2, CC BY 4.0, as a gap- and
        overlap-free coverage); ``kz17`` (2018-2021) and ``kz16`` (2010-2017): the same units
        added together along the crosswalk, so that a border that did not move is drawn the same
        in every year.  See ``shapefiles/PROVENANCE.md``.
    path : path, optional
        A file of the layout to use instead (any format geopandas reads) with a ``region_id``
        column of unit ids or a ``name`` column of names :func:`~itclusters.resolve_region`
        understands in the layout's first year.

    Examples
    --------
    >>> boundaries("kz20").loc["jetisu", "name_en"]
    'Jetisu'
    """
    import geopandas  # heavy: imported only when a map is wanted

    from . import _boundaries
    from .layouts import LAYOUTS, layout_units, layouts

    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; available: {', '.join(LAYOUTS)}")
    ids = list(layout_units(layout))
    if path is None:
        path = project_root() / "shapefiles" / _boundaries.FILES[layout]
        frame = geopandas.read_file(path, engine="pyogrio")
        credit, note = _boundaries.CREDIT, _boundaries.MAP_NOTES[layout]
    else:
        path, credit, note = Path(path), f"Boundaries: {Path(path).name}", ""
        frame = geopandas.read_file(path, engine="pyogrio")
        frame = _user_boundaries(frame, path, layout, int(layouts().loc[layout, "first_year"]))
    found = list(frame["region_id"])
    if sorted(found) != sorted(ids):
        raise ValueError(f"{path}: the units are {sorted(found)}; the {layout} layout has "
                         f"{sorted(ids)}")
    frame = frame.set_index("region_id").reindex(ids)
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    frame.attrs["source"] = credit
    frame.attrs["map_note"] = note
    frame.attrs["layout"] = layout
    return frame


def _user_boundaries(frame, path: Path, layout: str, year: int):
    from .layouts import resolve_region, units

    table = units()
    if "region_id" not in frame.columns:
        if "name" not in frame.columns:
            raise ValueError(f"{path}: needs a 'region_id' column (unit ids) or a 'name' column; "
                             f"columns are {list(frame.columns)}")
        resolved = []
        for i, name in enumerate(frame["name"]):
            try:
                resolved.append(resolve_region(str(name), year=year))
            except KeyError as err:
                raise ValueError(f"{path}, feature {i + 1}, name {name!r}: {err}") from None
        frame = frame.assign(region_id=resolved)
    for column in ("name_en", "name_kk", "name_ru", "iso_3166_2", "kind"):
        if column not in frame.columns:
            frame[column] = table.reindex(frame["region_id"])[column].to_numpy()
    return frame


def _check_regions(ids: pd.Series, path: Path) -> None:
    unknown = sorted(set(ids) - set(REGION_IDS))
    if unknown:
        raise ValueError(f"{path}: unknown region ids {unknown}; known: {', '.join(REGION_IDS)}")


def write_boundaries(folder: str | os.PathLike | None = None) -> list[Path]:
    """Rebuild ``shapefiles/regions_kz{16,17,20}.geojson`` from ``shapefiles/source/``.

    Run by ``make shapefiles``; the committed files come from it.
    """
    from . import _boundaries

    return _boundaries.write_layers(Path(folder) if folder is not None
                                    else project_root() / "shapefiles")


# --- region layouts (data/layouts/) and the official series of 2010-2025 ----------------------

#: Files of ``data/official/current/`` (2010-2025, every layout) and the source whose codes they use.
CURRENT_SERIES = {
    "ict_gva": "bns_gva",
    "grp": "bns_gva",
    "manufacturing_gva": "bns_gva",
    "employed_population": "bns_employed",
    "population_avg": "bns_population",
}
#: Files of ``data/official/sdg/`` by SDG indicator number.
SDG_FILES = {
    "8.2.1": "indicator_8-2-1.csv",
    "9.2.1": "indicator_9-2-1.csv",
    "9.5.1": "indicator_9-5-1.csv",
    "9.5.2": "indicator_9-5-2.csv",
    "17.6.2": "indicator_17-6-2.csv",
    "17.8.1": "indicator_17-8-1.csv",
}
_SDG_FULL_PRECISION = "indicator_9-5-1_full_precision_2010_2017.csv"


def official_current(name: str, all_rows: bool = False) -> pd.DataFrame:
    """One series of ``data/official/current/`` (BNS, 2010-2025) on the layout of each year.

    Each source code is mapped to a unit id by year (``data/layouts/source_codes.csv``): the GVA
    tables give 2021 already on the 2022 layout, employment is on the 2018 layout for 2010-2021,
    the average population on the 2022 layout for every year (``source_layouts.csv``).  Rows
    outside the layout of their year (the GVA back-casts of Turkestan and Shymkent for 2011-2017)
    are left out unless ``all_rows``.  The Republic is the row ``national``.

    Returns a frame indexed by ``(region_id, year)`` with columns ``value``, ``region_code`` (the
    source's) and ``layout``; the unit is in ``.attrs["units"]["value"]``.

    >>> gva = official_current("ict_gva")
    >>> sorted(set(gva.xs(2019, level="year")["layout"]))
    ['kz17']
    >>> float(gva.loc[("shymkent", 2019), "value"]), float(gva.loc[("abai", 2021), "value"])
    (14021.0, 8981.6)
    """
    from .layouts import NATIONAL, layout_units, source_layout, source_unit

    if name not in CURRENT_SERIES:
        raise ValueError(f"unknown current series {name!r}; available: {', '.join(CURRENT_SERIES)}")
    source = CURRENT_SERIES[name]
    path = _data_path("official", "current", f"{name}.csv")
    frame = pd.read_csv(path, keep_default_na=False, na_values={"value": [""]})
    ids, layouts, keep = [], [], []
    for row in frame.itertuples():
        code, year = row.region_code, int(row.year)
        try:
            unit = source_unit(source, code, year)
            layout = source_layout(source, year)
        except ValueError as err:
            raise ValueError(f"{path}, row {row.Index + 2}: region_code {code!r}, year {year}: "
                             f"{err}") from None
        ids.append(unit)
        layouts.append(layout)
        keep.append(all_rows or unit == NATIONAL or unit in layout_units(layout))
    units = frame["unit"].unique()
    if len(units) != 1:
        raise ValueError(f"{path}: mixed units {list(units)}")
    out = pd.DataFrame({"region_id": ids, "year": frame["year"].astype(int),
                        "value": frame["value"].astype(float), "region_code": frame["region_code"],
                        "layout": layouts})[keep]
    out = out.set_index(["region_id", "year"]).sort_index()
    if not all_rows:
        _check_layout_years(out, path)
    out.attrs["units"] = {"value": units[0]}
    out.attrs["series"] = name  # lets harmonise flag breaks that matter to this series
    out.attrs["source"] = ("Bureau of National Statistics of Kazakhstan, dynamic tables (as parsed "
                           "by makenerzhan-gif/kazakhstan-economic-data), see "
                           "data/official/current/README.md")
    return out


def _check_layout_years(frame: pd.DataFrame, path: Path) -> None:
    """Each year holds the national row and the units of its layout, each once."""
    from .layouts import NATIONAL, layout_units

    for year, block in frame.groupby(level="year"):
        layout = block["layout"].iloc[0]
        ids = block.index.get_level_values("region_id")
        expected = {*layout_units(layout), NATIONAL}
        if set(ids) != expected or ids.has_duplicates:
            raise ValueError(f"{path}: {year} should hold the {len(expected) - 1} units of "
                             f"{layout} and the national row; missing "
                             f"{sorted(expected - set(ids))}, unexpected {sorted(set(ids) - expected)}")


def sdg_series(indicator: str, unit_measure: str | None = None,
               full_precision: bool = False) -> pd.DataFrame:
    """One regional SDG indicator of ``data/official/sdg/`` on the layout of each year.

    ``REF_AREA`` codes are mapped to unit ids by year (``KZYUZ`` is Turkestan from 2018, ``KZONT``
    South Kazakhstan to 2017); rows outside the layout of their year (the 2021 placeholders of
    Abai, Jetisu and Ulytau) are left out; an empty code is ``national``.  Breakdowns (urban/rural,
    sex, broadband speed bands) are left out: the totals are kept.  Units absent from the file for
    a year stay absent (missing is missing).

    Parameters
    ----------
    indicator : {"8.2.1", "9.2.1", "9.5.1", "9.5.2", "17.6.2", "17.8.1"}
    unit_measure : str, optional
        For a file with several ``UNIT_MEASURE`` values (9.2.1: ``PT_IN_2010_PRICE`` or
        ``USD_IN_2010_PRICE``); required there.
    full_precision : bool
        For 9.5.1: the earlier full-precision file (2010-2017, ``GeoCode`` KZ01-KZ17) instead of
        the 2-decimal one.

    Returns
    -------
    DataFrame
        Indexed by ``(region_id, year)``, columns ``value``, ``region_code``, ``layout``.

    >>> rd = sdg_series("9.5.1")
    >>> float(rd.loc[("turkestan", 2019), "value"]), rd.loc[("turkestan", 2019), "region_code"]
    (0.01, 'KZYUZ')
    >>> full = sdg_series("9.5.1", full_precision=True)
    >>> round(float(full.loc[("south_kazakhstan", 2017), "value"]), 6)
    0.029909
    """
    from .layouts import NATIONAL, layout_units, source_layout, source_unit

    if full_precision:
        if indicator != "9.5.1":
            raise ValueError(f"a full-precision file exists for 9.5.1 only, not {indicator!r}")
        path = _data_path("official", "sdg", _SDG_FULL_PRECISION)
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        # its 2018 national row is a placeholder 0.0 (README); the file covers 2010-2017
        raw = raw[raw["Year"].astype(int) <= 2017].rename(columns={"GeoCode": "REF_AREA"})
        source, unit = "sdg_geocode", "percent of GRP"
    else:
        if indicator not in SDG_FILES:
            raise ValueError(f"unknown SDG indicator {indicator!r}; available: "
                             f"{', '.join(SDG_FILES)}")
        path = _data_path("official", "sdg", SDG_FILES[indicator])
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        for breakdown in ("URBANISATION", "SEX", "SERIES"):
            if breakdown in raw.columns:
                raw = raw[raw[breakdown] == ""]
        source = "sdg"
        measures = sorted(set(raw["UNIT_MEASURE"])) if "UNIT_MEASURE" in raw.columns else []
        if len(measures) > 1 and unit_measure is None:
            raise ValueError(f"{path} has several units ({', '.join(measures)}): pass "
                             f"unit_measure=")
        if unit_measure is not None:
            if unit_measure not in measures:
                raise ValueError(f"{path}: unit_measure {unit_measure!r} not among {measures}")
            raw = raw[raw["UNIT_MEASURE"] == unit_measure]
        unit = unit_measure or (measures[0] if measures else "persons per million inhabitants")
    rows = []
    for i, row in raw.iterrows():
        year, code = int(row["Year"]), row["REF_AREA"]
        try:
            rid = source_unit(source, code, year)
            layout = source_layout(source, year)
        except ValueError as err:
            raise ValueError(f"{path}, row {i + 2}: code {code!r}, year {year}: {err}") from None
        if rid != NATIONAL and rid not in layout_units(layout):
            continue
        rows.append((rid, year, float(row["Value"]), code, layout))
    out = pd.DataFrame(rows, columns=["region_id", "year", "value", "region_code", "layout"])
    out = out.set_index(["region_id", "year"]).sort_index()
    if out.index.has_duplicates:
        dup = out.index[out.index.duplicated()].tolist()
        raise ValueError(f"{path}: several rows for {dup[:3]}")
    out.attrs["units"] = {"value": unit}
    out.attrs["source"] = (f"Bureau of National Statistics of Kazakhstan, SDG platform, indicator "
                           f"{indicator}, see data/official/sdg/README.md")
    return out


def __getattr__(name: str):
    # kept here for older code; the reader of indicator tables loads on first use
    if name in ("IndicatorTableError", "read_indicators"):
        from . import userdata

        return getattr(userdata, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
