"""Navigation -> first map of the Voilà dashboard, as ``make dashboard`` serves it, beside Voilà's
default, measured side by side in one run.

``make dashboard`` starts Voilà with a preheated kernel (``--preheat_kernel=True
--pool_size=1``): the notebook has already run in a waiting kernel when a reader arrives, so the
page comes with its map.  Voilà's default runs the notebook after the reader arrives, behind a
spinner.  Each server is started cold; then each of ``loads`` fresh pages (a new browser context,
nothing cached) is timed from ``page.goto`` to a map on screen (the still picture of the view
that the page carries until the explorer is live, see ``Explorer.snapshot_html``), and to the
live map, whose pickers respond.  Between two
loads the benchmark waits until the server is ready again (the pool refilled and its kernel
done running the notebook: a reader who arrives before that waits for it), as readers arrive
seconds apart, not all at once.

The machine's load average is printed: on a shared machine every figure grows with it.

Run: ``.venv/bin/python benchmarks/bench_dashboard_open.py [loads]``
"""
from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "dashboard.ipynb"
PREHEATED = ("--preheat_kernel=True", "--pool_size=1")  # as the Makefile's `dashboard` target

# the live map on screen: the explorer's <img> decoded and laid out (its pickers respond)
MAP_SHOWN = """() => [...document.querySelectorAll('.itclusters-explorer img.widget-image')]
    .some(img => img.complete && img.naturalWidth > 0 && img.getBoundingClientRect().width > 0)"""
# a map on screen: the live one, or the still picture of the view the page carries until then
# (itclusters.widgets.Explorer.snapshot_html), its three layers decoded and laid out
ANY_MAP_SHOWN = """() => (%s)() || [...document.querySelectorAll('.itclusters-snapshot')].some(
    still => { const layers = [...still.querySelectorAll('img')];
               return layers.length === 3 && layers.every(img => img.complete
                   && img.naturalWidth > 0 && img.getBoundingClientRect().width > 0); })""" % MAP_SHOWN


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(options: tuple[str, ...], log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    environment = {**os.environ, "JUPYTER_PATH": str(ROOT / "lib" / "itclusters" / "share" /
                                                       "jupyter")}
    server = subprocess.Popen(
        [str(BIN / "voila"), NOTEBOOK.name, "--no-browser", f"--port={port}",
         "--template=itclusters", "--Voila.ip=127.0.0.1", *options],
        cwd=NOTEBOOK.parent, env=environment, stdout=log.open("w"), stderr=subprocess.STDOUT)
    return server, f"http://127.0.0.1:{port}/"


def _pool_fills(log: Path) -> int:
    return log.read_text(errors="replace").count("is filled with")


def _quiet(server: subprocess.Popen, seconds: float = 1.0) -> bool:
    """No process of the server (its kernels included) busy over ``seconds``: a kernel of the
    pool has finished running the notebook (Voila says the pool is filled once it has started)."""
    import psutil

    processes = [psutil.Process(server.pid), *psutil.Process(server.pid).children(recursive=True)]
    for p in processes:
        p.cpu_percent(None)
    time.sleep(seconds)
    busy = 0.0
    for p in processes:
        try:
            busy += p.cpu_percent(None)
        except psutil.NoSuchProcess:
            pass
    return busy < 10.0


def _wait(condition, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the server did not become ready")
        time.sleep(0.2)


def measure(browser, options: tuple[str, ...], loads: int,
            folder: Path) -> tuple[list[float], list[float]]:
    """Seconds from navigation to a map on screen, and to the live map, for each load."""
    log = folder / f"voila{len(options)}.log"
    server, url = _start(options, log)
    try:
        preheated = bool(options)
        fills = 0
        if preheated:
            _wait(lambda: _pool_fills(log) > 0 and _quiet(server))
            fills = _pool_fills(log)
        else:
            _wait(lambda: "Voila is running at" in log.read_text(errors="replace")
                  or "Voilà is running at" in log.read_text(errors="replace"))
        first, live = [], []
        for _ in range(loads):
            context = browser.new_context(viewport={"width": 1280, "height": 720})
            page = context.new_page()
            start = time.perf_counter()
            page.goto(url, wait_until="commit")
            page.wait_for_function(ANY_MAP_SHOWN, timeout=120_000, polling="raf")
            first.append(time.perf_counter() - start)
            page.wait_for_function(MAP_SHOWN, timeout=120_000, polling="raf")
            live.append(time.perf_counter() - start)
            context.close()
            if preheated:  # the next reader finds the pool refilled
                _wait(lambda: _pool_fills(log) > fills and _quiet(server))
                fills = _pool_fills(log)
            time.sleep(2)
        return first, live
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(loads: int = 5) -> None:
    from playwright.sync_api import sync_playwright

    print(f"Voila dashboard: navigation -> first map on screen, {loads} fresh loads each, "
          f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                    args=["--no-sandbox", "--disable-gpu"])
        rows = [("make dashboard (preheated kernel)", measure(browser, PREHEATED, loads, Path(tmp))),
                ("Voila's default (runs on arrival)", measure(browser, (), loads, Path(tmp)))]
        browser.close()
    print(f"{'':36s} {'':22s} {'median':>8s} {'min':>7s} {'max':>7s}")
    for name, (first, live) in rows:
        for what, times in (("a map on screen", first), ("the live map", live)):
            print(f"{name:36s} {what:22s} {statistics.median(times):7.2f}s "
                  f"{min(times):6.2f}s {max(times):6.2f}s")
    print(f"ratio default / preheated, a map on screen: "
          f"{statistics.median(rows[1][1][0]) / statistics.median(rows[0][1][0]):.1f}x; "
          f"load average now {os.getloadavg()[0]:.1f}")

if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
