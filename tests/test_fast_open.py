"""Issue 21, item 8: what the explorer keeps or puts off to open at once and swap regions fast
shows exactly what it would show without it.

- the map of each region layout is drawn once and kept (Regions swap, Year change across a
  reform): every picture, the legend and the table after a swap equal those of an explorer
  drawn afresh on that view;
- inside a kernel's event loop, mapclassify and the other layouts' maps come after the first
  picture, and what they give is again what a fresh explorer shows;
- the layout tables indexed once, the layout of a year looked up once, each unit's spellings
  read once, the overlay composed only where the markers' rims are: each equal to the plain
  computation it replaces.
"""
from __future__ import annotations

import asyncio
import importlib

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from itclusters import layouts as L  # noqa: E402
from itclusters import mapimage  # noqa: E402
R = importlib.import_module("itclusters.regions")  # the function itclusters.regions hides it
from itclusters._tables import layout_table  # noqa: E402

INDICATOR = "ict_lq_grp"  # notebook 09's explorer starts on it


@pytest.fixture(scope="module")
def panels():
    from itclusters import today

    return today.explorer_panels()


def _shown(widget) -> dict:
    """Everything the page gets of the map and its table."""
    return {"fills": widget.image.value, "borders": widget.overlay.value,
            "labels": widget.labels.value, "legend": widget.legend.value,
            "heading": widget.heading.value, "table": widget.table.value,
            "credit": widget.credit.value}


#: What an explorer drawn afresh on a view shows, by (regions, year, scheme): a view that two
#: checks compare with is drawn afresh once (the module's panels are the same throughout).
_FRESH: dict = {}


def _fresh(panels, label: str, year: int, scheme: str) -> dict:
    """Everything a fresh explorer on this view shows: the page's values, the composed picture
    and which region each pixel of the shape layer belongs to."""
    from itclusters.widgets import Explorer

    if (label, year, scheme) not in _FRESH:
        fresh = Explorer(panels=panels, regions=label, indicator=INDICATOR, year=year,
                         scheme=scheme)
        _FRESH[label, year, scheme] = {"shown": _shown(fresh), "picture": fresh.map_picture(),
                                       "shape_regions": list(fresh._layers.shape_regions)}
    return _FRESH[label, year, scheme]


def _assert_same(kept, fresh: dict) -> None:
    shown = _shown(kept)
    for key, value in fresh["shown"].items():
        assert shown[key] == value, key
    assert np.array_equal(kept.map_picture(), fresh["picture"])
    assert kept._layers.shape_regions == fresh["shape_regions"]


@pytest.mark.slow
def test_a_kept_layout_map_shows_what_a_fresh_drawing_shows(panels):
    from itclusters.widgets import Explorer

    own, kz17, kz16 = list(panels)
    widget = Explorer(panels=panels, indicator=INDICATOR, year=2022)
    views = [(own, 2021), (own, 2022), (kz17, 2022), (kz16, 2022), (own, 2016), (own, 2022),
             (kz17, 2019)]
    for label, year in views:  # each layout drawn once, then taken back from the keep
        widget.regions.value = label
        widget.year.value = year
        _assert_same(widget, _fresh(panels, label, year, widget.scheme.value))
    kept = widget.__dict__["_layout_maps"]
    # kz16, kz17 and kz20 units, each kept once (the one shown among them)
    assert sorted(len(ids) for ids in kept) == [16, 17, 20]
    assert len(widget.ax._itclusters_ids) == 17


@pytest.mark.slow
def test_after_the_first_picture_the_kernel_draws_the_other_layouts_which_show_the_same(panels):
    from itclusters.widgets import Explorer

    async def opened():
        widget = Explorer(panels=panels, indicator=INDICATOR, year=2022)
        first = _shown(widget)
        assert "_layout_maps" not in widget.__dict__  # nothing drawn but the first map yet
        for _ in range(20):  # the loop runs the steps put off, one a turn
            await asyncio.sleep(0)
        return widget, first

    widget, first = asyncio.run(opened())
    kept = widget.__dict__["_layout_maps"]
    assert sorted(len(ids) for ids in kept) == [16, 17, 20]
    assert _shown(widget) == first  # the map shown stayed as it was
    own, kz17, kz16 = list(panels)
    for label, year in ((kz16, 2022), (own, 2019), (own, 2022)):
        widget.regions.value = label
        widget.year.value = year
        _assert_same(widget, _fresh(panels, label, year, widget.scheme.value))


def test_a_map_that_cannot_be_drawn_leaves_the_map_shown_whole(panels, monkeypatch):
    from itclusters.widgets import Explorer

    widget = Explorer(panels=panels, indicator=INDICATOR, year=2022)
    before = (widget.figure, widget.ax, widget._layers, _shown(widget))
    other = widget._layout_values()[0]

    def refuse(values):
        raise ValueError("cannot class these values")

    monkeypatch.setattr(widget, "_draw_regions", refuse)
    widget._keep_layout(other)  # refused: nothing kept, nothing changed
    assert (widget.figure, widget.ax, widget._layers, _shown(widget)) == before
    assert frozenset(other.index) not in widget.__dict__.get("_layout_maps", {})


def test_the_indexed_layout_tables_equal_the_files_and_are_never_shared():
    units = L.units()
    assert units.equals(layout_table("units").set_index("unit_id"))
    units.loc["astana", "name_en"] = "changed"
    assert L.units().loc["astana", "name_en"] == "Astana"  # a copy each time
    table = L.layouts()
    assert table.equals(layout_table("layouts").set_index("layout"))
    table.loc["kz16", "n_units"] = 99
    assert L.layouts().loc["kz16", "n_units"] == 16


def test_the_layout_of_each_year_is_the_one_whose_years_hold_it():
    table = layout_table("layouts")
    for year in range(2010, 2031):
        holding = [row.layout for row in table.itertuples()
                   if row.first_year <= year <= (9999 if pd.isna(row.last_year)
                                                 else row.last_year)]
        assert [L.layout_of(year)] == holding, year
        assert L.layout_of(np.int64(year)) == holding[0]  # a year read from a table
    with pytest.raises(L.LayoutError, match="no layout for 2009"):
        L.layout_of(2009)


def test_each_units_spellings_are_the_rows_of_the_table_valid_in_the_layout():
    table = layout_table("spellings")
    for layout in L.LAYOUTS:
        for unit in L.layout_units(layout):
            rows = table[table["unit_id"] == unit]
            plain = [(r.form, r.family) for r in rows.itertuples(index=False)
                     if not r.layouts or layout in r.layouts.split("|")]
            assert R._spelling_rows(unit, layout) == plain, (unit, layout)
    assert R._spelling_rows("no_such_unit", "kz16") == []


def test_the_overlay_is_the_rims_over_the_borders_composed_everywhere(panels):
    """The overlay, composed only where the city markers' rims are, equals the rims composed
    over the borders at every pixel (:func:`itclusters.mapimage._over`)."""
    from itclusters.widgets import Explorer

    widget = Explorer(panels=panels, indicator=INDICATOR, year=2022)
    layers = widget._layers
    edges = np.unique(np.round(layers._regions.get_edgecolor() * 255), axis=0)
    with layers._restyled():
        layers._regions.set_facecolor("black")
        layers._regions.set_edgecolor("white")
        seen = layers._render(layers._regions).astype(np.float64) / 255
        for marker in layers._markers:
            marker.set_facecolor(mapimage._CLEAR)
            marker.set_hatch(None)
        rims = layers._render(*layers._markers)
    borders = np.empty_like(seen)
    borders[..., :3] = edges[0, :3] / 255
    borders[..., 3] = seen[..., 0] * seen[..., 3] * edges[0, 3] / 255
    borders[layers._shape_ids > len(layers._hatches), 3] = 0.0
    everywhere = np.round(mapimage._over(rims.astype(np.float64) / 255, borders) * 255)
    assert (rims[..., 3] > 0).sum() > 100  # the cities' rims are on this map
    assert np.array_equal(layers.overlay, everywhere.astype(np.uint8))
