"""Issue 21 in a real browser: the explorer as a research instrument, in JupyterLab and Voilà.

What a reader does and sees: the indicator defined in words under the pickers; the key under
the heading, on the first screen at 1280×720 with JupyterLab's file browser open; a table that
keeps its place when Classes changes, each row with its colour; pointing at a region (the pixel
at its middle, as the fill layer draws it) names it with its value, rank and class; a click
opens its profile, which stays open across picker changes.

The servers, pages and evidence on failure are those of :mod:`test_browser` (one JupyterLab on
notebook 04 and one Voilà dashboard per module, started cold).  Screenshots of every viewport
go to ``$ITCLUSTERS_SHOTS`` when it is set, to be looked at.
"""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from test_browser import (CHOOSE, CHROMIUM, MAP, VIEWPORTS, explained, kernel_idle,  # noqa: E402
                          left_sidebar, lab, playwright, settle, voila)

from itclusters.catalogue import INDICATORS, indicator_panel  # noqa: E402
from itclusters.presentation import display_name, format_value  # noqa: E402

__all__ = ["lab", "playwright", "voila"]  # the fixtures, used by name

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="BROWSER TESTS SKIPPED: Chromium not found "
                       "(apt-get install chromium; .ci/run does it)"),
]

SHOTS = os.environ.get("ITCLUSTERS_SHOTS")
POINTER = "img.itclusters-map-pointer"
YEAR = 2016  # both pages start on the published index of 2016


@pytest.fixture(scope="module")
def drawn():
    """The explorer both pages show, drawn here too: where each region's pixels are."""
    import matplotlib.pyplot as plt

    from itclusters.widgets import Explorer

    widget = Explorer(indicator_panel())
    yield widget
    plt.close("all")


@pytest.fixture(scope="module")
def panel():
    return indicator_panel()


def shoot(app, label: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        app.page.screenshot(path=str(Path(SHOTS) / f"{app.name}-{label}.png"))


def viewport(app, name: str) -> None:
    width, height = VIEWPORTS[name]
    app.page.set_viewport_size({"width": width, "height": height})
    if app.name == "jupyterlab":
        left_sidebar(app.page, open_=width >= 1000)
    settle(app.page)


def text_of(page, selector: str) -> str:
    return page.evaluate(f"() => {{ const e = document.querySelector({selector!r});"
                         " return e ? e.innerText : ''; }")


SHOWN = """() => { const e = document.querySelector('.itclusters-explorer');
    return e.innerText + document.querySelector('img.widget-image').src; }"""
SELECTED = """label => { const box = [...document.querySelectorAll('.widget-dropdown')].find(
    d => d.querySelector('label') && d.querySelector('label').innerText.trim() === label);
    const s = box.querySelector('select'); return s.options[s.selectedIndex].text.trim(); }"""


def choose(app, label: str, value: str) -> None:
    """Choose ``value`` in the picker ``label`` and wait until the page shows its result."""
    page = app.page
    if page.evaluate(SELECTED, label) == value:
        return
    before = page.evaluate(SHOWN)
    page.evaluate(CHOOSE, {"label": label, "value": value})
    page.wait_for_function(f"old => ({SHOWN})() !== old", arg=before, timeout=30_000)
    kernel_idle(app, f"the kernel to finish the change of {label}")
    settle(page)


def point_at(app, drawn, region_id: str, click: bool = False) -> tuple[float, float]:
    """Move the pointer (or click) over the middle pixel of ``region_id``; return where."""
    page = app.page
    page.locator(POINTER).first.scroll_into_view_if_needed()
    settle(page)
    x, y = drawn._layers.region_pixel(region_id)
    box = page.evaluate(f"""() => {{ const i = document.querySelector({POINTER!r});
        const r = i.getBoundingClientRect();
        return {{left: r.left, top: r.top, width: r.width, height: r.height,
                 natural: [i.naturalWidth, i.naturalHeight]}}; }}""")
    at = (box["left"] + (x + 0.5) * box["width"] / box["natural"][0],
          box["top"] + (y + 0.5) * box["height"] / box["natural"][1])
    # from outside the map first: a move within one region sends nothing new
    page.mouse.move(1, 1)
    page.mouse.move(*at, steps=3)
    if click:
        page.mouse.click(*at)
    return at


def readout_names(app, name: str, timeout: float = 20) -> float:
    """Wait until the line over the map names ``name``; return the seconds it took."""
    start = time.perf_counter()
    app.page.wait_for_function(
        "name => { const e = document.querySelector('.itclusters-readout');"
        " return e && e.innerText.includes(name); }", arg=name, timeout=timeout * 1000)
    return time.perf_counter() - start


@pytest.mark.parametrize("size", list(VIEWPORTS))
@pytest.mark.parametrize("name", ["lab", "voila"])
def test_pointing_at_a_region_names_it_with_value_rank_and_class(name, size, request, drawn,
                                                                  panel):
    app = request.getfixturevalue(name)
    with explained(app, f"hover-{size}"):
        viewport(app, size)
        for region in ("almaty_city", "karaganda"):
            point_at(app, drawn, region)
            readout_names(app, display_name(region))
            text = text_of(app.page, ".itclusters-readout")
            value = panel.loc[(region, YEAR), "index"]
            rank = int(panel.xs(YEAR, level="year")["index"].rank(ascending=False,
                                                                   method="min")[region])
            assert format_value(value, "index") in text, text
            assert "index, 0–100" in text and f"rank {rank} of 16" in text, text
            assert re.search(r"class [A-C][+]*", text), text
        shoot(app, f"hover-{size}")


@pytest.mark.parametrize("size", ["1600x1000", "390x844"])
@pytest.mark.parametrize("name", ["lab", "voila"])
def test_a_click_opens_the_profile_and_it_stays_across_pickers(name, size, request, drawn,
                                                                panel):
    app = request.getfixturevalue(name)
    page = app.page
    profile = ".itclusters-profile"
    with explained(app, f"profile-{size}"):
        viewport(app, size)
        point_at(app, drawn, "astana", click=True)
        page.wait_for_function(f"() => document.querySelector({profile!r}).innerText"
                               f".includes('Astana, {YEAR}')", timeout=20_000)
        kernel_idle(app)
        text = text_of(page, profile)
        # every indicator of the year: its label, value, rank of 16
        for code in ("index", "it_production", "ict_lq", "grp_per_capita"):
            value = panel.loc[("astana", YEAR), code]
            column = panel.xs(YEAR, level="year")[code]
            rank = int(column.rank(ascending=False, method="min")["astana"])
            count = int(column.notna().sum())  # of the regions with a value that year
            assert INDICATORS[code].label in text, text
            assert re.search(rf"{re.escape(format_value(value, code))}\s+{rank} of {count}",
                             text), (code, text)
        assert page.locator(f"{profile} svg title").count() == 1
        shoot(app, f"profile-{size}")
        try:
            choose(app, "Year", "2010")
            page.wait_for_function(f"() => document.querySelector({profile!r}).innerText"
                                   ".includes('Astana, 2010')", timeout=20_000)
            value = panel.loc[("astana", 2010), "index"]
            assert format_value(value, "index") in text_of(page, profile)
        finally:
            choose(app, "Year", str(YEAR))
            choose(app, "Region", "(none: click the map)")


@pytest.mark.parametrize("name", ["lab", "voila"])
def test_the_indicator_is_defined_in_words_under_the_pickers(name, request):
    app = request.getfixturevalue(name)
    with explained(app, "definition"):
        viewport(app, "1600x1000")
        text = text_of(app.page, ".itclusters-definition")
        about = INDICATORS["index"]
        assert about.definition in text and f"Unit: {about.unit}." in text, text
        assert "Table 1" in text, text
        try:
            choose(app, "Indicator", INDICATORS["krugman"].label)
            text = text_of(app.page, ".itclusters-definition")
            assert INDICATORS["krugman"].definition in text, text
        finally:
            choose(app, "Indicator", INDICATORS["index"].label)


@pytest.mark.parametrize("name", ["lab", "voila"])
def test_the_table_keeps_its_place_when_classes_change(name, request):
    app = request.getfixturevalue(name)
    table = "() => { const r = document.querySelector('.itclusters-explorer table')" \
            ".getBoundingClientRect(); return [Math.round(r.left), Math.round(r.top)]; }"
    with explained(app, "table-place"):
        viewport(app, "1600x1000")
        places = {}
        try:
            for scheme in ("Letter grades (inferred scale)", "Quantiles", "Equal intervals",
                           "Natural breaks (Fisher-Jenks)"):
                choose(app, "Classes", scheme)
                app.page.locator(MAP).first.scroll_into_view_if_needed()
                settle(app.page)
                places[scheme] = app.page.evaluate(table) + [
                    app.page.evaluate("() => document.querySelector('.itclusters-explorer')"
                                      ".getBoundingClientRect().top")]
            relative = {s: (left, top - explorer) for s, (left, top, explorer) in places.items()}
            assert len(set(relative.values())) == 1, relative
        finally:
            choose(app, "Classes", "Letter grades (inferred scale)")


def test_map_and_key_are_on_the_first_screen_at_1280x720_in_jupyterlab(lab):
    # the file browser open, the explorer's top at the top of the notebook's panel
    with explained(lab, "first-screen"):
        viewport(lab, "1280x720")
        page = lab.page
        page.evaluate("() => document.querySelector('.itclusters-explorer')"
                      ".scrollIntoView({block: 'start'})")
        settle(page)
        shown = page.evaluate("""() => {
            const bottom = s => document.querySelector(s).getBoundingClientRect().bottom;
            return {map: bottom('img.widget-image'), legend: bottom('.itclusters-legend'),
                    height: window.innerHeight}; }""")
        shoot(lab, "first-screen-1280x720")
        assert shown["legend"] <= shown["height"] and shown["map"] <= shown["height"], shown


@pytest.mark.parametrize("name", ["lab", "voila"])
def test_every_table_row_carries_its_regions_colour(name, request):
    app = request.getfixturevalue(name)
    with explained(app, "chips"):
        viewport(app, "1600x1000")
        chips = app.page.evaluate("""() => [...document.querySelectorAll(
            '.itclusters-explorer table.itclusters-table tbody tr')].map(tr => {
              const chip = tr.querySelector('td:nth-child(2) span');
              return chip ? getComputedStyle(chip).backgroundColor : null; })""")
        assert len(chips) == 16 and all(c and c != "rgba(0, 0, 0, 0)" for c in chips), chips


@pytest.mark.parametrize("name", ["lab", "voila"])
def test_the_download_links_give_the_table_as_csv_and_the_map_as_svg(name, request, tmp_path):
    import csv
    import xml.etree.ElementTree as ET

    app = request.getfixturevalue(name)
    page = app.page
    with explained(app, "downloads"):
        viewport(app, "1600x1000")
        page.locator(".itclusters-explorer button", has_text="Save table and map").click()
        page.wait_for_selector(".itclusters-downloads a[download$='.svg']", timeout=60_000)
        kernel_idle(app)
        files = {}
        for suffix in ("csv", "svg"):
            with page.expect_download(timeout=30_000) as download:
                page.locator(f".itclusters-downloads a[download$='.{suffix}']").click()
            files[suffix] = tmp_path / download.value.suggested_filename
            download.value.save_as(files[suffix])
        assert files["csv"].name == f"itclusters_index_{YEAR}.csv"
        rows = list(csv.reader(files["csv"].read_text(encoding="utf-8").splitlines()))
        assert ["Unit", INDICATORS["index"].unit] in rows[:5]
        assert ["Source", INDICATORS["index"].source] in rows[:5]
        table = page.evaluate("""() => [...document.querySelectorAll(
            '.itclusters-explorer table.itclusters-table tbody tr')].map(
            tr => [...tr.querySelectorAll('td')].map(td => td.innerText.trim()))""")
        written = rows[7:]
        assert [[r[0], r[1], format_value(float(r[3]), "index")] for r in written] == table
        assert ET.parse(files["svg"]).getroot().tag.endswith("svg")
        shoot(app, "downloads-1600x1000")


def test_a_link_with_a_query_opens_that_view_and_the_address_follows_the_view(voila):
    from test_browser import wait_for_picture

    page = voila.page.context.new_page()
    try:
        with explained(voila, "link"):
            page.set_viewport_size({"width": 1600, "height": 1000})
            query = "indicator=ict_lq&year=2010&classes=quantiles&region=astana"
            page.goto(f"{voila.server.url}/?{query}", timeout=180_000)
            wait_for_picture(page)
            page.wait_for_function("() => document.querySelector('.itclusters-profile') &&"
                                   " document.querySelector('.itclusters-profile').innerText"
                                   ".includes('Astana, 2010')", timeout=60_000)
            heading = page.locator(".itclusters-explorer").inner_text()
            assert f"{INDICATORS['ict_lq'].label}, 2010" in heading
            assert page.evaluate(SELECTED, "Classes") == "Quantiles"
            assert page.evaluate("() => window.location.search") == f"?{query}"
            # a change in the page: the address names the new view
            page.evaluate(CHOOSE, {"label": "Year", "value": "2013"})
            page.wait_for_function("() => window.location.search.includes('year=2013')",
                                   timeout=30_000)
            assert page.evaluate("() => window.location.search") == \
                "?indicator=ict_lq&year=2013&classes=quantiles&region=astana"
    finally:
        page.close()
