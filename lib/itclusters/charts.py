"""Charts that are not maps: rank slopes, the two-assessment scatter, audit plots.

Every function takes ``ax=None`` and returns the ``Axes``; none calls ``plt.show()``.  All
are drawn in the suite's style (:mod:`itclusters.presentation`): text of at least 9 pt at the
size a notebook shows them, regions by their display names, meaning never carried by red
against green alone.
"""
from __future__ import annotations

import textwrap

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .identification import QUADRANT_COLOURS, QUADRANTS
from .presentation import display_name, format_value, styled

__all__ = ["rank_slope", "candidate_scatter", "published_vs_recomputed", "rank_intervals",
           "compare_slope", "rank_change_map", "RANK_CHANGE_CLASSES", "result_map", "over_years"]

# Okabe-Ito colours: told apart by the colour-blind, and never the only cue.
_HIGHLIGHT = "#D55E00"  # vermillion
# a candidate's name, in a darker shade of its map colour (QUADRANT_COLOURS), readable as text
_CANDIDATE_TEXT = "#b01d0f"
_OTHER = "#0072B2"  # blue
_MUTED = "0.45"


def _short(rid: str) -> str:
    return display_name(rid, short=True)


@styled
def rank_slope(before: pd.Series, after: pd.Series, *, labels=("2010", "2016"), ax=None,
               highlight=(), title: str | None = None):
    """Ranks of each region in two years joined by lines (1 = highest value).

    Regions missing in a year are left out of that year's ranking and drawn without a line,
    as a hollow dot; a note under the chart names them and the year they lack.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 6.5), layout="constrained")
    r0 = before.rank(ascending=False, method="min")
    r1 = after.rank(ascending=False, method="min")
    regions = sorted(set(r0.dropna().index) | set(r1.dropna().index))
    alone = []
    for rid in regions:
        strong = rid in highlight
        color = _HIGHLIGHT if strong else _MUTED
        y0, y1 = r0.get(rid, np.nan), r1.get(rid, np.nan)
        if not np.isnan(y0) and not np.isnan(y1):
            ax.plot([0, 1], [y0, y1], color=color, linewidth=2.2 if strong else 1, marker="o",
                    markersize=4, gid=f"slope:{rid}")
        else:
            x, y, lacking = (0, y0, labels[1]) if np.isnan(y1) else (1, y1, labels[0])
            ax.plot([x], [y], linestyle="none", marker="o", markersize=4, color=color,
                    markerfacecolor="white", gid=f"alone:{rid}")
            alone.append(f"{_short(rid)}\u00a0(none\u00a0in\u00a0{lacking})")  # one line
        if not np.isnan(y0):
            ax.text(-0.03, y0, f"{_short(rid)} {int(y0)}", ha="right", va="center", fontsize=9,
                    color=color, fontweight="bold" if strong else "normal")
        if not np.isnan(y1):
            ax.text(1.03, y1, f"{int(y1)} {_short(rid)}", ha="left", va="center", fontsize=9,
                    color=color, fontweight="bold" if strong else "normal")
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylim(len(regions) + 0.8, 0.2)
    ax.set_xticks([0, 1], labels)
    ax.set_yticks([])
    if alone:  # under the years, inside the figure's layout
        note = "Hollow dot, no line: ranked in one year only — " + ", ".join(alone) + "."
        ax.set_xlabel(textwrap.fill(note, 90, break_on_hyphens=False), fontsize=9,
                      color=_MUTED, labelpad=10)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, loc="left")
    return ax


#: Most steps adjustText may take to place the scatter's labels.  It stops earlier once no label
#: touches another label or a point (2016: under 30 steps).  2010's crowded corner never gets
#: there: its labels keep jostling without getting better.  At 300 steps, as at 500, 800, 1,200
#: and 3,000, no label overlaps another, and the pictures at 100, 300 and 3,000 steps look alike
#: (compared side by side); 300 take a tenth of the time.
LABEL_STEPS = 300


def _start_clear_of_lines(texts, ax, x: float, y: float) -> None:
    """Start each label on its point's side of the threshold lines (at ``x`` and ``y``), which
    set the groups apart: one that would run across the vertical line ends at its point
    instead, one across the horizontal line hangs under its point."""
    renderer = ax.figure.canvas.get_renderer()
    line_x, line_y = ax.transData.transform((x, y))
    for text in texts:
        box = text.get_window_extent(renderer)
        point_x, point_y = ax.transData.transform(text.get_position())
        if box.x0 < line_x < box.x1 and point_x < line_x:
            text.set_horizontalalignment("right")
        if box.y0 < line_y < box.y1 and point_y < line_y:
            text.set_verticalalignment("top")


@styled
def candidate_scatter(frame: pd.DataFrame, *, index_threshold: float, share_threshold: float,
                      ax=None, title: str | None = None, xlabel: str = "index of innovative development",
                      ylabel: str = "IT specialisation (share of national IT)"):
    """Index against specialisation with the two thresholds; candidates stand out.

    ``frame`` is the output of :func:`~itclusters.identification.cluster_candidates`;
    regions without a specialisation value (printed "—": missing, not zero) sit on a strip at
    the bottom, marked "no data".  Candidates
    are red diamonds, the other regions circles in the colour of their group on the map
    (:data:`~itclusters.identification.QUADRANT_COLOURS`: shape and colour both differ);
    the legend says which is which and each threshold line carries its value.  Region labels
    are placed by adjustText so that none overlaps another.
    """
    from adjustText import adjust_text

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 6), layout="constrained")
    known = frame[frame["specialisation"].notna()]
    none = frame[frame["specialisation"].isna()]
    candidate = known["group"] == "candidate"
    # the map's colours (QUADRANT_COLOURS): a colour means the same group on both
    ax.scatter(known.loc[candidate, "index"], known.loc[candidate, "specialisation"],
               color=QUADRANT_COLOURS["candidate"], edgecolors="0.2", linewidths=0.6,
               marker="D", s=48, zorder=3, gid="candidates",
               label="candidate: both thresholds reached")
    others = known[~candidate]
    ax.scatter(others["index"], others["specialisation"],
               color=[QUADRANT_COLOURS.get(g, "white") for g in others["group"]],
               edgecolors="0.2", linewidths=0.6, marker="o", s=36, zorder=3, gid="known")
    for group in QUADRANTS[1:]:  # a legend entry for each group the circles show
        if (others["group"] == group).any():
            ax.scatter([], [], color=QUADRANT_COLOURS[group], edgecolors="0.2", linewidths=0.6,
                       marker="o", s=36, label=group)
    # shares span three orders of magnitude: a symmetric-log axis keeps the small ones apart;
    # regions without a value sit on a strip below zero
    linear_below = max(share_threshold / 4, 1e-6)
    floor = -linear_below
    ax.scatter(none["index"], np.full(len(none), floor), marker="x", color=_MUTED, s=30,
               zorder=3, gid="no_it", label="no data (missing, not zero)")
    ax.set_yscale("symlog", linthresh=linear_below, linscale=0.6)
    top = float(known["specialisation"].max()) if len(known) else 1.0
    ax.set_ylim(floor * (2.2 if len(none) else 0.3), max(top, share_threshold) * 2.2)
    left, right = float(frame["index"].min()), float(frame["index"].max())
    span = max(right - left, 1.0)
    ax.set_xlim(min(left, index_threshold) - 0.06 * span, max(right, index_threshold) + 0.1 * span)
    ticks = [0] + [t for t in (0.001, 0.01, 0.1, 1.0)
                   if linear_below / 2 <= t <= max(top, share_threshold) * 2.2]
    ax.set_yticks(ticks, [f"{t * 100:g} %" for t in ticks])  # no negative ticks: shares >= 0
    ax.yaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.axvline(index_threshold, color="0.3", linestyle="--", linewidth=0.9, gid="index_threshold")
    ax.axhline(share_threshold, color="0.3", linestyle="--", linewidth=0.9, gid="share_threshold")
    ax.annotate(f"index threshold {format_value(index_threshold, 'number:0')}",
                xy=(index_threshold, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -3),
                textcoords="offset points", ha="left", va="top", fontsize=9, color="0.25",
                gid="label:index_threshold")
    ax.annotate(f"share threshold {format_value(share_threshold, 'percent:2')}",
                xy=(1.0, share_threshold), xycoords=("axes fraction", "data"), xytext=(-3, 3),
                textcoords="offset points", ha="right", va="bottom", fontsize=9, color="0.25",
                gid="label:share_threshold")
    if len(none):
        ax.axhline(floor, color="0.9", linewidth=10, zorder=1)
    texts = []
    for rid, row in frame.iterrows():
        y = floor if pd.isna(row["specialisation"]) else row["specialisation"]
        strong = row["group"] == "candidate"
        texts.append(ax.text(row["index"], y, _short(rid), fontsize=9, zorder=4,
                             color=_CANDIDATE_TEXT if strong else "0.15",
                             fontweight="bold" if strong else "normal", gid=f"label:{rid}"))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"{ylabel} (symmetric log scale)")
    ax.legend(loc="upper left", frameon=True, framealpha=0.9, edgecolor="none")
    if title:
        ax.set_title(title, loc="left")
    ax.figure.canvas.draw()  # the labels are placed in the figure's final layout
    _start_clear_of_lines(texts, ax, index_threshold, share_threshold)
    adjust_text(texts, x=frame["index"].to_numpy(dtype=float),
                y=np.where(frame["specialisation"].isna(), floor,
                           frame["specialisation"]).astype(float),
                objects=[ax.get_legend()], ax=ax, expand=(1.1, 1.3),
                # a number of steps, not adjustText's default 1 s: the same figure on a fast
                # or a busy machine
                time_lim=None, iter_lim=LABEL_STEPS,
                arrowprops=dict(arrowstyle="-", color="0.55", linewidth=0.5))
    return ax


@styled
def published_vs_recomputed(audit: pd.DataFrame, year: int, ax=None):
    """Published Table 3 values against the recomputation, with the 1:1 line.

    Reproduced values are blue circles, the others vermillion crosses (shape and colour).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5), layout="constrained")
    one = audit.xs(year, level="year").dropna(subset=["published"])
    ok = one["reproduced"].astype(bool)
    ax.scatter(one.loc[ok, "recomputed"], one.loc[ok, "published"], color=_OTHER, marker="o",
               label="reproduced", zorder=3)
    ax.scatter(one.loc[~ok, "recomputed"], one.loc[~ok, "published"], color=_HIGHLIGHT,
               marker="X", s=50, label="not reproduced", zorder=3)
    top = float(max(one["recomputed"].max(), one["published"].max())) * 1.05
    ax.plot([0, top], [0, top], color="0.5", linewidth=0.8)
    ax.set_xlabel("recomputed from Table 2")
    ax.set_ylabel("published in Table 3")
    ax.set_title(f"Table 3, {year}", loc="left")
    ax.legend(frameon=False)
    return ax


@styled
def rank_intervals(result: pd.DataFrame, *, ax=None, title: str | None = None,
                   reference: pd.Series | None = None):
    """Median rank and rank interval of each region from a Monte Carlo (one year).

    ``result`` is one year of :func:`~itclusters.sensitivity.monte_carlo`'s output indexed by
    region; ``reference`` (optional) marks the deterministic rank of the default method.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5.5), layout="constrained")
    ordered = result.sort_values(["median_rank", "rank_low"])
    y = np.arange(len(ordered))
    ax.hlines(y, ordered["rank_low"], ordered["rank_high"], color=_OTHER, linewidth=3,
              alpha=0.5, label=f"{int(result.attrs.get('interval', 0.9) * 100)} % interval")
    ax.scatter(ordered["median_rank"], y, color=_OTHER, zorder=3, s=22, label="median")
    if reference is not None:
        ax.scatter(reference.reindex(ordered.index), y, marker="x", color=_HIGHLIGHT, zorder=4,
                   s=28, label="default method")
    ax.set_yticks(y, [display_name(r) for r in ordered.index])
    ax.invert_yaxis()
    ax.set_xlabel("rank (1 = highest)")
    ax.set_xlim(0.5, len(ordered) + 0.5)
    ax.legend(frameon=False, loc="upper right")  # ranks run diagonally: corner is free
    if title:
        ax.set_title(title, loc="left")
    return ax


# --- two versions of an index (itclusters.compare) --------------------------------------------

def _one_year(comparison: pd.DataFrame, year: int | None) -> tuple[pd.DataFrame, int]:
    years = sorted(set(comparison.index.get_level_values("year")))
    year = years[-1] if year is None else year
    if year not in years:
        raise ValueError(f"year {year} is not in the comparison; its years: {years}")
    return comparison.xs(year, level="year"), year


@styled
def compare_slope(comparison: pd.DataFrame, year: int | None = None, *, ax=None,
                  highlight=(), title: str | None = None):
    """Ranks of each region in two versions of an index (:func:`itclusters.compare`), joined
    by lines; one year (default: the latest)."""
    table, year = _one_year(comparison, year)
    labels = (comparison.attrs.get("a", "a"), comparison.attrs.get("b", "b"))
    if labels[0] == labels[1]:
        labels = (f"{labels[0]} (a)", f"{labels[1]} (b)")
    return rank_slope(table["index_a"], table["index_b"], labels=labels, ax=ax,
                      highlight=highlight, title=title or f"Ranks in two versions, {year}")


#: Classes of rank change on the map: label and colour (blue up, orange down, grey unchanged;
#: the legend's words carry the direction, not the colour alone).
RANK_CHANGE_CLASSES = {
    "up 3 or more": "#0072B2", "up 1-2": "#9ECAE1", "unchanged": "#E0E0E0",
    "down 1-2": "#FDBE85", "down 3 or more": "#D55E00",
}


def _change_class(change: float):
    if np.isnan(change):
        return np.nan
    if change >= 3:
        return "up 3 or more"
    if change >= 1:
        return "up 1-2"
    if change <= -3:
        return "down 3 or more"
    if change <= -1:
        return "down 1-2"
    return "unchanged"


def rank_change_map(comparison: pd.DataFrame, year: int | None = None, *, ax=None,
                    title: str | None = None, source: str | None = None):
    """A map of rank changes between two versions of an index (:func:`itclusters.compare`):
    "up" where version b ranks a region higher than version a."""
    from .maps import choropleth

    table, year = _one_year(comparison, year)
    classes = table["rank_change"].map(_change_class)
    a, b = comparison.attrs.get("a", "a"), comparison.attrs.get("b", "b")
    return choropleth(classes, scheme="categories", categories=list(RANK_CHANGE_CLASSES),
                      colors=RANK_CHANGE_CLASSES, ax=ax,
                      title=title or f"Rank in {b} against {a}, {year}",
                      units="rank change (places)", source=source)


def result_map(result, code: str | None = None, year: int | None = None, *, ax=None,
               scheme: str = "quantiles", k: int = 5, title: str | None = None):
    """A node of a built index (:func:`itclusters.build_index`; default the index itself) on
    the map of one year (default the latest), regions with an imputed or treated cell under
    that node outlined and hatched ("imputed or treated data")."""
    from .maps import choropleth

    fw = result.framework
    code = code or fw.root
    if code not in fw.nodes:
        raise ValueError(f"unknown node {code!r}; the framework's: {', '.join(fw.nodes)}")
    values = result.scores[code]
    years = sorted(set(values.index.get_level_values("year")))
    year = years[-1] if year is None else year
    if year not in years:
        raise ValueError(f"year {year} is not in the result; its years: {years}")
    node = fw.nodes[code]
    return choropleth(values, year=year, scheme=scheme, k=k, ax=ax, fmt="number:1",
                      title=title or f"{node.label[:1].upper()}{node.label[1:]}, {year}", units=node.unit or None,
                      source=f"{fw.title}; computed", flag=result.touched(code, year),
                      flag_label="imputed or treated data")


@styled
def over_years(values: pd.Series, *, highlight=("astana", "almaty_city"), ax=None,
               title: str | None = None, units: str | None = None, source: str | None = None,
               reference: float | None = None, log: bool = False):
    """One line per region over the years (``values`` indexed by ``(region_id, year)``): the
    regions of ``highlight`` in colour and named at their last year, the others in grey.

    For a series whose yearly maps would all look alike (the LQ of section J, 2010-2016): the
    chart shows at once who leads and who moves.  ``reference`` draws a dashed line (1 for a
    location quotient, "national"); ``log`` a logarithmic axis.  A region missing in a year has
    a gap there, never a line drawn across it.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4.2), layout="constrained")
    table = pd.Series(values).unstack("year").sort_index(axis=1)
    years = list(table.columns)
    palette = ["#D55E00", "#0072B2", "#009E73", "#CC79A7"]  # Okabe-Ito
    strong = [r for r in highlight if r in table.index]
    for rid in table.index:
        if rid in strong:
            continue
        ax.plot(years, table.loc[rid].to_numpy(dtype=float), color="0.7", linewidth=0.9,
                marker="o", markersize=2.5, gid=f"line:{rid}")
    ends = []
    for colour, rid in zip(palette, strong):
        row = table.loc[rid].to_numpy(dtype=float)
        ax.plot(years, row, color=colour, linewidth=2.2, marker="o", markersize=4,
                gid=f"line:{rid}")
        last = np.flatnonzero(~np.isnan(row))
        if last.size:
            ends.append((row[last[-1]], years[last[-1]], colour, rid))
    if reference is not None:
        ax.plot([years[0], years[-1]], [reference, reference], color="0.3", linewidth=0.9,
                linestyle="--", zorder=0)
        ax.annotate("national", (years[-1], reference), xytext=(years[-1] + 0.15, reference),
                    textcoords="data", fontsize=9, color="0.3", va="center",
                    annotation_clip=False)
    if log:
        ax.set_yscale("log")
        known = table.to_numpy(dtype=float)
        low, high = np.nanmin(known), np.nanmax(known)
        ticks = [t * 10.0 ** e for e in range(int(np.floor(np.log10(low))),
                                              int(np.ceil(np.log10(high))) + 1)
                 for t in (1, 2, 3, 5)]
        ticks = [t for t in ticks if low <= t <= high]
        if len(ticks) >= 2:  # else matplotlib's own
            ax.yaxis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
            lambda y, _: format_value(y, f"number:{max(0, -int(np.floor(np.log10(y) + 1e-9)))}")))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    # names at the last year, spread apart vertically so that they never overlap
    ends.sort()
    placed = []
    for value, year, colour, rid in ends:
        y = value
        if placed:
            gap = 1.12 if log else 0.06 * (np.nanmax(table.to_numpy(dtype=float)) or 1)
            low = placed[-1] * gap if log else placed[-1] + gap
            y = max(y, low)
        placed.append(y)
        ax.annotate(_short(rid), (year, value), xytext=(year + 0.15, y), textcoords="data",
                    fontsize=9, color=colour, fontweight="bold", va="center",
                    gid=f"label:{rid}", annotation_clip=False)
    ax.set_xlim(years[0] - 0.3, years[-1] + 1.4)
    ax.set_xticks(years, [str(y) for y in years])
    if units:
        ax.set_ylabel(units)
    for side in ("right", "top"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, loc="left")
    if source:
        # under the year labels, inside the figure's layout
        ax.annotate(f"Source: {source}", (0, 0), xycoords="axes fraction", xytext=(0, -30),
                    textcoords="offset points", fontsize=9, color="0.3", va="top",
                    wrap=True, gid="credit")
    return ax
