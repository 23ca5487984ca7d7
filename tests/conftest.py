import sys

# Before anything imports jsonschema (through nbformat): without its IRI checkers, whose
# grammars cost 2-3 s of CPU in each test worker (see itclusters.reports._without_iri_grammars;
# the batch's own processes do the same).
sys.modules.setdefault("rfc3987_syntax", None)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from itclusters import REGION_IDS, region_name  # noqa: E402

CODES = ["J_A", "J_B", "J_C", "J_D", "J_E", "J_F"]


@pytest.fixture
def raw_indicators():
    """A synthetic raw indicator table: 16 regions x 2 years, positive values."""
    rng = np.random.default_rng(7)
    index = pd.MultiIndex.from_product([list(REGION_IDS), [2010, 2016]],
                                       names=["region_id", "year"])
    return pd.DataFrame(rng.uniform(1, 50, size=(len(index), 6)), index=index, columns=CODES)


@pytest.fixture
def indicator_csv(tmp_path, raw_indicators):
    """Write the synthetic table as a user would: English names in a 'region' column."""
    def write(mutate=None, name="indicators.csv"):
        table = raw_indicators.reset_index()
        table.insert(0, "region", [region_name(r) for r in table.pop("region_id")])
        table = table.astype({c: object for c in [*CODES, "year"]})
        if mutate is not None:
            table = mutate(table)
        path = tmp_path / name
        table.to_csv(path, index=False)
        return path
    return write


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (pyproject.toml): one and a half workers a core, rounded up (three on two
    cores), for the whole suite, whose time is partly spent waiting (kernels and servers
    starting, a browser painting, a batch's workers sleeping on purpose); one a core for
    `make check`, which leaves those out and only computes (57 s against 79 s with two a core,
    measured on 2 cores).  The whole suite is CPU-bound on 2
    cores (busy 99 % of its time): a fourth worker fills no idle core and adds its collection and
    contention, about 30 core-s (make test in one clone, alternating -n 4 and -n 3: 347 and 351 s
    against 341 and 347 s; 688 and 693 against 656 and 667 busy core-s; on a faster machine,
    pytest in one clone: -n 4 275 s, 544 core-s; -n 3 269 and 271 s, 515 and 519 core-s;
    -n 2 289 s, 494 core-s: two workers leave the cores idle while a test waits)."""
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else (os.cpu_count() or 1)
    quick = "not notebook" in (config.getoption("markexpr") or "")
    return cores if quick else cores + (cores + 1) // 2


def pytest_terminal_summary(terminalreporter):
    """Say it loudly when the browser tests could not run."""
    skipped = terminalreporter.stats.get("skipped", [])
    if any("BROWSER TESTS SKIPPED" in str(getattr(r, "longrepr", "")) for r in skipped):
        terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED: Chromium not found; "
                                   "run `apt-get install chromium` (.ci/run does)", red=True,
                                   bold=True)


# Property-based tests: one fixed, bounded profile, so that `make test` gives the same examples
# on every machine and stays within minutes.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("itclusters", derandomize=True, database=None, deadline=None,
                          max_examples=60, print_blob=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                 HealthCheck.too_slow])
settings.load_profile("itclusters")


# --- notebooks executed once per test session -------------------------------------------------
#
# Several test files read the same executed notebook (same notebook, same parameters, run in
# notebooks/ as papermill runs it).  `executed` runs each such combination once per session and
# hands every test its own fresh copy of the result.  Under pytest-xdist the workers share one
# cache folder, and a file lock per run makes the first worker execute it while the others wait.

import copy  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"


def _cache_dir(tmp_path_factory):
    """A folder every worker of this session shares (and no other session sees)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the session's folder, above each worker's popen-gwN
    folder = base / "executed-notebooks"
    folder.mkdir(exist_ok=True)
    return folder


#: Added before the first cell of every executed notebook: records each figure pyplot makes.
RECORD = """
import matplotlib.pyplot as _plt
_itc_figures = []
_itc_make = _plt.figure
def _itc_figure(*args, **kwargs):
    fig = _itc_make(*args, **kwargs)
    _itc_figures.append(fig)
    return fig
_plt.figure = _itc_figure
"""

#: Added after the last cell: measures them (tests/test_figures.py reads the measurements).
MEASURE = """
import itertools as _it, json as _json
from matplotlib.backends.backend_agg import FigureCanvasAgg as _Agg
from itclusters.presentation import small_text as _small_text
_itc_report = []
for _n, _fig in enumerate(_itc_figures):
    if not hasattr(_fig.canvas, "get_renderer"):  # shown and closed: draw it again, off screen
        _Agg(_fig)
    _small = _small_text(_fig)
    _renderer = _fig.canvas.get_renderer()
    _overlaps = []
    for _ax in _fig.axes:
        _boxes = [(t.get_text(), t.get_window_extent(_renderer)) for t in _ax.texts
                  if (t.get_gid() or "").startswith("label:") and t.get_visible()]
        _overlaps += [(a, b) for (a, ba), (b, bb) in _it.combinations(_boxes, 2)
                      if ba.overlaps(bb)]
    _maps = []
    for _ax in _fig.axes:  # each map's classes and values (tests/test_map_classes.py)
        _c = getattr(_ax, "_itclusters_classes", None)
        if _c is None or _c.values is None:
            continue
        _fmt = _c.number_format
        _maps.append({"title": _ax.get_title(loc="left") or _ax.get_title(), "scheme": _c.scheme,
                      "labels": list(_c.labels),
                      "format": None if _fmt is None else [_fmt.kind, _fmt.decimals, _fmt.signed],
                      "regions": {str(_r): [int(_c.codes[_r]), None if _v != _v else
                                            (_v if isinstance(_v, str) else float(_v))]
                                  for _r, _v in _c.values.items()}})
    _itc_report.append({"figure": _n, "title": _fig.axes[0].get_title(loc="left") if _fig.axes else "",
                        "width": float(_fig.get_size_inches()[0]), "small": _small,
                        "overlaps": _overlaps, "maps": _maps})
print("ITC-FIGURES " + _json.dumps(_itc_report))
"""


def _with_measurements(nb):
    import nbformat

    first, last = nbformat.v4.new_code_cell(RECORD), nbformat.v4.new_code_cell(MEASURE)
    first.id, last.id = "itc-record", "itc-measure"
    nb.cells = [first, *nb.cells, last]
    return nb


def _without_measurements(nb):
    """The notebook as it ran, the two added cells taken out; their figures in the metadata."""
    first, *cells, last = nb.cells
    assert (first.id, last.id) == ("itc-record", "itc-measure")
    text = "".join(o.text for o in last.outputs if o.output_type == "stream")
    nb.metadata["itc_figures"] = json.loads(text.split("ITC-FIGURES ", 1)[1])
    nb.cells = cells
    return nb


def _merged(own, ran):
    """``own`` with the outputs of ``ran``, a run of the same code (its Markdown may differ)."""
    import nbformat

    mine = [c for c in own.cells if c.cell_type == "code"]
    theirs = [c for c in ran.cells if c.cell_type == "code"]
    assert [c.source for c in mine] == [c.source for c in theirs]
    for a, b in zip(mine, theirs):
        a.outputs, a.execution_count = b.outputs, b.execution_count
        a.metadata = nbformat.from_dict({**b.metadata, **a.metadata})  # its own tags
    own.metadata.update(ran.metadata)  # kernel, language, papermill, the figures measured
    return own


def _defaults(path: Path) -> dict:
    """The notebook's parameters as its parameters cell sets them (literals read as values)."""
    import ast

    import papermill as pm

    out = {}
    for name, info in pm.inspect_notebook(str(path)).items():
        try:
            out[name] = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError):
            out[name] = info["default"]
    return out


@pytest.fixture(scope="session")
def executed(tmp_path_factory):
    """``executed(notebook, **parameters)``: the notebook run top to bottom by papermill with
    these parameters (the others at their defaults), in notebooks/ as papermill runs it, as a
    fresh nbformat notebook.  ``notebook`` is a path or a file name under notebooks/ (e.g.
    "seminar/01_composite_indices.ipynb"), or a notebook object (a handout's copy), run in
    ``cwd``.  Every run also measures its figures (``nb.metadata["itc_figures"]``, read by
    tests/test_figures.py), so that no test executes a notebook again to look at them.

    A run with no parameter other than the defaults is keyed by the notebook's code and folder
    alone: the student handout of a seminar notebook (the same code, other instructions) is
    given the outputs of the notebook's own run, in its own cells."""
    import nbformat
    import papermill as pm
    from filelock import FileLock

    from itclusters.reports import kernel_manager_class

    folder = _cache_dir(tmp_path_factory)
    # this worker's copy of each run, read once: parsing a run of several MB (its figures) takes
    # about 0.15 s, a copy of the parsed notebook 2 ms; each test gets a copy of its own
    read: dict[Path, nbformat.NotebookNode] = {}

    def execute(nb, out: Path, parameters: dict, cwd: Path):
        if out not in read:
            with FileLock(f"{out}.lock"):
                if not out.exists():
                    source = out.with_suffix(".in.ipynb")
                    nbformat.write(_with_measurements(nb), source)
                    partial = out.with_suffix(".partial.ipynb")
                    # the reports' kernels: figures recorded as in a report (2x PNG + SVG)
                    pm.execute_notebook(str(source), str(partial), parameters=parameters,
                                        kernel_name="python3", progress_bar=False,
                                        cwd=str(cwd), kernel_manager_class=kernel_manager_class())
                    partial.replace(out)  # only a notebook that ran to the end is shared
            read[out] = _without_measurements(nbformat.read(out, as_version=4))
        return copy.deepcopy(read[out])

    def by_code(nb, cwd: Path):
        """Run ``nb`` as it is, keyed by its code and folder only: a copy that differs from a
        notebook in its Markdown alone (a seminar notebook's student handout) shares its run."""
        code = [c.source for c in nb.cells if c.cell_type == "code"]
        key = hashlib.sha256(json.dumps([str(Path(cwd).resolve()), code]).encode()).hexdigest()
        ran = execute(nbformat.reads(nbformat.writes(nb), as_version=4),
                      folder / f"code-{key[:16]}.ipynb", {}, Path(cwd))
        return _merged(nbformat.reads(nbformat.writes(nb), as_version=4), ran)

    def run(notebook, cwd=None, **parameters):
        if isinstance(notebook, nbformat.NotebookNode):
            return by_code(notebook, cwd)
        path = Path(notebook)
        if not path.is_absolute():
            path = NOTEBOOK_DIR / path
        nb = nbformat.read(path, as_version=4)
        defaults = _defaults(path)
        if all(k in defaults and defaults[k] == v for k, v in parameters.items()):
            return by_code(nb, path.parent)  # run(nb) and run(nb, year=default) share
        effective = {**defaults, **parameters}
        key = json.dumps([str(path.resolve()), effective], sort_keys=True, default=str)
        stem = f"{path.stem}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"
        return execute(nb, folder / f"{stem}.ipynb", parameters, path.parent)

    return run


# --- the long files first ---------------------------------------------------------------------

def pytest_collection_modifyitems(items):
    """The files that execute notebooks or drive a browser (a minute or more each) first, then
    those with slow tests, the rest after them, each group in its usual order: with
    ``--dist loadfile`` the workers take whole files in this order, so that the suite does not
    end waiting for one long file started last."""
    tier = {}
    for item in items:
        mine = (0 if item.get_closest_marker("notebook") or item.get_closest_marker("browser")
                else 1 if item.get_closest_marker("slow") else 2)
        tier[item.path] = min(tier.get(item.path, 2), mine)
    items.sort(key=lambda item: tier[item.path])  # stable: each file keeps its order
    _spread_notebooks(items)


def _notebook_of(item) -> str | None:
    """The notebook a test executes (through ``executed``), as its parameter's id names it:
    "09_it_poles_today@2019", "09_it_poles_today-2019", "03_reading_maps"."""
    callspec = getattr(item, "callspec", None)
    if callspec is None or "executed" not in item.fixturenames:
        return None
    stem = re.split(r"[@-]", callspec.id, maxsplit=1)[0]
    return stem if stem in _STEMS else None


_STEMS = sorted({p.stem for p in [*NOTEBOOK_DIR.glob("*.ipynb"),
                                  *NOTEBOOK_DIR.glob("seminar/*.ipynb")]})


def _spread_notebooks(items) -> None:
    """Each file whose tests execute many notebooks takes them in its own order.  Several files
    read the same executed notebooks (``executed``: run once, by the first worker that asks);
    when they all asked in the same order, one worker ran each notebook while the others waited
    for it (about a minute of waiting each, measured at the start of the suite).  Here the
    files walk the notebooks from different starts with different strides (1, -1, 3, -3, ...),
    so two workers seldom want the same notebook at the same time: they run different
    notebooks at once and then find the others done.  Within a file, its notebook tests take
    the places they had, in the new order."""
    by_file: dict = {}
    for item in items:
        if _notebook_of(item):
            by_file.setdefault(item.path, set()).add(_notebook_of(item))
    files = [path for path, notebooks in by_file.items() if len(notebooks) >= 5]
    count = len(_STEMS)
    strides = [s for n in range(1, count) if math.gcd(n, count) == 1 for s in (n, -n)] or [1]
    for number, path in enumerate(files):
        start, stride = number * count // len(files), strides[number % len(strides)]
        step = pow(stride, -1, count)  # the place of notebook i is (i - start) / stride

        def order(item):
            return ((_STEMS.index(_notebook_of(item)) - start) * step) % count

        places = [i for i, item in enumerate(items)
                  if item.path == path and _notebook_of(item)]
        for i, item in zip(places, sorted((items[i] for i in places), key=order)):  # stable
            items[i] = item
