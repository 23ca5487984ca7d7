"""Choropleth maps of the 16 regions of 2010-2016.

One drawing per region (a compound path, holes included) in one collection whose order is
:data:`~itclusters.regions.REGION_IDS`, so that a map can be recoloured in place.  Astana and
Almaty city, a few hundred km² each, also get a circle marker in their class colour; missing
values are hatched grey and listed as "no data".  Coordinates are an Albers equal-area conic
fitted to Kazakhstan (standard parallels 42° and 54° N, central meridian 68° E).
"""
from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PatchCollection
from matplotlib.colors import to_rgba
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from .indices import DEFAULT_SCALE, grade
from .regions import REGION_IDS

__all__ = [
    "ALBERS_KZ",
    "SCHEMES",
    "Classes",
    "classify",
    "class_breaks",
    "choropleth",
    "recolour",
    "small_multiples",
    "indicator_grid",
    "save_figure",
    "CREDIT",
    "credit_line",
]

ALBERS_KZ = ("+proj=aea +lat_0=48 +lon_0=68 +lat_1=42 +lat_2=54 "
             "+datum=WGS84 +units=m +no_defs")
CREDIT = "Made with Natural Earth"
NO_DATA = "no data"
_NO_DATA_FACE = "#d9d9d9"
_HATCH = "////"
_FLAG_HATCH = "\\\\"
_CITIES = ("astana", "almaty_city", "shymkent")  # those of the layout drawn get a marker
# Label offsets in km (east, north) where the representative point would crowd a neighbour.
_LABEL_OFFSETS = {
    "astana": (260, 170),
    "almaty_city": (250, -190),
    "almaty_region": (-60, 120),
    "akmola": (-130, -60),
    "north_kazakhstan": (0, -40),
    "karaganda": (0, -60),
    "pavlodar": (110, -40),
    "shymkent": (-250, -120),
}
_SHORT_NAMES = {
    "almaty_region": "Almaty reg.",
    "almaty_city": "Almaty city",
    "astana": "Astana",
    "west_kazakhstan": "West-Kaz.",
    "north_kazakhstan": "North-Kaz.",
    "east_kazakhstan": "East-Kaz.",
    "south_kazakhstan": "South-Kaz.",
}


# --- classification ---------------------------------------------------------------------------

def _mapclassify_schemes():
    import mapclassify

    return {
        "quantiles": mapclassify.Quantiles,
        "equal_interval": mapclassify.EqualInterval,
        # Fisher-Jenks is the exact (deterministic) natural-breaks optimum
        "natural_breaks": mapclassify.FisherJenks,
        "user_defined": mapclassify.UserDefined,
    }


#: Classification schemes a map accepts; ``"grade"`` is the article's letter scale and
#: ``"categories"`` draws labels (strings) with a qualitative palette.
SCHEMES = ("quantiles", "equal_interval", "natural_breaks", "user_defined", "grade", "categories")


@dataclass
class Classes:
    """The class of every region (``-1`` = no data), with legend labels and colours."""

    codes: pd.Series
    labels: list[str]
    colors: list[tuple[float, float, float, float]]
    bins: np.ndarray | None = None
    scheme: str = ""
    facecolors: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        faces = np.array([to_rgba(_NO_DATA_FACE)] * len(self.codes))
        known = self.codes.to_numpy() >= 0
        if known.any():
            faces[known] = np.asarray(self.colors)[self.codes.to_numpy()[known]]
        self.facecolors = faces

    @property
    def missing(self) -> list[str]:
        return self.codes.index[self.codes < 0].tolist()


def _interval_labels(bins: np.ndarray, lowest: float | None) -> list[str]:
    """Legend labels "low – high", with just enough decimals to tell the edges apart.

    Without ``lowest`` (user-defined bins, shared by several maps) the first class reads
    "≤ high".
    """
    edges = np.concatenate([[bins[0] if lowest is None else lowest], bins])
    span = float(edges[-1] - edges[0]) if len(edges) > 1 else 1.0
    digits = 0 if span >= 100 else 1 if span >= 10 else 2 if span >= 1 else 3
    distinct = len(set(np.round(edges, 8)))
    while digits < 8 and len({f"{e:,.{digits}f}" for e in edges}) < distinct:
        digits += 1
    labels = [f"{lo:,.{digits}f} – {hi:,.{digits}f}" for lo, hi in zip(edges[:-1], edges[1:])]
    if lowest is None:
        labels[0] = f"≤ {edges[1]:,.{digits}f}"
    return labels


def class_breaks(values, scheme: str = "quantiles", k: int = 5) -> np.ndarray:
    """Upper bounds of the classes of ``scheme`` over all ``values`` (missing ignored).

    Use them as ``bins=`` with ``scheme="user_defined"`` to give several maps (for example
    2010 and 2016) one set of classes.

    >>> class_breaks([1, 2, 3, 4, 5, 6, 7, 8], "equal_interval", k=2).tolist()
    [4.5, 8.0]
    """
    numbers = pd.Series(values, dtype=float).dropna().to_numpy()
    if numbers.size == 0:
        raise ValueError("no values to classify")
    schemes = _mapclassify_schemes()
    if scheme not in schemes or scheme == "user_defined":
        raise ValueError(f"class_breaks needs one of {sorted(set(schemes) - {'user_defined'})}, "
                         f"got {scheme!r}")
    k = max(1, min(k, len(np.unique(numbers))))
    with warnings.catch_warnings():
        # mapclassify suggests numba for Fisher-Jenks; 16 regions do not need it
        warnings.filterwarnings("ignore", message="Numba not installed")
        return np.asarray(schemes[scheme](numbers, k=k).bins, dtype=float)


def _categorical(labelled: pd.Series, labels: list, colors: list, scheme: str) -> Classes:
    bad = set(labelled.dropna()) - set(labels)
    if bad:
        raise ValueError(f"values {sorted(bad)} are not among the classes {labels}")
    codes = labelled.map({label: i for i, label in enumerate(labels)}).fillna(-1).astype(int)
    return Classes(codes, labels, colors, None, scheme)


def classify(values: pd.Series, scheme: str = "quantiles", k: int = 5, bins=None,
             cmap: str = "YlGnBu", categories=None, colors=None, ids=None) -> Classes:
    """Put every region in a class of ``scheme`` (see :data:`SCHEMES`).

    ``values`` is a Series indexed by region id; regions absent or NaN are "no data".
    ``scheme="grade"`` takes index values or letters and uses the article's six letters
    (all six shown in the legend, so maps of different years read alike).
    """
    series = pd.Series(values).reindex(list(REGION_IDS if ids is None else ids))
    colormap = matplotlib.colormaps[cmap]
    if scheme == "categories":
        labels = list(categories) if categories is not None else sorted(series.dropna().unique())
        palette = matplotlib.colormaps["Set2"]
        chosen = [to_rgba(colors[label]) if colors and label in colors else palette(i % palette.N)
                  for i, label in enumerate(labels)]
        return _categorical(series, labels, chosen, scheme)
    if scheme == "grade":
        letters = series if series.dtype == object or pd.api.types.is_string_dtype(series) \
            else grade(series)
        labels = list(DEFAULT_SCALE.labels)
        shades = [colormap(x) for x in np.linspace(0.15, 0.95, len(labels))]
        return _categorical(letters, labels, shades, scheme)
    schemes = _mapclassify_schemes()
    if scheme not in schemes:
        raise ValueError(f"unknown scheme {scheme!r}; available: {', '.join(SCHEMES)}")
    numbers = series.astype(float)
    known = numbers.dropna()
    if scheme == "user_defined":
        if bins is None:
            raise ValueError("scheme='user_defined' needs bins=[upper bounds]")
        edges = np.asarray(bins, dtype=float)
        if len(known) and known.max() > edges[-1]:
            edges = np.append(edges, known.max())
    elif known.empty:
        edges = np.array([])
    else:
        edges = class_breaks(known, scheme, k)
    codes = pd.Series(-1, index=series.index)
    if len(edges):
        position = np.searchsorted(edges, known.to_numpy(), side="left")
        codes.loc[known.index] = np.minimum(position, len(edges) - 1)
    lowest = None if scheme == "user_defined" or known.empty else float(known.min())
    labels = _interval_labels(edges, lowest) if len(edges) else []
    colors = [colormap(x) for x in np.linspace(0.15, 0.95, max(len(edges), 1))][:len(edges)]
    return Classes(codes, labels, colors, edges, scheme)


# --- geometry ---------------------------------------------------------------------------------

# --- layouts: which units a map draws (kz16 = the article's 16 regions) -----------------------

def _layout_ids(layout: str) -> list[str]:
    from .layouts import layout_units

    return list(REGION_IDS) if layout == "kz16" else list(layout_units(layout))


def _infer_layout(ids) -> str:
    """kz16 when every id is one of the 16 regions, else the first layout holding them all."""
    from .layouts import LAYOUTS, layout_units

    given = set(ids) - {"national"}
    if given <= set(REGION_IDS):
        return "kz16"
    for layout in LAYOUTS:
        if given <= set(layout_units(layout)):
            return layout
    raise ValueError(f"region ids {sorted(given)} belong to no single layout; harmonise them "
                     f"first (itclusters.harmonise)")


def _boundary_credit(layout: str) -> str:
    return CREDIT if layout == "kz16" else _projected(layout)[4]


@lru_cache(maxsize=3)
def _projected(layout: str = "kz16"):
    """Projected region paths, representative points, and the map extent (cached)."""
    import shapely
    from shapely.geometry.polygon import orient

    from .data import boundaries

    gdf = boundaries(layout).to_crs(ALBERS_KZ)
    paths, points = {}, {}
    for rid, geom in gdf.geometry.items():
        vertices, codes = [], []
        for polygon in getattr(geom, "geoms", [geom]):
            polygon = orient(polygon, sign=1.0)
            for ring in [polygon.exterior, *polygon.interiors]:
                xy = np.asarray(ring.coords) / 1000.0  # km
                vertices.append(xy)
                ring_codes = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
                ring_codes[0], ring_codes[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
                codes.append(ring_codes)
        paths[rid] = MplPath(np.concatenate(vertices), np.concatenate(codes))
        point = shapely.point_on_surface(geom)
        points[rid] = (point.x / 1000.0, point.y / 1000.0)
    bounds = np.asarray(gdf.total_bounds) / 1000.0
    names = gdf["name_en"].to_dict()
    return paths, points, bounds, names, gdf.attrs.get("source", CREDIT)


@dataclass
class _MapState:
    """Artists of one map, kept on the Axes so that :func:`recolour` can reuse them."""

    regions: PatchCollection
    hatches: dict
    cities: dict
    units: str | None
    legend: bool
    legend_options: dict


def _legend_handles(classes: Classes) -> list[Patch]:
    handles = [Patch(facecolor=c, edgecolor="0.4", linewidth=0.5, label=label)
               for c, label in zip(classes.colors, classes.labels)]
    if classes.missing:
        handles.append(_no_data_handle())
    return handles


def _no_data_handle() -> Patch:
    return Patch(facecolor=_NO_DATA_FACE, edgecolor="0.45", hatch=_HATCH, linewidth=0.5,
                 label=NO_DATA)


def _draw_legend(ax, classes: Classes, title: str | None, extra=(), **kwargs) -> None:
    old = ax.get_legend()
    if old is not None:
        old.remove()
    options = dict(loc="lower left", fontsize=7, title_fontsize=7.5, frameon=False,
                   borderaxespad=0.2, handlelength=1.6)
    options.update(kwargs)
    ax.legend(handles=_legend_handles(classes) + list(extra), title=title, **options)


def _select(values, year) -> pd.Series:
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise ValueError("pass one column (a Series), not a frame with "
                             f"{values.shape[1]} columns")
        values = values.iloc[:, 0]
    series = pd.Series(values)
    if isinstance(series.index, pd.MultiIndex):
        if year is None:
            years = sorted(series.index.get_level_values("year").unique())
            raise ValueError(f"values cover several years {years}; pass year=")
        available = set(series.index.get_level_values("year"))
        if year not in available:
            raise ValueError(f"no values for {year}; available: "
                             f"{', '.join(map(str, sorted(available)))}")
        series = series.xs(year, level="year")
    from .layouts import units

    unknown = sorted(set(series.index) - set(REGION_IDS) - set(units().index))
    if unknown:
        raise ValueError(f"unknown region ids {unknown}; use itclusters.resolve_region first")
    return series


def choropleth(values, *, year: int | None = None, scheme: str = "quantiles", k: int = 5,
               bins=None, ax=None, title: str | None = None, units: str | None = None,
               source: str | None = None, cmap: str = "YlGnBu", labels: bool = True,
               legend: bool = True, legend_outside: bool = True, credit: bool = True,
               categories=None, colors: dict | None = None, flag=None,
               flag_label: str = "grade not robust", layout: str | None = None):
    """Draw one value per region on the map of the 16 regions (or of another layout).

    Parameters
    ----------
    values : Series
        Indexed by region id, or by ``(region_id, year)`` with ``year`` given.  Numbers, or
        letters of the article's scale with ``scheme="grade"``.  Regions without a value
        are hatched grey and listed as "no data".
    scheme : {"quantiles", "equal_interval", "natural_breaks", "user_defined", "grade", "categories"}
        Classification (mapclassify); ``"user_defined"`` needs ``bins`` (upper bounds), e.g.
        from :func:`class_breaks` over several years, so that maps share classes;
        ``"categories"`` draws string labels in the order of ``categories``, coloured by
        ``colors`` (a dict label -> colour) where given.
    k : int
        Number of classes for the data-driven schemes.
    ax : matplotlib Axes, optional
        Drawn on a new figure when omitted.
    legend_outside : bool
        Legend to the right of the map (default) rather than in its lower-left corner, where
        it would cover Mangystau.
    title, units, source : str, optional
        Title above the map; units as the legend title; data source printed under the map
        next to the Natural Earth credit.
    flag : iterable of region ids, optional
        Regions cross-hatched over their class colour and listed in the legend as
        ``flag_label`` (for example letters that are not robust).
    layout : {"kz16", "kz17"}, optional
        The map: the 16 regions of 2010-2017 (Natural Earth) or the 17 units of 2018-2021 (the
        bureau's SDG platform, repaired); inferred from the region ids when omitted.  Data of
        the 20 units of 2022 are drawn on the ``kz17`` map after :func:`~itclusters.harmonise`
        (say so in ``units``).  Astana, Almaty and (from 2018) Shymkent get a city marker.

    Returns
    -------
    matplotlib Axes
        ``plt.show()`` is never called.
    """
    series = _select(values, year)
    layout = layout or _infer_layout(series.index)
    ids = _layout_ids(layout)
    classes = classify(series, scheme=scheme, k=k, bins=bins, cmap=cmap, categories=categories,
                       colors=colors, ids=ids)
    paths, points, bounds, names, _ = _projected(layout)
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.8), layout="constrained")
    regions = PatchCollection([PathPatch(paths[r]) for r in ids], match_original=False,
                              facecolors=classes.facecolors, edgecolors="white", linewidths=0.6,
                              zorder=1)
    regions.set_gid("regions")
    ax.add_collection(regions)
    hatches = {}
    for rid in ids:
        hatch = PathPatch(paths[rid], facecolor="none", edgecolor="0.45", hatch=_HATCH,
                          linewidth=0, zorder=2, visible=rid in classes.missing)
        hatch.set_gid(f"nodata:{rid}")
        ax.add_patch(hatch)
        hatches[rid] = hatch
    flagged = [r for r in (list(flag) if flag is not None else []) if r in paths]
    for rid in flagged:
        mark = PathPatch(paths[rid], facecolor="none", edgecolor="0.15", hatch=_FLAG_HATCH,
                         linewidth=0, zorder=2)
        mark.set_gid(f"flag:{rid}")
        ax.add_patch(mark)
    cities = {}
    for rid in [c for c in _CITIES if c in ids]:
        x, y = points[rid]
        code = classes.codes[rid]
        marker = ax.scatter([x], [y], s=130, marker="o", zorder=4, linewidths=1.1,
                            edgecolors="black", facecolors=[classes.facecolors[ids.index(rid)]],
                            hatch=_HATCH if code < 0 else _FLAG_HATCH if rid in flagged else None)
        marker.set_gid(f"city:{rid}")
        cities[rid] = marker
    if labels:
        _draw_labels(ax, points, names, ids)
    pad = 60
    ax.set_xlim(bounds[0] - pad, bounds[2] + pad)
    ax.set_ylim(bounds[1] - pad, bounds[3] + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    legend_options = {"loc": "center left", "bbox_to_anchor": (1.0, 0.5)} if legend_outside else {}
    if legend:
        _draw_legend(ax, classes, units, extra=[Patch(facecolor="white", edgecolor="0.15",
                                                      hatch=_FLAG_HATCH, linewidth=0.5,
                                                      label=flag_label)] if flagged else [],
                     **legend_options)
    if credit:
        ax.text(1.0, 0.0, credit_line(source, _boundary_credit(layout)), transform=ax.transAxes,
                ha="right",
                va="top", fontsize=6.5, color="0.35", gid="credit")
    ax._itclusters_map = _MapState(regions, hatches, cities, units, legend, legend_options)
    ax._itclusters_classes = classes
    ax._itclusters_ids = ids
    ax._itclusters_boundaries = _boundary_credit(layout)
    return ax


def credit_line(source: str | None = None, boundaries: str = CREDIT) -> str:
    """The line printed under every map: the data source and the boundaries' credit."""
    text = f"Source: {source}. " if source else ""
    if boundaries == CREDIT:
        return f"{text}Boundaries: {CREDIT}."
    return f"{text}{boundaries.rstrip('.')}."  # another file's own credit


def _draw_labels(ax, points, names, ids=REGION_IDS) -> None:
    for rid in ids:
        x, y = points[rid]
        dx, dy = _LABEL_OFFSETS.get(rid, (0, 0))
        label = _SHORT_NAMES.get(rid, names[rid])
        if rid in _CITIES:
            ax.annotate(label, xy=(x, y), xytext=(x + dx, y + dy), fontsize=7, ha="center",
                        va="center", zorder=5, fontweight="bold",
                        arrowprops=dict(arrowstyle="-", color="0.2", linewidth=0.6,
                                        shrinkA=0, shrinkB=5),
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8),
                        gid=f"label:{rid}")
        else:
            ax.text(x + dx, y + dy, label, fontsize=7, ha="center", va="center", zorder=3,
                    color="0.1", gid=f"label:{rid}",
                    bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.55))


def recolour(ax, values, *, year: int | None = None, scheme: str = "quantiles", k: int = 5,
             bins=None, cmap: str = "YlGnBu", title: str | None = None,
             units: str | None = None):
    """Recolour a map drawn by :func:`choropleth` in place: new values, same artists.

    Only face colours, the "no data" hatching, the city markers, the legend and the title
    change; the axes and the region drawings are kept.  Returns the ``Axes``.
    """
    state: _MapState | None = getattr(ax, "_itclusters_map", None)
    if state is None:
        raise ValueError("this Axes has no map drawn by itclusters.choropleth")
    ids = getattr(ax, "_itclusters_ids", list(REGION_IDS))
    classes = classify(_select(values, year), scheme=scheme, k=k, bins=bins, cmap=cmap, ids=ids)
    state.regions.set_facecolor(classes.facecolors)
    missing = set(classes.missing)
    for rid, hatch in state.hatches.items():
        hatch.set_visible(rid in missing)
    for rid, marker in state.cities.items():
        marker.set_facecolor([classes.facecolors[ids.index(rid)]])
        marker.set_hatch(_HATCH if rid in missing else None)
    if units is not None:
        state.units = units
    if state.legend:
        _draw_legend(ax, classes, state.units, **state.legend_options)
    if title is not None:
        ax.set_title(title, fontsize=11, loc="left")
    ax._itclusters_classes = classes
    return ax


# --- several maps -----------------------------------------------------------------------------

def small_multiples(values, years, *, scheme: str = "quantiles", k: int = 5, shared: bool = True,
                    title: str | None = None, units: str | None = None,
                    source: str | None = None, cmap: str = "YlGnBu", ncols: int | None = None):
    """The same indicator for several years side by side.

    With ``shared=True`` (the default) one set of classes, computed over all the years shown,
    is used on every map, so that equal colours mean equal values.  Returns the Figure.
    """
    series = pd.Series(values) if not isinstance(values, pd.DataFrame) else values.iloc[:, 0]
    years = list(years)
    for year in years:
        _select(series, year)  # validates
    use_scheme, bins = scheme, None
    if shared and scheme not in ("grade", "user_defined"):
        pooled = pd.concat([_select(series, y) for y in years])
        bins, use_scheme = class_breaks(pooled, scheme, k), "user_defined"
    ncols = ncols or min(len(years), 3)
    nrows = int(np.ceil(len(years) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 3.4 * nrows + 0.5),
                             layout="constrained", squeeze=False)
    one_legend = shared or scheme == "grade"
    for ax, year in zip(axes.flat, years):
        choropleth(series, year=year, scheme=use_scheme, k=k, bins=bins, ax=ax, title=str(year),
                   units=units, cmap=cmap, labels=False, credit=False, legend=not one_legend)
    for ax in list(axes.flat)[len(years):]:
        ax.set_axis_off()
    layouts = sorted({_infer_layout(_select(series, y).index) for y in years})
    if one_legend:
        # one legend for the figure; "no data" is listed if any year lacks a value
        maps = list(axes.flat)[:len(years)]
        classes = maps[-1]._itclusters_classes
        handles = _legend_handles(classes)
        if not classes.missing and any(ax._itclusters_classes.missing for ax in maps):
            handles.append(_no_data_handle())
        fig.legend(handles=handles, title=units, loc="outside right center", fontsize=7.5,
                   title_fontsize=8, frameon=False)
    _figure_header(fig, title, source, shared and len(years) > 1,
                   [_boundary_credit(lay) for lay in layouts])
    return fig


def indicator_grid(frame: pd.DataFrame, year: int, columns=None, *, scheme: str = "quantiles",
                   k: int = 5, titles: dict | None = None, source: str | None = None,
                   cmap: str = "YlGnBu", ncols: int = 3):
    """A grid of maps, one per indicator column of ``frame`` for one year.  Returns the Figure."""
    columns = list(frame.columns if columns is None else columns)
    nrows = int(np.ceil(len(columns) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 3.6 * nrows + 0.5),
                             layout="constrained", squeeze=False)
    for ax, column in zip(axes.flat, columns):
        column_scheme = "grade" if column == "grade" else scheme
        choropleth(frame[column], year=year, scheme=column_scheme, k=k, ax=ax,
                   title=(titles or {}).get(column, column), cmap=cmap, labels=False,
                   credit=False, legend_outside=True)
    for ax in list(axes.flat)[len(columns):]:
        ax.set_axis_off()
    _figure_header(fig, f"{year}", source, False)
    return fig


def _figure_header(fig, title, source, shared, credits=(CREDIT,)) -> None:
    if title:
        fig.suptitle(title, fontsize=12, x=0.01, ha="left")
    note = "One set of classes for all maps. " if shared else ""
    note += f"Source: {source}. " if source else ""
    boundaries = " ".join(credit_line(None, c) for c in credits)
    fig.text(0.99, 0.005, f"{note}{boundaries}", ha="right", va="bottom",
             fontsize=7, color="0.35")


# --- saving -----------------------------------------------------------------------------------

_NO_TIMESTAMP = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
}


def save_figure(fig, path: str | os.PathLike, dpi: int = 150) -> Path:
    """Save a figure as PNG, SVG or PDF, byte-identical for identical inputs.

    Timestamps and tool versions are left out of the file's metadata, SVG ids are salted
    with a constant, and the file is written to a temporary name and renamed, so an
    interrupted save never leaves half a file.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in _NO_TIMESTAMP:
        raise ValueError(f"{path}: save maps as .png, .svg or .pdf, not {path.suffix!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=f".{fmt}")
    os.close(handle)
    try:
        with plt.rc_context({"svg.hashsalt": "itclusters", "svg.fonttype": "path"}):
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=_NO_TIMESTAMP[fmt])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
