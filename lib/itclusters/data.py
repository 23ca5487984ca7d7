"""Reading the suite's data: the article's tables, official statistics, boundaries, user tables.

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

from .regions import REGION_IDS, UnknownRegionError, resolve_region

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


class IndicatorTableError(ValueError):
    """A user's indicator table that cannot be used; the message names file, row, column, value."""


def project_root() -> Path:
    """The folder holding ``data/`` and ``shapefiles/``.

    ``$ITCLUSTERS_HOME`` wins; otherwise the checkout this package was installed from.
    """
    env = os.environ.get("ITCLUSTERS_HOME")
    root = Path(env) if env else Path(__file__).resolve().parents[2]
    if not (root / "data" / "paper").is_dir():
        raise FileNotFoundError(
            f"no data/paper folder under {root}; install the package in editable mode from a "
            f"checkout (pip install -e .) or set ITCLUSTERS_HOME to the checkout")
    return root


def _data_path(*parts: str) -> Path:
    return project_root().joinpath("data", *parts)


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
        units = {"index": "% (0-100)", "grade": "letter on the article's symbolic scale"}
    elif n == 2:
        frame = frame.rename(columns={"value": "it_production"}).drop(columns="unit")
        units = {"it_production": "million KZT"}
    else:
        units = {"ksi": "share of the national total (0-1)"}
    _check_regions(frame["region_id"], path)
    frame = frame.set_index(["region_id", "year"]).sort_index()
    frame.attrs["units"] = units
    frame.attrs["source"] = (f"Kireyeva, Mussabalina & Tolysbaev (2018), Ekonomika regiona "
                             f"14(2), Table {n}")
    return frame


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
    "finest": "sections as published that year (11 in 2010-2013, 19 in 2014-2016)",
    "consistent": "11 sections comparable over 2010-2016 (I, K, M-S merged into other services)",
}
#: Sections that the 2010-2013 tables publish only inside ``OTHER_SERVICES`` (SOURCES.md, S5).
OTHER_SERVICES_PARTS = ("I", "K", "M", "N", "O", "P", "Q", "R", "S", "T")


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


def boundaries() -> "geopandas.GeoDataFrame":
    """The 16 regions of 2010-2016 (Natural Earth, public domain), indexed by region id.

    Reads the ESRI Shapefile in ``shapefiles/``; columns ``name_en``, ``name_kk``, ``name_ru``,
    ``iso_3166_2``, ``kind`` and the geometry in EPSG:4326.
    """
    import geopandas  # heavy: imported only when a map is wanted

    path = project_root() / "shapefiles" / "kz_regions_2010_2016.shp"
    frame = geopandas.read_file(path, engine="pyogrio", encoding="utf-8")
    _check_regions(frame["region_id"], path)
    frame = frame.set_index("region_id").reindex(list(REGION_IDS))
    frame.attrs["source"] = "Made with Natural Earth"
    return frame


def _check_regions(ids: pd.Series, path: Path) -> None:
    unknown = sorted(set(ids) - set(REGION_IDS))
    if unknown:
        raise ValueError(f"{path}: unknown region ids {unknown}; known: {', '.join(REGION_IDS)}")


# --- user indicator tables --------------------------------------------------------------------

def read_indicators(path: str | os.PathLike, metadata: pd.DataFrame | None = None,
                    region_column: str = "region", year_column: str = "year") -> pd.DataFrame:
    """Read and validate a user's raw indicator table (CSV or Excel).

    The table has one row per region and year, a region column (any spelling
    :func:`~itclusters.resolve_region` understands), a year column and one column per
    indicator code of ``metadata`` (default: the article's ``J_A`` ... ``J_F``).

    Every problem is reported with file, row (as a spreadsheet shows it, header = row 1),
    column and value: unknown or duplicate regions, a region missing for a year, empty or
    non-numeric cells, negative values of an indicator that cannot be negative, an indicator
    whose leader is 0 (normalisation to the leader undefined).

    Returns
    -------
    DataFrame
        Indexed by ``(region_id, year)``, one float column per indicator.
    """
    from .indices import default_metadata, indicator_codes

    path = Path(path)
    meta = default_metadata() if metadata is None else metadata
    codes = indicator_codes(meta)
    if not path.exists():
        raise FileNotFoundError(f"indicator table {path} does not exist")
    if path.suffix.lower() in (".xlsx", ".xls"):
        raw = pd.read_excel(path, dtype=object)
    elif path.suffix.lower() == ".csv":
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    else:
        raise IndicatorTableError(f"{path}: unsupported file type {path.suffix!r}; use .csv or .xlsx")

    def fail(row: int | None, column: str | None, message: str) -> None:
        where = str(path)
        if row is not None:
            where += f", row {row + 2}"  # +1 for the header, +1 for 1-based rows
        if column is not None:
            where += f", column {column!r}"
        raise IndicatorTableError(f"{where}: {message}")

    missing_cols = [c for c in (region_column, year_column, *codes) if c not in raw.columns]
    if missing_cols:
        fail(None, None, f"missing column(s) {missing_cols}; the table needs {region_column!r}, "
                         f"{year_column!r} and one column per indicator: {', '.join(codes)}")

    region_ids, years = [], []
    for i, (name, year) in enumerate(zip(raw[region_column], raw[year_column])):
        try:
            region_ids.append(resolve_region(str(name)))
        except UnknownRegionError as err:
            fail(i, region_column, f"value {name!r}: {err}")
        try:
            years.append(int(str(year).strip()))
        except ValueError:
            fail(i, year_column, f"value {year!r} is not a year (an integer such as 2016)")

    frame = pd.DataFrame(index=pd.MultiIndex.from_arrays([region_ids, years],
                                                         names=["region_id", "year"]))
    seen: dict[tuple[str, int], int] = {}
    for i, key in enumerate(frame.index):
        if key in seen:
            fail(i, region_column, f"value {raw[region_column].iloc[i]!r}: region {key[0]!r} appears "
                                   f"twice for {key[1]} (rows {seen[key] + 2} and {i + 2})")
        seen[key] = i

    nonnegative = _nonnegative(meta)
    for code in codes:
        values = []
        for i, cell in enumerate(raw[code]):
            text = "" if cell is None or (isinstance(cell, float) and np.isnan(cell)) else str(cell)
            text = text.strip().replace("\u00a0", "").replace(" ", "")
            if text in ("", "—", "-", "–"):
                fail(i, code, f"empty value {cell!r}: every indicator needs a value for every "
                              f"region and year (missing values cannot be normalised)")
            try:
                number = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text
                               else text)
            except ValueError:
                fail(i, code, f"value {cell!r} is not a number")
            if not np.isfinite(number):
                fail(i, code, f"value {cell!r} is not a finite number")
            if code in nonnegative and number < 0:
                fail(i, code, f"value {cell!r} is negative; {code} cannot be negative")
            values.append(number)
        frame[code] = values

    for year, block in frame.groupby(level="year"):
        present = set(block.index.get_level_values("region_id"))
        absent = [r for r in REGION_IDS if r not in present]
        if absent:
            fail(None, region_column, f"year {year} lacks region(s) {', '.join(absent)}; every "
                                      f"year needs all 16 regions (normalisation compares them)")
        for code in codes:
            if block[code].max() <= 0:
                fail(None, code, f"in {year} the leading value is {float(block[code].max())!r}: "
                                 f"normalisation to the leader (formula 1) divides by it, so "
                                 f"the leader must be positive")
    frame = frame.sort_index()
    frame.attrs["source"] = str(path)
    return frame


def _nonnegative(meta: pd.DataFrame) -> set[str]:
    if "nonnegative" not in meta.columns:
        return set()
    return set(meta.index[meta["nonnegative"].fillna(False).astype(bool)])


def write_shapefile(geojson: str | os.PathLike | None = None,
                    folder: str | os.PathLike | None = None) -> Path:
    """Convert the boundaries' GeoJSON into the ESRI Shapefile set read by :func:`boundaries`.

    Writes ``kz_regions_2010_2016.{shp,shx,dbf,prj,cpg}`` (UTF-8 attribute names) next to the
    GeoJSON by default.  Run by ``make shapefiles``; the committed files come from it.
    """
    import geopandas

    folder = Path(folder) if folder is not None else project_root() / "shapefiles"
    source = Path(geojson) if geojson is not None else folder / "kz_regions_2010_2016.geojson"
    frame = geopandas.read_file(source, engine="pyogrio")
    _check_regions(frame["region_id"], source)
    target = folder / "kz_regions_2010_2016.shp"
    frame.to_file(target, driver="ESRI Shapefile", engine="pyogrio", encoding="utf-8")
    return target
