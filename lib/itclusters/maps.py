"""Choropleth maps of the 16 regions of 2010-2016.

One drawing per region (a compound path, holes included) in one collection whose order is
:data:`~itclusters.regions.REGION_IDS`, so that a map can be recoloured in place.  Astana and
Almaty city, a few hundred km² each, also get a circle marker in their class colour; missing
values are hatched grey and listed as "no data".  Coordinates are an Albers equal-area conic
fitted to Kazakhstan (standard parallels 42° and 54° N, central meridian 68° E).
"""
from __future__ import annotations


import os
import re
import tempfile
import textwrap
import warnings
from collections.abc import Iterable
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

from ._checks import checked
from .indices import DEFAULT_SCALE, grade
from .presentation import (NO_DATA, PERCENT, NumberFormat, display_name, grade_band, number_format,
                           styled, typeset_sign)
from .regions import REGION_IDS

__all__ = [
    "ALBERS_KZ",
    "SCHEMES",
    "INDICATOR_SCHEMES",
    "LQ_ABOVE",
    "lq_breaks",
    "lq_classes",
    "settle_layout",
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

from ._boundaries import CREDIT as _CREDIT  # noqa: E402  (no heavy imports there)

ALBERS_KZ = ("+proj=aea +lat_0=48 +lon_0=68 +lat_1=42 +lat_2=54 "
             "+datum=WGS84 +units=m +no_defs")
CREDIT = _CREDIT  # printed under every map drawn on the suite's boundary files
_NO_DATA_FACE = "#d9d9d9"
_HATCH = "////"
# Fragile letters: a dark outline and a sparse, thin hatch, so the class colour stays readable.
_FLAG_HATCH = "\\"
_FLAG_EDGE = "0.1"
_FLAG_LINEWIDTH = 2.0
_FLAG_HATCH_LINEWIDTH = 0.6

#: Every location-quotient map breaks at 1 (the national structure) and at 2 (twice it).
#: Below 1, where most regions lie in most years, the regions are split into up to
#: :data:`LQ_CLASSES_BELOW` classes of equal numbers (quartiles of the LQs below 1), so that
#: they are not painted alike; oranges lighten towards 1, purples above it.  Classes are
#: ``[edge_i, edge_i+1)`` of the value as the tables print it (two decimals: 0.4953 prints
#: 0.50 and is classed 0.50).
LQ_ABOVE = (1.0, 2.0)
LQ_CLASSES_BELOW = 4
LQ_DECIMALS = 2
_LQ_NOTE = "classes below 1: quartiles of the regions"
_LOG_NOTE = "classes: natural breaks on a log scale"
_HYBRID_NOTE = "classes: top class by natural breaks on a log scale, quantiles below"
_CITIES = ("astana", "almaty_city", "shymkent")  # those of the layout drawn get a marker
# Label offsets in km (east, north) where the representative point would crowd a neighbour.
_LABEL_OFFSETS = {
    "astana": (250, -105),
    "almaty_city": (250, -190),
    "almaty_region": (-60, 120),
    "almaty_region_2022": (90, -10),
    "zhambyl": (-40, 0),
    "akmola": (-130, -60),
    "kostanay": (-70, 40),
    "north_kazakhstan": (0, -40),
    "karaganda": (0, -60),
    "karaganda_2022": (40, -150),
    "pavlodar": (110, -40),
    "shymkent": (-250, -120),
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
#: Schemes for one kind of indicator: ``"lq"``, location-quotient classes breaking at 1 and 2
#: with quartiles below 1 (:data:`LQ_ABOVE`), for every LQ; ``"log_natural_breaks"``, natural
#: breaks of the logarithm, for shares that the two cities would otherwise swamp (5 classes,
#: up to 7 while one class would hold more than half of the regions).
INDICATOR_SCHEMES = ("lq", "log_natural_breaks")


@dataclass
class Classes:
    """The class of every region (``-1`` = no data), with legend labels and colours."""

    codes: pd.Series
    labels: list[str]
    colors: list[tuple[float, float, float, float]]
    bins: np.ndarray | None = None
    scheme: str = ""
    note: str = ""  # what the legend must say about the classes (log scale, inferred bands)
    #: how the edges read in the legend (a share as %); ``None``: as plain numbers
    number_format: NumberFormat | None = None
    #: the values classed, by region (set by :func:`classify`)
    values: pd.Series | None = field(default=None, repr=False)
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


def _scale(fmt: NumberFormat | None) -> tuple[float, str]:
    """How a value reads in the legend: a share (format kind ``"percent"``) x 100 with " %",
    as in the tables; anything else as it is."""
    if fmt is not None and fmt.kind == "percent":
        return 100.0, PERCENT
    return 1.0, ""


def _plain_decimals(breaks: np.ndarray, log: bool) -> int:
    """Decimals of a legend without a known format (a Series named after no indicator): as many
    as the spread of the breaks asks for (two significant figures of each on a log scale), and
    never so few that a break reads as 0."""
    if breaks.size == 0:
        return 2
    nonzero = np.abs(breaks[breaks != 0])
    smallest = float(nonzero.min()) if nonzero.size else 1.0
    if log:
        return max(0, 1 - int(np.floor(np.log10(smallest))))
    span = float(breaks.max() - breaks.min()) if breaks.size > 1 else abs(float(breaks[0]))
    digits = 0 if span >= 100 else 1 if span >= 10 else 2 if span >= 1 else 3
    return max(digits, int(np.ceil(-np.log10(smallest) - 1e-9)) if smallest < 1 else 0)


_DECIMAL_KINDS = ("number", "percent", "threshold", "rank")


def _as_shown(numbers, decimals: int) -> np.ndarray:
    """Numbers rounded as the tables print them (``format`` rounding, not ``numpy.round``:
    2.675 prints "2.67" and must be classed as 2.67)."""
    return np.array([float(f"{x:.{decimals}f}") for x in np.asarray(numbers, dtype=float)])


def _break_labels(breaks: np.ndarray, decimals: int, suffix: str, values) -> list[str]:
    """Labels in the manner of Eurostat's maps: "< a", "a – < b", ..., "≥ z", each class
    holding its lower edge; with one class only, the range of the ``values`` it holds."""
    def shown(x):  # "−" for minus, as in the tables
        return typeset_sign(f"{x:,.{decimals}f}") + suffix

    if breaks.size == 0:
        if len(values) == 0:
            return []
        low, high = shown(min(values)), shown(max(values))
        return [low if low == high else f"{low} – {high}"]
    text = [shown(b) for b in breaks]
    return ([f"< {text[0]}"] + [f"{lo} – < {hi}" for lo, hi in zip(text[:-1], text[1:])]
            + [f"≥ {text[-1]}"])


def _legend_format(values: pd.Series, fmt=None) -> NumberFormat | None:
    """The number format of a map's legend: ``fmt`` when given, else that of the Series' name
    in :data:`~itclusters.presentation.FORMATS` (an indicator of the catalogue), else plain.

    A share named after an indicator must hold fractions 0-1 (the tables multiply it by 100):
    values above 1 are refused, since they may be percentages already.
    """
    shown = number_format(fmt, values.name)
    if fmt is None and shown is not None and shown.kind == "percent":
        known = pd.to_numeric(values, errors="coerce").abs()
        if known.max() > 1 + 1e-9:
            where = known.idxmax()
            raise ValueError(
                f"{values.name!r} is a share shown as % (itclusters.presentation.FORMATS), so "
                f"its values must be fractions 0-1, but {where!r} has {values[where]:,.4g}: as "
                f"a fraction that reads {values[where] * 100:,.4g} %; if the values are already "
                f"percentages, pass fmt='number:2' (or rename the Series)")
    return shown


_FRACTION_UNITS = re.compile(r"(?<![\d.])0\s*(?:-|–|—|to)\s*1(?![\d.])")


def _check_units(units: str | None, fmt: NumberFormat | None) -> None:
    """Refuse a legend title that says fractions 0-1 over labels that show %."""
    if units and fmt is not None and fmt.kind == "percent" and _FRACTION_UNITS.search(units):
        raise ValueError(
            f"units {units!r} say the values are fractions 0-1, but the legend shows them as % "
            f"(format {fmt.kind}:{fmt.decimals}, as in the tables); pass units={fmt.unit or '%'!r} "
            f"to keep the %, or fmt='number:3' to show fractions")


@checked
def class_breaks(values, scheme: str = "quantiles", k: int = 5) -> np.ndarray:
    """Upper bounds of the classes of ``scheme`` over all ``values`` (missing ignored).

    Use them as ``bins=`` with ``scheme="user_defined"`` to give several maps (for example
    2010 and 2016) one set of classes.  For ``"lq"``, the breaks themselves
    (:func:`lq_breaks`): pass them as ``bins=`` with ``scheme="lq"``.

    >>> class_breaks([1, 2, 3, 4, 5, 6, 7, 8], "equal_interval", k=2).tolist()
    [4.5, 8.0]
    >>> class_breaks([0.001, 0.002, 0.01, 0.02, 0.3, 0.5], "log_natural_breaks", k=3).tolist()
    [0.002, 0.02, 0.5]
    """
    numbers = pd.Series(values, dtype=float).dropna().to_numpy()
    if numbers.size == 0:
        raise ValueError("no values to classify")
    if scheme == "lq":
        return lq_breaks(numbers)
    if scheme == "log_natural_breaks":
        if (numbers <= 0).any():
            raise ValueError(f"log_natural_breaks needs positive values; got {numbers.min()}")
        # classes found on log10 values, so that one or two very large values (the two
        # cities) do not put every other region in the first class
        logs = np.log10(numbers)
        logged = class_breaks(logs, "natural_breaks", k)
        # Fisher-Jenks edges are data values: take them back exactly, not through 10**x
        return np.unique(numbers)[np.searchsorted(np.unique(logs), logged)]
    schemes = _mapclassify_schemes()
    if scheme not in schemes or scheme == "user_defined":
        raise ValueError(f"class_breaks needs one of "
                         f"{sorted(set(schemes) - {'user_defined'} | {'log_natural_breaks', 'lq'})}, "
                         f"got {scheme!r}")
    k = max(1, min(k, len(np.unique(numbers))))
    with warnings.catch_warnings():
        # mapclassify suggests numba for Fisher-Jenks; 16 regions do not need it
        warnings.filterwarnings("ignore", message="Numba not installed")
        # ties leave fewer distinct quantiles than classes: the repeated edges merge
        warnings.filterwarnings("ignore", message="Not enough unique values")
        return np.asarray(schemes[scheme](numbers, k=k).bins, dtype=float)


def _categorical(labelled: pd.Series, labels: list, colors: list, scheme: str,
                 shown: list | None = None, note: str = "") -> Classes:
    bad = set(labelled.dropna()) - set(labels)
    if bad:
        raise ValueError(f"values {sorted(bad)} are not among the classes {labels}")
    codes = labelled.map({label: i for i, label in enumerate(labels)}).fillna(-1).astype(int)
    return Classes(codes, list(shown or labels), colors, None, scheme, note)


def lq_breaks(values) -> np.ndarray:
    """The class breaks of location quotients ``values`` (pooled over the years of maps that
    share classes): the quartiles of the LQs below 1, as the tables print them, then 1 and 2.

    >>> lq_breaks([0.12, 0.2, 0.25, 0.31, 0.33, 0.4, 0.45, 0.9, 1.04, 3.8]).tolist()
    [0.24, 0.32, 0.41, 1.0, 2.0]
    """
    shown = _as_shown(pd.Series(values, dtype=float).dropna(), LQ_DECIMALS)
    if (shown < 0).any():
        raise ValueError(f"a location quotient cannot be negative: {sorted(shown[shown < 0])}")
    below = shown[shown < 1]
    inner = np.array([])
    if below.size:
        uppers = class_breaks(below, "quantiles", k=LQ_CLASSES_BELOW)[:-1]
        inner = np.unique(_as_shown(uppers, LQ_DECIMALS))
        inner = inner[(inner > below.min()) & (inner < 1)]
    return np.concatenate([inner, LQ_ABOVE])


def lq_classes(values: pd.Series, ids=None, breaks=None) -> Classes:
    """Location quotients in classes that break at 1 and 2, with equal numbers of regions in
    each class below 1 (see :data:`LQ_ABOVE`); ``breaks`` (from :func:`lq_breaks` over
    several years) gives several maps the same classes.

    A value is classed as the tables show it, rounded to :data:`LQ_DECIMALS`: 0.4953 prints
    0.50 and falls in a class that holds 0.50, never in one whose label ends below it.

    >>> c = lq_classes(pd.Series({"astana": 0.95, "almaty_city": 3.8, "akmola": 0.4953}),
    ...                breaks=[0.5, 1.0, 2.0])
    >>> c.labels
    ['< 0.50', '0.50 – < 1.00', '1.00 – < 2.00', '≥ 2.00']
    >>> [c.labels[i] for i in c.codes[["akmola", "astana", "almaty_city"]]]
    ['0.50 – < 1.00', '0.50 – < 1.00', '≥ 2.00']
    """
    series = pd.Series(values).reindex(list(REGION_IDS if ids is None else ids)).astype(float)
    known = series.dropna()
    if (known < 0).any():
        raise ValueError(f"a location quotient cannot be negative: {known[known < 0].to_dict()}")
    breaks = lq_breaks(known) if breaks is None else np.asarray(breaks, dtype=float)
    if not set(LQ_ABOVE) <= set(breaks.tolist()) or (np.diff(breaks) <= 0).any():
        raise ValueError(f"the breaks of a location-quotient map must rise and include 1 and 2 "
                         f"(the national structure and twice it); got {breaks.tolist()}")
    codes = pd.Series(-1, index=series.index)
    shown = _as_shown(known.to_numpy(), LQ_DECIMALS)
    codes.loc[known.index] = np.searchsorted(breaks, shown, side="right")
    labels = _break_labels(breaks, LQ_DECIMALS, "", shown)
    n_below = int((breaks < 1).sum()) + 1
    palette = matplotlib.colormaps["PuOr"]  # ColorBrewer, readable by the colour-blind
    # the class just below 1 stays a clear orange and the one above it a clear purple, so
    # that the step across 1 shows
    colours = [palette(x) for x in np.linspace(0.06, 0.36, n_below)] if n_below > 1 \
        else [palette(0.3)]
    colours += [palette(x) for x in np.linspace(0.76, 0.95, len(labels) - n_below)]
    return Classes(codes, labels, colours, breaks, "lq", _LQ_NOTE)


def classify(values: pd.Series, scheme: str = "quantiles", k: int = 5, bins=None,
             cmap: str = "YlGnBu", categories=None, colors=None, ids=None,
             fmt: str | NumberFormat | None = None) -> Classes:
    """Put every region in a class of ``scheme`` (see :data:`SCHEMES`).

    ``values`` is a Series indexed by region id; regions absent or NaN are "no data".
    ``scheme="grade"`` takes index values or letters and uses the article's six letters
    (all six shown in the legend with their inferred bands, so maps of different years read
    alike); ``"lq"`` and ``"log_natural_breaks"`` are described at :data:`INDICATOR_SCHEMES`.

    ``fmt`` is how the class edges read in the legend: a code of
    :data:`~itclusters.presentation.FORMATS`, ``"percent:N"``, ``"number:N"`` or a
    :class:`~itclusters.presentation.NumberFormat`; by default the format of the indicator the
    Series is named after (``ict_share``, ``ksi``, ... read as % like in the tables), plain
    numbers for any other name.

    Each class holds its lower edge, and the labels read as Eurostat's maps do ("< 2.00 %",
    "2.00 % – < 50.00 %", "≥ 50.00 %"), at the decimals of the tables.  A region is classed
    by its value as the tables print it, so that the printed value always reads inside its
    class's label: a share of 1.996 % prints "2.00 %" and falls in "≥ 2.00 %".  ``bins``
    are upper bounds, as :func:`class_breaks` gives them: the last one only closes the top
    class, unless a value lies above it.

    >>> share = pd.Series({"akmola": 0.01996, "astana": 0.045, "almaty_city": 0.5},
    ...                   name="ict_share")
    >>> c = classify(share, "user_defined", bins=[0.02, 0.5])
    >>> print(*c.labels, sep="; "); c.codes.loc[["akmola", "astana", "almaty_city"]].tolist()
    < 2.00 %; ≥ 2.00 %
    [1, 1, 1]
    >>> classify(share.rename("my_ratio"), "user_defined", bins=[0.02, 0.2, 0.5]).labels
    ['< 0.020', '0.020 – < 0.200', '≥ 0.200']
    """
    series = pd.Series(values).reindex(list(REGION_IDS if ids is None else ids))
    classes = _classify(series, scheme, k, bins, cmap, categories, colors, fmt)
    classes.values = series
    return classes


def _classify(series, scheme, k, bins, cmap, categories, colors, fmt) -> Classes:
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
        shown = [grade_band(letter).replace(", inferred", "") for letter in labels]
        return _categorical(letters, labels, shades, scheme, shown,
                            "bands inferred (the article gives none)")
    if scheme == "lq":
        return lq_classes(series, ids=list(series.index), breaks=bins)
    schemes = _mapclassify_schemes()
    if scheme not in schemes and scheme != "log_natural_breaks":
        raise ValueError(f"unknown scheme {scheme!r}; available: "
                         f"{', '.join(SCHEMES + INDICATOR_SCHEMES)}")
    if scheme == "log_natural_breaks" and bins is None:
        # one more class (up to 7) while one of them would hold more than half of the regions
        # as the tables print them
        for classes_k in range(k, max(k, 7) + 1):
            classes = _numeric(series, scheme, classes_k, bins, colormap, fmt)
            if not _crowded(classes):
                break
        return classes
    return _numeric(series, scheme, k, bins, colormap, fmt)


def _crowded(classes: Classes) -> bool:
    """Whether one class holds more than half of the regions with a value."""
    known = classes.codes[classes.codes >= 0]
    return not known.empty and known.value_counts().max() > len(known) / 2


def _numeric(series, scheme, k, bins, colormap, fmt) -> Classes:
    shown = _legend_format(series, fmt)
    known = series.astype(float).dropna()
    log = scheme == "log_natural_breaks"
    if log and (known <= 0).any():
        raise ValueError("log_natural_breaks needs positive values; got "
                         f"{known[known <= 0].to_dict()}")
    given = scheme == "user_defined" or (log and bins is not None)
    if scheme == "user_defined" and bins is None:
        raise ValueError("scheme='user_defined' needs bins=[upper bounds]")
    if given:
        uppers = np.asarray(bins, dtype=float)
    else:
        uppers = class_breaks(known, scheme, k) if len(known) else np.array([])
    # upper bounds, the last one closing the top class: the breaks are the others (and the
    # last too when a value lies above it)
    above = len(known) and len(uppers) and known.max() > uppers[-1]
    breaks = uppers if above else uppers[:-1]
    scale, suffix = _scale(shown)
    decimals = shown.decimals if shown is not None and shown.kind in _DECIMAL_KINDS \
        else _plain_decimals(breaks * scale, log)
    # classes hold their lower edge and are found on the values as the tables print them,
    # so that each region's printed value reads inside its class's label
    breaks = np.unique(_as_shown(breaks * scale, decimals))
    if log:  # every value is positive: a break printed as 0 would open a class "< 0.00 %"
        breaks = breaks[breaks > 0]
    values = _as_shown(known.to_numpy() * scale, decimals)
    if not given and values.size:  # a break at the smallest value would open an empty class
        breaks = breaks[breaks > values.min()]
    codes = pd.Series(-1, index=series.index)
    codes.loc[known.index] = np.searchsorted(breaks, values, side="right")
    labels = _break_labels(breaks, decimals, suffix, values)
    colors = [colormap(x) for x in np.linspace(0.15, 0.95, max(len(labels), 1))][:len(labels)]
    return Classes(codes, labels, colors, breaks / scale, scheme, _LOG_NOTE if log else "", shown)


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


def _boundary_credit(layout: str) -> tuple[str, str]:
    """The credit of a layout's boundary file and what its drawing cannot show."""
    return _projected(layout)[4]


#: How far, in metres, a drawn border may stray from the boundary file's: 0.2 km, a fifth of a
#: pixel of a map of Kazakhstan (3,000 km) drawn 1,800 pixels wide (a 9-inch map at 2x)
DRAWING_TOLERANCE_M = 200.0


@lru_cache(maxsize=3)
def _projected(layout: str = "kz16"):
    """Projected region paths, representative points, and the map extent (cached)."""
    import shapely
    from shapely.geometry.polygon import orient

    from .data import boundaries

    gdf = boundaries(layout).to_crs(ALBERS_KZ)
    drawn = gdf.geometry.values
    if shapely.coverage_is_valid(drawn):
        # borders simplified together (a shared border stays shared, no slivers) to well under
        # a pixel of the largest map drawn: half the vertices, so a figure's vector (SVG)
        # version is half the size; areas change by less than 0.02 %
        drawn = shapely.coverage_simplify(drawn, DRAWING_TOLERANCE_M)
    paths, points = {}, {}
    for rid, geom in zip(gdf.index, drawn):
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
    return paths, points, bounds, names, (gdf.attrs["source"], gdf.attrs.get("map_note", ""))


@dataclass
class _MapState:
    """Artists of one map, kept on the Axes so that :func:`recolour` can reuse them."""

    regions: PatchCollection
    hatches: dict
    cities: dict
    units: str | None
    legend: bool
    legend_options: dict
    fmt: object = None  # the legend's number format when the caller gave one


def _legend_handles(classes: Classes) -> list[Patch]:
    handles = [Patch(facecolor=c, edgecolor="0.4", linewidth=0.5, label=label)
               for c, label in zip(classes.colors, classes.labels)]
    if classes.missing:
        handles.append(_no_data_handle())
    return handles


def _no_data_handle() -> Patch:
    return Patch(facecolor=_NO_DATA_FACE, edgecolor="0.45", hatch=_HATCH, linewidth=0.5,
                 label=NO_DATA)


def _flag_handle(label: str) -> Patch:
    return Patch(facecolor="white", edgecolor=_FLAG_EDGE, hatch=_FLAG_HATCH,
                 linewidth=_FLAG_LINEWIDTH * 0.6, label=label)


def _legend_title(units: str | None, classes: Classes) -> str | None:
    """Units, then what the reader must know about the classes (log scale, inferred bands)."""
    _check_units(units, classes.number_format)
    parts = [p for p in (units, classes.note) if p]
    return "\n".join(parts) if parts else None


def _draw_legend(ax, classes: Classes, title: str | None, extra=(), **kwargs) -> None:
    old = ax.get_legend()
    if old is not None:
        old.remove()
    options = dict(loc="lower left", frameon=False, borderaxespad=0.2, handlelength=1.6,
                   alignment="left")
    options.update(kwargs)
    ax.legend(handles=_legend_handles(classes) + list(extra), title=_legend_title(title, classes),
              **options)


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
    unknown = set(series.index) - set(REGION_IDS)
    if unknown:  # units of later layouts (Shymkent, ...): read the table only for those
        from .layouts import units

        unknown = sorted(unknown - set(units().index))
    if unknown:
        raise ValueError(f"unknown region ids {unknown}; use itclusters.resolve_region first")
    return series


def _add_patch(ax, patch) -> None:
    """``ax.add_patch`` without its update of the data limits (the map sets its own): that
    update walks every curve of the region's outline and took 60 % of a map's drawing time.
    The patch is still one of ``ax.patches``, clipped to the axes like any patch."""
    ax.add_artist(patch)


@checked
@styled
def choropleth(values, *, year: int | None = None, scheme: str = "quantiles", k: int = 5,
               bins=None, ax=None, title: str | None = None, units: str | None = None,
               source: str | None = None, cmap: str = "YlGnBu",
               labels: bool | Iterable[str] = True,
               legend: bool = True, legend_outside: bool = True, credit: bool = True,
               categories=None, colors: dict | None = None, flag=None,
               flag_label: str = "grade not robust", layout: str | None = None,
               fmt: str | NumberFormat | None = None):
    """Draw one value per region on the map of the 16 regions (or of another layout).

    Parameters
    ----------
    values : Series
        Indexed by region id, or by ``(region_id, year)`` with ``year`` given.  Numbers, or
        letters of the article's scale with ``scheme="grade"``.  Regions without a value
        are hatched grey and listed as "no data".
    scheme : {"quantiles", "equal_interval", "natural_breaks", "user_defined", "grade", "categories", "lq", "log_natural_breaks"}
        Classification (mapclassify); ``"user_defined"`` needs ``bins`` (upper bounds), e.g.
        from :func:`class_breaks` over several years, so that maps share classes;
        ``"categories"`` draws string labels in the order of ``categories``, coloured by
        ``colors`` (a dict label -> colour) where given.
    k : int
        Number of classes for the data-driven schemes.
    ax : matplotlib Axes, optional
        Drawn on a new figure when omitted.
    labels : bool or iterable of region ids
        Name every region (default), none, or only the regions listed.
    legend_outside : bool
        Legend to the right of the map (default) rather than in its lower-left corner, where
        it would cover Mangystau.
    title, units, source : str, optional
        Title above the map; units as the legend title; data source printed under the map
        next to the boundaries' credit.
    flag : iterable of region ids, optional
        Regions outlined in black with a light hatch over their class colour, listed in the
        legend as ``flag_label`` (for example letters that are not robust).
    layout : {"kz16", "kz17", "kz20"}, optional
        The map: the 16 regions of 2010-2017, the 17 units of 2018-2021 or the 20 units of
        2022 onwards (one drawing, see :func:`~itclusters.boundaries`); inferred from the region
        ids when omitted.  Astana, Almaty and (from 2018) Shymkent get a city marker.
    fmt : str or NumberFormat, optional
        How the legend's class edges read (see :func:`classify`): by default the format the
        tables give the indicator the Series is named after, so that ``ict_share``, ``ksi``,
        ``it_share`` and ``manufacturing_share`` read as % ("1.2 % – 4.5 %"; give ``units``
        in % too, e.g. the catalogue's unit), anything else as plain numbers.  Units that say
        "0-1" over a legend in % are refused.

    Notes
    -----
    ``scheme="lq"`` (use it for every location quotient) gives classes breaking at 1 and 2
    (:data:`LQ_ABOVE`), so that LQ = 1, the national structure, is always visible, and
    quartiles of the regions below 1, so that regions far below it are told apart;
    ``"log_natural_breaks"`` suits shares that the two cities would otherwise swamp; with
    ``"grade"`` the legend gives each letter's band and says the bands are inferred.  The
    figure's layout is settled (see :func:`settle_layout`) when this function made it.

    Returns
    -------
    matplotlib Axes
        ``plt.show()`` is never called.
    """
    series = _select(values, year)
    layout = layout or _infer_layout(series.index)
    ids = _layout_ids(layout)
    classes = classify(series, scheme=scheme, k=k, bins=bins, cmap=cmap, categories=categories,
                       colors=colors, ids=ids, fmt=fmt)
    _check_units(units, classes.number_format)
    paths, points, bounds, names, _ = _projected(layout)
    own_figure = ax is None
    if own_figure:
        _, ax = plt.subplots(figsize=(9, 4.4), layout="constrained")
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
        _add_patch(ax, hatch)
        hatches[rid] = hatch
    flagged = [r for r in (list(flag) if flag is not None else []) if r in paths]
    for rid in flagged:
        # an outline, and a sparse thin hatch inside it: the class colour stays readable
        mark = PathPatch(paths[rid], facecolor="none", edgecolor=_FLAG_EDGE, hatch=_FLAG_HATCH,
                         linewidth=_FLAG_LINEWIDTH, zorder=2.5)
        mark.set_hatch_linewidth(_FLAG_HATCH_LINEWIDTH)
        mark.set_gid(f"flag:{rid}")
        _add_patch(ax, mark)
    cities = {}
    for rid in [c for c in _CITIES if c in ids]:
        x, y = points[rid]
        code = classes.codes[rid]
        marker = ax.scatter([x], [y], s=130, marker="o", zorder=4, linewidths=1.1,
                            edgecolors="black", facecolors=[classes.facecolors[ids.index(rid)]],
                            hatch=_HATCH if code < 0 else _FLAG_HATCH if rid in flagged else None)
        marker.set_gid(f"city:{rid}")
        cities[rid] = marker
    if labels is True:
        _draw_labels(ax, points, names, ids)
    elif labels:  # a few regions named (the cities of small multiples)
        _draw_labels(ax, points, names, [r for r in ids if r in set(labels)], compact=True)
    pad = 60
    ax.set_xlim(bounds[0] - pad, bounds[2] + pad)
    ax.set_ylim(bounds[1] - pad, bounds[3] + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.xaxis.set_visible(False)  # nor measured: each layout pass measured the unseen ticks
    ax.yaxis.set_visible(False)
    if title:
        ax.set_title(title, loc="left")
    legend_options = {"loc": "center left", "bbox_to_anchor": (1.0, 0.5)} if legend_outside else {}
    if legend:
        _draw_legend(ax, classes, units, extra=[_flag_handle(flag_label)] if flagged else [],
                     **legend_options)
    if credit:
        ax.text(1.0, 0.0, credit_line(source, *_boundary_credit(layout)), transform=ax.transAxes,
                ha="right", va="top", fontsize=9, color="0.3", gid="credit", wrap=True)
    ax._itclusters_map = _MapState(regions, hatches, cities, units, legend, legend_options, fmt)
    ax._itclusters_classes = classes
    ax._itclusters_ids = ids
    ax._itclusters_boundaries = _boundary_credit(layout)
    if own_figure:
        settle_layout(ax.figure)
    return ax


def credit_line(source: str | None = None, boundaries: str = CREDIT, note: str = "") -> str:
    """The line printed under every map: the data source, the boundaries' credit and what the
    drawing cannot show.

    >>> credit_line("BNS", "Boundaries: mine.geojson")
    'Source: BNS. Boundaries: mine.geojson.'
    """
    text = f"Source: {source}. " if source else ""
    text += f"{boundaries.rstrip('.')}."
    return f"{text} {note}." if note else text


def _named(names) -> list[str]:
    """The regions a small map names: the cities, and ``names`` (region ids).

    >>> _named(["karaganda"])
    ['astana', 'almaty_city', 'shymkent', 'karaganda']
    >>> _named("karaganda")
    Traceback (most recent call last):
    ValueError: names must be region ids in a list, got the string 'karaganda'
    """
    if isinstance(names, str):
        raise ValueError(f"names must be region ids in a list, got the string {names!r}")
    names = list(names)
    known = _known_unit_ids()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"names: unknown region ids {unknown}; ids are such as "
                         f"{', '.join(list(REGION_IDS)[:3])}")
    return list(dict.fromkeys([*_CITIES, *names]))


def _known_unit_ids() -> set:
    from .layouts import units

    return set(REGION_IDS) | set(units().index)


#: Where a small map (a few names only) puts a city's name, in points from its marker, so that
#: the names keep clear of each other however small the map: Astana's to the right, Almaty
#: city's above, Shymkent's (about 700 km west of Almaty) below.
_CITY_NAME_PLACES = {"astana": ((7, 0), "left", "center"),
                     "almaty_city": ((0, 7), "center", "bottom"),
                     "shymkent": ((0, -7), "center", "top")}


def _draw_labels(ax, points, names, ids=REGION_IDS, compact: bool = False) -> None:
    """Name the regions ``ids``; ``compact``: the cities' names beside their markers, placed in
    points (:data:`_CITY_NAME_PLACES`), for maps too small for the leader lines of a full one."""
    for rid in ids:
        x, y = points[rid]
        dx, dy = _LABEL_OFFSETS.get(rid, (0, 0))
        # "Karaganda (2022–)": the qualifier on a line of its own keeps the label narrow
        label = display_name(rid, short=True).replace(" (", "\n(")
        if compact and rid in _CITY_NAME_PLACES:
            offset, ha, va = _CITY_NAME_PLACES[rid]
            ax.annotate(label, xy=(x, y), xytext=offset, textcoords="offset points",
                        fontsize=9, ha=ha, va=va, zorder=5, fontweight="bold",
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8),
                        gid=f"label:{rid}")
        elif rid in _CITIES:
            ax.annotate(label, xy=(x, y), xytext=(x + dx, y + dy), fontsize=9, ha="center",
                        va="center", zorder=5, fontweight="bold",
                        arrowprops=dict(arrowstyle="-", color="0.2", linewidth=0.6,
                                        shrinkA=0, shrinkB=5),
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8),
                        gid=f"label:{rid}")
        else:
            ax.text(x + dx, y + dy, label, fontsize=9, ha="center", va="center", zorder=3,
                    color="0.1", gid=f"label:{rid}",
                    bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.55))


@checked
@styled
def recolour(ax, values, *, year: int | None = None, scheme: str = "quantiles", k: int = 5,
             bins=None, cmap: str = "YlGnBu", title: str | None = None,
             units: str | None = None, fmt: str | NumberFormat | None = None):
    """Recolour a map drawn by :func:`choropleth` in place: new values, same artists.

    Only face colours, the "no data" hatching, the city markers, the legend and the title
    change; the axes and the region drawings are kept.  The legend's number format is
    ``fmt``, else that of the indicator the Series is named after, else the one given to
    :func:`choropleth`.  Returns the ``Axes``.
    """
    state: _MapState | None = getattr(ax, "_itclusters_map", None)
    if state is None:
        raise ValueError("this Axes has no map drawn by itclusters.choropleth")
    ids = getattr(ax, "_itclusters_ids", list(REGION_IDS))
    series = _select(values, year)
    if fmt is None and number_format(name=series.name) is None:
        fmt = getattr(state, "fmt", None)
    classes = classify(series, scheme=scheme, k=k, bins=bins, cmap=cmap, ids=ids, fmt=fmt)
    _check_units(units if units is not None else state.units, classes.number_format)
    paint(ax, classes, title)
    if units is not None:
        state.units = units
    if state.legend:
        _draw_legend(ax, classes, state.units, **state.legend_options)
    return ax


def paint(ax, classes: Classes, title: str | None = None):
    """Give a map drawn by :func:`choropleth` the colours of ``classes`` as they are (their
    ``facecolors``, e.g. a change's diverging classes): faces, the hatching of every region
    without a class, the city markers, the title.  The legend is the caller's.  Returns the
    ``Axes``."""
    state: _MapState | None = getattr(ax, "_itclusters_map", None)
    if state is None:
        raise ValueError("this Axes has no map drawn by itclusters.choropleth")
    ids = getattr(ax, "_itclusters_ids", list(REGION_IDS))
    if list(classes.codes.index) != list(ids):
        raise ValueError("the classes are not of the regions drawn on this map, in their order")
    state.regions.set_facecolor(classes.facecolors)
    missing = set(classes.missing)
    for rid, hatch in state.hatches.items():
        hatch.set_visible(rid in missing)
    for rid, marker in state.cities.items():
        marker.set_facecolor([classes.facecolors[ids.index(rid)]])
        marker.set_hatch(_HATCH if rid in missing else None)
    if title is not None:
        ax.set_title(title, loc="left")
    ax._itclusters_classes = classes
    return ax

# --- several maps -----------------------------------------------------------------------------

def _grid(n: int, ncols: int | None, row_height: float, legend_height: float = 0.0):
    """A figure as wide as a notebook column, rows of maps as tall as they need and, with
    ``legend_height``, a last row holding the figure's legend (an Axes, so that the layout
    keeps it clear of the maps and of the credit line)."""
    from .presentation import DISPLAY_WIDTH_IN

    ncols = max(1, min(n, ncols or (1 if n == 1 else 2)))
    nrows = int(np.ceil(n / ncols))
    map_height = row_height * (2 / ncols)
    spare = nrows * ncols - n  # an empty cell in the last row holds the legend, if there is one
    heights = [map_height] * nrows + ([legend_height] if legend_height and not spare else [])
    fig = plt.figure(figsize=(DISPLAY_WIDTH_IN, sum(heights) + 0.7), layout="constrained")
    grid = fig.add_gridspec(len(heights), ncols, height_ratios=heights)
    maps = [fig.add_subplot(grid[i // ncols, i % ncols]) for i in range(n)]
    legend_ax = None
    if legend_height:
        legend_ax = fig.add_subplot(grid[-1, n % ncols:] if spare else grid[-1, :])
        legend_ax.set_axis_off()
        legend_ax.set_gid("legend")
    return fig, maps, legend_ax


@checked
@styled
def small_multiples(values, years, *, scheme: str = "quantiles", k: int = 5, shared: bool = True,
                    title: str | None = None, units: str | None = None,
                    source: str | None = None, cmap: str = "YlGnBu", ncols: int | None = None,
                    fmt: str | NumberFormat | None = None, names=()):
    """The same indicator for several years, as many maps as years.

    With ``shared=True`` (the default) one set of classes, computed over all the years shown,
    is used on every map, so that equal colours mean equal values.  The figure is as wide as
    a notebook column (:data:`~itclusters.presentation.DISPLAY_WIDTH_IN`); more years give
    more rows (two maps a row by default), never smaller text.  The legend reads like the
    tables (a share in %): see ``fmt`` at :func:`choropleth`.  Each map names the cities it
    marks (Astana, Almaty city and, from 2018, Shymkent) and the regions of ``names`` (region
    ids: those the text around the figure speaks of), and no other, so that the names stay
    readable on maps half a column wide.  Returns the Figure.
    """
    series = pd.Series(values) if not isinstance(values, pd.DataFrame) else values.iloc[:, 0]
    years = list(years)
    for year in years:
        _select(series, year)  # validates
    if scheme not in ("grade", "lq", "categories"):  # refused before any figure is made
        _check_units(units, _legend_format(series, fmt))
    use_scheme, bins, note = scheme, None, None
    if shared and scheme not in ("grade", "user_defined", "categories"):
        by_year = [_select(series, y) for y in years]
        pooled = pd.concat(by_year)
        bins = class_breaks(pooled, scheme, k)
        use_scheme = scheme if scheme in ("log_natural_breaks", "lq") else "user_defined"
        # as on one map (see classify): one more class, up to 7, while a class would hold more
        # than half of the regions of a year
        def crowded(scheme_, bins_):
            return any(_crowded(classify(values, scheme_, bins=bins_, fmt=fmt,
                                         ids=list(values.index))) for values in by_year)

        if scheme == "log_natural_breaks":
            for more in range(k + 1, max(k, 7) + 2):
                if not crowded(use_scheme, bins):
                    break
                if more <= max(k, 7):
                    bins = class_breaks(pooled, scheme, more)
            else:
                # years of different units pooled (16 regions, 20 units) can leave a year's
                # middle in one class whatever the breaks: keep the top class of the natural
                # breaks (the two cities) and split the rest into quantiles
                known = pooled.dropna()
                top = class_breaks(known, scheme, k)[-2]
                bins = np.append(class_breaks(known[known <= top], "quantiles", k - 1),
                                 known.max())
                use_scheme, note = "user_defined", _HYBRID_NOTE
    one_legend = shared or scheme in ("grade", "lq")
    named = _named(names)
    fig, maps, legend_ax = _grid(len(years), ncols, row_height=2.55,
                                 legend_height=1.0 if one_legend else 0.0)
    for ax, year in zip(maps, years):
        choropleth(series, year=year, scheme=use_scheme, k=k, bins=bins, ax=ax, title=str(year),
                   units=units, cmap=cmap, labels=named, credit=False, legend=not one_legend,
                   fmt=fmt)
    drawn_on = {y: _infer_layout(_select(series, y).index) for y in years}
    if note:
        for ax in maps:
            ax._itclusters_classes.note = note
    if one_legend:
        # one legend for the figure, under the maps; "no data" is listed if any year lacks one
        classes = maps[-1]._itclusters_classes
        handles = _legend_handles(classes)
        if not classes.missing and any(ax._itclusters_classes.missing for ax in maps):
            handles.append(_no_data_handle())
        in_cell = legend_ax.get_subplotspec().colspan.start > 0  # beside the last map
        legend_ax.legend(handles=handles, title=_legend_title(units, classes), loc="center",
                         ncols=1 if in_cell else min(3, len(handles)), frameon=False,
                         alignment="left")
    _figure_header(fig, title, source, shared and len(years) > 1,
                   [(_boundary_credit(lay), [y]) for y, lay in drawn_on.items()],
                   several=len(years) > 1)
    settle_layout(fig)
    return fig


@checked
@styled
def indicator_grid(frame: pd.DataFrame, year: int, columns=None, *, scheme: str = "quantiles",
                   k: int = 5, titles: dict | None = None, source: str | None = None,
                   cmap: str = "YlGnBu", ncols: int = 2, formats: dict | None = None,
                   names=()):
    """A grid of maps, one per indicator column of ``frame`` for one year, each with its
    legend under it.  A column's legend reads like the tables (``formats``: column ->
    format, see ``fmt`` at :func:`choropleth`; by default from the column's name).  Each map
    names its cities and the regions of ``names``, as :func:`small_multiples` does.  Returns
    the Figure."""
    columns = list(frame.columns if columns is None else columns)
    fig, maps, _ = _grid(len(columns), ncols, row_height=3.6)
    for ax, column in zip(maps, columns):
        column_scheme = "grade" if column == "grade" else scheme
        choropleth(frame[column], year=year, scheme=column_scheme, k=k, ax=ax,
                   title=(titles or {}).get(column, column), cmap=cmap, labels=_named(names),
                   credit=False, legend=False, fmt=(formats or {}).get(column))
        _draw_legend(ax, ax._itclusters_classes, None, loc="upper center",
                     bbox_to_anchor=(0.5, 0.0), ncols=2)
    _figure_header(fig, f"{year}", source, False,
                   [(_boundary_credit(_infer_layout(_select(frame[columns[0]], year).index)),
                     [year])])
    settle_layout(fig)
    return fig


def _boundaries_by_year(credits, several: bool = True) -> str:
    """One "Boundaries" sentence for maps drawn on one or several boundary files, each named
    once with the years drawn on it, then what the drawings cannot show, with their years.

    ``credits`` holds ``((credit, note), years)`` pairs.

    >>> _boundaries_by_year([(("Boundaries: A", "Cities drawn later"), [2010, 2016]),
    ...                      (("Boundaries: A", ""), [2025])])
    'Boundaries: A. 2010 and 2016: Cities drawn later.'
    >>> _boundaries_by_year([(("Boundaries: A", ""), [2016]), (("Boundaries: b.shp", ""), [2025])])
    'Boundaries — 2016: A; 2025: b.shp.'
    """
    from .ranking import join_names

    def by_year(pairs):
        grouped: dict[str, list[int]] = {}
        for text, years in pairs:
            grouped.setdefault(text, []).extend(years)
        return {text: join_names(str(y) for y in sorted(set(years)))
                for text, years in grouped.items()}

    files = by_year([(credit, years) for (credit, _), years in credits])
    if len(files) == 1:
        line = f"{next(iter(files)).rstrip('.')}."
    else:
        line = "Boundaries — " + "; ".join(
            f"{years}: {credit.removeprefix('Boundaries: ').rstrip('.')}"
            for credit, years in files.items()) + "."
    notes = by_year([(note, years) for (_, note), years in credits if note])
    for note, years in notes.items():
        line += f" {years}: {note}." if several else f" {note}."
    return line


def _figure_header(fig, title, source, shared, credits=(((CREDIT, ""), ()),),
                   several: bool = False) -> None:
    if title:
        fig.suptitle(title, x=0.01, ha="left")
    note = "One set of classes for all maps. " if shared else ""
    note += f"Source: {source}. " if source else ""
    boundaries = _boundaries_by_year(credits, several)
    # a figure label takes part in the layout, so it never overlaps the legend or the maps; it
    # is wrapped to the figure's width (about 13 characters an inch at 9 pt), so that it never
    # makes the saved figure wider than its maps
    text = textwrap.fill(f"{note}{boundaries}", width=int(fig.get_figwidth() * 13))
    fig.supxlabel(text, x=0.99, ha="right", fontsize=9, color="0.3")


def settle_layout(fig, max_draws: int = 6):
    """Run the figure's layout until it stops moving, from the same start every time.

    A constrained layout is iterative: each run starts from where the previous one left the
    axes, so the second draw of a map differs from the first (by about 0.004 of the figure
    width).  Here every axes first goes back to its grid cell, then the layout runs until two
    runs agree, or ``max_draws`` times, so the result depends only on the figure's content,
    not on how often it was drawn or displayed: :func:`save_figure` of a displayed figure
    equals that of a fresh one.  A map with a legend beside it moves a quarter as far at each
    run as at the one before: after six it lies within 0.15 px (at 192 dpi) of where more runs
    would take it.  Returns the figure.
    """
    engine = fig.get_layout_engine()
    if engine is None:
        return fig
    for ax in fig.axes:
        spec = ax.get_subplotspec()
        if spec is not None and ax.get_in_layout():
            ax._set_position(spec.get_position(fig))
    previous = None
    for _ in range(max_draws):
        # the layout alone, not a whole draw: it measures what it needs (and fits each map to
        # its aspect); the pictures are the same to the byte, in about half the time
        engine.execute(fig)
        state = [tuple(ax.get_position(original=True).bounds) for ax in fig.axes]
        if state == previous:
            break
        previous = state
    return fig


# --- saving -----------------------------------------------------------------------------------

_NO_TIMESTAMP = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
}


@checked
def save_figure(fig, path: str | os.PathLike, dpi: int = 150) -> Path:
    """Save a figure as PNG, SVG or PDF, byte-identical for identical inputs.

    The layout is settled first (:func:`settle_layout`), so a figure already shown in a
    notebook saves to the same bytes as a fresh one.  Timestamps and tool versions are left
    out of the file's metadata, SVG ids are salted
    with a constant, and the file is written to a temporary name and renamed, so an
    interrupted save never leaves half a file.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in _NO_TIMESTAMP:
        raise ValueError(f"{path}: save maps as .png, .svg or .pdf, not {path.suffix!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    settle_layout(fig)
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
