"""Batch regeneration of the reports: every notebook over a parameter grid, with papermill.

The grid is one YAML file (``notebooks/reports.yaml``)::

    runs:
      - notebook: 01_innovation_index
        parameters:
          year: [2010, 2016]        # a list is expanded; several lists give their product

Each run writes ``reports/<notebook>/<params>.ipynb`` and ``<params>.html`` (inputs hidden).
Both are written under a temporary name and renamed, so an interrupted batch never leaves a
half-written report.  A failed run keeps the previous good report and writes the executed
notebook, error included, as ``<params>.failed.ipynb``.  Runs go to worker processes
(default: one per core) with one progress bar; the command ends with a summary table and
exits non-zero if any run failed.  Kernels' own chatter goes to ``reports/batch.log``.
"""
from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

__all__ = ["Run", "RunResult", "load_grid", "execute_run", "run_batch", "summary_table", "main"]


@dataclass(frozen=True)
class Run:
    """One notebook with one set of parameters."""

    notebook: str
    parameters: tuple = ()  # sorted (name, value) pairs, hashable

    @property
    def params(self) -> dict:
        return dict(self.parameters)

    @property
    def slug(self) -> str:
        if not self.parameters:
            return "default"
        text = "_".join(f"{k}={v}" for k, v in self.parameters)
        return "".join(c if c.isalnum() or c in "=_-." else "-" for c in text)

    def describe(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.parameters) or "defaults"
        return f"{self.notebook} ({shown})"


@dataclass
class RunResult:
    run: Run
    ok: bool
    seconds: float
    outputs: list[str] = field(default_factory=list)
    error: str = ""


class GridError(ValueError):
    """A parameter grid that cannot be run; the message names the file and the entry."""


def load_grid(path: str | os.PathLike, notebooks_dir: str | os.PathLike | None = None) -> list[Run]:
    """Read the YAML grid and expand it into runs (a list value is expanded, lists multiply)."""
    import yaml

    path = Path(path)
    notebooks_dir = Path(notebooks_dir) if notebooks_dir is not None else path.parent
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise GridError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(document, dict) or not isinstance(document.get("runs"), list):
        raise GridError(f"{path}: expected a mapping with a 'runs' list")
    runs: list[Run] = []
    for number, entry in enumerate(document["runs"], start=1):
        if not isinstance(entry, dict) or "notebook" not in entry:
            raise GridError(f"{path}: run {number} needs a 'notebook' key, got {entry!r}")
        name = str(entry["notebook"]).removesuffix(".ipynb")
        if not (notebooks_dir / f"{name}.ipynb").exists():
            raise GridError(f"{path}: run {number}: no notebook {name}.ipynb in {notebooks_dir}")
        params = entry.get("parameters") or {}
        if not isinstance(params, dict):
            raise GridError(f"{path}: run {number}: 'parameters' must be a mapping")
        names = sorted(params)
        choices = [v if isinstance(v, list) else [v] for v in (params[n] for n in names)]
        for combo in itertools.product(*choices):
            runs.append(Run(name, tuple(zip(names, combo))))
    if len(set(runs)) != len(runs):
        raise GridError(f"{path}: the grid lists the same run twice")
    return runs


def _atomic_write(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".{target.stem}.tmp-{os.getpid()}{target.suffix}")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def _export_html(notebook_path: Path) -> bytes:
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    notebook = nbformat.read(notebook_path, as_version=4)
    # without widget state the export shows each widget's static picture (see widgets.Explorer),
    # which works offline and shows every year; a saved state would need a live kernel anyway
    notebook.metadata.pop("widgets", None)
    body, _ = exporter.from_notebook_node(notebook)
    return body.encode("utf-8")


def execute_run(run: Run, notebooks_dir: str | os.PathLike, out_dir: str | os.PathLike) -> RunResult:
    """Execute one run with papermill's Python API; never raises for a notebook error."""
    import papermill as pm

    start = time.perf_counter()
    notebooks_dir, out_dir = Path(notebooks_dir), Path(out_dir)
    target_dir = out_dir / run.notebook
    target_dir.mkdir(parents=True, exist_ok=True)
    final_nb = target_dir / f"{run.slug}.ipynb"
    final_html = target_dir / f"{run.slug}.html"
    failed_nb = target_dir / f"{run.slug}.failed.ipynb"
    tmp_nb = target_dir / f".{run.slug}.tmp-{os.getpid()}.ipynb"
    try:
        pm.execute_notebook(str(notebooks_dir / f"{run.notebook}.ipynb"), str(tmp_nb),
                            parameters=run.params, kernel_name="python3", progress_bar=False,
                            cwd=str(notebooks_dir), report_mode=False)
        html = _export_html(tmp_nb)
        _atomic_write(final_html, html)
        os.replace(tmp_nb, final_nb)
        failed_nb.unlink(missing_ok=True)
        return RunResult(run, True, time.perf_counter() - start,
                         [str(final_nb), str(final_html)])
    except Exception as err:  # one failing run must not stop the batch
        if tmp_nb.exists():
            os.replace(tmp_nb, failed_nb)
        message = (f"{err.ename}: {err.evalue}" if hasattr(err, "ename")
                   else f"{type(err).__name__}: {err}")
        outputs = [str(failed_nb)] if failed_nb.exists() else []
        return RunResult(run, False, time.perf_counter() - start, outputs,
                         message.strip().splitlines()[0] if message.strip() else repr(err))


def _clean_stale_temporaries(out_dir: Path) -> None:
    for stale in out_dir.glob("*/.*.tmp-*.*"):
        stale.unlink(missing_ok=True)


def _quiet_worker(log_path: str) -> None:
    """Send a worker's (and its kernels') stderr to the batch log, away from the progress bar."""
    handle = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(handle, 2)
    os.close(handle)


def run_batch(runs: list[Run], notebooks_dir: str | os.PathLike, out_dir: str | os.PathLike,
              jobs: int | None = None, progress: bool = True) -> list[RunResult]:
    """Run every run in worker processes; results come back in the order of ``runs``."""
    from tqdm.auto import tqdm

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _clean_stale_temporaries(out_dir)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(runs) or 1))
    results: dict[Run, RunResult] = {}
    bar = tqdm(total=len(runs), desc="reports", unit="run", disable=not progress, file=sys.stderr)
    log_path = out_dir / "batch.log"
    log_path.write_text("")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"),
                             initializer=_quiet_worker, initargs=(str(log_path),)) as pool:
        futures = {pool.submit(execute_run, run, str(notebooks_dir), str(out_dir)): run
                   for run in runs}
        try:
            for future in as_completed(futures):
                run = futures[future]
                try:
                    results[run] = future.result()
                except Exception as err:  # a worker that died
                    results[run] = RunResult(run, False, 0.0, [], f"{type(err).__name__}: {err}")
                bar.set_postfix_str(run.notebook, refresh=False)
                bar.update()
        except KeyboardInterrupt:
            for future in futures:
                future.cancel()
            raise
        finally:
            bar.close()
    return [results[run] for run in runs]


def summary_table(results: list[RunResult]) -> str:
    """A plain-text table: notebook, parameters, status, seconds, error."""
    rows = [("notebook", "parameters", "status", "seconds", "error")]
    for r in results:
        params = ", ".join(f"{k}={v}" for k, v in r.run.parameters) or "(defaults)"
        rows.append((r.run.notebook, params, "ok" if r.ok else "FAILED", f"{r.seconds:.1f}",
                     r.error))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths)) + "  " + row[4]
             for row in rows]
    lines.insert(1, "-" * min(120, max(len(line) for line in lines)))
    failed = sum(not r.ok for r in results)
    lines.append(f"{len(results) - failed} of {len(results)} runs succeeded"
                 + (f"; {failed} failed" if failed else ""))
    return "\n".join(line.rstrip() for line in lines)


def main(argv: list[str] | None = None) -> int:
    """Console entry point ``itclusters-report``."""
    from .data import project_root

    root = project_root()
    parser = argparse.ArgumentParser(prog="itclusters-report", description=__doc__.split("\n")[0])
    parser.add_argument("--grid", default=str(root / "notebooks" / "reports.yaml"),
                        help="YAML parameter grid (default: notebooks/reports.yaml)")
    parser.add_argument("--notebooks", default=None,
                        help="folder of the notebooks (default: the grid's folder)")
    parser.add_argument("--out", default=str(root / "reports"), help="output folder (default: reports/)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    parser.add_argument("--only", action="append", default=[],
                        help="run only this notebook (repeatable)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)
    notebooks_dir = Path(args.notebooks) if args.notebooks else Path(args.grid).parent
    try:
        runs = load_grid(args.grid, notebooks_dir)
    except (GridError, FileNotFoundError) as err:
        print(f"itclusters-report: {err}", file=sys.stderr)
        return 2
    if args.only:
        runs = [r for r in runs if r.notebook in args.only]
        if not runs:
            print(f"itclusters-report: no run of {args.only} in {args.grid}", file=sys.stderr)
            return 2
    # the kernels must be this environment's Python, whatever PATH the caller had
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    # figures must be drawn inline in the kernels even if the caller's shell says Agg
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    results = run_batch(runs, notebooks_dir, args.out, jobs=args.jobs, progress=not args.no_progress)
    print(summary_table(results))
    for r in results:
        if not r.ok:
            where = f" (see {r.outputs[0]})" if r.outputs else ""
            print(f"FAILED {r.run.describe()}: {r.error}{where}", file=sys.stderr)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
