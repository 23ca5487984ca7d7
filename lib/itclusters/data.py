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

from .regions import REGION_IDS, UnknownRegionError, resolve_region
# user tables are read by their own module; re-exported here so old imports keep working
from .userdata import IndicatorTableError, read_indicators

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


def sector_matrix(year: int) -> pd.DataFrame:
    """Region x section matrix of gross value added for one year (million KZT).

    Rows are the 16 regions, columns the sections published separately that year
    (A-H, J, L and ``OTHER_SERVICES`` in 2010-2013; A-S in 2014-2016); the aggregates
    ``IND``, ``GDP``, ``FISIM`` and ``NET_TAXES`` are left out, so the columns partition
    the regions' gross value added.

    >>> m = sector_matrix(2016)
    >>> m.shape
    (16, 19)
    """
    gva = gva_by_section()["value"]
    years = gva.index.get_level_values("year")
    if year not in set(years):
        raise ValueError(f"no gross value added by section for {year}; available: "
                         f"{', '.join(map(str, sorted(set(years))))}")
    one = gva.xs(year, level="year").drop("national", level="region_id")
    matrix = one.unstack("section")
    matrix = matrix.drop(columns=[c for c in _NOT_SECTIONS if c in matrix.columns])
    matrix = matrix.dropna(axis=1, how="all").reindex(list(REGION_IDS))
    matrix.index.name, matrix.columns.name = "region_id", "section"
    matrix.attrs["units"] = {"value": "million KZT, current prices"}
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
