"""Picker change -> redrawn map: the explorer's in-place recolour vs a naive full re-plot.

Both are measured in the same run, alternating, on the same indicator and years:
- explorer: set ``Explorer.year.value``; the callback recolours the existing figure and the
  ``ipywidgets.Image`` gets the new PNG (what the user sees);
- naive: what a notebook without the library does on each change: a new figure, the
  GeoDataFrame projected and plotted with a mapclassify scheme and legend, then a PNG of the
  same size in pixels (the explorer's 2x picture).

Run: ``.venv/bin/python benchmarks/bench_explorer.py [repeats]``
"""
from __future__ import annotations

import io
import statistics
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from itclusters import boundaries  # noqa: E402
from itclusters.catalogue import indicator_panel  # noqa: E402
from itclusters.maps import ALBERS_KZ  # noqa: E402
from itclusters.widgets import Explorer  # noqa: E402


def naive_replot(gdf, values, dpi, size):
    frame = gdf.to_crs(ALBERS_KZ).assign(value=values)
    fig, ax = plt.subplots(figsize=size)
    frame.plot(column="value", scheme="quantiles", k=5, legend=True, ax=ax, cmap="YlGnBu",
               missing_kwds={"color": "lightgrey", "hatch": "///", "label": "no data"})
    ax.set_axis_off()
    ax.set_title("naive")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def main(repeats: int = 30) -> None:
    panel = indicator_panel()
    gdf = boundaries()
    widget = Explorer(panel, indicator="it_production", scheme="quantiles")
    years = list(widget.year.options)
    fast, slow = [], []
    for i in range(repeats):
        year = years[(years.index(widget.year.value) + 1) % len(years)]  # always a change
        start = time.perf_counter()
        widget.year.value = year
        fast.append(time.perf_counter() - start)
        values = panel["it_production"].xs(year, level="year")
        start = time.perf_counter()
        naive_replot(gdf, values, widget.dpi, widget.figure.get_size_inches())
        slow.append(time.perf_counter() - start)
    fast_ms, slow_ms = statistics.median(fast) * 1000, statistics.median(slow) * 1000
    width, height = widget.css_size
    print(f"explorer picker -> redraw : median {fast_ms:7.1f} ms  (n={repeats}, "
          f"{widget.pixel_ratio * width}x{widget.pixel_ratio * height} px for {width}x{height} "
          f"CSS px, {len(widget.image.value):,} B PNG)")
    print(f"naive full re-plot        : median {slow_ms:7.1f} ms  (n={repeats})")
    print(f"speed-up                  : {slow_ms / fast_ms:7.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
