import numpy as np
import pandas as pd
import pytest

from itclusters import REGION_IDS, region_name

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

import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
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


@pytest.fixture(scope="session")
def executed(tmp_path_factory):
    """``executed(notebook, **parameters)``: the notebook run top to bottom by papermill with
    these parameters, in its own folder, as a fresh nbformat notebook.  ``notebook`` is a path
    or a file name under notebooks/ (e.g. "seminar/01_composite_indices.ipynb")."""
    import nbformat
    import papermill as pm
    from filelock import FileLock

    from itclusters.reports import kernel_manager_class

    folder = _cache_dir(tmp_path_factory)

    def run(notebook, **parameters):
        path = Path(notebook)
        if not path.is_absolute():
            path = NOTEBOOK_DIR / path
        key = json.dumps([str(path.resolve()), parameters], sort_keys=True, default=str)
        out = folder / f"{path.stem}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.ipynb"
        with FileLock(f"{out}.lock"):
            if not out.exists():
                partial = out.with_suffix(".partial.ipynb")
                # the reports' kernels: figures recorded as they are in a report (2x PNG + SVG)
                pm.execute_notebook(str(path), str(partial), parameters=parameters,
                                    kernel_name="python3", progress_bar=False,
                                    cwd=str(path.parent),
                                    kernel_manager_class=kernel_manager_class())
                partial.replace(out)  # only a notebook that ran to the end is shared
        return nbformat.read(out, as_version=4)

    return run
