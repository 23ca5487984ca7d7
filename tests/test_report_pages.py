"""Issue 22, item 1 and item 4: report and handout pages as a reader sees them, in Chromium.

Pages are made as ``itclusters-report`` and the handout build make them (``offline_html`` of a
notebook executed by the reports' kernels), from the notebooks the session executes once for all
tests (the ``executed`` fixture): reports 01, 03, 06, 08 and 09 with their defaults and the
seminar handouts.  At 1280 and 1024 px no box of the output area scrolls sideways; every figure
is drawn for the 900 px column, shown at its CSS size with at least twice its pixels, and has a
vector (SVG) download that parses; printed on A4 portrait every figure lies inside the page;
every table has CSV, XLSX and LaTeX downloads that read back as the table shown.
"""
from __future__ import annotations

import base64
import io
import re
import shutil
import urllib.parse
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: every report of the grid at its default parameters, and the runs at other years that other
#: tests of the session execute anyway ("name@year": notebook 09 on the 16 and the 17 units,
#: 10 on the article's year); the explorer's report has a test of its own below
REPORTS = [p.stem for p in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
           if p.stem != "04_explorer"] + \
    ["09_it_poles_today@2016", "09_it_poles_today@2019", "10_build_your_index@2016"]
SEMINAR = sorted(p.stem for p in (ROOT / "notebooks" / "seminar").glob("*.ipynb"))
COLUMN_PX = 900  # the page column a figure is drawn for
#: A4 portrait inside the print stylesheet's margins (14 mm top and bottom, 12 mm at the sides),
#: in CSS px (96 per inch)
A4_CONTENT_PX = (round((210 - 24) / 25.4 * 96), round((297 - 28) / 25.4 * 96))

pytestmark = [
    pytest.mark.notebook,
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="BROWSER TESTS SKIPPED: Chromium not found "
                       "(apt-get install chromium; .ci/run does it)"),
]

#: what the page shows: figures (the kernel's 2x PNGs), boxes that scroll sideways, and (with
#: ``downloads``: a view of the page need not carry its megabytes of downloads twice) downloads
MEASURE = """(downloads) => {
  const box = e => { const r = e.getBoundingClientRect();
                     return {left: r.left, right: r.right, width: r.width, height: r.height}; };
  const figures = [...document.querySelectorAll('.jp-RenderedImage img')].map(i => ({
      ...box(i), attr: Number(i.getAttribute('width')), natural: i.naturalWidth,
      svg: downloads ? (i.closest('.jp-RenderedImage').querySelector('a.itc-download-svg')
                        || {}).href || '' : ''}));
  const scrolling = [...document.querySelectorAll('.jp-OutputArea-output, .jp-OutputArea-output *')]
      .filter(e => e.scrollWidth > e.clientWidth + 1
                   && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
      .map(e => ({tag: e.tagName, cls: String(e.className), text: e.innerText.slice(0, 80),
                  cue: getComputedStyle(e, '::before').content}));
  const tables = [...document.querySelectorAll('.itc-downloads')].filter(
      p => p.querySelector('a.itc-download-csv')).map(p => {
        const output = p.closest('.jp-OutputArea-output');
        return {rows: output.querySelectorAll('tbody tr').length,
                links: downloads ? Object.fromEntries([...p.querySelectorAll('a')].map(
                    a => [a.className.replace('itc-download-', ''), a.href])) : {}}; });
  return {figures, scrolling, tables, page: document.documentElement.scrollWidth,
          client: document.documentElement.clientWidth};
}"""


_PAGES: dict = {}


def _page(executed, tmp_path_factory, kind: str, name: str) -> Path:
    """The page of a report or student handout, exported once per session."""
    from itclusters.reports import offline_html

    if (kind, name) in _PAGES:
        return _PAGES[kind, name]
    if kind == "report":
        stem, _, year = name.partition("@")
        nb = executed(f"{stem}.ipynb", **({"year": int(year)} if year else {}))
        html = offline_html(nb, stem, stem=stem)
    else:  # the student handout: the seminar notebook as Run All leaves it, with its code
        nb = executed(f"seminar/{name}.ipynb")
        html = offline_html(nb, name, exclude_input=False, stem=name)
    path = tmp_path_factory.mktemp("pages") / f"{name.replace('@', '-')}.html"
    path.write_bytes(html)
    _PAGES[kind, name] = path
    return path


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from test_browser import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield instance
        instance.close()


#: waits until the page has handled a change of viewport or media (its "resize" listener marks
#: the boxes that scroll), as a page loaded at that size would have on "load"
SETTLED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
#: the explorer's picture (report 09): its pixels and its width on the page
PICTURE = """() => { const i = document.querySelector('.jp-RenderedHTMLCommon img');
  return i && {natural: i.naturalWidth, width: i.getBoundingClientRect().width}; }"""

_VIEWS: dict = {}
#: the page printed to PDF as well: the longest report, with the most figures
PRINTED = "09_it_poles_today"


def _views(browser, path: Path) -> dict:
    """What a reader sees of the page, loaded once per session (a 6 MB page costs Chromium
    seconds to load): at 1280 px with the downloads and the explorer's picture, the same page
    resized to 1024 px, then in print media on the A4 column, and (for :data:`PRINTED` only:
    about half a second of Chromium a page) that page printed to PDF.  The page lays itself
    out again at each size, as a page loaded at that size does."""
    if path in _VIEWS:
        return _VIEWS[path]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.emulate_media(media="screen")
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        views = {1280: page.evaluate(MEASURE, True), "picture": page.evaluate(PICTURE)}
        page.set_viewport_size({"width": 1024, "height": 900})
        page.evaluate(SETTLED)
        views[1024] = page.evaluate(MEASURE, False)
        page.emulate_media(media="print")
        page.set_viewport_size(dict(zip(("width", "height"), A4_CONTENT_PX)))
        page.evaluate(SETTLED)
        views["print"] = page.evaluate(MEASURE, False)
        if path.stem == PRINTED:
            views["pdf"] = page.pdf(format="A4")
    finally:
        page.close()
    _VIEWS[path] = views
    return views


def _data(href: str) -> bytes:
    head, _, payload = href.partition(",")
    assert head.startswith("data:") and head.endswith(";base64"), head[:60]
    return base64.b64decode(urllib.parse.unquote(payload))


PAGES = [("report", n) for n in REPORTS] + [("handout", n) for n in SEMINAR]


@pytest.mark.parametrize("kind, name", PAGES, ids=[n for _, n in PAGES])
def test_figures_fit_the_column_are_sharp_and_have_a_vector_download(kind, name, executed,
                                                                     tmp_path_factory,
                                                                     browser):
    views = _views(browser, _page(executed, tmp_path_factory, kind, name))
    for width in (1280, 1024):
        shown = views[width]
        assert shown["page"] <= shown["client"], f"{name} at {width} px: the page scrolls"
        assert shown["scrolling"] == [], f"{name} at {width} px: {shown['scrolling']}"
        assert shown["figures"], f"{name}: no figure"
        for number, figure in enumerate(shown["figures"], start=1):
            where = f"{name} at {width} px, figure {number}"
            assert 0 < figure["attr"] <= COLUMN_PX, f"{where}: drawn {figure['attr']} px wide"
            assert figure["width"] == pytest.approx(figure["attr"], abs=1), where
            assert figure["natural"] >= 2 * figure["attr"] - 1, \
                f"{where}: {figure['natural']} pixels for {figure['attr']} CSS px"
    # the downloads, read at 1280 px, of the figures as shown at 1024 px (the same figures)
    downloads = [figure["svg"] for figure in views[1280]["figures"]]
    assert len(downloads) == len(shown["figures"]), name
    for number, (figure, href) in enumerate(zip(shown["figures"], downloads), start=1):
        svg = ElementTree.fromstring(_data(href))
        assert svg.tag == "{http://www.w3.org/2000/svg}svg", f"{name}, figure {number}"
        view = [float(v) * 96 / 72 for v in svg.get("viewBox").split()]  # pt -> CSS px
        # the vector figure is the picture's, at the same size (its own tight box, measured
        # on vector text, may differ by a few per cent), not an empty page
        assert view[2] == pytest.approx(figure["width"], rel=0.08), f"{name}, figure {number}"
        assert view[3] == pytest.approx(figure["height"], rel=0.08), f"{name}, figure {number}"
        assert len(svg.findall(".//{http://www.w3.org/2000/svg}path")) > 10


@pytest.mark.parametrize("kind, name", PAGES, ids=[n for _, n in PAGES])
def test_printed_on_a4_every_figure_lies_inside_the_page(kind, name, executed,
                                                         tmp_path_factory, browser):
    views = _views(browser, _page(executed, tmp_path_factory, kind, name))
    width, height = A4_CONTENT_PX
    shown = views["print"]
    assert shown["page"] <= shown["client"], f"{name}: the printed page is cut at the right"
    assert shown["scrolling"] == [], f"{name}: printed, a box is cut: {shown['scrolling']}"
    for number, figure in enumerate(shown["figures"], start=1):
        where = f"{name} printed, figure {number}"
        assert figure["left"] >= 0 and figure["right"] <= width + 0.5, (where, figure)
        assert 0 < figure["height"] <= height, (where, figure)  # one page holds it whole
    if name == PRINTED:
        pdf = views["pdf"]
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2


@pytest.mark.parametrize("name", ["06_official_specialisation", "09_it_poles_today"])
def test_every_table_downloads_as_csv_xlsx_and_latex(name, executed, tmp_path_factory,
                                                     browser):
    import openpyxl
    import pandas as pd

    shown = _views(browser, _page(executed, tmp_path_factory, "report", name))[1280]
    nb = executed(f"{name}.ipynb")
    html_tables = sum(o.get("data", {}).get("text/html", "").count("<table")
                      for c in nb.cells for o in c.get("outputs", []))
    assert shown["tables"] and len(shown["tables"]) <= html_tables
    for number, table in enumerate(shown["tables"], start=1):
        where = f"{name}, table {number}"
        assert set(table["links"]) == {"csv", "xlsx", "tex"}, where
        csv = pd.read_csv(io.BytesIO(_data(table["links"]["csv"])), index_col=0)
        book = openpyxl.load_workbook(io.BytesIO(_data(table["links"]["xlsx"])))
        sheet = book.worksheets[0]
        tex = _data(table["links"]["tex"]).decode("utf-8")
        if table["rows"]:  # a table shown in parts counts its parts' rows
            assert table["rows"] % len(csv) == 0, (where, table["rows"], len(csv))
        assert sheet.max_row >= len(csv) + 1, where
        assert [str(sheet.cell(row=r + 2, column=1).value) for r in range(len(csv))] == \
            [str(v) for v in csv.index], where
        body = tex.split("\\midrule", 1)[1]
        assert "\\toprule" in tex and "\\bottomrule" in tex, where
        assert body.count("\\\\") == len(csv), where  # one LaTeX row per row
        assert "nan" not in tex.lower().replace("nanc", ""), where


def test_the_explorers_picture_is_sharp_and_fits(executed, tmp_path_factory, browser):
    path = _page(executed, tmp_path_factory, "report", "09_it_poles_today")
    picture = _views(browser, path)["picture"]  # at 1280 px
    assert picture, "09_it_poles_today: no picture of the explorer"
    assert picture["width"] <= COLUMN_PX and picture["natural"] >= 2 * picture["width"] - 1


class _Text(HTMLParser):
    """What a reader of a report page reads: its text and the text of its <code> elements,
    without styles, scripts, the header and the provenance footer (which names files and
    commits on purpose)."""

    HIDDEN = {"style", "script", "nav", "footer"}

    def __init__(self):
        super().__init__()
        self.hidden = self.code = 0
        self.text, self.codes = [], []

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in self.HIDDEN
        self.code += tag == "code"

    def handle_endtag(self, tag):
        self.hidden -= tag in self.HIDDEN
        self.code -= tag == "code"

    def handle_data(self, data):
        if not self.hidden:
            self.text.append(data)
            if self.code:
                self.codes.append(data)


#: a hyphen-minus before a digit that is not inside a word or a range ("COVID-19",
#: "2010-2016" are not minus signs)
HYPHEN_MINUS = re.compile(r"(?<![\w\-–/.])-(?=\d)")
#: an identifier as code writes it (indicator codes J_A, OD_GRP_PER_CAPITA, ict_lq)
IDENTIFIER = re.compile(r"\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+\b")


def _is_file_name(token: str, text: str) -> bool:
    """A file the report cites as a source (data/official/README.md), not code."""
    return bool(re.search(rf"[\w/.-]*{re.escape(token)}[\w-]*\.(md|csv|geojson|xlsx|ipynb)",
                          text))


@pytest.mark.parametrize("name", REPORTS)
def test_report_text_has_minus_signs_and_no_code_names(name, executed, tmp_path_factory):
    page = _Text()
    page.feed(_page(executed, tmp_path_factory, "report", name).read_text(encoding="utf-8"))
    text = " ".join(page.text)
    hyphens = [text[max(0, m.start() - 30):m.end() + 10] for m in HYPHEN_MINUS.finditer(text)]
    assert hyphens == [], f"{name}: a hyphen-minus for a minus sign: {hyphens[:5]}"
    assert "`" not in text, f"{name}: a back-tick reaches the reader"
    codes = sorted({t for t in IDENTIFIER.findall(text) if not _is_file_name(t, text)})
    assert codes == [], f"{name}: code names in the text: {codes}"
    assert not [c for c in page.codes if re.search(r"[(=_]", c)], \
        f"{name}: code in the prose: {[c for c in page.codes if re.search(r'[(=_]', c)]}"
