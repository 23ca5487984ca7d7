"""Wall time of a batch of reports: the runner vs a sequential loop of the papermill CLI.

Both execute the same runs (default: the project's grid, notebooks/reports.yaml) in the same
process of measurement, one after the other:
- runner: ``itclusters.reports.run_batch`` (worker processes, default one per core, each also
  exporting HTML);
- sequential: ``papermill <notebook> <out> -p name value ...`` called once per run, as a
  maintainer without the runner would type it (no HTML export).

Run: ``.venv/bin/python benchmarks/bench_reports.py [--only NOTEBOOK ...] [--jobs N]``
"""
from __future__ import annotations

import argparse
import os
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    notebooks = ROOT / "notebooks"
    runs = load_grid(notebooks / "reports.yaml")
    if args.only:
        runs = [r for r in runs if r.notebook in args.only]
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        results = run_batch(runs, notebooks, tmp / "runner", jobs=args.jobs, progress=False)
        runner = time.perf_counter() - start
        assert all(r.ok for r in results), [r.error for r in results if not r.ok]
        (tmp / "cli").mkdir()
        start = time.perf_counter()
        sequential_cli(runs, notebooks, tmp / "cli")
        cli = time.perf_counter() - start
    jobs = args.jobs or os.cpu_count()
    print(f"runs                       : {len(runs)}")
    print(f"runner ({jobs} workers, + HTML) : {runner:7.1f} s")
    print(f"sequential papermill CLI   : {cli:7.1f} s")
    print(f"ratio runner / sequential  : {runner / cli:7.2f}")


if __name__ == "__main__":
    main()
