"""Issue 21, item 8 in a real browser: the Voilà dashboard opens at once.

What a reader sees from the moment the page is asked for: the title and the introduction, and
where the explorer will be, a line in words that it is starting; then the map, and the line
gone.  Never Voilà's spinner that speaks code ("Executing 1 of 2"), and never a blank page while
the kernel works.

Two servers, each started cold as :mod:`test_browser` starts them: the dashboard as ``make
dashboard`` serves it (a preheated kernel: the notebook has run before the reader comes), and
as Voilà serves it by default (the kernel starts, and runs the notebook, when the reader
arrives): there the page is streamed, and the title and the line must show while the kernel
is still starting.  The page records, at each change of its content and at each frame, when
each of these was first on screen; the test reads that record.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from test_browser import (BIN, CHROMIUM, JUPYTER_DATA, ROOT, START_TIMEOUT, VOILA_PREHEAT,
                          VOILA_TEMPLATE, App, Server, _browser, explained, free_port,
                          fresh_environment, playwright, wait_for)

__all__ = ["playwright"]  # the fixture, used by name

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="BROWSER TESTS SKIPPED: Chromium not found "
                       "(apt-get install chromium; .ci/run does it)"),
]

NOTEBOOK = ROOT / "notebooks" / "dashboard.ipynb"
TITLE = "Where can IT clusters grow in Kazakhstan?"
INTRO = "Choose an indicator, a year"  # the introduction's first words
STARTING = "Starting the explorer"

# installed before the page's own scripts: the first moment (ms since navigation) each thing
# was on screen, and what the page said then
RECORD = """(() => {
  const seen = {};
  window.__itclustersSeen = seen;
  const shown = e => !!e && e.getClientRects().length > 0
      && getComputedStyle(e).visibility !== 'hidden';
  const note = (key, yes) => { if (yes && !(key in seen)) seen[key] = {
      at: performance.now(), text: document.body ? document.body.innerText : ''}; };
  const look = () => {
    if (!document.body) return;
    const h1 = [...document.querySelectorAll('h1')].find(shown);
    note('title', h1 && h1.innerText.includes(%(title)s));
    const intro = [...document.querySelectorAll('p')].find(
        p => shown(p) && p.innerText.includes(%(intro)s));
    note('intro', intro);
    const waiting = document.getElementById('itclusters-waiting');
    note('starting', shown(waiting) && waiting.innerText.includes(%(starting)s));
    const map = document.querySelector('.itclusters-explorer img.widget-image');
    note('map', shown(map) && map.complete && map.naturalWidth > 0);
    // the still picture of the view, before the explorer is live: all its layers decoded
    const still = [...document.querySelectorAll('.itclusters-snapshot')].find(shown);
    const layers = still ? [...still.querySelectorAll('img')] : [];
    note('picture', layers.length === 3 && layers.every(
        img => shown(img) && img.complete && img.naturalWidth > 0));
    if ('picture' in seen && !('picture width' in seen)) {
      seen['picture width'] = layers[0].getBoundingClientRect().width;
      seen['picture query'] = still.dataset.query;
    }
    if ('map' in seen && !('map width' in seen)) seen['map width'] = map.getBoundingClientRect().width;
    if ('map' in seen) note('picture gone', !document.querySelector('.itclusters-snapshot'));
    if ('map' in seen) note('line gone', !shown(waiting));
    // the page says that the explorer could not start, or is taking far too long
    note('trouble', waiting && waiting.classList.contains('itclusters-waiting-trouble'));
    const texts = document.body.innerText;
    note('code words', /Executing \\d+ of \\d+|Running .*\\.ipynb/.test(texts));
  };
  new MutationObserver(look).observe(document, {subtree: true, childList: true,
                                                attributes: true, characterData: true});
  const frame = () => { look(); requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
})();""" % {"title": json.dumps(TITLE), "intro": json.dumps(INTRO),
            "starting": json.dumps(STARTING)}

# the explorer is live and the line gone, or the page says that it could not start
LIVE_OR_TROUBLE = """() => {
  const seen = window.__itclustersSeen || {};
  return 'line gone' in seen || 'trouble' in seen;
}"""


@pytest.fixture(scope="module", params=["preheated", "on arrival"])
def dashboard(request, playwright, tmp_path_factory):
    """A Voilà server on the dashboard, cold, preheated (``make dashboard``) or not."""
    folder = tmp_path_factory.mktemp("dashboard-" + request.param.replace(" ", "-"))
    options = VOILA_PREHEAT if request.param == "preheated" else ()
    port = free_port()
    command = [str(BIN / "voila"), NOTEBOOK.name, "--no-browser", f"--port={port}",
               f"--template={VOILA_TEMPLATE}", "--Voila.ip=127.0.0.1", *options]
    environment = fresh_environment(folder / "home")
    environment["JUPYTER_PATH"] = str(JUPYTER_DATA)
    server = Server("voila", command, NOTEBOOK.parent, environment, folder / "voila.log", port)
    app = App(f"voila-{request.param.replace(' ', '-')}", server, folder)
    server.start("/voila/templates/lab/static/voila.js")
    if options:  # the reader comes once the waiting kernel has run the notebook
        wait_for(lambda: "is filled with" in server.log.read_text(errors="replace"),
                 "the pool of preheated kernels to fill")
    browser = _browser(playwright, folder / "chromium-profile")
    yield app, browser
    browser.close()
    server.stop()


def test_the_dashboard_shows_its_title_and_a_starting_line_before_the_map(dashboard):
    app, browser = dashboard
    page = browser.new_page()
    app.watch(page)
    page.add_init_script(RECORD)
    with explained(app, "opening"):
        page.goto(app.server.url + "/", wait_until="commit", timeout=START_TIMEOUT * 1000)
        page.wait_for_function(LIVE_OR_TROUBLE, timeout=START_TIMEOUT * 1000)
        seen = page.evaluate("() => window.__itclustersSeen")
        order = {key: round(value["at"]) for key, value in seen.items()
                 if isinstance(value, dict)}
        assert "trouble" not in seen, seen["trouble"]["text"][:1500]
        for key in ("title", "intro", "starting", "map", "line gone", "picture",
                    "picture gone"):
            assert key in seen, f"never on screen: {key}; seen: {order}"
        assert "code words" not in seen, seen["code words"]["text"][:500]
        # the title, the introduction and the line in words, all before the map
        for key in ("title", "intro", "starting"):
            assert seen[key]["at"] < seen["map"]["at"], order
        # the line is there from the first moment the title is
        assert STARTING in seen["title"]["text"], seen["title"]["text"][:500]
        # and once the map is there, the line is gone
        assert seen["line gone"]["at"] >= seen["map"]["at"], order
        assert page.locator("#itclusters-waiting").count() == 0
        assert page.locator("h1", has_text=TITLE).is_visible()
        # before the explorer is live, a still picture of the very view it then shows, at the
        # live map's size, with the line that its pickers are starting
        assert seen["picture"]["at"] < seen["map"]["at"], order
        assert STARTING in seen["picture"]["text"], seen["picture"]["text"][:500]
        assert seen["picture gone"]["at"] >= seen["map"]["at"], order
        live = page.locator(".itclusters-view [data-query]").get_attribute("data-query")
        assert seen["picture query"] == live
        assert abs(seen["picture width"] - seen["map width"]) < 1, seen


def test_a_link_to_another_view_never_shows_the_picture_of_the_default_one(dashboard):
    """A preheated kernel ran the notebook before the reader came: its picture is of the
    default view, which a link to another view must not show, even for a moment."""
    app, browser = dashboard
    page = browser.new_page()
    app.watch(page)
    page.add_init_script(RECORD)
    query = "indicator=ict_lq&year=2016&classes=lq"
    with explained(app, "opening a link"):
        page.goto(f"{app.server.url}/?{query}", wait_until="commit",
                  timeout=START_TIMEOUT * 1000)
        page.wait_for_function(LIVE_OR_TROUBLE, timeout=START_TIMEOUT * 1000)
        seen = page.evaluate("() => window.__itclustersSeen")
        assert "trouble" not in seen, seen["trouble"]["text"][:1500]
        wait_for(lambda: query in page.locator(".itclusters-view [data-query]")
                 .get_attribute("data-query"), "the explorer to show the linked view")
        if app.name.endswith("preheated"):  # its kernel pictured the default view
            assert "picture" not in seen, seen["picture"]
        else:  # a kernel started for this reader pictures the view asked for, until it is live
            assert query in seen["picture query"], seen["picture query"]
            assert seen["picture"]["at"] < seen["map"]["at"]


def test_an_explorer_that_cannot_start_is_said_with_the_way_to_try_again(dashboard):
    """Never the promise of a map "in a few seconds" for ever: when the explorer's widgets
    cannot reach their kernel (here its websocket is refused), the line says so after the
    page's patience, with a link that opens the same view again; a widget that cannot be
    displayed is said at once, in words, where the widget manager writes its own."""
    app, browser = dashboard
    if not app.name.endswith("on-arrival"):
        pytest.skip("one server is enough: the line is the page's, whichever kernel runs")
    page = browser.new_page()
    app.watch(page)
    page.add_init_script(RECORD)
    page.add_init_script("window.itclustersPatienceMs = 1500;")
    page.route_web_socket(re.compile(r"/api/kernels/"), lambda socket: socket.close())
    with explained(app, "explorer cannot start"):
        page.goto(app.server.url + "/", timeout=START_TIMEOUT * 1000)
        page.wait_for_selector("#itclusters-waiting.itclusters-waiting-trouble",
                               timeout=60_000)
        # the still picture stays whole, at the width it came with, and the widget's
        # placeholder ("Loading widget...") is not shown beside it
        seen = page.evaluate("() => window.__itclustersSeen")
        still = page.locator(".itclusters-snapshot img").first
        assert abs(still.bounding_box()["width"] - seen["picture width"]) < 1, seen
        assert seen["picture width"] > 300, seen
        assert not page.get_by_text("Loading widget").is_visible()
        line = page.locator("#itclusters-waiting")
        assert "taking much longer than it should" in line.inner_text()
        again = line.locator("a", has_text="Reload the page")
        assert again.get_attribute("href") == page.url
        assert again.is_visible() and line.locator(".itclusters-waiting-bar").is_visible()
        assert page.locator(".itclusters-explorer img.widget-image").count() == 0
        # the words the widget manager writes where a widget could not be displayed
        page.evaluate("""() => {
            const node = document.createElement('div');
            node.className = 'jupyter-widgets';
            node.textContent = 'Error displaying widget: model not found';
            document.getElementById('rendered_cells').appendChild(node); }""")
        page.wait_for_selector("#itclusters-waiting.itclusters-waiting-failed", timeout=10_000)
        assert "The explorer could not start" in line.inner_text()
        assert not line.locator(".itclusters-waiting-bar").is_visible()
        assert line.locator("a", has_text="Reload the page").count() == 1
        page.screenshot(path=str(app.folder / "explorer-cannot-start.png"))
    # the words the rule looks for are those of the widget manager the page loads
    bundles = (Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter-widgets"
               / "jupyterlab-manager" / "static").glob("*.js")
    assert any("Error displaying widget: model not found" in bundle.read_text(errors="replace")
               for bundle in bundles)
