"""Repair of the 17-unit boundary file of 2018-2021 (private: run by ``make shapefiles``).

The file published on the bureau's SDG platform draws the three cities as shells nested inside
the shells of the regions around them (Astana in Akmola, Almaty in Almaty region, Shymkent in
Turkestan), which is invalid and counts each city's land twice.  The repair:

1. ``shapely.make_valid`` on every feature; only its polygonal parts are kept;
2. overlaps between features are given to the smaller feature (a city keeps its land, the
   region around it gets a hole), by subtracting from each feature the union of the smaller ones;
3. gaps inside the national outline (slivers between neighbours) are given to the neighbour
   that shares the longest border with them.

:func:`repair_report` measures the result: validity, total overlap, largest overlap, gaps.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

#: The equal-area projection the boundary file's provenance measured areas in.
AREA_CRS = "+proj=aea +lat_1=45 +lat_2=51 +lon_0=67 +datum=WGS84 +units=m +no_defs"


def _polygonal(geom):
    import shapely
    from shapely.geometry import MultiPolygon

    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else MultiPolygon()


def repair(frame):
    """Valid, non-overlapping, gap-free geometries (a new GeoDataFrame, same rows and CRS)."""
    import shapely

    out = frame.copy()
    geoms = [_polygonal(g) for g in shapely.make_valid(out.geometry.values)]
    area = np.asarray(out.geometry.to_crs(AREA_CRS).area)
    order = np.argsort(area, kind="stable")  # smallest first: cities keep their land
    placed = None
    result = [None] * len(geoms)
    for i in order:
        geom = geoms[i] if placed is None else geoms[i].difference(placed)
        geom = _polygonal(shapely.make_valid(geom))
        result[i] = geom
        placed = geom if placed is None else shapely.union(placed, geom)
    outline = shapely.union_all(result)
    for hole in _holes(outline):
        borders = [shapely.length(shapely.intersection(hole.boundary, g)) for g in result]
        best = int(np.argmax(borders))
        result[best] = _polygonal(shapely.make_valid(shapely.union(result[best], hole)))
    out["geometry"] = result
    return out


def _holes(geom):
    from shapely.geometry import Polygon

    return [Polygon(ring) for part in getattr(geom, "geoms", [geom]) for ring in part.interiors]


def repair_report(frame) -> dict[str, float]:
    """Validity and the overlap and gap areas (km², equal-area projection) of a layer."""
    import shapely

    projected = frame.geometry.to_crs(AREA_CRS).values
    tree = shapely.STRtree(projected)
    left, right = tree.query(projected, predicate="intersects")
    pairs = [(a, b) for a, b in zip(left, right) if a < b]
    overlaps = [shapely.area(shapely.intersection(projected[a], projected[b])) / 1e6
                for a, b in pairs]
    outline = shapely.union_all(projected)
    gaps = [h.area / 1e6 for h in _holes(outline)]
    return {
        "features": float(len(frame)),
        "invalid": float((~shapely.is_valid(projected)).sum()),
        "area_km2": float(shapely.area(projected).sum() / 1e6),
        "union_km2": float(outline.area / 1e6),
        "overlap_total_km2": float(np.sum(overlaps)) if overlaps else 0.0,
        "overlap_max_km2": float(np.max(overlaps)) if overlaps else 0.0,
        "gaps": float(len(gaps)),
        "gap_total_km2": float(np.sum(gaps)) if gaps else 0.0,
    }


def build_kz17(source, units: pd.DataFrame):
    """Read the published file, attach unit ids (``kzCode`` via the registry) and repair it."""
    import geopandas

    from .layouts import layout_units, source_unit

    raw = geopandas.read_file(source, engine="pyogrio")
    ids = [source_unit("kz17_boundaries", code, 2018) for code in raw["kzCode"]]
    if sorted(ids) != sorted(layout_units("kz17")):
        raise ValueError(f"{source}: kzCode values {sorted(raw['kzCode'])} do not give the 17 "
                         f"units of kz17")
    repaired = repair(raw)
    table = units.loc[ids]
    frame = geopandas.GeoDataFrame({
        "region_id": ids,
        "name_en": table["name_en"].to_numpy(),
        "name_kk": table["name_kk"].to_numpy(),
        "name_ru": table["name_ru"].to_numpy(),
        "iso_3166_2": table["iso_3166_2"].to_numpy(),
        "kind": table["kind"].to_numpy(),
        "kz_code": raw["kzCode"].to_numpy(),
        "name_src": raw["kzName"].to_numpy(),
    }, geometry=repaired.geometry.values, crs=raw.crs)
    order = {rid: i for i, rid in enumerate(layout_units("kz17"))}
    return frame.sort_values("region_id", key=lambda s: s.map(order)).reset_index(drop=True)
