"""Picker change -> new picture on screen, measured in Chromium, beside the kernel's share of it.

For each app (JupyterLab running ``notebooks/04_explorer.ipynb``, Voilà serving
``notebooks/dashboard.ipynb``) the explorer is started cold, as the browser tests do, then each
picker is changed 10 times (Year, Indicator, Classes; always to a new value).  One change is
timed in the page, from the ``change`` event of the ``<select>`` to the first animation frame
after the new map is decoded: the round trip to the kernel, the redraw there, the transfer of
the picture and its decoding.  The map is two stacked pictures (the fills, new at every change;
the borders and labels over them, new only with another set of regions: see
:mod:`itclusters.mapimage`), both drawn at 2 device pixels per CSS pixel
(``itclusters.widgets.PIXEL_RATIO``); the time ends when both are decoded.

The kernel-side figure comes first: the same changes applied to an ``Explorer`` in this
process (the Python callback: recolour, fill layer, PNG, legend and table), in wall time and in CPU
time of the process; the page then replays exactly that sequence.  Changes that leave the
picture as it was (e.g. "index" -> "grade", both drawn in letter grades) are made but not timed.

Each app runs twice, side by side in one run: as ``make lab`` / ``make dashboard`` start it
(kernel websockets without Nagle's delay, :mod:`itclusters.server`) and as Jupyter Server
leaves it ("Nagle on"), where a small picture can wait up to 40 ms for an acknowledgement.

A third run of each app gives the platform's share ("floor"): the same explorer on the same
page, but each picker change only swaps two pictures drawn beforehand (the kernel computes
nothing and sends no legend or table).  What the floor takes is the browser, the server, the
kernel's messaging and the app's own handling of a kernel message (JupyterLab updates its
toolbar, status bar and tab icon at every busy/idle), which the suite does not control; the
difference from the first column is the suite's share.

The machine's load average is printed: on a shared machine every wall-clock figure grows with
it, the CPU figure much less.

Pointing and clicking (issue 21) are timed in the runs started as ``make lab`` / ``make
dashboard`` do: a ``mousemove`` on the map at the middle pixel of a region (a different region
each time) to the first frame after the line over the map names it, and a ``click`` to the
first frame after the profile beside the map shows that region: 30 of each, median.

Last, the dashboard as ``make dashboard`` serves it is loaded 5 times fresh (as in
``bench_dashboard_open.py``): navigation to a map on screen (the still picture of the view the
page carries) and to the live map, median.

Run: ``.venv/bin/python benchmarks/bench_explorer_browser.py [changes] [--quick]``
(``--quick``: only the runs as ``make lab`` / ``make dashboard`` start them; no "Nagle on",
no floor).
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import test_browser as browser_test  # noqa: E402  (servers, fresh profiles, waits)

sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_dashboard_open  # noqa: E402  (navigation -> first map, fresh loads)

browser_test.SERVER_DEBUG = False  # no per-message server logging while timing

PICKERS = ("Year", "Indicator", "Classes")
OPEN_LOADS = 5  # fresh loads of the dashboard, timed from navigation

# one change, timed in the page: select -> 'change' -> new src -> decoded -> next frame; the
# map is two stacked pictures (fills; borders and labels): both are decoded before the frame
CHANGE = """async ({label, value}) => {
  const box = [...document.querySelectorAll('.widget-dropdown')]
      .find(d => d.querySelector('label') && d.querySelector('label').innerText.trim() === label);
  const select = box.querySelector('select');
  const img = box.closest('.itclusters-explorer').querySelector('img.widget-image');
  const stack = [...img.parentElement.querySelectorAll('img.widget-image')];
  const old = img.src;
  const start = performance.now();
  const shown = new Promise((resolve, reject) => {
    const observer = new MutationObserver(() => {
      if (img.src === old) return;
      observer.disconnect();
      Promise.all(stack.map(i => i.decode()))
          .then(() => requestAnimationFrame(() => resolve(performance.now() - start)), reject);
    });
    observer.observe(img, {attributes: true, attributeFilter: ['src']});
    setTimeout(() => reject(new Error(`no new picture in 30 s after ${label} = ${value}`)), 30000);
  });
  select.value = value;
  select.dispatchEvent(new Event('change', {bubbles: true}));
  return await shown;
}"""

# a change that leaves the picture as it was (e.g. "index" -> "grade", both in letter grades):
# made, and waited for until the heading says so
SAME = """async ({label, value}) => {
  const box = [...document.querySelectorAll('.widget-dropdown')]
      .find(d => d.querySelector('label') && d.querySelector('label').innerText.trim() === label);
  const select = box.querySelector('select');
  const explorer = box.closest('.itclusters-explorer');
  const before = explorer.innerText;
  select.value = value;
  select.dispatchEvent(new Event('change', {bubbles: true}));
  const start = performance.now();
  while (explorer.innerText === before && performance.now() - start < 30000) {
    await new Promise(r => requestAnimationFrame(r));
  }
}"""

OPTIONS = """label => {
  const box = [...document.querySelectorAll('.widget-dropdown')]
      .find(d => d.querySelector('label') && d.querySelector('label').innerText.trim() === label);
  const select = box.querySelector('select');
  return {options: [...select.options].map(o => o.value), value: select.value};
}"""


# one pointer event on the map, timed in the page: the event -> the element's text changes ->
# next frame.  (x, y) are device pixels of the picture; the page turns them into its CSS pixels
POINT = """async ({x, y, kind, selector}) => {
  const img = document.querySelector('img.itclusters-map-pointer');
  const target = document.querySelector(selector);
  const r = img.getBoundingClientRect();
  const clientX = r.left + (x + 0.5) * r.width / img.naturalWidth;
  const clientY = r.top + (y + 0.5) * r.height / img.naturalHeight;
  const before = target.innerText;
  const start = performance.now();
  const shown = new Promise((resolve, reject) => {
    const observer = new MutationObserver(() => {
      if (target.innerText === before) return;
      observer.disconnect();
      requestAnimationFrame(() => resolve(performance.now() - start));
    });
    observer.observe(target, {subtree: true, childList: true, characterData: true});
    setTimeout(() => reject(new Error(`no change of ${selector} in 30 s after ${kind}`)), 30000);
  });
  img.dispatchEvent(new MouseEvent(kind, {clientX, clientY, bubbles: true}));
  return await shown;
}"""

# the floor: the explorer as shown, but a change only swaps two pictures drawn beforehand
FLOOR_CELL = """\
from itclusters.widgets import Explorer

explorer = Explorer()
pictures = [explorer.image.value]
explorer.scheme.value = next(s for _, s in explorer.scheme.options if s != explorer.scheme.value)
pictures.append(explorer.image.value)
assert pictures[0] != pictures[1], "two colourings gave one picture"


def swap(change):
    explorer.image.value = pictures[explorer.image.value == pictures[0]]


for picker, handler in ((explorer.indicator, explorer._on_indicator),
                        (explorer.year, explorer._on_change),
                        (explorer.scheme, explorer._on_change)):
    picker.unobserve(handler, names="value")
    picker.observe(swap, names="value")
explorer
"""


def floor_notebook(folder: Path) -> Path:
    """A notebook of :data:`FLOOR_CELL`, written into ``folder``."""
    import nbformat

    folder.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FLOOR_CELL)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    path = folder / "explorer_floor.ipynb"
    nbformat.write(notebook, path)
    return path


def in_page_floor(app, changes: int) -> dict[str, list[float]]:
    """``changes`` timed changes of each picker of the floor notebook (each swaps the picture)."""
    page, timings = app.page, {}
    for label in PICKERS:
        values = []
        for _ in range(changes):
            shown = page.evaluate(OPTIONS, label)
            value = _next_value(shown["options"], shown["value"])
            values.append(page.evaluate(CHANGE, {"label": label, "value": value}))
            browser_test.kernel_idle(app, f"the kernel to finish {label} = {value}")
        timings[label] = values
    return timings


def _next_value(options: list[str], current: str) -> str:
    """The option after ``current`` (cycling): always a change."""
    return options[(options.index(current) + 1) % len(options)] if current in options \
        else options[0]


def in_page(app, steps: dict[str, list[dict]]) -> dict[str, list[float]]:
    """Replay the kernel-side sequence of changes in the page; time those with a new picture."""
    page, timings = app.page, {}
    for label, sequence in steps.items():
        values = []
        for step in sequence:
            if step["picture"]:
                values.append(page.evaluate(CHANGE, {"label": label, "value": step["value"]}))
            else:  # same picture: make the change, wait for the heading, do not time it
                page.evaluate(SAME, {"label": label, "value": step["value"]})
            # the next change only once the kernel has finished with this one (table included)
            browser_test.kernel_idle(app, f"the kernel to finish {label} = {step['value']}")
        timings[label] = values
    return timings


def region_pixels() -> dict[str, tuple[int, int]]:
    """The middle pixel of each region on the explorer's map, as both pages draw it."""
    import matplotlib

    matplotlib.use("Agg")
    from itclusters.regions import REGION_IDS
    from itclusters.widgets import Explorer

    layers = Explorer()._layers
    return {rid: layers.region_pixel(rid) for rid in REGION_IDS}


def pointing(app, pixels: dict[str, tuple[int, int]], times: int = 30) -> dict[str, list[float]]:
    """``times`` hovers and ``times`` clicks, each on another region than the one before."""
    page, regions = app.page, list(pixels)
    page.locator("img.itclusters-map-pointer").first.scroll_into_view_if_needed()
    timings = {"hover": [], "click": []}
    for kind, selector, key in (("mousemove", ".itclusters-readout", "hover"),
                                ("click", ".itclusters-profile", "click")):
        for i in range(times):
            x, y = pixels[regions[i % len(regions)]]
            timings[key].append(page.evaluate(POINT, {"x": x, "y": y, "kind": kind,
                                                      "selector": selector}))
            browser_test.kernel_idle(app, f"the kernel to finish a {kind}")
    return timings


def kernel_side(changes: int) -> dict[str, list[dict]]:
    """The changes applied to an Explorer in this process: value shown, time, new picture?"""
    import matplotlib

    matplotlib.use("Agg")
    from itclusters.widgets import Explorer

    widget = Explorer()
    pickers = {"Year": widget.year, "Indicator": widget.indicator, "Classes": widget.scheme}
    steps = {}
    for label in PICKERS:
        picker, sequence = pickers[label], []
        for _ in range(changes):
            options = [o if isinstance(o, tuple) else (str(o), o) for o in picker.options]
            codes = [code for _, code in options]
            value = _next_value(codes, picker.value)
            before = widget.image.value
            start, cpu = time.perf_counter(), time.process_time()
            picker.value = value
            elapsed = (time.perf_counter() - start) * 1000
            cpu = (time.process_time() - cpu) * 1000
            sequence.append({"value": dict((c, t) for t, c in options)[value], "ms": elapsed,
                             "cpu": cpu, "picture": widget.image.value != before})
        steps[label] = sequence
    return steps


def main(changes: int = 10, quick: bool = False) -> None:
    from playwright.sync_api import sync_playwright

    steps = kernel_side(changes)
    pixels = region_pixels()
    pointer = {}
    kernel = {label: [s["ms"] for s in seq if s["picture"]] for label, seq in steps.items()}
    kernel_cpu = {label: [s["cpu"] for s in seq if s["picture"]] for label, seq in steps.items()}
    same = [f"{label} -> {s['value']}" for label, seq in steps.items() for s in seq
            if not s["picture"]]
    results = {}
    # each app as `make lab` / `make dashboard` start it (kernel websockets without Nagle's
    # delay, itclusters.server), then as Jupyter Server leaves it: side by side, one run
    # then the floor of each app: the same page, a kernel that only swaps two pictures
    runs = [(name, no_delay, floor, start)
            for name, start in (("JupyterLab", browser_test.start_lab),
                                ("Voila", browser_test.start_voila))
            for no_delay, floor in ((True, False), (False, False), (True, True))
            if not quick or (no_delay and not floor)]
    with tempfile.TemporaryDirectory(prefix="bench-explorer-") as tmp, \
            sync_playwright() as playwright:
        for name, no_delay, floor, start in runs:
            browser_test.NO_DELAY = no_delay
            column = f"{name} (floor)" if floor else name if no_delay else f"{name} (Nagle on)"
            folder = Path(tmp) / column.replace(" ", "-").replace("(", "").replace(")", "")
            app, browser = (start(playwright, folder, floor_notebook(Path(tmp) / "floor"))
                            if floor else start(playwright, folder))
            try:
                app.page.locator(browser_test.MAP).first.scroll_into_view_if_needed()
                natural, css = app.page.evaluate(
                    "() => { const i = document.querySelector('img.widget-image');"
                    " return [i.naturalWidth, i.getBoundingClientRect().width]; }")
                timings = in_page_floor(app, changes) if floor else in_page(app, steps)
                results[column] = (timings, natural / css)
                if no_delay and not floor:
                    pointer[column] = pointing(app, pixels)
            finally:
                browser.close()
                app.server.stop()
        # the dashboard as `make dashboard` serves it: navigation -> a map on screen (the
        # still picture the page carries) and -> the live map, fresh loads
        # (benchmarks/bench_dashboard_open.py, which also runs Voila's default beside it)
        chromium = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu"])
        try:
            opened = bench_dashboard_open.measure(chromium, bench_dashboard_open.PREHEATED,
                                                  OPEN_LOADS, Path(tmp))
        finally:
            chromium.close()
    browser_test.NO_DELAY = True
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"explorer: picker change -> new picture, median of {changes} changes per picker "
          f"(load average {load} on {os.cpu_count()} cores)")
    width = max(map(len, results)) + 3
    print(f"{'picker':<10} {'kernel-side':>12} {'(its CPU)':>10} "
          + " ".join(f"{n:>{width}}" for n in results))
    for label in PICKERS:
        cells = " ".join(f"{statistics.median(t[label]):{width - 3}.1f} ms"
                         for t, _ in results.values())
        print(f"{label:<10} {statistics.median(kernel[label]):9.1f} ms "
              f"{statistics.median(kernel_cpu[label]):7.1f} ms {cells}")
    everything = {n: [x for v in t.values() for x in v] for n, (t, _) in results.items()}
    cells = " ".join(f"{statistics.median(v):{width - 3}.1f} ms" for v in everything.values())
    all_kernel = [x for v in kernel.values() for x in v]
    all_cpu = [x for v in kernel_cpu.values() for x in v]
    print(f"{'all':<10} {statistics.median(all_kernel):9.1f} ms "
          f"{statistics.median(all_cpu):7.1f} ms {cells}")
    print("90th percentile of all changes: " + ", ".join(
        f"{n} {statistics.quantiles(v, n=10)[-1]:.1f} ms" for n, v in everything.items()))
    ratios = ", ".join(f"{n} {r:.2f}" for n, (_, r) in results.items())
    if same:
        print("changes that leave the picture as it was (made, not timed): " + "; ".join(same))
    print(f"device pixels per CSS pixel of the map image: {ratios}")
    for column, timings in pointer.items():
        print(f"{column}: hover -> line over the map painted "
              f"{statistics.median(timings['hover']):.1f} ms, click -> profile painted "
              f"{statistics.median(timings['click']):.1f} ms (median of "
              f"{len(timings['hover'])} each; picker change above)")
    first, live = opened
    print(f"Voila dashboard (make dashboard): navigation -> a map on screen "
          f"{statistics.median(first):.2f} s, -> the live map {statistics.median(live):.2f} s "
          f"(median of {len(first)} fresh loads)")


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--quick"]
    main(int(arguments[0]) if arguments else 10, quick="--quick" in sys.argv[1:])
