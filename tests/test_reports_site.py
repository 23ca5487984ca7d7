"""Issue 23, items 1 and 2: a site of the reports, and regeneration that redoes only what changed.

One small batch (a notebook for two years, another with its defaults) is run once per module;
each test works on its own copy of the notebooks and of the reports (copied with their
modification times), so that a test sees exactly what a second ``make report`` would see.  The
notebooks are two tiny ones written by the test (test_reports._tiny_notebooks, a second a run),
shaped like the project's (a numbered title and a purpose, a parameters cell, a check that
refuses a bad value, a figure): the site and the decisions read only what every report has
(headings, parameters, figures, provenance), and every report records the hashes of all the
project's data files, as the project's notebooks' reports do.  The project's own notebooks go
through the batch in test_reports.py (a user's index) and test_today_layouts.py, and their report
pages are checked in Chromium by test_report_pages.py.
"""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import time
import urllib.parse
from contextlib import redirect_stdout
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from itclusters.reports import main
from test_reports import ROOT, TINY_AUDIT, TINY_INDEX, _tiny_notebooks

pytestmark = pytest.mark.notebook  # batches of notebooks

#: a notebook for two years (siblings), another with its defaults (no sibling)
GRID = f"""
runs:
  - notebook: {TINY_INDEX}
    parameters:
      year: [2010, 2016]
  - notebook: {TINY_AUDIT}
"""
REPORTS = [f"{TINY_INDEX}/year=2010", f"{TINY_INDEX}/year=2016", f"{TINY_AUDIT}/default"]
#: what a batch writes besides the reports and the site
BOOKKEEPING = {".itclusters-report.lock", "batch.log"}


def _batch(grid: Path, notebooks: Path, out: Path, *extra: str) -> int:
    return main(["--grid", str(grid), "--notebooks", str(notebooks), "--out", str(out),
                 "--jobs", "2", "--no-progress", *extra])


@pytest.fixture(scope="module")
def first_batch(tmp_path_factory):
    """The first batch into an empty folder: (folder, exit code, what it printed)."""
    folder = tmp_path_factory.mktemp("site-base")
    grid = _tiny_notebooks(folder / "notebooks") / "grid.yaml"
    grid.write_text(GRID)
    printed = io.StringIO()
    with redirect_stdout(printed):
        code = _batch(grid, folder / "notebooks", folder / "reports")
    return folder, code, printed.getvalue()


@pytest.fixture(scope="module")
def base(first_batch):
    """Notebooks, grid and the reports of one full batch (never changed by a test)."""
    folder, code, printed = first_batch
    assert code == 0, printed
    return folder


@pytest.fixture
def copy(base, tmp_path):
    """This test's own copy of the base: (grid, notebooks folder, reports folder)."""
    shutil.copytree(base, tmp_path / "w", symlinks=True)  # copy2: modification times kept
    w = tmp_path / "w"
    return w / "notebooks" / "grid.yaml", w / "notebooks", w / "reports"


def _state(folder: Path, skip=BOOKKEEPING) -> dict:
    """{relative path: (bytes, mtime_ns)} of every file in the folder."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in skip}


def _rows(out: str) -> dict:
    """The summary table's rows: {'notebook parameters': status}."""
    rows = {}
    for line in out.splitlines():
        match = re.match(r"(\S+)\s+(\S.*?)\s{2,}(ok|FAILED|up to date|not finished)\b", line)
        if match:
            rows[f"{match[1]} {match[2]}"] = match[3]
    return rows


def _touch_notebook(notebooks: Path, name: str) -> None:
    """A harmless change: one more Markdown cell at the end."""
    path = notebooks / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_markdown_cell("*Touched by a test.*")
    cell.id = "touched-by-a-test"
    nb.cells.append(cell)
    nbformat.write(nb, path)


def test_a_batch_whose_runs_all_succeed_exits_zero(first_batch):
    folder, code, printed = first_batch
    assert code == 0
    for name in REPORTS:
        assert (folder / "reports" / f"{name}.html").exists(), name
    assert printed.rstrip().splitlines()[-1] == "3 of 3 runs succeeded"


# --------------------------------------------------------------------------------------------
# item 2: regeneration that redoes only what changed

def test_nothing_changed_every_run_is_up_to_date_and_nothing_is_rewritten(copy, capsys):
    grid, notebooks, out = copy
    before = _state(out)
    start, clock = time.perf_counter(), os.times()
    assert _batch(grid, notebooks, out) == 0
    seconds, children = time.perf_counter() - start, os.times()
    captured = capsys.readouterr()
    assert _rows(captured.out) == {"tiny_index year=2010": "up to date",
                                   "tiny_index year=2016": "up to date",
                                   "tiny_audit (defaults)": "up to date"}, captured.out
    assert captured.out.rstrip().splitlines()[-1] == "3 of 3 runs succeeded; 3 up to date"
    after = _state(out)
    assert after.keys() == before.keys()
    changed = [name for name in before if before[name] != after[name]]
    assert changed == []  # reports, thumbnails and index: same bytes, same modification times
    # nothing executed: no worker or kernel was started (each costs a second or more of CPU,
    # counted here once the batch has waited for it), and no time spent waiting for one
    assert (children.children_user + children.children_system
            == clock.children_user + clock.children_system), (clock, children)
    assert seconds < 15, seconds


def test_a_touched_notebook_reruns_only_its_runs(copy, capsys):
    grid, notebooks, out = copy
    before = _state(out)
    _touch_notebook(notebooks, TINY_AUDIT)
    assert _batch(grid, notebooks, out) == 0
    captured = capsys.readouterr()
    assert _rows(captured.out) == {"tiny_index year=2010": "up to date",
                                   "tiny_index year=2016": "up to date",
                                   "tiny_audit (defaults)": "ok"}, captured.out
    assert captured.out.rstrip().endswith("3 of 3 runs succeeded; 2 up to date")
    after = _state(out)
    for name in REPORTS[:2]:
        for suffix in (".ipynb", ".html"):
            assert after[name + suffix] == before[name + suffix]
    assert after["tiny_audit/default.ipynb"][1] > before["tiny_audit/default.ipynb"][1]
    report = nbformat.read(out / TINY_AUDIT / "default.ipynb", as_version=4)
    assert report.cells[-1].source == "*Touched by a test.*"


def test_changed_parameters_run_that_run_only(copy, capsys):
    grid, notebooks, out = copy
    grid.write_text(GRID + "    parameters: {a_from: 70.0}\n")
    assert _batch(grid, notebooks, out, "--dry-run") == 0
    dry = capsys.readouterr().out
    assert re.search(r"would run\s+tiny_audit \(a_from=70\.0\): new parameters", dry), dry
    before = _state(out)
    assert _batch(grid, notebooks, out) == 0
    captured = capsys.readouterr()
    assert _rows(captured.out) == {"tiny_index year=2010": "up to date",
                                   "tiny_index year=2016": "up to date",
                                   "tiny_audit a_from=70.0": "ok"}, captured.out
    after = _state(out)
    assert "tiny_audit/a_from=70.0.html" in after
    # the report of the old parameters stays on disk (and in the index), untouched
    assert after["tiny_audit/default.ipynb"] == before["tiny_audit/default.ipynb"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="tiny_audit/default.html"' in index
    assert 'href="tiny_audit/a_from=70.0.html"' in index


def test_force_reruns_everything_with_byte_identical_html(copy, capsys):
    grid, notebooks, out = copy
    before = _state(out)
    assert _batch(grid, notebooks, out, "--force") == 0
    captured = capsys.readouterr()
    assert set(_rows(captured.out).values()) == {"ok"}, captured.out
    assert captured.out.rstrip().splitlines()[-1] == "3 of 3 runs succeeded"
    after = _state(out)
    for name in REPORTS:
        assert after[name + ".ipynb"][1] > before[name + ".ipynb"][1]
        assert after[name + ".html"][0] == before[name + ".html"][0]  # reproducible


@pytest.mark.parametrize("corruption", ["not json", "no provenance"])
def test_a_report_whose_provenance_cannot_be_read_is_rerun(copy, capsys, corruption):
    grid, notebooks, out = copy
    target = out / TINY_INDEX / "year=2016.ipynb"
    if corruption == "not json":
        target.write_bytes(target.read_bytes()[:1000])
    else:
        nb = json.loads(target.read_text(encoding="utf-8"))
        del nb["metadata"]["itclusters"]
        target.write_text(json.dumps(nb), encoding="utf-8")
    assert _batch(grid, notebooks, out, "--dry-run") == 0
    dry = capsys.readouterr().out
    assert re.search(r"would run\s+tiny_index \(year=2016\): provenance unreadable", dry)
    assert _batch(grid, notebooks, out) == 0
    captured = capsys.readouterr()
    assert _rows(captured.out) == {"tiny_index year=2010": "up to date",
                                   "tiny_index year=2016": "ok",
                                   "tiny_audit (defaults)": "up to date"}, captured.out
    assert nbformat.read(target, as_version=4).metadata["itclusters"]["parameters"] == {
        "year": 2016}


def _edit_provenance(path: Path, edit) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    edit(nb["metadata"]["itclusters"])
    path.write_text(json.dumps(nb), encoding="utf-8")


def test_dry_run_says_what_would_run_and_why_and_writes_nothing(copy, capsys):
    grid, notebooks, out = copy
    _touch_notebook(notebooks, TINY_AUDIT)
    # what a report records of its inputs, as if they had been other ones when it was made
    _edit_provenance(out / TINY_INDEX / "year=2010.ipynb",
                     lambda r: r["data_sha256"].update({"data/official/grp.csv": "0" * 64}))
    _edit_provenance(out / TINY_INDEX / "year=2016.ipynb",
                     lambda r: r.update(library_sha256="0" * 64, lock_sha256="1" * 64))
    # a notebook new to the grid, never run
    shutil.copy2(notebooks / f"{TINY_INDEX}.ipynb", notebooks / "tiny_robustness.ipynb")
    grid.write_text(GRID + "  - notebook: tiny_robustness\n    parameters: {year: 2010}\n")
    before = _state(out, skip=set())
    assert _batch(grid, notebooks, out, "--dry-run") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "would run   tiny_index (year=2010): data/official/grp.csv changed",
        "would run   tiny_index (year=2016): library code changed; requirements.lock changed",
        "would run   tiny_audit (defaults): notebook changed",
        "would run   tiny_robustness (year=2010): no report yet",
        "4 of 4 runs would run, 0 up to date; nothing was run or written (--dry-run)",
    ]
    assert _state(out, skip=set()) == before
    assert not (out / "tiny_robustness").exists()

    assert _batch(grid, notebooks, out, "--dry-run", "--only", TINY_INDEX,
                  "--force") == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "2 of 2 runs would run, 0 up to date; nothing was run or written (--dry-run)")


def test_a_run_made_while_the_library_changed_is_never_up_to_date(copy, capsys, monkeypatch):
    """A worker that loaded the library before an edit makes the page with the old code and the
    kernel imports the new one: the report says so, and the next batch runs it again (it
    would otherwise be "up to date" with a page the new code would not make)."""
    from itclusters import reports

    grid, notebooks, out = copy
    [run] = [r for r in reports.load_grid(grid) if r.params == {"year": 2010}]
    source = (notebooks / f"{TINY_INDEX}.ipynb").read_text(encoding="utf-8")
    monkeypatch.setattr(reports, "_LOADED_LIBRARY_SHA256", "0" * 64)  # loaded before an edit
    made = reports.render_run(run, source, str(notebooks))
    assert made.ok, made.error
    record = json.loads(made.notebook)["metadata"]["itclusters"]
    assert record["library_sha256"] == (
        "changed while the batch ran (this process loaded 000000000000, the disk had "
        f"{reports.library_sha256()[:12]})")
    (out / TINY_INDEX / "year=2010.ipynb").write_bytes(made.notebook)
    assert _batch(grid, notebooks, out, "--dry-run") == 0
    assert capsys.readouterr().out.splitlines()[:2] == [
        "would run   tiny_index (year=2010): library code changed while its batch ran",
        "up to date  tiny_index (year=2016)"]


def test_dry_run_into_a_folder_that_does_not_exist_creates_nothing(base, tmp_path, capsys):
    grid, notebooks = base / "notebooks" / "grid.yaml", base / "notebooks"
    out = tmp_path / "nothing"
    assert _batch(grid, notebooks, out, "--dry-run") == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "would run   tiny_index (year=2010): no report yet")
    assert not out.exists()


def test_a_changed_data_file_reruns_the_runs_that_may_read_it(base, tmp_path, monkeypatch,
                                                              capsys):
    home = tmp_path / "home"  # a checkout's data, as $ITCLUSTERS_HOME names it
    for folder in ("data", "shapefiles"):
        shutil.copytree(ROOT / folder, home / folder)
    monkeypatch.setenv("ITCLUSTERS_HOME", str(home))
    grid, notebooks, out = base / "notebooks" / "grid.yaml", base / "notebooks", base / "reports"
    assert _batch(grid, notebooks, out, "--dry-run") == 0
    assert capsys.readouterr().out.splitlines()[-1] == (  # the same data: up to date
        "0 of 3 runs would run, 3 up to date; nothing was run or written (--dry-run)")
    with open(home / "data" / "official" / "grp.csv", "a", encoding="utf-8") as table:
        table.write("\n")
    assert _batch(grid, notebooks, out, "--dry-run") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [f"would run   {name}: data/official/grp.csv changed" for name in (
        "tiny_index (year=2010)", "tiny_index (year=2016)", "tiny_audit (defaults)")]


# --------------------------------------------------------------------------------------------
# item 1: the site

class _Page(HTMLParser):
    """Links, images and sections of a page."""

    def __init__(self):
        super().__init__()
        self.links, self.images, self.sections, self.navs = [], [], [], []
        self._nav = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
            if self._nav is not None:
                self._nav.append((attrs["href"], attrs.get("aria-current")))
        if tag == "img":
            self.images.append(attrs)
        if tag == "section":
            self.sections.append(attrs.get("id"))
        if tag == "nav" and attrs.get("id") == "itclusters-siblings":
            self._nav = []
            self.navs.append(self._nav)

    def handle_endtag(self, tag):
        if tag == "nav":
            self._nav = None


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _resolve(page: Path, href: str) -> Path:
    assert not re.match(r"[a-z][a-z0-9+.-]*:|/", href, re.I), f"not a relative link: {href}"
    return (page.parent / urllib.parse.unquote(href.split("#")[0])).resolve()


@pytest.fixture(scope="module")
def site(base, tmp_path_factory):
    """A copy of the base after a batch that adds one failing run and finds handouts on disk
    (built once: the tests that take it only read it)."""
    w = tmp_path_factory.mktemp("site") / "w"
    shutil.copytree(base, w, symlinks=True)
    grid, notebooks, out = w / "notebooks" / "grid.yaml", w / "notebooks", w / "reports"
    for kind in ("student", "teacher"):
        handout = out / "handouts" / kind / "01_composite_indices.html"
        handout.parent.mkdir(parents=True)
        handout.write_text(f"<!DOCTYPE html><title>Composite indices ({kind})</title><p>x</p>")
    grid.write_text(f"runs:\n  - notebook: {TINY_INDEX}\n    parameters: {{year: 2013}}\n")
    assert _batch(grid, notebooks, out) == 1  # only this run: the others are on disk already
    return out


def test_the_index_links_every_report_thumbnail_and_handout(site):
    out = site
    index = _parse(out / "index.html")
    text = (out / "index.html").read_text(encoding="utf-8")
    assert index.sections == ["nb-tiny_audit", "nb-tiny_index", "handouts"]  # by folder name
    assert "itclusters" in text and "Kazakhstan" in text  # the suite's title
    # each notebook's one-line purpose, from its first Markdown cell
    assert "1 · A tiny index" in text and "5 · A tiny audit" in text
    # with its formulas' subscripts as HTML, and any other markup shown as written
    assert ("Every number J<sub>D</sub> is checked against the one before it "
            "(a &lt; b &amp; b &gt; c).") in text
    assert "&lt;sub&gt;" not in text
    anchors = [href for href in index.links if href.startswith("#")]
    assert sorted(a[1:] for a in anchors) == sorted(index.sections)  # the table of contents
    targets = {_resolve(out / "index.html", href) for href in index.links
               if not href.startswith("#")}
    for name in REPORTS:
        assert (out / f"{name}.html").resolve() in targets
    assert (out / "handouts" / "student" / "01_composite_indices.html").resolve() in targets
    assert (out / "handouts" / "teacher" / "01_composite_indices.html").resolve() in targets
    for target in targets:
        assert target.is_file(), target
    # parameters in words, status, date
    assert "year 2010" in text and "default parameters" in text
    assert re.search(r"\b20\d\d-\d\d-\d\d \d\d:\d\d UTC\b", text)
    assert text.count(">ok<") == 3
    assert "failed" in text and ("ParameterError: year 2013 has no tiny index; available: "
                                 "2010, 2016") in text
    # thumbnails: small PNGs next to the index, with alt text
    thumbs = [img for img in index.images]
    assert len(thumbs) == 3
    for img in thumbs:
        path = _resolve(out / "index.html", img["src"])
        assert path.is_relative_to((out / "thumbs").resolve())
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width = int.from_bytes(data[16:20], "big")
        assert 0 < width <= 400 and len(data) < 100_000
        assert img.get("alt", "").strip() and int(img["width"]) == width


def test_each_report_links_back_to_the_index_and_to_its_siblings(site):
    out = site
    for name in REPORTS:
        page = out / f"{name}.html"
        [nav] = _parse(page).navs
        # back to the index, at the notebook's section
        assert nav[0] == ("../index.html#nb-" + re.sub(r"[^\w-]", "-", page.parent.name), None)
        for href, _ in nav:
            assert _resolve(page, href).is_file()
    [nav] = _parse(out / TINY_INDEX / "year=2010.html").navs
    assert nav[1:] == [("year=2010.html", "page"), ("year=2016.html", None)]
    [nav] = _parse(out / TINY_AUDIT / "default.html").navs
    assert nav == [("../index.html#nb-" + TINY_AUDIT, None)]  # no sibling
    html = (out / TINY_INDEX / "year=2016.html").read_text(encoding="utf-8")
    nav_text = re.search(r'<nav [^>]*id="itclusters-siblings".*?</nav>', html, re.S)[0]
    assert "2010" in nav_text and "year" in nav_text


def test_the_site_is_rebuilt_from_disk_and_pages_are_rewritten_only_when_their_siblings_change(
        copy, capsys):
    grid, notebooks, out = copy
    before = _state(out)
    shutil.rmtree(out / "thumbs")
    (out / "index.html").unlink()
    # one report of another batch appears on disk: a sibling of year=2010 and year=2016
    for suffix in (".ipynb", ".html"):
        shutil.copy2(out / TINY_INDEX / f"year=2016{suffix}",
                     out / TINY_INDEX / f"year=2099{suffix}")
    assert _batch(grid, notebooks, out, "--only", TINY_AUDIT) == 0
    capsys.readouterr()
    after = _state(out)
    assert after["index.html"] and "thumbs/tiny_index/year=2099.png" in after
    assert "year=2099.html" in after["index.html"][0].decode()
    for name in ("year=2010.html", "year=2016.html"):
        key = f"tiny_index/{name}"
        assert after[key] != before[key] and b'href="year=2099.html"' in after[key][0]
    assert after["tiny_audit/default.html"] == before["tiny_audit/default.html"]
    # no temporary file left
    assert not [p for p in out.rglob(".*") if ".tmp-" in p.name]


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="BROWSER TESTS SKIPPED: Chromium not found "
                    "(apt-get install chromium; .ci/run does it)")
def test_the_site_opens_from_the_file_system_in_chromium(site):
    from playwright.sync_api import sync_playwright

    from test_browser import CHROMIUM_ARGS

    out = site
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            failed = []
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.goto((out / "index.html").as_uri())
            page.wait_for_load_state("load")
            # the thumbnails load lazily (loading="lazy": the page's load event does not wait
            # for them): each is looked at as a reader scrolls to it, once it has arrived
            thumbnails = page.locator("img")
            for i in range(thumbnails.count()):
                thumbnails.nth(i).scroll_into_view_if_needed()
                page.wait_for_function("img => img.complete",
                                       arg=thumbnails.nth(i).element_handle())
            shown = page.evaluate("""() => ({
                links: [...document.querySelectorAll('a[href]')].map(a => a.href),
                ids: [...document.querySelectorAll('[id]')].map(e => e.id),
                images: [...document.querySelectorAll('img')].map(i => ({
                    src: i.src, natural: i.naturalWidth, complete: i.complete, alt: i.alt})),
                page: document.documentElement.scrollWidth,
                client: document.documentElement.clientWidth,
                font: parseFloat(getComputedStyle(document.body).fontSize)})""")
            assert failed == []
            assert shown["page"] <= shown["client"], shown  # no sideways scroll at 390 px
            assert shown["font"] >= 14
            assert len(shown["images"]) == 3
            for image in shown["images"]:
                assert image["complete"] and image["natural"] > 0 and image["alt"], image
            reports = [u for u in shown["links"] if u.startswith("file:")]
            assert len(reports) == len(shown["links"])  # every link is to a local file
            for url in sorted(set(reports)):
                parts = urllib.parse.urlparse(url)
                path = Path(urllib.parse.unquote(parts.path))
                assert path.is_file(), url
                if path == out / "index.html":  # the table of contents
                    assert parts.fragment in shown["ids"], url
                    continue
                if path.suffix != ".html":
                    continue  # the executed notebook of the failed run: a download
                response = page.goto(url)
                assert response is None or response.ok, url
                back = page.evaluate("""() => [...document.querySelectorAll(
                    'nav#itclusters-siblings a')].map(a => a.href)""")
                if "/handouts/" in url:
                    continue
                home = urllib.parse.urlparse(back[0])
                assert home._replace(fragment="").geturl() == (out / "index.html").as_uri()
                assert home.fragment in shown["ids"], (url, back)  # the notebook's section
                for sibling in back:
                    assert Path(urllib.parse.unquote(urllib.parse.urlparse(sibling).path)
                                ).is_file(), sibling
            assert failed == []
        finally:
            browser.close()
