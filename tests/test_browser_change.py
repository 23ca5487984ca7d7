"""Issue 21 items 3 and 4 in a real browser: the change between two years, and play.

Both pages (JupyterLab after "Run All", and Voilà as ``make dashboard`` serves it) show the
explorer on today's data, each year on its own regions, as notebook 09 and the dashboard build
it (:func:`itclusters.today.explorer_panel`).  A reader chooses "Change since" 2016 with the ICT
share of 2025 and reads Almaty city's change in percentage points, equal to the data; presses
play and sees the year advance, at a pace one can follow, with the classes fixed over the years,
until the last year.

Servers, pages (both in the module's one Chromium) and evidence on failure are those of
:mod:`test_browser`.
"""
from __future__ import annotations

import time

import matplotlib
import pytest

matplotlib.use("Agg")

from test_browser import (CHROMIUM, SELECTED, VIEWPORTS, chromium, choose,  # noqa: E402,F401
                          explained, kernel_idle, playwright, settle, shoot, start_lab,
                          start_voila, viewport)

from itclusters.widgets import PLAY_MS  # noqa: E402

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="BROWSER TESTS SKIPPED: Chromium not found "
                       "(apt-get install chromium; .ci/run does it)"),
]

YEAR, SINCE = 2025, 2016
NO_CHANGE = "none"
MINUS = "\u2212"

CELLS = [
    ("markdown", "# IT clusters today: the change between two years"),
    ("code", "import itclusters as itc\n"
             "from itclusters.today import explorer_panel\n\n"
             "# each year on its own regions, as notebook 09 and the dashboard start\n"
             f"itc.explorer(panel=explorer_panel(None), indicator=\"ict_share\", year={YEAR})"),
]


def _notebook(folder) -> object:
    import nbformat

    cells = [nbformat.v4.new_markdown_cell(src) if kind == "markdown"
             else nbformat.v4.new_code_cell(src) for kind, src in CELLS]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "change.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.fixture(scope="module")
def lab_today(playwright, chromium, tmp_path_factory):  # noqa: F811 - the fixtures, by name
    folder = tmp_path_factory.mktemp("lab-today")
    app, context = start_lab(playwright, folder, notebook=_notebook(folder / "source"),
                             browser=chromium)
    yield app
    context.close()
    app.server.stop()


@pytest.fixture(scope="module")
def voila_today(playwright, chromium, tmp_path_factory):  # noqa: F811
    folder = tmp_path_factory.mktemp("voila-today")
    app, context = start_voila(playwright, folder / "server",
                               notebook=_notebook(folder / "source"), browser=chromium,
                               refill=False)  # one page
    yield app
    context.close()
    app.server.stop()


@pytest.fixture(scope="module")
def today():
    from itclusters.today import explorer_panel

    return explorer_panel(None)


TABLE = """() => [...document.querySelectorAll(
    '.itclusters-explorer table.itclusters-table tbody tr')].map(
    tr => [...tr.querySelectorAll('td')].map(td => td.innerText.trim()))"""
HEADERS = """() => [...document.querySelectorAll(
    '.itclusters-explorer table.itclusters-table thead th')].map(th => th.innerText.trim())"""


def legend(page) -> str:
    return page.evaluate("() => document.querySelector('.itclusters-legend').innerText")


@pytest.mark.parametrize("size", list(VIEWPORTS))
@pytest.mark.parametrize("name", ["lab_today", "voila_today"])
def test_the_change_of_ict_share_since_2016_reads_almaty_citys_points_as_the_data(
        name, size, request, today):
    app = request.getfixturevalue(name)
    page = app.page
    with explained(app, f"change-{size}"):
        viewport(app, size)
        try:
            choose(app, "Change since", str(SINCE))
            page.wait_for_function("() => document.querySelector('.itclusters-explorer "
                                   "table.itclusters-table thead').innerText.includes('Change')",
                                   timeout=30_000)
            settle(page)
            assert page.evaluate(HEADERS) == ["Rank", "Region", str(SINCE), str(YEAR),
                                              "Change, p.p."]
            assert f"Change {SINCE} → {YEAR}, percentage points" in legend(page)
            assert "territory changed" in legend(page)
            rows = {r[1]: r for r in page.evaluate(TABLE)}
            # the data: Almaty city's share of national ICT value added, both years
            a = float(today.loc[("almaty_city", SINCE), "ict_share"])
            b = float(today.loc[("almaty_city", YEAR), "ict_share"])
            points = (b - a) * 100
            shown = rows["Almaty city"][4]
            sign = "+" if points > 0 else MINUS
            assert shown == f"{sign}{abs(points):.2f}", (shown, points)
            assert float(shown.replace(MINUS, "-")) == pytest.approx(points, abs=0.005)
            # a unit of 2025 that did not exist in 2016 is not compared
            assert rows["Shymkent"][4] == "territory changed"
            shoot(app, f"change-{size}")
        finally:
            choose(app, "Change since", NO_CHANGE)
        assert "Change" not in " ".join(page.evaluate(HEADERS))


def year_shown(page) -> str:
    return page.evaluate(SELECTED, "Year")


@pytest.mark.parametrize("size", ["1600x1000", "390x844"])
@pytest.mark.parametrize("name", ["lab_today", "voila_today"])
def test_play_advances_the_year_at_a_readable_pace_and_stops_at_the_last(name, size, request):
    app = request.getfixturevalue(name)
    page = app.page
    with explained(app, f"play-{size}"):
        viewport(app, size)
        start = YEAR - 3
        try:
            choose(app, "Year", str(start))
            clicked = time.perf_counter()
            page.locator(".itclusters-explorer .widget-play button").first.click()
            seen = {}
            for year in range(start + 1, YEAR + 1):
                page.wait_for_function(
                    f"() => ({SELECTED})('Year') === '{year}' && document.querySelector("
                    f"'.itclusters-explorer').innerText.includes(', {year}')",
                    timeout=30_000)
                seen[year] = time.perf_counter()
                if year == start + 1:
                    # playing: one set of classes for every year, and the legend says so
                    page.wait_for_function("() => document.querySelector('.itclusters-legend')"
                                           ".innerText.includes('classes fixed over 2010–')",
                                           timeout=30_000)
            # a year stays on screen about PLAY_MS, long enough to read it: the first step is
            # at once, and the last year comes no sooner than PLAY_MS for each further one
            # (the kernel's latency only adds)
            took = seen[YEAR] - clicked
            assert took >= 0.9 * (YEAR - start - 1) * PLAY_MS / 1000, (took, seen)
            # and the play stops at the last year
            time.sleep(2 * PLAY_MS / 1000)
            assert year_shown(page) == str(YEAR)
            kernel_idle(app)
            assert f"classes fixed over 2010–{YEAR}" in legend(page)
            shoot(app, f"play-{size}")
        finally:
            choose(app, "Year", str(YEAR))
            page.evaluate("""() => { const box = [...document.querySelectorAll(
                '.itclusters-explorer .widget-checkbox input')][0];
                if (box && box.checked) { box.click(); } }""")
            kernel_idle(app)
