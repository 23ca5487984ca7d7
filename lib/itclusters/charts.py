"""Charts that are not maps: rank slopes, the two-assessment scatter, audit plots.

Every function takes ``ax=None`` and returns the ``Axes``; none calls ``plt.show()``.
"""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .regions import region_name

__all__ = ["rank_slope", "candidate_scatter", "published_vs_recomputed", "rank_intervals"]


def _short(rid: str) -> str:
    return region_name(rid).replace(" (region)", " reg.").replace(" (city)", " city")


def rank_slope(before: pd.Series, after: pd.Series, *, labels=("2010", "2016"), ax=None,
               highlight=(), title: str | None = None):
    """Ranks of each region in two years joined by lines (1 = highest value).

    Regions missing in a year are left out of that year's ranking and drawn without a line.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 6.5), layout="constrained")
    r0 = before.rank(ascending=False, method="min")
    r1 = after.rank(ascending=False, method="min")
    regions = sorted(set(r0.dropna().index) | set(r1.dropna().index))
    for rid in regions:
        strong = rid in highlight
        color = "tab:red" if strong else "0.55"
        y0, y1 = r0.get(rid, np.nan), r1.get(rid, np.nan)
        if not np.isnan(y0) and not np.isnan(y1):
            ax.plot([0, 1], [y0, y1], color=color, linewidth=2.2 if strong else 1, marker="o",
                    markersize=4, gid=f"slope:{rid}")
        if not np.isnan(y0):
            ax.text(-0.03, y0, f"{_short(rid)} {int(y0)}", ha="right", va="center", fontsize=7.5,
                    color=color)
        if not np.isnan(y1):
            ax.text(1.03, y1, f"{int(y1)} {_short(rid)}", ha="left", va="center", fontsize=7.5,
                    color=color)
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylim(len(regions) + 0.8, 0.2)
    ax.set_xticks([0, 1], labels)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, loc="left", fontsize=11)
    return ax


def candidate_scatter(frame: pd.DataFrame, *, index_threshold: float, share_threshold: float,
                      ax=None, title: str | None = None, xlabel: str = "index of innovative development",
                      ylabel: str = "IT specialisation (share of national IT)"):
    """Index against specialisation with the two thresholds; candidates in red.

    ``frame`` is the output of :func:`~itclusters.identification.cluster_candidates`;
    regions with no IT output sit on a strip at the bottom, marked "no IT".
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 5.5), layout="constrained")
    known = frame[frame["specialisation"].notna()]
    none = frame[frame["specialisation"].isna()]
    colors = np.where(known["group"] == "candidate", "tab:red", "tab:blue")
    ax.scatter(known["index"], known["specialisation"], c=colors, s=36, zorder=3, gid="known")
    # shares span three orders of magnitude: a symmetric-log axis keeps the small ones apart;
    # regions without IT output sit on a strip below zero
    linear_below = max(share_threshold / 4, 1e-6)
    floor = -linear_below
    ax.scatter(none["index"], np.full(len(none), floor), marker="x", color="0.5", s=30,
               zorder=3, gid="no_it")
    for rid, row in frame.iterrows():
        on_strip = pd.isna(row["specialisation"])
        y = floor if on_strip else row["specialisation"]
        # strip labels are slanted: regions without IT output often have close index values
        ax.annotate(_short(rid), (row["index"], y), xytext=(3, 4), textcoords="offset points",
                    fontsize=7.5, rotation=35 if on_strip else 0,
                    color="tab:red" if row["group"] == "candidate" else "0.25")
    ax.axvline(index_threshold, color="0.3", linestyle="--", linewidth=0.9)
    ax.axhline(share_threshold, color="0.3", linestyle="--", linewidth=0.9)
    if len(none):
        ax.axhline(floor, color="0.85", linewidth=6, zorder=1)
        ax.text(0.01, floor, " no IT output", transform=ax.get_yaxis_transform(), va="center",
                fontsize=7, color="0.4")
    ax.set_yscale("symlog", linthresh=linear_below, linscale=0.6)
    top = float(known["specialisation"].max()) if len(known) else 1.0
    ax.set_ylim(floor * (1.6 if len(none) else 0.3), max(top, share_threshold) * 1.6)
    ticks = [0] + [t for t in (0.001, 0.01, 0.1, 1.0)
                   if linear_below / 2 <= t <= max(top, share_threshold) * 1.6]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])  # no negative ticks: shares are >= 0
    ax.yaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"{ylabel} (symmetric log scale)")
    if title:
        ax.set_title(title, loc="left", fontsize=11)
    return ax


def published_vs_recomputed(audit: pd.DataFrame, year: int, ax=None):
    """Published Table 3 values against the recomputation, with the 1:1 line."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5), layout="constrained")
    one = audit.xs(year, level="year").dropna(subset=["published"])
    ok = one["reproduced"].astype(bool)
    ax.scatter(one.loc[ok, "recomputed"], one.loc[ok, "published"], color="tab:green",
               label="reproduced", zorder=3)
    ax.scatter(one.loc[~ok, "recomputed"], one.loc[~ok, "published"], color="tab:red",
               label="not reproduced", zorder=3)
    top = float(max(one["recomputed"].max(), one["published"].max())) * 1.05
    ax.plot([0, top], [0, top], color="0.5", linewidth=0.8)
    ax.set_xlabel("recomputed from Table 2")
    ax.set_ylabel("published in Table 3")
    ax.set_title(f"Table 3, {year}", loc="left")
    ax.legend(frameon=False, fontsize=8)
    return ax


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
    ax.hlines(y, ordered["rank_low"], ordered["rank_high"], color="tab:blue", linewidth=3,
              alpha=0.5, label=f"{int(result.attrs.get('interval', 0.9) * 100)}% interval")
    ax.scatter(ordered["median_rank"], y, color="tab:blue", zorder=3, s=22, label="median")
    if reference is not None:
        ax.scatter(reference.reindex(ordered.index), y, marker="x", color="tab:red", zorder=4,
                   s=28, label="default method")
    ax.set_yticks(y, [_short(r) for r in ordered.index], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("rank (1 = highest)")
    ax.set_xlim(0.5, len(ordered) + 0.5)
    ax.legend(frameon=False, fontsize=8, loc="upper right")  # ranks run diagonally: corner is free
    if title:
        ax.set_title(title, loc="left", fontsize=11)
    return ax
