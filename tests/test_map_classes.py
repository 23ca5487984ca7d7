"""Issue 22, item 2: every map's classes show what the tables show.

For each map: every region's value, as the tables print it, reads inside its class's label;
the labels follow one another without overlap ("< a", "a – < b", "≥ b"); a location-quotient
map has a class at 1 and at least three classes below it; no class holds more than half of
the regions unless they print alike.  Checked over every map the notebooks draw (recorded by
the ``executed`` fixture of conftest.py) and over every indicator, year and set of regions
the explorer offers, in its default classes.  Seminar notebooks are spared the rule on
crowded classes: seminar 3 shows equal intervals and natural breaks leaving most regions in one
colour, to teach why the reports do not use them for skewed values.
"""
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from classlabels import decimals, disjoint_and_ordered, interval, reads_inside
from itclusters.presentation import NumberFormat, format_value

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")) + \
    sorted((ROOT / "notebooks" / "seminar").glob("*.ipynb"))
CATEGORICAL = ("grade", "categories")
#: notebooks that draw maps (so that a recording that found none fails)
MAPPED = {"01_innovation_index", "02_it_specialisation", "03_cluster_candidates",
          "06_official_specialisation", "08_growth_poles", "09_it_poles_today",
          "10_build_your_index", "03_reading_maps"}


def problems(labels, scheme, regions, fmt, crowding=True) -> list[str]:
    """What is wrong with one map: ``regions`` maps a region to (class, value).  ``crowding``:
    check that no class holds more than half of the regions printed differently."""
    if scheme in CATEGORICAL:
        return []
    found = []
    if not disjoint_and_ordered(labels):
        found.append(f"labels overlap or leave a gap: {labels}")
    if fmt is None:  # no table format: values print at the labels' decimals
        places = max([decimals(t) for t in labels] or [0])
        fmt = NumberFormat("number", places)
    printed = {}
    for region, (code, value) in regions.items():
        if value is None or (isinstance(value, float) and np.isnan(value)):
            if code != -1:
                found.append(f"{region} has no value but class {labels[code]!r}")
            continue
        printed[region] = text = format_value(value, fmt)
        if not reads_inside(text, labels[code]):
            found.append(f"{region} prints {text} but is coloured {labels[code]!r}")
    counts = Counter(regions[r][0] for r in printed)
    if counts and crowding:
        code, n = counts.most_common(1)[0]
        alike = {printed[r] for r in printed if regions[r][0] == code}
        if n > len(printed) / 2 and len(alike) > 1:
            found.append(f"{n} of {len(printed)} regions in {labels[code]!r}")
    if scheme == "lq":
        spans = [interval(label) for label in labels]
        edges = {e for lo, _, hi, _ in spans for e in (lo, hi)}
        centred = any(np.isfinite([lo, hi]).all() and lo < 1 < hi and abs((lo + hi) / 2 - 1) < 1e-9
                      for lo, _, hi, _ in spans)
        if 1 not in edges and not centred:
            found.append(f"no class at LQ = 1: {labels}")
        below = [s for s in spans if s[2] < 1 or (s[2] == 1 and not s[3])]
        if len(below) < 3:
            found.append(f"fewer than three classes below LQ = 1: {labels}")
    return found


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_map_of_the_notebook_classes_values_as_the_tables_print_them(path, executed):
    figures = executed(path).metadata["itc_figures"]
    crowding = path.parent.name != "seminar"
    maps = [m for figure in figures for m in figure["maps"]]
    found = {}
    for m in maps:
        fmt = None if m["format"] is None else NumberFormat(m["format"][0], m["format"][1],
                                                            signed=m["format"][2])
        regions = {r: tuple(cv) for r, cv in m["regions"].items()}
        found.update({f"{m['title']}: {p}": None for p in
                      problems(m["labels"], m["scheme"], regions, fmt, crowding)})
    assert list(found) == [], f"{path.name}"
    if path.stem in MAPPED:
        assert maps, f"{path.name} draws maps, but none was recorded"


def _explorer_maps():
    """Every (panel, indicator, year) the explorer can show, in its default classes."""
    from itclusters.catalogue import indicator_panel
    from itclusters.today import explorer_panels
    from itclusters.widgets import _default_scheme

    panels = {"article": indicator_panel(), **explorer_panels()}
    for name, panel in panels.items():
        panel = panel.drop("national", level="region_id", errors="ignore")
        for code in panel.columns:
            if code == "grade":
                continue
            column = pd.to_numeric(panel[code], errors="coerce")
            for year in sorted(set(column.dropna().index.get_level_values("year"))):
                yield name, panel, code, year, column.xs(year, level="year").rename(code)


@pytest.mark.slow
def test_every_map_the_explorer_offers_classes_values_as_the_tables_print_them():
    from itclusters.maps import classify
    from itclusters.widgets import _default_scheme

    found, seen = [], 0
    for name, panel, code, year, values in _explorer_maps():
        scheme = _default_scheme(panel, code)
        classes = classify(values, scheme, ids=list(values.index))
        regions = {r: (int(classes.codes[r]), values[r]) for r in values.index}
        found += [f"{name}, {code} {year} ({scheme}): {p}" for p in
                  problems(classes.labels, scheme, regions, classes.number_format)]
        seen += 1
    assert seen > 300  # 10 indicators x 16 years, on three sets of regions, and the article's
    assert found == []


def test_the_checks_catch_what_issue_22_saw():
    # a value the table prints 0.50 in a class labelled "< 0.50"; overlapping labels; the 14
    # of 16 regions of the 2010 LQ in one class; no class at 1
    fmt = NumberFormat("number", 2)
    assert problems(["< 0.50", "≥ 0.50"], "quantiles", {"a": (0, 0.4953)}, fmt) == \
        ["a prints 0.50 but is coloured '< 0.50'"]
    assert problems(["0.15 – 0.19", "0.19 – 0.80"], "quantiles", {}, fmt) == \
        ["labels overlap or leave a gap: ['0.15 – 0.19', '0.19 – 0.80']"]
    crowded = {str(i): (0, 0.1 + i / 100) for i in range(14)} | {"x": (1, 3.0), "y": (1, 2.0)}
    assert problems(["< 0.50", "≥ 0.50"], "lq", crowded, fmt) == [
        "14 of 16 regions in '< 0.50'", "no class at LQ = 1: ['< 0.50', '≥ 0.50']",
        "fewer than three classes below LQ = 1: ['< 0.50', '≥ 0.50']"]
    # equal at the printed precision: one class is right
    alike = {str(i): (0, 0.501) for i in range(10)} | {"x": (1, 3.0)}
    assert problems(["< 1.00", "≥ 1.00"], "quantiles", alike, fmt) == []
