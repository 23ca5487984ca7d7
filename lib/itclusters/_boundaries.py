"""The boundary files of every layout, built from one source (private: run by ``make shapefiles``).

One drawing serves every year: the 20 units of 2022 onwards (geokz 1.0.2, a gap- and
overlap-free coverage, ``shapefiles/source/``) are dissolved along the crosswalk of
``data/layouts/crosswalk.csv`` into the 17 units of 2018-2021 and the 16 regions of 2010-2017.
A border that did not move is therefore drawn the same in every year.  What a dissolve cannot
undo (territory moved between units that the crosswalk does not split) is listed in
:data:`MAP_NOTES` and printed under the maps of that layout.

:func:`coverage_report` measures a layer: validity, overlaps and gaps between its units.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

#: Equal-area conic for Kazakhstan (the same parallels as the maps), to measure areas in km².
AREA_CRS = "+proj=aea +lat_1=42 +lat_2=54 +lat_0=48 +lon_0=68 +datum=WGS84 +units=m +no_defs"

SOURCE = Path("source") / "kz20_2022_regions.geojson"
FILES = {"kz16": "regions_kz16.geojson", "kz17": "regions_kz17.geojson",
         "kz20": "regions_kz20.geojson"}

#: The credit printed under every map drawn on these files (the source's licence asks for it).
CREDIT = ("Boundaries: geokz 1.0.2 (A. Rodionov, CC BY 4.0), based on OCHA COD-AB Kazakhstan; "
          "modified")

#: What the dissolve cannot undo, said under the maps of that layout.
MAP_NOTES = {
    "kz16": ("Astana and Almaty city drawn with their later borders (land from Akmola, 2017; "
             "from Almaty region, 2014)"),
    "kz17": "",
    "kz20": "",
}


def _dissolved(frame, target: str):
    """The units of ``frame`` (kz20, indexed by unit id) added into those of ``target``."""
    import geopandas
    import shapely

    from .layouts import crosswalk, layout_units, units

    mapping = crosswalk("kz20", target) if target != "kz20" else None
    rows = []
    for unit in layout_units(target):
        parts = [unit] if mapping is None else list(mapping.index[mapping == unit])
        geom = shapely.coverage_union_all(frame.geometry.loc[parts].values)
        if geom.geom_type == "Polygon":
            geom = shapely.MultiPolygon([geom])
        rows.append((unit, geom))
    table = units().reindex([u for u, _ in rows])
    out = geopandas.GeoDataFrame({
        "region_id": [u for u, _ in rows],
        "name_en": table["name_en"].to_numpy(),
        "name_kk": table["name_kk"].to_numpy(),
        "name_ru": table["name_ru"].to_numpy(),
        "iso_3166_2": table["iso_3166_2"].to_numpy(),
        "kind": table["kind"].to_numpy(),
    }, geometry=[g for _, g in rows], crs=frame.crs)
    return out


def build_layers(source: str | Path):
    """The three layers (``{"kz16": GeoDataFrame, ...}``) from the 20-unit coverage."""
    import geopandas

    from .layouts import layout_units

    raw = geopandas.read_file(source, engine="pyogrio")
    if sorted(raw["region_id"]) != sorted(layout_units("kz20")):
        raise ValueError(f"{source}: the units are {sorted(raw['region_id'])}; the kz20 layout "
                         f"has {sorted(layout_units('kz20'))}")
    frame = raw.set_index("region_id")
    return {layout: _dissolved(frame, layout) for layout in FILES}


def write_layers(folder: str | Path) -> list[Path]:
    """Build the three layers from ``folder/source/`` and write them as GeoJSON into ``folder``."""
    folder = Path(folder)
    written = []
    for layout, frame in build_layers(folder / SOURCE).items():
        target = folder / FILES[layout]
        frame.to_file(target, driver="GeoJSON", engine="pyogrio", RFC7946="YES",
                      COORDINATE_PRECISION=6)
        written.append(target)
    return written


def _holes(geom):
    from shapely.geometry import Polygon

    return [Polygon(ring) for part in getattr(geom, "geoms", [geom]) for ring in part.interiors]


def coverage_report(frame) -> dict[str, float]:
    """Validity and the overlap and gap areas (km², equal-area projection) of a layer."""
    import shapely

    projected = frame.geometry.to_crs(AREA_CRS).values
    tree = shapely.STRtree(projected)
    left, right = tree.query(projected, predicate="intersects")
    overlaps = [shapely.area(shapely.intersection(projected[a], projected[b])) / 1e6
                for a, b in zip(left, right) if a < b]
    outline = shapely.union_all(projected)
    # a hole of the national outline that no unit fills is a gap (exclaves are not holes)
    gaps = [h.area / 1e6 for h in _holes(outline)]
    return {
        "features": float(len(frame)),
        "invalid": float((~shapely.is_valid(projected)).sum()),
        "area_km2": float(shapely.area(projected).sum() / 1e6),
        "union_km2": float(outline.area / 1e6),
        "overlap_total_km2": float(np.sum(overlaps)) if overlaps else 0.0,
        "gap_total_km2": float(np.sum(gaps)) if gaps else 0.0,
    }
