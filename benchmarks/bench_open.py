"""Opening the explorer, and swapping its regions, with the library as it was and as it is:
side by side in one run (issue 21, item 8).

Three figures, each measured for both libraries, alternately (a shared machine's load then
weighs on both alike):

- **kernel: import -> first picture**: a fresh Python process imports ``itclusters`` and makes
  the explorer of the dashboard (``itc.explorer()``, as in a kernel), to its first picture;
  median of ``runs`` processes.
- **JupyterLab: Run All -> first map**: ``notebooks/04_explorer.ipynb`` in JupyterLab, a new
  kernel for each run (a copy of the notebook), timed in the page from the click on "Run All
  Cells" to the explorer's map decoded on screen; median of ``runs``.
- **notebook 09: Regions swap, Year across a reform**: notebook 09's explorer
  (``today.explorer_panels()``, "ICT LQ (GVA)", 2022) in a fresh process, as in a kernel (an
  event loop running): the first picture, then a pause while the kernel is idle (a reader
  looks at the map; the work put off until after the first picture is done then), then
  ``swaps`` changes of Regions (each year's own regions <-> the 17 units harmonised) and
  ``swaps`` changes of Year across the reform of 2022 (2021 <-> 2022: 17 -> 20 units); the
  median of each, and the first of each (the reader's first swap).

"before" is the library of ``--before REF`` (a git commit; by default where this branch left
``main``), extracted into a temporary folder; "after" is this checkout's.  Both read this
checkout's data (``ITCLUSTERS_HOME``).  The machine's load average is printed: every
wall-clock figure grows with it.

Run: ``.venv/bin/python benchmarks/bench_open.py [runs] [--before REF] [--no-lab]``
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

KERNEL_OPEN = """
import time
start = time.perf_counter()
import asyncio
import matplotlib
matplotlib.use("Agg")

async def main():
    import itclusters as itc
    widget = itc.explorer(interactive=True)
    assert widget.image.value
    print(time.perf_counter() - start)

asyncio.run(main())
"""

SWAPS = """
import asyncio, json, statistics, sys, time
import matplotlib
matplotlib.use("Agg")
swaps = int(sys.argv[1])

async def main():
    from itclusters import today
    from itclusters.widgets import Explorer
    panels = today.explorer_panels()
    own, kz17 = list(panels)[:2]
    widget = Explorer(panels=panels, indicator="ict_lq_grp", year=2022)
    await asyncio.sleep(1.0)  # the reader looks at the first map; the kernel is idle
    for _ in range(50):
        await asyncio.sleep(0)
    out = {"Regions": [], "Year": []}
    for i in range(swaps):
        start = time.perf_counter()
        widget.regions.value = kz17 if i % 2 == 0 else own
        out["Regions"].append(time.perf_counter() - start)
        await asyncio.sleep(0)
    widget.regions.value = own
    for i in range(swaps):
        start = time.perf_counter()
        widget.year.value = 2021 if i % 2 == 0 else 2022
        out["Year"].append(time.perf_counter() - start)
        await asyncio.sleep(0)
    print(json.dumps(out))

asyncio.run(main())
"""


def _environment(lib: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(lib)
    env["ITCLUSTERS_HOME"] = str(ROOT)
    env.pop("MPLBACKEND", None)
    return env


def _python(code: str, lib: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], env=_environment(lib),
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise RuntimeError(f"the library at {lib} failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def extract(ref: str, folder: Path) -> Path:
    """The ``lib/`` folder of commit ``ref``, written under ``folder``."""
    archive = subprocess.run(["git", "archive", ref, "lib"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder / "lib"


def lab_run_all(playwright, lib: Path, folder: Path, runs: int) -> list[float]:
    """Seconds from "Run All Cells" to the map on screen, a new kernel each time."""
    import test_browser as bt

    work = folder / "work"
    work.mkdir(parents=True)
    port = bt.free_port()
    env = bt.fresh_environment(folder / "home")
    env.update(PYTHONPATH=str(lib), ITCLUSTERS_HOME=str(ROOT))
    command = [str(bt.BIN / "jupyter-lab"), "--no-browser", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=",
               "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
               f"--ServerApp.root_dir={work}", "--LabApp.news_url=",
               f"--ServerApp.kernel_websocket_connection_class={bt.CONNECTION_CLASS}",
               *(["--allow-root"] if os.geteuid() == 0 else [])]
    server = bt.Server("jupyterlab", command, work, env, folder / "lab.log", port)
    browser = bt._browser(playwright, folder / "chromium-profile")
    times = []
    try:
        server.start("/api/status")
        for run in range(runs + 1):  # the first run warms the server and the browser's cache
            name = f"run{run}.ipynb"
            shutil.copy(ROOT / "notebooks" / bt.NOTEBOOK, work / name)
            page = browser.new_page()
            # a workspace of its own: only this notebook open, as on a first visit
            page.goto(f"{server.url}/lab/workspaces/run{run}/tree/{name}",
                      timeout=bt.START_TIMEOUT * 1000)
            page.wait_for_selector(".jp-Notebook", timeout=bt.START_TIMEOUT * 1000)
            bt.wait_for(lambda: bt._notebook_kernel(server, name),
                        "the notebook's kernel to be idle and connected")
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                                   timeout=bt.START_TIMEOUT * 1000)
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            start = time.perf_counter()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            bt.wait_for_picture(page)
            if run:
                times.append(time.perf_counter() - start)
            for session in server.get("/api/sessions"):
                request = bt.urllib.request.Request(
                    f"{server.url}/api/sessions/{session['id']}", method="DELETE")
                bt.urllib.request.urlopen(request, timeout=30).close()
            page.close()
    finally:
        browser.close()
        server.stop()
    return times


def _row(name: str, before: list[float], after: list[float], unit: str = "s") -> str:
    scale = 1000.0 if unit == "ms" else 1.0
    b, a = statistics.median(before) * scale, statistics.median(after) * scale
    digits = 0 if unit == "ms" else 2
    return (f"{name:44s} {b:9.{digits}f} {unit:2s} {a:9.{digits}f} {unit:2s} "
            f"{b / a:6.1f}x   (before {min(before) * scale:.{digits}f}–"
            f"{max(before) * scale:.{digits}f}, after {min(after) * scale:.{digits}f}–"
            f"{max(after) * scale:.{digits}f})")


def main(runs: int = 5, before_ref: str | None = None, lab: bool = True, swaps: int = 10) -> None:
    if before_ref is None:
        before_ref = subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=ROOT, check=True,
                                    capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-open-") as tmp:
        libs = {"before": extract(before_ref, Path(tmp) / "before"), "after": ROOT / "lib"}
        kernel = {k: [] for k in libs}
        for _ in range(runs):
            for key, lib in libs.items():
                kernel[key].append(float(_python(KERNEL_OPEN, lib)))
        swap = {k: {"Regions": [], "Year": [], "first Regions": [], "first Year": []}
                for k in libs}
        for _ in range(max(1, runs // 2)):
            for key, lib in libs.items():
                got = json.loads(_python(SWAPS, lib, str(swaps)))
                for what in ("Regions", "Year"):
                    swap[key][what] += got[what]
                    swap[key][f"first {what}"].append(got[what][0])
        lab_times = {}
        if lab:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                for key, lib in libs.items():
                    lab_times[key] = lab_run_all(playwright, lib, Path(tmp) / f"lab-{key}", runs)
    print(f"opening the explorer: before = {before_ref[:10]}, after = this checkout; "
          f"load average {load:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'median':44s} {'before':>12s} {'after':>12s} {'ratio':>7s}")
    print(_row(f"kernel: import -> first picture ({runs})", kernel["before"], kernel["after"]))
    if lab_times:
        print(_row(f"JupyterLab: Run All -> first map ({runs})", lab_times["before"],
                   lab_times["after"]))
    for what in ("Regions", "Year"):
        label = "Regions swap" if what == "Regions" else "Year 2021 <-> 2022 (17 <-> 20 units)"
        print(_row(f"nb 09: {label} ({len(swap['after'][what])})", swap["before"][what],
                   swap["after"][what], "ms"))
        print(_row(f"nb 09: the first {label.split(' (')[0]} "
                   f"({len(swap['after'][f'first {what}'])})",
                   swap["before"][f"first {what}"], swap["after"][f"first {what}"], "ms"))


if __name__ == "__main__":
    arguments = sys.argv[1:]
    before = None
    if "--before" in arguments:
        at = arguments.index("--before")
        before = arguments[at + 1]
        del arguments[at:at + 2]
    lab = "--no-lab" not in arguments
    arguments = [a for a in arguments if a != "--no-lab"]
    main(int(arguments[0]) if arguments else 5, before, lab)
