"""Wall time of the batch of reports on the two executors, side by side.

Both execute the same runs (default: the project's whole grid, notebooks/reports.yaml) with the
same number of workers, in this one process of measurement, alternately (pool, Dask, pool,
Dask ... with ``--repeat``):
- process pool: ``run_batch(..., scheduler=None)``, the default of ``itclusters-report``;
- local Dask cluster: ``run_batch(..., scheduler="local")``, i.e. ``--scheduler local``
  (a ``LocalCluster`` of as many single-threaded worker processes, started and stopped inside
  the timed region, as a user pays for it).
Both export HTML and write the reports.  The goal (issue 13): Dask's overhead <= 10 % of the
process pool's wall time.  Then a no-op second batch: the process pool's batch again into its
first folder, nothing changed, every run up to date from its report's provenance (issue 23:
<= 5 % of the full batch); ``bench_reports_incremental.py`` times the same as the command a
maintainer types, in a new process (Python's start and imports included).  ``--with-cli``
adds the older comparison: a sequential loop of the papermill CLI, as a maintainer without
the runner would type it (no HTML export).

Run: ``.venv/bin/python benchmarks/bench_reports.py [--only NOTEBOOK ...] [--jobs N]
[--repeat N] [--with-cli]``
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from itclusters.reports import load_grid, run_batch

ROOT = Path(__file__).resolve().parents[1]


def sequential_cli(runs, notebooks: Path, out: Path) -> None:
    papermill = Path(sys.executable).parent / "papermill"
    for run in runs:
        args = [str(papermill), str(notebooks / f"{run.notebook}.ipynb"),
                str(out / f"{run.notebook}-{run.slug}.ipynb"), "--no-progress-bar",
                "--log-level", "ERROR"]
        for name, value in run.parameters:
            args += ["-p", name, str(value)]
        subprocess.run(args, check=True, cwd=notebooks, capture_output=True)


def timed_batch(runs, notebooks: Path, out: Path, jobs: int, scheduler: str | None,
                up_to_date: bool = False) -> float:
    """Seconds of one batch; ``up_to_date``: every run must be found up to date."""
    start = time.perf_counter()
    results = run_batch(runs, notebooks, out, jobs=jobs, progress=False, scheduler=scheduler)
    seconds = time.perf_counter() - start
    failed = [f"{r.run.describe()}: {r.error}" for r in results if not r.ok]
    if failed:
        raise SystemExit(f"runs failed: {failed}")
    if [r.up_to_date for r in results] != [up_to_date] * len(results):
        raise SystemExit(f"expected every run {'up to date' if up_to_date else 'executed'}, got "
                         f"{sum(r.up_to_date for r in results)} of {len(results)} up to date")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--jobs", type=int, default=None, help="workers (default: cores)")
    parser.add_argument("--repeat", type=int, default=1, help="alternating rounds (default 1)")
    parser.add_argument("--with-cli", action="store_true",
                        help="also time a sequential loop of the papermill CLI")
    args = parser.parse_args()
    notebooks = ROOT / "notebooks"
    runs = load_grid(notebooks / "reports.yaml")
    if args.only:
        runs = [r for r in runs if r.notebook in args.only]
    jobs = args.jobs or os.cpu_count() or 1
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    pool, dask = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for round_ in range(args.repeat):
            pool.append(timed_batch(runs, notebooks, tmp / f"pool{round_}", jobs, None))
            dask.append(timed_batch(runs, notebooks, tmp / f"dask{round_}", jobs, "local"))
            print(f"round {round_ + 1}: process pool {pool[-1]:7.1f} s, local Dask "
                  f"{dask[-1]:7.1f} s, overhead {100 * (dask[-1] / pool[-1] - 1):+5.1f} %",
                  flush=True)
        noop = timed_batch(runs, notebooks, tmp / "pool0", jobs, None, up_to_date=True)
        print(f"no-op second batch (pool) : {noop:7.2f} s", flush=True)
        cli = None
        if args.with_cli:
            (tmp / "cli").mkdir()
            start = time.perf_counter()
            sequential_cli(runs, notebooks, tmp / "cli")
            cli = time.perf_counter() - start
    p, d = statistics.median(pool), statistics.median(dask)
    print(f"runs                              : {len(runs)}")
    print(f"workers                           : {jobs}")
    print(f"process pool (median of {len(pool)})        : {p:7.1f} s")
    print(f"local Dask cluster (median of {len(dask)})  : {d:7.1f} s")
    print(f"Dask overhead vs process pool     : {100 * (d / p - 1):+7.1f} %  (goal <= +10 %)")
    print(f"full batch (process pool, round 1): {pool[0]:7.1f} s")
    print(f"no-op second batch, same folder   : {noop:7.2f} s")
    print(f"ratio no-op / full                : {100 * noop / pool[0]:7.1f} %  (goal <= 5 %)")
    if cli is not None:
        print(f"sequential papermill CLI          : {cli:7.1f} s")
        print(f"ratio process pool / sequential   : {p / cli:7.2f}")


if __name__ == "__main__":
    main()
