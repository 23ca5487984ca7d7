"""End to end in a real browser: the explorer in JupyterLab and the Voilà dashboard.

Playwright drives Debian's Chromium (``apt-get install chromium``; ``.ci/run`` installs it).
Without Chromium these tests are skipped and the run ends with a loud banner.

What is tested is what a reader sees, at 1600×1000, 1280×720 and 390×844: the map at its drawn
proportions and drawn with twice the pixels it is shown at, no sideways scrolling and every
picker on screen on a phone, a table of display names and formatted numbers, a real page title,
and a picker change giving a new picture.

The explorer as a research instrument (issue 21) is checked on the same pages: see its section
below.

Each app is started once per module, cold: fresh Jupyter, IPython and matplotlib folders (the
first kernel of a new machine), its page in a fresh profile (a context of its own, sharing no
storage and no renderer process with the other app) of the module's one Chromium.
Each viewport is the same page resized, and every test leaves the page's pickers as it found
them.  Waits are on the kernel's real
state (the server's ``/api/sessions`` and ``/api/kernels``) and on the page's elements, never on
fixed sleeps.  On any failure the test saves a screenshot, the page's console log and the server
log under its temporary folder and prints their paths.

Why the kernel's real state: JupyterLab's execution indicator reads "idle" while the notebook
has no kernel yet.  A "Run All" clicked then makes JupyterLab start a second session next to
the one it is creating; one of the two kernels is shut down at once and the queued cells die
with it, so the explorer never appears.  On a warm machine the kernel is up before the click;
on a cold one (first start, slow imports) it is not.  That was the cold-start failure.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from itclusters.catalogue import INDICATORS, indicator_panel
from itclusters.presentation import display_name, format_value
from itclusters.server import CONNECTION_CLASS, JUPYTER_DATA, VOILA_TEMPLATE
from itclusters.widgets import LABEL_PX, PIXEL_RATIO

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
VIEWPORTS = {"1600x1000": (1600, 1000), "1280x720": (1280, 720), "390x844": (390, 844)}
NOTEBOOK = "04_explorer.ipynb"
START_TIMEOUT = 180.0  # seconds: a cold first kernel on a busy CI machine
MAP = "img.widget-image"
SERVER_DEBUG = True  # servers log every message (evidence); the benchmark turns it off
# the servers run as `make lab` and `make dashboard` start them: kernel websockets without
# Nagle's delay (itclusters.server); the benchmark also runs them without, for comparison
NO_DELAY = True

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="BROWSER TESTS SKIPPED: Chromium not found "
                       "(apt-get install chromium; .ci/run does it)"),
]


# --- servers -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_environment(home: Path) -> dict:
    """The environment of a first start: every per-user folder new and empty."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    folders = {"JUPYTER_CONFIG_DIR": "jupyter-config", "JUPYTER_DATA_DIR": "jupyter-data",
               "JUPYTER_RUNTIME_DIR": "jupyter-runtime", "IPYTHONDIR": "ipython",
               "MPLCONFIGDIR": "matplotlib", "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
               "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces"}
    for name, folder in folders.items():
        (home / folder).mkdir(parents=True, exist_ok=True)
        env[name] = str(home / folder)
    # no "Would you like to receive Jupyter news?" toast over the page
    news = home / "lab-settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True, exist_ok=True)
    (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    env.pop("MPLBACKEND", None)
    env.pop("JUPYTER_PLATFORM_DIRS", None)
    return env


@dataclass
class Server:
    """A Jupyter server process (JupyterLab or Voilà) writing its log to a file."""

    name: str
    command: list[str]
    cwd: Path
    env: dict
    log: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, probe: str, timeout: float = START_TIMEOUT) -> None:
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(self.command, cwd=self.cwd, env=self.env,
                                            stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; "
                                   f"log: {self.log}\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + probe, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} did not answer {probe} in {timeout} s; "
                                   f"log: {self.log}\n{self.log_tail()}")
            time.sleep(0.2)  # polling interval of a real condition, not a wait for time

    def get(self, path: str):
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return json.load(response)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def wait_for(condition, what: str, timeout: float = START_TIMEOUT, every: float = 0.2):
    """Poll ``condition()`` until it returns something true; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = condition()
        except (OSError, ValueError) as error:  # a server still starting answers badly
            last = error
        else:
            if last:
                return last
        time.sleep(every)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


# --- pages and evidence --------------------------------------------------------------------------

@dataclass
class App:
    """One app in the browser: its server, its page and what the page said."""

    name: str
    server: Server
    folder: Path
    page: object = None
    kernel: str = ""  # id of the kernel behind the page
    console: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # every URL the page asked for

    def watch(self, page) -> None:
        self.page = page
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.console.append(f"[{m.type}] {m.text}"))
        page.on("pageerror", lambda e: self.console.append(f"[pageerror] {e}"))
        page.on("requestfailed", lambda r: self.console.append(
            f"[requestfailed] {r.method} {r.url}: {r.failure}"))

    def text(self) -> str:
        """What the page shows in words, or why it cannot say."""
        if self.page is None:
            return "(no page)"
        try:
            return self.page.evaluate("() => document.body ? document.body.innerText : ''")
        except Exception as error:  # noqa: BLE001 - a dead page must not hide the failure
            return f"(no text: {error})"

    def evidence(self, label: str) -> list[Path]:
        """Save a screenshot, the console log and the server log; return their paths."""
        stem = re.sub(r"[^\w.-]+", "_", f"{self.name}-{label}")
        saved = []
        if self.page is not None:
            shot = self.folder / f"{stem}.png"
            try:
                self.page.screenshot(path=str(shot), full_page=True, timeout=15_000)
                saved.append(shot)
            except Exception as error:  # noqa: BLE001 - a dead page must not hide the failure
                self.console.append(f"[evidence] no screenshot: {error}")
        console = self.folder / f"{stem}.console.log"
        console.write_text("\n".join(self.console) + "\n")
        server = self.folder / f"{stem}.server.log"
        shutil.copyfile(self.server.log, server) if self.server.log.exists() else None
        return [*saved, console, server]


@contextmanager
def explained(app: App, label: str):
    """On failure: save the evidence, print its paths and add them to the error."""
    try:
        yield
    except BaseException as error:
        paths = app.evidence(label)
        listing = "\n".join(f"  {p}" for p in paths)
        print(f"\n{app.name} failed ({label}); evidence:\n{listing}")
        # what the files say, in the error too: a CI machine's files are not kept
        console = "\n".join(app.console)[-2000:]
        raise AssertionError(f"{app.name} [{label}]: {error}\nevidence saved:\n{listing}\n"
                             f"page's console (end):\n{console}\n"
                             f"page's text (start):\n{app.text()[:1500]}\n"
                             f"server log (end):\n{app.server.log_tail(1500)}") from error


def kernel_idle(app: App, what: str = "the kernel to be idle", timeout: float = 60) -> None:
    """Wait until the kernel behind the page has finished what it was asked."""
    wait_for(lambda: app.server.get(f"/api/kernels/{app.kernel}")["execution_state"] == "idle",
             what, timeout=timeout, every=0.05)


def settle(page) -> None:
    """Wait until the browser has laid out and painted the current state (two frames)."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => "
                  "requestAnimationFrame(() => r(true))))")


def wait_for_picture(page, timeout: float = START_TIMEOUT) -> None:
    """The explorer's map is in the page, decoded and with a size."""
    page.wait_for_function(
        f"""() => {{ const img = document.querySelector({MAP!r});
                   return img !== null && img.complete && img.naturalWidth > 0
                          && img.getBoundingClientRect().width > 0; }}""",
        timeout=timeout * 1000)


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as instance:
        yield instance


def _browser(playwright, profile: Path):
    """Chromium with a fresh profile (a first start), at the widest viewport."""
    width, height = VIEWPORTS["1600x1000"]
    return playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
        viewport={"width": width, "height": height})


def _profile(playwright, folder: Path, browser=None):
    """Where an app's page opens: a fresh profile (a first start).

    In ``browser`` (a running Chromium) when given: a new context of its own, which shares no
    storage and no renderer process with the others; else a Chromium of its own.
    """
    if browser is None:
        return _browser(playwright, folder / "chromium-profile")
    width, height = VIEWPORTS["1600x1000"]
    return browser.new_context(viewport={"width": width, "height": height})


def _notebook_kernel(server: Server, path: str):
    """The one kernel the server runs for ``path``, once it is idle with a client attached."""
    sessions = [s for s in server.get("/api/sessions") if s.get("path", "").endswith(path)]
    if len(sessions) != 1 or not sessions[0].get("kernel"):
        return None
    kernel = server.get(f"/api/kernels/{sessions[0]['kernel']['id']}")
    if kernel["execution_state"] == "idle" and kernel.get("connections", 0) >= 1:
        return kernel["id"]
    return None


def start_lab(playwright, folder: Path, notebook: Path = ROOT / "notebooks" / NOTEBOOK,
              browser=None) -> tuple[App, object]:
    """JupyterLab on a copy of ``notebook``, run with "Run All", its map on the page.

    The page opens in a new context of ``browser`` when given, else in a new Chromium;
    the second item returned is that context, for the caller to close.
    """
    name = notebook.name
    work = folder / "work"
    work.mkdir(parents=True)
    # a copy: JupyterLab autosaves, and the committed notebook must stay without outputs
    shutil.copy(notebook, work / name)
    port = free_port()
    command = [str(BIN / "jupyter-lab"), "--no-browser", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=",
               "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
               f"--ServerApp.root_dir={work}", "--LabApp.news_url=",
               *([f"--ServerApp.kernel_websocket_connection_class={CONNECTION_CLASS}"]
                 if NO_DELAY else []),
               *(["--ServerApp.log_level=DEBUG"] if SERVER_DEBUG else []),
               *(["--allow-root"] if os.geteuid() == 0 else [])]
    server = Server("jupyterlab", command, work, fresh_environment(folder / "home"),
                    folder / "jupyterlab.log", port)
    app = App("jupyterlab", server, folder)
    browser = _profile(playwright, folder, browser)
    with explained(app, "first-start"):
        server.start("/api/status")
        page = browser.pages[0] if browser.pages else browser.new_page()
        app.watch(page)
        page.goto(f"{server.url}/lab/tree/{name}", timeout=START_TIMEOUT * 1000)
        page.wait_for_selector(".jp-Notebook", timeout=START_TIMEOUT * 1000)
        # the kernel of this notebook, started, idle and connected to the page: only then
        # is "Run All" safe (see the module's docstring)
        kernel = wait_for(lambda: _notebook_kernel(server, name),
                          "the notebook's kernel to be idle and connected")
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                               timeout=START_TIMEOUT * 1000)
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        wait_for_picture(page)
        wait_for(lambda: server.get(f"/api/kernels/{kernel}")["execution_state"] == "idle",
                 "the kernel to finish running the notebook")
        assert _notebook_kernel(server, name) == kernel, "the notebook's kernel changed"
        app.kernel = kernel
    return app, browser


#: as `make dashboard` serves it (the Makefile's PREHEAT): the notebook has run before a reader comes
VOILA_PREHEAT = ("--preheat_kernel=True", "--pool_size=1")


def start_voila(playwright, folder: Path,
                notebook: Path = ROOT / "notebooks" / "dashboard.ipynb",
                browser=None, refill: bool = True) -> tuple[App, object]:
    """Voilà serving ``notebook``, its map on the page (as :func:`start_lab` opens it).

    ``refill=False``: no kernel is preheated for a second reader (Voilà runs the notebook
    again a second after the first reader takes the preheated kernel), for tests of one page."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [str(BIN / "voila"), notebook.name, "--no-browser", f"--port={port}",
               f"--template={VOILA_TEMPLATE}",
               "--Voila.ip=127.0.0.1", *VOILA_PREHEAT, *(["--debug"] if SERVER_DEBUG else []),
               *([] if refill else ["--VoilaKernelManager.fill_delay=86400"]),
               *([f"--Voila.kernel_websocket_connection_class={CONNECTION_CLASS}"]
                 if NO_DELAY else [])]
    environment = fresh_environment(folder / "home")
    environment["JUPYTER_PATH"] = str(JUPYTER_DATA)  # as `make dashboard` serves it
    server = Server("voila", command, notebook.parent, environment, folder / "voila.log", port)
    app = App("voila", server, folder)
    browser = _profile(playwright, folder, browser)
    with explained(app, "first-start"):
        # a static file as the probe: asking for "/" would run the notebook once more
        server.start("/voila/templates/lab/static/voila.js")
        page = browser.pages[0] if browser.pages else browser.new_page()
        app.watch(page)
        page.goto(server.url + "/", timeout=START_TIMEOUT * 1000)
        wait_for_picture(page)
        kernel = page.evaluate(
            "() => JSON.parse(document.getElementById('jupyter-config-data').textContent)"
            ".kernelId")
        wait_for(lambda: server.get(f"/api/kernels/{kernel}")["execution_state"] == "idle",
                 "the dashboard's kernel to be idle")
        app.kernel = kernel
    return app, browser


@pytest.fixture(scope="module")
def chromium(playwright):
    """One Chromium for the module: each app, and each test page, in a fresh context of it."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def lab(playwright, chromium, tmp_path_factory):
    app, context = start_lab(playwright, tmp_path_factory.mktemp("jupyterlab"),
                             browser=chromium)
    yield app
    context.close()
    app.server.stop()


@pytest.fixture(scope="module")
def voila(playwright, chromium, tmp_path_factory):
    app, context = start_voila(playwright, tmp_path_factory.mktemp("voila"), browser=chromium)
    yield app
    context.close()
    app.server.stop()


# --- what the page shows -----------------------------------------------------------------------

MEASURE = """() => {
  const img = document.querySelector('img.widget-image');
  const box = img.getBoundingClientRect();
  const root = document.documentElement;
  const explorer = img.closest('.itclusters-explorer') || document.body;
  const pickers = [...explorer.querySelectorAll('.widget-dropdown select')].map(s => {
      const r = s.getBoundingClientRect();
      return {label: s.closest('.widget-dropdown').innerText.trim().split('\\n')[0],
              left: r.left, right: r.right, width: r.width}; });
  // sideways scrolling of the page, and of JupyterLab's notebook panel where the page is fixed
  const boxes = [...explorer.querySelectorAll('.widget-box, .widget-gridbox')];
  const scrollers = [root, ...document.querySelectorAll('.jp-WindowedPanel-outer'), ...boxes].map(
      e => ({name: e === root ? 'page' : e.classList.contains('jp-WindowedPanel-outer')
                 ? 'notebook panel' : `explorer box ${e.className}`,
             scroll: e.scrollWidth, client: e.clientWidth,
             scrolls: ['auto', 'scroll'].includes(getComputedStyle(e).overflowX) || e === root}));
  const table = explorer.querySelector('table');
  const tableBox = table ? table.closest('.widget-html') : null;
  const labels = explorer.querySelector('.itclusters-map-labels');
  const names = explorer.querySelector('.itclusters-map-names');
  const rows = table ? [...table.querySelectorAll('tbody tr')].map(
      tr => [...tr.querySelectorAll('td')].map(td => td.innerText.trim())) : [];
  return {width: box.width, height: box.height, left: box.left, right: box.right,
          natural: [img.naturalWidth, img.naturalHeight], viewport: window.innerWidth,
          pickers, scrollers, rows, table: table ? table.innerText : '',
          labels: labels ? {visible: getComputedStyle(labels).visibility === 'visible',
                            width: labels.getBoundingClientRect().width} : null,
          namesNote: names ? {shown: names.getBoundingClientRect().height > 0,
                              text: names.innerText} : null,
          tableBox: tableBox ? {scroll: tableBox.scrollWidth, client: tableBox.clientWidth,
                               right: tableBox.getBoundingClientRect().right} : null,
          explorerText: explorer.innerText, title: document.title};
}"""


def left_sidebar(page, open_: bool) -> None:
    """Open or close JupyterLab's left sidebar (file browser), as a reader would on a phone."""
    current = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if current.count() and not open_:
        current.first.click()
        page.wait_for_function("() => !document.querySelector("
                               "'.jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current')")
    elif not current.count() and open_:
        page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab").first.click()
        current.first.wait_for()


def measure(app: App, viewport: str) -> dict:
    width, height = VIEWPORTS[viewport]
    app.page.set_viewport_size({"width": width, "height": height})
    if app.name == "jupyterlab":
        # the file browser stays open on a laptop (the case that cut the table off);
        # on a phone there is no room for it
        left_sidebar(app.page, open_=width >= 1000)
    app.page.locator(MAP).first.scroll_into_view_if_needed()
    settle(app.page)
    return app.page.evaluate(MEASURE)


def display_names() -> set[str]:
    from itclusters.presentation import display_name
    from itclusters.regions import REGION_IDS

    return {display_name(r) for r in REGION_IDS}


def problems(shown: dict, viewport: str) -> list[str]:
    """Everything wrong with what the reader sees (all checks, so one run lists every fault)."""
    found = []
    drawn_ratio = shown["natural"][0] / shown["natural"][1]
    shown_ratio = shown["width"] / shown["height"]
    if abs(shown_ratio / drawn_ratio - 1) > 0.02:
        found.append(f"map shown at {shown['width']:.0f}×{shown['height']:.0f} CSS px, drawn "
                     f"{shown['natural'][0]}×{shown['natural'][1]}: proportions differ by "
                     f"{abs(shown_ratio / drawn_ratio - 1):.0%}")
    if shown["natural"][0] < 2 * shown["width"] - 0.5:
        found.append(f"map drawn {shown['natural'][0]} px wide for {shown['width']:.0f} CSS px: "
                     "fewer than 2 device pixels per CSS pixel")
    if shown["left"] < -0.5 or shown["right"] > shown["viewport"] + 0.5:
        found.append(f"map runs off the screen: {shown['left']:.0f}–{shown['right']:.0f} of "
                     f"{shown['viewport']} px")
    if viewport == "390x844":
        for scroller in shown["scrollers"]:
            if scroller["scrolls"] and scroller["scroll"] > scroller["client"] + 1:
                found.append(f"the {scroller['name']} scrolls sideways: {scroller['scroll']} px "
                             f"of content in {scroller['client']} px")
        for picker in shown["pickers"]:
            if picker["left"] < -0.5 or picker["right"] > shown["viewport"] + 0.5:
                found.append(f"picker {picker['label']!r} outside the screen: "
                             f"{picker['left']:.0f}–{picker['right']:.0f} of "
                             f"{shown['viewport']} px")
    labels, note = shown["labels"], shown["namesNote"]
    if labels is None or note is None:
        found.append("no labels picture, or no line to show in its place")
    else:
        # labels drawn at LABEL_PX for the map's drawn width, shown at its displayed width
        label_px = LABEL_PX * labels["width"] / (shown["natural"][0] / PIXEL_RATIO)
        if labels["visible"] and label_px < 12 - 0.05:
            found.append(f"map labels shown at {label_px:.1f} CSS px, under 9 pt (12 px)")
        if not labels["visible"] and "table" not in note["text"] or \
                labels["visible"] == note["shown"]:
            found.append(f"labels {'shown' if labels['visible'] else 'hidden'} with the line "
                         f"about them {'shown' if note['shown'] else 'hidden'}")
    box = shown["tableBox"]
    if box and (box["scroll"] > box["client"] + 1 or box["right"] > shown["viewport"] + 0.5):
        found.append(f"the table is cut off: {box['scroll']} px of table in {box['client']} px, "
                     f"its box ends at {box['right']:.0f} of {shown['viewport']} px")
    # indicator, year, classes, the year a change is since and the region of the profile
    if len(shown["pickers"]) != 5:
        found.append(f"{len(shown['pickers'])} pickers instead of 5")
    names = display_names()
    if len(shown["rows"]) != 16:
        found.append(f"{len(shown['rows'])} table rows instead of 16")
    for row in shown["rows"]:
        if not any(cell in names for cell in row[:2]):
            found.append(f"table row {row} does not carry a region's display name")
    ranks = [row[0] for row in shown["rows"]]
    if not all(re.fullmatch(r"\d+|–", rank) for rank in ranks):
        found.append(f"ranks are not integers: {ranks}")
    notation = re.findall(r"\S*\d[eE][+-]?\d\S*", shown["explorerText"])
    if notation:
        found.append(f"numbers in e-notation: {notation}")
    from itclusters.regions import REGION_IDS

    ids = [r for r in REGION_IDS if re.search(rf"\b{r}\b", shown["explorerText"])
           and r.lower() not in {n.lower() for n in names}]
    if ids:
        found.append(f"region ids shown to the reader: {ids}")
    return found


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", ["lab", "voila"])
def test_the_explorer_as_a_reader_sees_it(name, viewport, request):
    app = request.getfixturevalue(name)
    with explained(app, viewport):
        found = problems(measure(app, viewport), viewport)
        assert not found, "\n".join(found)


# the widest table: a letter and its band for every region (it was cut off at 1280 px)
CHOOSE = """({label, value}) => {
  const box = [...document.querySelectorAll('.widget-dropdown')]
      .find(d => d.querySelector('label') && d.querySelector('label').innerText.trim() === label);
  const select = box.querySelector('select');
  const option = [...select.options].find(o => [o.value, o.text.trim()].includes(value));
  if (!option) throw new Error(`no option ${value} for ${label}`);
  select.value = option.value;
  select.dispatchEvent(new Event('change', {bubbles: true}));
}"""


@pytest.mark.parametrize("viewport", ["1280x720", "390x844"])
@pytest.mark.parametrize("name", ["lab", "voila"])
def test_the_letter_grades_table_is_shown_whole(name, viewport, request):
    app = request.getfixturevalue(name)
    with explained(app, f"grades-{viewport}"), pickers_kept(app):
        app.page.evaluate(CHOOSE, {"label": "Indicator", "value": "Letter grade (published)"})
        app.page.wait_for_function("() => document.querySelector('.itclusters-explorer table')"
                                   ".innerText.includes('Letter grade')")
        kernel_idle(app)
        try:
            found = problems(measure(app, viewport), viewport)
            assert not found, "\n".join(found)
        finally:
            app.page.evaluate(CHOOSE, {"label": "Indicator",
                                       "value": "Index of innovative development (published)"})
            app.page.wait_for_function("() => !document.querySelector('.itclusters-explorer "
                                       "table').innerText.includes('Letter grade')")
            kernel_idle(app)


def test_voila_page_has_a_real_title(voila):
    with explained(voila, "title"):
        title = voila.page.title()
        assert title.strip().lower() not in ("dashboard", "notebook", "voilà", "voila", ""), title
        assert "Kazakhstan" in title, title


@pytest.mark.parametrize("name", ["lab", "voila"])
def test_the_page_loads_nothing_from_outside_its_server(name, request):
    # a seminar room may have no internet: Voilà's page asked a CDN for two stylesheets
    app = request.getfixturevalue(name)
    with explained(app, "offline"):
        server = urllib.parse.urlsplit(app.server.url).netloc
        outside = [url for url in app.requests
                   if urllib.parse.urlsplit(url).scheme in ("http", "https", "ws", "wss")
                   and urllib.parse.urlsplit(url).netloc != server]
        assert app.requests and not outside, "\n".join(outside)


@pytest.mark.parametrize("name", ["lab", "voila"])
def test_a_picker_change_redraws_the_map(name, request):
    app = request.getfixturevalue(name)
    with explained(app, "picker"):
        page = app.page
        page.set_viewport_size({"width": 1600, "height": 1000})
        page.locator(MAP).first.scroll_into_view_if_needed()
        before = page.evaluate(f"() => document.querySelector({MAP!r}).src")
        with pickers_kept(app):
            year = page.locator(".widget-dropdown", has=page.locator("label", has_text="Year"))
            year.locator("select").select_option("2010")
            page.wait_for_function(
                f"""old => {{ const img = document.querySelector({MAP!r});
                             return img.src !== old && img.complete && img.naturalWidth > 0; }}""",
                arg=before, timeout=60_000)
            page.wait_for_function(
                "() => document.querySelector('.itclusters-explorer').innerText"
                ".includes(', 2010')", timeout=60_000)
            text = page.locator(".itclusters-explorer").inner_text()
            assert "Boundaries: geokz 1.0.2" in text


@pytest.mark.parametrize("name", ["lab", "voila"])
def test_large_numbers_read_with_thousands_separators(name, request):
    # IT production runs to thousands of million KZT: once printed as 8.65e+03
    app = request.getfixturevalue(name)
    with explained(app, "large-numbers"):
        page = app.page
        table = "() => { const t = document.querySelector('table'); return t ? t.innerText : ''; }"
        before = page.evaluate(table)
        indicator = page.locator(".widget-dropdown",
                                 has=page.locator("label", has_text="Indicator"))
        with pickers_kept(app):
            indicator.locator("select").select_option(label="IT industrial production")
            page.wait_for_function(f"old => ({table})() !== old", arg=before, timeout=60_000)
            kernel_idle(app, "the kernel to finish the indicator change")
            text = page.evaluate(table)
            assert not re.search(r"\d[eE][+-]?\d", text), f"e-notation in the table:\n{text}"
            assert re.search(r"\d,\d{3}\.\d\b", text), f"no thousands separators:\n{text}"
            assert "million KZT" in text, f"no unit in the table:\n{text}"


# --- the explorer as a research instrument (issue 21) ---------------------------------------------
#
# What a reader does and sees: the indicator defined in words under the pickers; the key under
# the heading, on the first screen at 1280×720 with JupyterLab's file browser open; a table that
# keeps its place when Classes changes, each row with its colour; pointing at a region (the pixel
# at its middle, as the fill layer draws it) names it with its value, rank and class; a click
# opens its profile, which stays open across picker changes; the download links give the table
# as CSV and the map as SVG; a link with a query opens that view.  On the same two pages as the
# tests above (every test leaves its page as it found it).  Screenshots of every viewport go to
# ``$ITCLUSTERS_SHOTS`` when it is set, to be looked at.

SHOTS = os.environ.get("ITCLUSTERS_SHOTS")
POINTER = "img.itclusters-map-pointer"
YEAR = 2016  # both pages start on the published index of 2016 (tests leave them so)


@pytest.fixture(scope="module")
def drawn():
    """The explorer both pages show, drawn here too: where each region's pixels are."""
    import matplotlib

    matplotlib.use("Agg")
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
VIEW = """() => { const e = document.querySelector('.itclusters-view [data-query]');
    return e ? e.dataset.query : ''; }"""
SELECTED = """label => { const box = [...document.querySelectorAll('.widget-dropdown')].find(
    d => d.querySelector('label') && d.querySelector('label').innerText.trim() === label);
    const s = box.querySelector('select'); return s.options[s.selectedIndex].text.trim(); }"""


def choose(app, label: str, value: str) -> None:
    """Choose ``value`` in the picker ``label`` and wait until the page shows its result."""
    page = app.page
    if page.evaluate(SELECTED, label) == value:
        return
    before = [page.evaluate(SHOWN), page.evaluate(VIEW)]
    page.evaluate(CHOOSE, {"label": label, "value": value})
    # the picture changes, and so does the view's query, which the kernel writes last: a
    # picture still arriving from the change before cannot pass for this one's
    page.wait_for_function(f"([shown, view]) => ({SHOWN})() !== shown && ({VIEW})() !== view",
                           arg=before, timeout=30_000)
    kernel_idle(app, f"the kernel to finish the change of {label}")
    settle(page)


@contextmanager
def pickers_kept(app, labels=("Indicator", "Year", "Classes")):
    """Put these pickers back as they were, in this order, when the block ends.

    The tests share one page per app: each leaves it as it found it.
    """
    before = {label: app.page.evaluate(SELECTED, label) for label in labels}
    try:
        yield
    finally:
        kernel_idle(app)
        for label, value in before.items():
            choose(app, label, value)


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


def test_a_report_figure_scales_to_a_phone_and_a_wide_table_says_it_scrolls(chromium,
                                                                             tmp_path):
    # a figure as a report's kernel records it (a PNG of twice its CSS width of 864 px, and
    # its SVG): at 1280 px it is shown at its CSS size, at 390 px it scales to the column with
    # its proportions; a table wider than the phone scrolls in its own box, which says so
    import base64
    import io

    import matplotlib
    import nbformat
    import pandas as pd

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from itclusters.presentation import format_table
    from itclusters.reports import offline_html

    figure = Figure(figsize=(9, 3), dpi=100)
    figure.text(0.5, 0.5, "nine points", fontsize=9)
    png, svg = io.BytesIO(), io.StringIO()
    figure.savefig(png, format="png", dpi=192)
    figure.savefig(svg, format="svg")
    rows = pd.MultiIndex.from_product([["almaty_city", "astana"], [2010, 2016]],
                                      names=["region_id", "year"])
    table = format_table(pd.DataFrame({f"a long column header {i}": [1234.5, 2.25, 3.5, 4.0]
                                       for i in range(6)}, index=rows),
                         caption="A caption longer than a phone's line, kept in view")
    bundle = table._repr_mimebundle_()
    cells = [nbformat.v4.new_code_cell("figure", outputs=[nbformat.v4.new_output(
        "display_data", {"image/png": base64.b64encode(png.getvalue()).decode("ascii"),
                         "image/svg+xml": svg.getvalue(), "text/plain": "<Figure>"},
        metadata={"image/png": {"width": 864, "height": 288}})]),
        nbformat.v4.new_code_cell("table", outputs=[nbformat.v4.new_output(
            "display_data", bundle)]),
        # prose with a path longer than a phone's line (report 09's "Breaks the crosswalk
        # cannot undo" scrolled sideways for it)
        nbformat.v4.new_code_cell("notes", outputs=[nbformat.v4.new_output(
            "display_data", {"text/markdown": "**Notes:**\n\n- 87.19 km² moved (see "
                             "shapefiles/source/PROVENANCE_kz20_2022.md, citing the area).",
                             "text/plain": "<Markdown>"})])]
    page_file = tmp_path / "report.html"
    page_file.write_bytes(offline_html(nbformat.v4.new_notebook(cells=cells), "A report"))
    shown = {}
    for width in (1280, 390):
        page = chromium.new_page(viewport={"width": width, "height": 844})  # a context of its own
        try:
            page.goto(page_file.as_uri())
            page.wait_for_load_state("load")
            shown[width] = page.evaluate("""() => {
                const i = document.querySelector('.jp-RenderedImage img');
                const r = i.getBoundingClientRect();
                const box = document.querySelector('table').closest('.jp-OutputArea-output');
                return {natural: i.naturalWidth, width: r.width, height: r.height,
                        page: document.documentElement.scrollWidth,
                        client: document.documentElement.clientWidth,
                        wide: box.scrollWidth > box.clientWidth,
                        cue: getComputedStyle(box, '::before').content,
                        prose: (b => [b.scrollWidth <= b.clientWidth,
                                      getComputedStyle(b, '::before').content])(
                            document.querySelector('.jp-RenderedMarkdown')
                                .closest('.jp-OutputArea-output')),
                        // scrolled to its end, the box shows the last column, and the
                        // caption and row names (region and year, side by side) stay in view
                        // (JupyterLab's phone layout made the box a table row that cut the
                        // table off and could not scroll)
                        scrolled: (b => { b.scrollLeft = b.scrollWidth;
                            const right = document.querySelector('thead th:last-child')
                                .getBoundingClientRect().right;
                            const region = document.querySelector('tbody th.level0')
                                .getBoundingClientRect();
                            const year = document.querySelector('tbody th.level1')
                                .getBoundingClientRect();
                            const caption = document.querySelector('caption')
                                .getBoundingClientRect();
                            const box = b.getBoundingClientRect();
                            return {moved: b.scrollLeft > 0,
                                    last: right <= box.right + 1,
                                    name: region.left >= box.left - 1
                                          && year.left >= region.right - 1,
                                    caption: caption.left >= box.left - 1
                                             && caption.right <= box.right + 1}; })(box),
                        svg: document.querySelector('a.itc-download-svg').download,
                        csv: document.querySelector('a.itc-download-csv').download}; }""")
        finally:
            page.close()
    assert shown[1280]["natural"] == 1728 and shown[1280]["width"] == pytest.approx(864, abs=1)
    assert shown[1280]["wide"] is False and shown[1280]["cue"] == "none", shown[1280]
    phone = shown[390]
    assert phone["width"] < phone["client"] <= 390 and phone["page"] <= phone["client"], phone
    assert phone["height"] == pytest.approx(phone["width"] / 3, abs=1), phone  # proportions
    assert phone["wide"] and "scroll sideways" in phone["cue"], phone
    assert phone["scrolled"] == {"moved": True, "last": True, "name": True, "caption": True}, phone
    assert phone["prose"] == [True, "none"], phone  # the path breaks; nothing scrolls
    assert phone["svg"] == "a-report-figure-1.svg" and phone["csv"] == "a-report-table-1.csv"
