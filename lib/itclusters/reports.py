"""Batch regeneration of the reports: every notebook over a parameter grid, with papermill.

The grid is one YAML file (``notebooks/reports.yaml``)::

    runs:
      - notebook: 01_innovation_index
        parameters:
          year: [2010, 2016]        # a list is expanded; several lists give their product

The grid is checked before anything runs: every parameter must be one the notebook declares
(as papermill infers them from its ``parameters`` cell) and of the declared type, and every
notebook must lie inside the notebooks folder.  Each run writes
``reports/<notebook>/<params>.ipynb`` and ``<params>.html`` (inputs hidden, a provenance
footer, nothing loaded from the network); where two runs' readable names would collide, both
get a short hash of their parameters.  Runs go to workers: a local process pool (default: one
per core) or a Dask cluster (``--scheduler ADDRESS`` or ``--scheduler local``), through the
same ``concurrent.futures`` interface.  A worker executes the notebook and returns its bytes;
this process writes the files, each under a temporary name then renamed, so an interrupted
batch never leaves a half-written report and workers need no shared file system.  A failed run
keeps the previous good report and writes the executed notebook, error included, as
``<params>.failed.ipynb``; a run whose worker was lost is retried once, then reported as
failed.  A report that cannot be written (disk full, a name the file system refuses) is the
failure of that run, never of the batch; a name too long for the file system is cut and given
a short hash.  With Dask, a scheduler that does not answer, or a cluster without workers, for
``--lost-timeout`` seconds (default 60) ends the batch.  One progress bar, a summary table
(printed whenever a run was started), exit code 0 when every run succeeded, 1 when one failed,
2 when the batch could not start (bad grid or argument, output folder not writable or short of
space for reports the size of the largest previous one, another batch writing into it) or
lost its Dask scheduler or every worker, 128 + the signal number when interrupted (SIGINT,
SIGTERM).  Kernels' own chatter goes to ``reports/batch.log``.

Only what changed runs: a run whose report records the inputs of now (the notebook's sha256, the
parameters, the sha256 of every data file, of the library's code and of the lock file, the
package versions) is kept and reported "up to date" (:func:`plan_batch`); ``--force`` runs
everything, ``--dry-run`` lists what would run and why, writing nothing.  At the end of every
batch the site of the reports (``reports/index.html``, thumbnails, each page's header) is rebuilt
from what is on disk (:mod:`itclusters.site`).
"""
from __future__ import annotations

import argparse
import difflib
import errno
import hashlib
import html
import itertools
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import deque
from concurrent.futures import FIRST_COMPLETED, CancelledError, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path, PurePath

__all__ = ["Run", "RunResult", "Executed", "GridError", "BatchError", "OutputFolderError", "load_grid",
           "render_run", "execute_run", "plan_batch", "why_run", "run_batch", "summary_table",
           "main"]

#: exit codes of ``itclusters-report``
EXIT_FAILED, EXIT_CANNOT_START = 1, 2
#: the packages whose versions every report records
RECORDED_PACKAGES = ("pandas", "geopandas", "matplotlib", "papermill", "numpy", "nbclient",
                     "ipykernel")
#: one run's files (ipynb + html with embedded figures) for the free-space check at start when
#: the output folder holds no report yet; notebook 09's report takes 15 MB (each figure as a 2x
#: PNG and an SVG, in the notebook and in the page)
_BYTES_PER_RUN = 24 * 2 ** 20
#: longest report name in bytes: file systems take 255, and the longest file written is
#: ``.<name>.failed.tmp-<pid>.ipynb``
_NAME_MAX_BYTES = 255 - len(".failed.tmp-4194304.ipynb") - 1
_LOCK_NAME = ".itclusters-report.lock"


@dataclass(frozen=True)
class Run:
    """One notebook with one set of parameters.

    ``name`` is the file name of its reports (without suffix); :func:`load_grid` sets it, and
    it defaults to the readable slug.
    """

    notebook: str
    parameters: tuple = ()  # sorted (name, value) pairs, hashable
    name: str = field(default="", compare=False)

    @property
    def params(self) -> dict:
        return dict(self.parameters)

    @property
    def readable_slug(self) -> str:
        if not self.parameters:
            return "default"
        text = "_".join(f"{k}={v}" for k, v in self.parameters)
        return "".join(c if c.isalnum() or c in "=_-." else "-" for c in text)

    @property
    def parameter_hash(self) -> str:
        """First 8 hex digits of the sha256 of the parameters as canonical JSON."""
        text = json.dumps(self.params, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]

    @property
    def slug(self) -> str:
        return self.name or self.readable_slug

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
    note: str = ""
    finished: bool = True  # False: the batch was stopped before this run ended
    up_to_date: bool = False  # True: not executed, its report's inputs are unchanged

    @property
    def status(self) -> str:
        if self.up_to_date:
            return "up to date"
        return "ok" if self.ok else ("FAILED" if self.finished else "not finished")


@dataclass
class Executed:
    """What a worker sends back: the executed notebook's bytes, never a file."""

    run: Run
    ok: bool
    seconds: float
    notebook: bytes | None
    html: bytes | None
    error: str = ""


class GridError(ValueError):
    """A parameter grid that cannot be run; the message names the file and the entry."""


class BatchError(RuntimeError):
    """A batch that cannot start or go on (output folder, scheduler); one message for all runs."""


class OutputFolderError(BatchError):
    """The output folder cannot take the reports (read-only, full, locked by another batch)."""


# --------------------------------------------------------------------------------------------
# the grid

@lru_cache(maxsize=None)
def _declared_parameters(path: Path, mtime_ns: int) -> dict:
    """The notebook's parameters as papermill infers them, completed from the cell's syntax.

    papermill's line parser skips a line whose comment holds ``=`` (notebook 03's thresholds);
    the ``parameters`` cell is Python, so the same names and annotations are read with ``ast``.
    """
    import ast
    import logging

    import nbformat
    import papermill as pm

    logger = logging.getLogger("papermill.translators")
    level = logger.level
    logger.setLevel(logging.ERROR)  # its "Unable to parse line" is what the fallback handles
    try:
        declared = dict(pm.inspect_notebook(str(path)))
    finally:
        logger.setLevel(level)
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                break
            for node in tree.body:
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    declared.setdefault(node.target.id, {
                        "name": node.target.id,
                        "inferred_type_name": ast.unparse(node.annotation)})
                elif isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            declared.setdefault(target.id, {"name": target.id,
                                                            "inferred_type_name": "None"})
            break
    return declared


_TYPES = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,),
          "None": (type(None),), "NoneType": (type(None),), "list": (list,), "dict": (dict,)}


def _allowed_types(annotation: str) -> tuple | None:
    """Python types a value may have for a papermill-inferred annotation; None = not checked."""
    text = annotation.strip()
    if text.startswith("Optional[") and text.endswith("]"):
        text = f"{text[9:-1]} | None"
    allowed: tuple = ()
    for part in text.split("|"):
        types = _TYPES.get(part.strip())
        if types is None:
            return None
        allowed += types
    return allowed


def _type_ok(value, allowed: tuple) -> bool:
    if isinstance(value, bool) and bool not in allowed:
        return False  # True is an int to Python, not to a reader of the grid
    return isinstance(value, allowed)


def _resolve_notebook(grid: Path, where: str, raw, notebooks_dir: Path) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise GridError(f"{grid}: {where}: 'notebook' must be a notebook name, got {raw!r}")
    name = raw.strip().removesuffix(".ipynb")
    pure = PurePath(name)
    if pure.is_absolute() or name.startswith(("/", "\\")) or ":" in pure.parts[0]:
        raise GridError(f"{grid}: {where}: notebook {raw!r} is an absolute path; name a notebook "
                        f"inside {notebooks_dir} (e.g. 01_innovation_index)")
    if ".." in pure.parts or "\\" in name:
        raise GridError(f"{grid}: {where}: notebook {raw!r} leaves the notebooks folder "
                        f"{notebooks_dir}; '..' is not allowed")
    candidate = notebooks_dir / f"{name}.ipynb"
    if not candidate.exists():
        raise GridError(f"{grid}: {where}: no notebook {name}.ipynb in {notebooks_dir}")
    real, base = candidate.resolve(), notebooks_dir.resolve()
    if not real.is_relative_to(base):
        raise GridError(f"{grid}: {where}: notebook {raw!r} leaves the notebooks folder "
                        f"{notebooks_dir}: it is a link to {real}")
    return name


def _check_parameters(grid: Path, where: str, notebook_path: Path, params: dict) -> None:
    declared = _declared_parameters(notebook_path, notebook_path.stat().st_mtime_ns)
    for pname, value in params.items():
        if pname not in declared:
            close = difflib.get_close_matches(str(pname), list(declared), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            known = ", ".join(declared) or "none"
            raise GridError(f"{grid}: {where}, parameter {pname!r}: {notebook_path.stem} has no "
                            f"such parameter{hint}; its parameters: {known}")
        annotation = declared[pname].get("inferred_type_name") or "None"
        allowed = _allowed_types(annotation) if annotation != "None" else None
        if allowed is None:
            continue
        for item in (value if isinstance(value, list) else [value]):
            if not _type_ok(item, allowed):
                raise GridError(f"{grid}: {where}, parameter {pname!r}: {item!r} is a "
                                f"{type(item).__name__}; {notebook_path.stem} declares "
                                f"{pname}: {annotation}")


def assign_names(runs: list[Run], source: str = "the grid") -> list[Run]:
    """Give each run a report name unique within its notebook's folder.

    The readable slug (``year=2010``) where it is unique, else the slug and a short hash of
    the parameters (``indicators_file=x-y.csv_1a2b3c4d``); a slug too long for the file
    system is cut and given the hash.  Names are compared ignoring case
    (some file systems do).  A collision that remains is a :class:`GridError`, never an
    overwrite.

    >>> a, b = assign_names([Run("n", (("f", "x y"),)), Run("n", (("f", "x-y"),))])
    >>> a.slug != b.slug and a.slug.startswith("f=x-y_")
    True
    """
    by_readable: dict[tuple[str, str], list[Run]] = {}
    for run in runs:
        by_readable.setdefault((run.notebook, run.readable_slug.casefold()), []).append(run)
    named = []
    for run in runs:
        if run.name:
            named.append(run)
            continue
        clash = len(by_readable[(run.notebook, run.readable_slug.casefold())]) > 1
        readable = run.readable_slug
        if len(readable.encode("utf-8")) > _NAME_MAX_BYTES:  # too long for the file system
            clash = True
            cut = _NAME_MAX_BYTES - len(run.parameter_hash) - 1
            readable = readable.encode("utf-8")[:cut].decode("utf-8", errors="ignore")
        name = f"{readable}_{run.parameter_hash}" if clash else readable
        named.append(Run(run.notebook, run.parameters, name))
    seen: dict[tuple[str, str], Run] = {}
    for run in named:
        key = (run.notebook, run.slug.casefold())
        if key in seen:
            raise GridError(f"{source}: {seen[key].describe()} and {run.describe()} would both "
                            f"write {run.notebook}/{run.slug}.ipynb")
        seen[key] = run
    return named


def load_grid(path: str | os.PathLike, notebooks_dir: str | os.PathLike | None = None) -> list[Run]:
    """Read the YAML grid, check it and expand it into runs (list values multiply).

    Raises :class:`GridError`, naming the grid file, the entry and the parameter, for what
    cannot be run as written: an unknown notebook or one outside ``notebooks_dir``, a parameter
    the notebook does not declare, a value of another type than declared, two runs with the
    same parameters.
    """
    import yaml

    path = Path(path)
    notebooks_dir = Path(notebooks_dir) if notebooks_dir is not None else path.parent
    if path.is_dir():
        raise GridError(f"{path}: is a folder; allowed: a YAML grid file")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise GridError(f"{path}: not valid YAML: {err}") from err
    except UnicodeDecodeError as err:
        raise GridError(f"{path}: not UTF-8 text (byte 0x{err.object[err.start]:02x} at position "
                        f"{err.start}); save the grid as UTF-8") from None
    if not isinstance(document, dict) or not isinstance(document.get("runs"), list):
        raise GridError(f"{path}: expected a mapping with a 'runs' list")
    runs: list[Run] = []
    for number, entry in enumerate(document["runs"], start=1):
        if not isinstance(entry, dict) or "notebook" not in entry:
            raise GridError(f"{path}: run {number} needs a 'notebook' key, got {entry!r}")
        unknown_keys = set(entry) - {"notebook", "parameters"}
        where = f"run {number} ({entry['notebook']})"
        if unknown_keys:
            raise GridError(f"{path}: {where}: unknown key(s) {sorted(unknown_keys)}; "
                            f"an entry has 'notebook' and 'parameters'")
        name = _resolve_notebook(path, f"run {number}", entry["notebook"], notebooks_dir)
        params = entry.get("parameters") or {}
        if not isinstance(params, dict):
            raise GridError(f"{path}: {where}: 'parameters' must be a mapping")
        _check_parameters(path, where, notebooks_dir / f"{name}.ipynb", params)
        names = sorted(params)
        choices = [v if isinstance(v, list) else [v] for v in (params[n] for n in names)]
        for combo in itertools.product(*choices):
            runs.append(Run(name, tuple(zip(names, combo))))
    if len(set(runs)) != len(runs):
        twice = next(r for r in runs if runs.count(r) > 1)
        raise GridError(f"{path}: the grid lists the same run twice: {twice.describe()}")
    return assign_names(runs, str(path))


# --------------------------------------------------------------------------------------------
# what a worker does: execute, record provenance, export HTML; return bytes

def _prepare_kernel_environment() -> None:
    """Kernels are this environment's Python, draw inline, and hash strings the same every run."""
    bin_dir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if path.split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = os.pathsep.join([bin_dir, path])
    # figures must be drawn inline in the kernels even if the caller's shell says Agg
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    # set iteration order (and so any output built from a set) must not change between runs
    os.environ.setdefault("PYTHONHASHSEED", "0")
    # PDF/SVG writers stamp this date instead of the clock (reproducible-builds convention)
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(_git_state()[1] or 0))


#: the longest path of a Unix socket file (108 bytes on Linux, 104 on macOS, with its NUL)
_SOCKET_PATH_MAX = 100


def _socket_folder() -> str | None:
    """A folder whose socket paths fit the system's limit: the temporary folder, else /tmp;
    None where neither fits (or on Windows, where kernels keep TCP)."""
    if os.name == "nt":
        return None
    for folder in (tempfile.gettempdir(), "/tmp"):
        # "<folder>/itclusters-kernel-<12 hex>-<port>"
        if len(os.fsencode(folder)) + 40 <= _SOCKET_PATH_MAX and os.access(folder, os.W_OK):
            return folder
    return None


@lru_cache(maxsize=1)
def kernel_manager_class():
    """Kernels talking over local (IPC) sockets: nothing listens on the network, and the kernel
    does not print its warning about unencrypted TCP into the batch's log.  Where no folder
    takes a socket path short enough (a deep TMPDIR) kernels keep TCP.

    The kernels load :data:`KERNEL_CONFIG`: each figure is recorded as a PNG of twice the
    pixels of its CSS size and as an SVG (the HTML export shows the one and offers the other
    as a download)."""
    from jupyter_client.manager import AsyncKernelManager

    class LocalKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            folder = _socket_folder()
            if folder is not None:
                kwargs.setdefault("transport", "ipc")
                # each kernel its own socket files: by default they are "kernel-ipc-N" in the
                # working folder, shared by the kernels of parallel runs
                kwargs.setdefault("ip", os.path.join(
                    folder, f"itclusters-kernel-{uuid.uuid4().hex[:12]}"))
            super().__init__(**kwargs)

        def format_kernel_cmd(self, extra_arguments=None):
            # figures as a 2x PNG with their CSS size, and an SVG for the vector download
            return super().format_kernel_cmd([*(extra_arguments or []),
                                              f"--config={KERNEL_CONFIG}"])

    return LocalKernelManager


#: The IPython configuration of the kernels of reports and handouts: how figures are shown
KERNEL_CONFIG = Path(__file__).resolve().parent / "share" / "kernel" / "ipython_kernel_config.py"


@lru_cache(maxsize=1)
def _git_state() -> tuple[str, int | None]:
    """(commit or 'uncommitted…', commit time) of the checkout holding the data."""
    import subprocess

    from .data import project_root

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(project_root()), *args], capture_output=True,
                              text=True, check=True, timeout=20).stdout.strip()
    try:
        commit = git("rev-parse", "HEAD")
        when = int(git("show", "-s", "--format=%ct", "HEAD"))
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError, ValueError):
        return "uncommitted (not a git checkout)", None
    return (f"uncommitted (changes on top of {commit})" if dirty else commit), when


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _data_hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under ``data/`` and ``shapefiles/`` (3.5 MB: read each time, so
    that a long-lived process never answers from an old reading)."""
    hashes = {}
    for folder in ("data", "shapefiles"):
        for file in sorted((root / folder).rglob("*")):
            if file.is_file():
                hashes[file.relative_to(root).as_posix()] = _sha256_file(file)
    return hashes


def library_sha256() -> str:
    """One sha256 over the library's code: every file of the package (``*.py`` and the
    templates under ``share/``), in sorted order, each as its path and its own sha256."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for file in sorted(package.rglob("*")):
        if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc":
            digest.update(f"{file.relative_to(package).as_posix()}\0{_sha256_file(file)}\n"
                          .encode("utf-8"))
    return digest.hexdigest()


#: the library's code as this process loaded it: a report's page is made by this code, its
#: numbers by the code its kernel imports from disk
_LOADED_LIBRARY_SHA256 = library_sha256()

#: what a report records when the library's code on disk changed while this (worker) process
#: ran: not a sha256, so that the next batch runs it again
_CHANGED_DURING_RUN = "changed while the batch ran"


def _library_record(now: str) -> str:
    """The library's sha256 a report records: ``now`` (the code on disk), unless this process
    loaded other code, when no later batch may take the report as up to date.

    >>> _library_record(_LOADED_LIBRARY_SHA256) == _LOADED_LIBRARY_SHA256
    True
    >>> _library_record("0" * 64).startswith(_CHANGED_DURING_RUN)
    True
    """
    if now == _LOADED_LIBRARY_SHA256:
        return now
    return (f"{_CHANGED_DURING_RUN} (this process loaded {_LOADED_LIBRARY_SHA256[:12]}, "
            f"the disk had {now[:12]})")


def lock_sha256() -> str | None:
    """sha256 of ``requirements.lock`` of the checkout the library runs from (None: no lock)."""
    lock = Path(__file__).resolve().parents[2] / "requirements.lock"
    try:
        return _sha256_file(lock)
    except OSError:
        return None


def _package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": sys.version.split()[0]}
    for package in RECORDED_PACKAGES:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def run_inputs(run: Run, cwd: Path | None, notebook_bytes: bytes,
               shared: dict | None = None) -> dict:
    """What a run is made from, as its report records it and as :func:`why_run` compares it.

    The notebook's bytes, the parameters, every data file it may read (all of ``data/`` and
    ``shapefiles/``, and a file given as a parameter), the library's code, the lock file and
    the versions of the recorded packages.  ``shared``: the inputs common to every run (from
    :func:`_shared_inputs`), when computed once for a whole batch.
    """
    shared = shared if shared is not None else _shared_inputs()
    data = dict(shared["data_sha256"])
    for pname, value in run.parameters:  # a file given as a parameter is data too
        if isinstance(value, str) and value:
            file = Path(value) if Path(value).is_absolute() or cwd is None else cwd / value
            try:
                if file.is_file():
                    data[f"{pname}: {value}"] = _sha256_file(file)
            except OSError:  # e.g. a text too long to be a file name: not a file
                continue
    return {"parameters": run.params,
            "notebook_sha256": hashlib.sha256(notebook_bytes).hexdigest(),
            "library_sha256": shared["library_sha256"], "lock_sha256": shared["lock_sha256"],
            "data_sha256": data, "versions": shared["versions"]}


def _shared_inputs() -> dict:
    from .data import project_root

    return {"data_sha256": _data_hashes(project_root()), "library_sha256": library_sha256(),
            "lock_sha256": lock_sha256(), "versions": _package_versions()}


def provenance(run: Run, cwd: Path | None = None, source: str | None = None) -> dict:
    """What a report records about how it was made (notebook metadata ``itclusters``).

    ``source``: the notebook's text as executed (default: read from ``cwd``).
    """
    from importlib.metadata import PackageNotFoundError, version

    if source is None:
        folder = cwd if cwd is not None else Path(".")
        notebook_bytes = (folder / f"{run.notebook}.ipynb").read_bytes()
    else:
        notebook_bytes = source.encode("utf-8")
    try:
        suite = version("itclusters")
    except PackageNotFoundError:
        suite = "not installed"
    inputs = run_inputs(run, cwd, notebook_bytes)
    return {"suite_version": suite, "git_commit": _git_state()[0], "notebook": run.notebook,
            **inputs}


def _footer_html(record: dict) -> str:
    e = html.escape
    params = ", ".join(f"{k} = {v!r}" for k, v in record["parameters"].items()) or "defaults"
    versions = ", ".join(f"{k} {v}" for k, v in record["versions"].items())
    files = "\n".join(f"<li><code>{e(name)}</code> <code>{e(digest)}</code></li>"
                      for name, digest in record["data_sha256"].items())
    hashes = [(label, record[key]) for key, label in (
        ("notebook_sha256", "notebook"), ("library_sha256", "library code"),
        ("lock_sha256", "requirements.lock")) if record.get(key)]
    inputs = ("<p>Inputs (sha256): " + "; ".join(
        f"{e(label)} <code>{e(digest)}</code>" for label, digest in hashes) + ".</p>\n"
        if hashes else "")
    return (
        '<footer class="itclusters-provenance" style="margin:2em 1em;padding-top:.5em;'
        'border-top:1px solid #ccc;font-size:13px;color:#333">\n'
        f"<p>Made by itclusters {e(record['suite_version'])}, code "
        f"<code>{e(record['git_commit'])}</code>; notebook <code>{e(record['notebook'])}"
        f"</code> with parameters {e(params)}.</p>\n<p>Software: {e(versions)}.</p>\n"
        f"{inputs}"
        f"<details><summary>Data files (sha256)</summary><ul>\n{files}\n</ul></details>\n"
        "</footer>")


#: The page of a report or handout: JupyterLab's HTML export, offline, with figure and table
#: downloads, a screen and a print stylesheet (see the template's header)
_TEMPLATE = Path(__file__).resolve().parent / "share" / "report" / "itclusters.html.j2"
#: the mime type under which :func:`itclusters.presentation.format_table` hands its downloads
TABLE_MIME = "application/vnd.itclusters.table+json"  # = presentation.TABLE_MIME (not imported:
# the batch starts without the compute stack)
#: which representation of an output the page shows: the 2x PNG of a figure before its SVG
#: (the SVG is its download), a table's HTML before anything else
_DISPLAY_PRIORITY = ["text/html", "text/markdown", "image/png", "image/jpeg", "image/svg+xml",
                     "text/latex", "text/plain"]
_DOWNLOADS = (("csv", "text/csv", "CSV"),
              ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "Excel (XLSX)"),
              ("tex", "application/x-tex", "LaTeX (booktabs)"))


def _slug(text: str) -> str:
    """A file-name stem from a title: letters, digits and dashes.

    >>> _slug("IT poles today (year=2025)")
    'it-poles-today-year-2025'
    """
    import re

    return re.sub(r"[^0-9a-z]+", "-", text.casefold()).strip("-")[:80] or "report"


_PATH_DATA = re.compile(r'( d=")([^"]*)(")')
#: the digits after a number's hundredths (removed without a replacement template: 2.5x faster)
_LONG_DECIMAL = re.compile(r"(?<=\d\.\d\d)\d+")


def _compact_svg(svg: str) -> str:
    """The SVG with its path coordinates cut to hundredths of a point (a 3,600th of an inch;
    matplotlib writes millionths), a third smaller.

    >>> _compact_svg('<path d="M 12.345678 9.87654 L 1 2" style="stroke-width: 0.8"/>')
    '<path d="M 12.34 9.87 L 1 2" style="stroke-width: 0.8"/>'
    """
    return _PATH_DATA.sub(lambda m: m.group(1) + _LONG_DECIMAL.sub("", m.group(2))
                          + m.group(3), svg)


def _number_outputs(notebook, stem: str) -> None:
    """Give each figure and each table of the notebook its number and download names (in the
    outputs' metadata, read by the template); the figure's alternative text is its number
    (its title and legend are in the picture only)."""
    import base64

    figures = tables = 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                figures += 1
                figure = {"number": figures, "file": f"{stem}-figure-{figures}",
                          "alt": f"Figure {figures}"}
                if "image/svg+xml" in data:
                    figure["svg"] = base64.b64encode(
                        _compact_svg(data["image/svg+xml"]).encode("utf-8")).decode("ascii")
                output.setdefault("metadata", {})["itclusters_figure"] = figure
            table = data.get(TABLE_MIME)
            if isinstance(table, dict) and "text/html" in data:
                tables += 1
                files = []
                for suffix, mime, label in _DOWNLOADS:
                    if suffix not in table:
                        continue
                    content = table[suffix]
                    encoded = (content if suffix == "xlsx" else
                               base64.b64encode(content.encode("utf-8")).decode("ascii"))
                    files.append({"suffix": suffix, "mime": mime, "label": label,
                                  "base64": encoded})
                output.setdefault("metadata", {})["itclusters_table"] = {
                    "number": tables, "file": f"{stem}-table-{tables}", "files": files}


def offline_html(notebook, title: str, *, exclude_input: bool = True, footer: str = "",
                 nav: str = "", stem: str | None = None) -> bytes:
    """The notebook as one HTML page that loads nothing from the network, titled ``title``.

    ``nav``: a header put before the notebook (a report's links to the index and its siblings).
    ``stem``: the start of the downloads' file names (default: from the title).

    Each figure recorded as a 2x PNG and an SVG (the kernels of :func:`kernel_manager_class`
    record both) is shown as the PNG at its CSS size, with the SVG as a download beside it;
    each table of :func:`itclusters.presentation.format_table` has CSV, XLSX and LaTeX
    downloads beside it.

    Without widget state the export shows each widget's static picture (see widgets.Explorer),
    which works offline and shows every year; a saved state would need a live kernel anyway.
    """
    import copy

    from jinja2 import FileSystemLoader
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config({"NbConvertBase": {"display_data_priority": _DISPLAY_PRIORITY}})
    exporter = HTMLExporter(config=config, template_name="lab",
                            extra_loaders=[FileSystemLoader(str(_TEMPLATE.parent))],
                            template_file=_TEMPLATE.name)
    exporter.exclude_input = exclude_input
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    notebook = copy.deepcopy(notebook)
    notebook.metadata.pop("widgets", None)
    notebook.metadata["title"] = title
    _number_outputs(notebook, stem or _slug(title))
    body, _ = exporter.from_notebook_node(notebook, resources={"itclusters_footer": footer,
                                                               "itclusters_nav": nav})
    return body.encode("utf-8")


def _export_html(notebook, run: Run) -> bytes:
    """The report page; its header links to the index only until the batch's end, when
    :func:`itclusters.site.build_site` lists the sibling reports on disk in it."""
    from .site import report_nav

    record = notebook.metadata.get("itclusters")
    return offline_html(notebook, report_title(notebook, run),
                        footer=_footer_html(record) if record else "", nav=report_nav(),
                        stem=_slug(f"{run.notebook} {run.slug}"))


def report_title(notebook, run: Run) -> str:
    """The notebook's first Markdown heading and the run's parameters, as the index says them
    (an indicator by its label, not its code)."""
    from .site import describe_parameters

    heading = run.notebook
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    heading = line.lstrip("#").strip()
                    break
            break
    return f"{heading} ({describe_parameters(run.params)})" if run.params else heading


def _first_line(err: BaseException) -> str:
    message = (f"{err.ename}: {err.evalue}" if hasattr(err, "ename")
               else f"{type(err).__name__}: {err}")
    return message.strip().splitlines()[0] if message.strip() else repr(err)


def render_run(run: Run, source: str, notebooks_dir: str, scratch: str | None = None) -> Executed:
    """Execute one run in this (worker) process; return the executed notebook and HTML bytes.

    ``source`` is the notebook's JSON text, sent by the client, so a worker on another machine
    runs the client's notebook; the kernel starts in ``notebooks_dir`` when that folder exists
    here.  Nothing is written outside a temporary folder (inside ``scratch`` when that folder
    exists here, so that the batch can remove what a killed worker left).  Never raises: an error of the
    notebook or of this worker's set-up is a failed run; only a lost worker reaches the client
    as an exception.
    """
    start = time.perf_counter()
    _without_iri_grammars()  # a Dask worker's first run
    try:
        return _render_run(run, source, notebooks_dir, scratch)
    except Exception as err:
        return Executed(run, False, time.perf_counter() - start, None, None,
                        f"on the worker: {_first_line(err)}")


def _render_run(run: Run, source: str, notebooks_dir: str, scratch: str | None) -> Executed:
    import nbformat
    import papermill as pm

    start = time.perf_counter()
    _prepare_kernel_environment()
    cwd = Path(notebooks_dir) if Path(notebooks_dir).is_dir() else None
    scratch = scratch if scratch and Path(scratch).is_dir() else None
    with tempfile.TemporaryDirectory(prefix="itclusters-run-", dir=scratch) as tmp:
        source_path = Path(tmp) / f"{Path(run.notebook).name}.ipynb"
        source_path.write_text(source, encoding="utf-8")
        executed_path = Path(tmp) / "executed.ipynb"
        error = ""
        try:
            pm.execute_notebook(str(source_path), str(executed_path), parameters=run.params,
                                kernel_name="python3", progress_bar=False,
                                cwd=str(cwd or tmp), report_mode=False,
                                kernel_manager_class=kernel_manager_class())
        except Exception as err:  # one failing run must not stop the batch
            error = _first_line(err)
        notebook = (nbformat.read(executed_path, as_version=4) if executed_path.exists()
                    else None)
    html_bytes = notebook_bytes = None
    if notebook is not None:
        # stable paths instead of this worker's temporary ones
        notebook.metadata.setdefault("papermill", {}).update(
            input_path=f"{run.notebook}.ipynb", output_path=f"{run.notebook}/{run.slug}.ipynb")
        record = provenance(run, cwd, source)
        record["library_sha256"] = _library_record(record["library_sha256"])
        notebook.metadata["itclusters"] = record  # (stored as a copy)
        for cell in notebook.cells:  # papermill gives its injected cell a random id
            if "injected-parameters" in cell.metadata.get("tags", []):
                cell.id = "injected-parameters"
        if not error:
            try:
                html_bytes = _export_html(notebook, run)
            except Exception as err:
                error = f"HTML export failed: {_first_line(err)}"
        if error:  # the index of the reports shows it
            notebook.metadata["itclusters"]["error"] = error
        notebook_bytes = nbformat.writes(notebook).encode("utf-8")
    return Executed(run, not error, time.perf_counter() - start, notebook_bytes,
                    html_bytes if not error else None, error)


# --------------------------------------------------------------------------------------------
# what the client does: write atomically

class _Shield:
    """Hold SIGINT/SIGTERM back while files are being renamed into place."""

    def __init__(self) -> None:
        self.depth = 0
        self.pending: int | None = None

    def __enter__(self):
        self.depth += 1

    def __exit__(self, *exc):
        self.depth -= 1
        if self.depth == 0 and self.pending is not None and exc[0] is None:
            signum, self.pending = self.pending, None
            raise _Interrupted(signum)


class _Lost(BatchError):
    """The Dask scheduler or every worker has been gone for longer than allowed."""


class _Interrupted(BaseException):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _atomic_write(files: dict[Path, bytes]) -> None:
    """Write every file under a temporary name, then rename them all: all or none in place."""
    temporaries = {target: target.with_name(f".{target.stem}.tmp-{os.getpid()}{target.suffix}")
                   for target in files}
    try:
        for target, data in files.items():
            temporaries[target].write_bytes(data)
        for target, tmp in temporaries.items():
            os.replace(tmp, target)
    finally:
        for tmp in temporaries.values():
            tmp.unlink(missing_ok=True)


def write_outputs(executed: Executed, out_dir: Path) -> RunResult:
    """Write what a worker returned: the report on success, ``.failed.ipynb`` on failure.

    A file that cannot be written (disk full, name too long) is the failure of this run: the
    previous report stays, the executed notebook is kept as ``.failed.ipynb`` where it can be.
    """
    run = executed.run
    target_dir = out_dir / run.notebook
    final_nb = target_dir / f"{run.slug}.ipynb"
    final_html = target_dir / f"{run.slug}.html"
    failed_nb = target_dir / f"{run.slug}.failed.ipynb"
    error = executed.error
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        if executed.ok:
            _atomic_write({final_html: executed.html, final_nb: executed.notebook})
            failed_nb.unlink(missing_ok=True)
            return RunResult(run, True, executed.seconds, [str(final_nb), str(final_html)])
    except OSError as err:
        error = _describe_os_error(target_dir, err, for_run=True)
    outputs = []
    if executed.notebook is not None:
        try:
            _atomic_write({failed_nb: executed.notebook})
            outputs = [str(failed_nb)]
        except OSError:
            pass  # the error above (or the same one again) says why
    return RunResult(run, False, executed.seconds, outputs, error)


def execute_run(run: Run, notebooks_dir: str | os.PathLike, out_dir: str | os.PathLike) -> RunResult:
    """Execute one run here and write its files into ``out_dir`` (no pool, no lock)."""
    source = (Path(notebooks_dir) / f"{run.notebook}.ipynb").read_bytes().decode("utf-8")
    return write_outputs(render_run(run, source, str(notebooks_dir)), Path(out_dir))


# --------------------------------------------------------------------------------------------
# what is up to date: the inputs a report records against the inputs of now

#: what a report must record for the decision (older reports lack the hashes)
_DECIDING_KEYS = ("parameters", "notebook_sha256", "library_sha256", "lock_sha256",
                  "data_sha256", "versions")


def _changes(recorded: dict, current: dict) -> list[str]:
    """Why a report recorded as ``recorded`` is not what the inputs ``current`` would make."""
    reasons = []
    if recorded["notebook_sha256"] != current["notebook_sha256"]:
        reasons.append("notebook changed")
    old, new = recorded["data_sha256"], current["data_sha256"]
    files = [f"{name} changed" if name in old and name in new else
             f"{name} added" if name in new else f"{name} removed"
             for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name)]
    if len(files) > 3:
        files = files[:3] + [f"{len(files) - 3} more data files changed"]
    reasons += files
    if recorded["library_sha256"] != current["library_sha256"]:
        during = str(recorded["library_sha256"]).startswith(_CHANGED_DURING_RUN)
        reasons.append("library code changed" + (" while its batch ran" if during else ""))
    if recorded["lock_sha256"] != current["lock_sha256"]:
        reasons.append("requirements.lock changed")
    old, new = recorded["versions"], current["versions"]
    moved = [f"{name} {old.get(name, 'none')} → {new.get(name, 'none')}"
             for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name)]
    if moved:
        reasons.append(f"package versions changed ({', '.join(moved)})")
    return reasons


def why_run(run: Run, out_dir: Path, current: dict) -> str:
    """Why ``run`` must be executed ('' when its report is up to date).

    ``current``: the run's inputs now (:func:`run_inputs`).  A report is up to date when its
    ``.ipynb`` and ``.html`` are both there, the last attempt did not fail, and the inputs its
    provenance records are ``current``; a provenance that cannot be read means a re-run.
    """
    from .site import read_report

    folder = out_dir / run.notebook
    notebook, page = folder / f"{run.slug}.ipynb", folder / f"{run.slug}.html"
    if (folder / f"{run.slug}.failed.ipynb").exists():
        return "failed last time"
    if not (notebook.is_file() and page.is_file()):
        others = [p for p in folder.glob("*.html") if not p.name.startswith(".")] \
            if folder.is_dir() else []
        return "new parameters" if others else "no report yet"
    report = read_report(notebook)
    if report.record is None:
        return f"provenance unreadable ({report.problem})"
    missing = [key for key in _DECIDING_KEYS if key not in report.record]
    if missing:
        return f"provenance unreadable (no {missing[0]}: made by an older itclusters)"
    recorded = report.record
    if not (isinstance(recorded["data_sha256"], dict) and isinstance(recorded["versions"], dict)):
        return "provenance unreadable (data_sha256 or versions is not a mapping)"

    def canonical(params) -> str:
        return json.dumps(params, sort_keys=True, ensure_ascii=False, default=str)
    if canonical(recorded["parameters"]) != canonical(current["parameters"]):
        return "new parameters"
    return "; ".join(_changes(recorded, current))


def plan_batch(runs: list[Run], notebooks_dir: str | os.PathLike, out_dir: str | os.PathLike,
               force: bool = False) -> list[tuple[Run, str]]:
    """Each run with why it must be executed ('' when up to date; "--force" with ``force``).

    Reads the output folder and the inputs, writes nothing.
    """
    out_dir, notebooks_dir = Path(out_dir), Path(notebooks_dir)
    if force:
        return [(run, "--force") for run in runs]
    shared = _shared_inputs()
    cwd = notebooks_dir if notebooks_dir.is_dir() else None
    sources = {name: (notebooks_dir / f"{name}.ipynb").read_bytes()
               for name in {run.notebook for run in runs}}
    return [(run, why_run(run, out_dir, run_inputs(run, cwd, sources[run.notebook], shared)))
            for run in runs]


# --------------------------------------------------------------------------------------------
# the output folder

def _describe_os_error(folder: Path, err: OSError, for_run: bool = False) -> str:
    reasons = {errno.EROFS: "it is on a read-only file system",
               errno.EACCES: "permission denied", errno.EPERM: "permission denied",
               errno.ENOSPC: "no space left on the device",
               errno.EDQUOT: "disk quota exceeded",
               errno.ENAMETOOLONG: "a file name is too long for the file system"}
    reason = reasons.get(err.errno, err.strerror or str(err))
    if for_run:
        return f"cannot write the report into {folder}: {reason}"
    return f"cannot write reports into {folder}: {reason}; choose another folder with --out"


class _OutputLock:
    """An exclusive lock on the output folder for one batch (released when the process ends)."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.path = out_dir / _LOCK_NAME
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            self.handle = open(self.path, "a+", encoding="utf-8")
        except OSError as err:
            raise OutputFolderError(_describe_os_error(out_dir, err)) from None
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory locks, no refusal
            fcntl = None
        if fcntl is not None:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self.handle.seek(0)
                holder = self.handle.read().strip() or "another process"
                self.handle.close()
                raise OutputFolderError(
                    f"another itclusters-report ({holder}) is writing into {out_dir}; wait for "
                    f"it to finish or choose another folder with --out") from None
        try:
            self.handle.seek(0)
            self.handle.truncate()
            self.handle.write(f"pid {os.getpid()}, started "
                              f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}\n")
            self.handle.flush()
            os.fsync(self.handle.fileno())
        except OSError as err:
            self.release()
            raise OutputFolderError(_describe_os_error(out_dir, err)) from None

    def check_space(self, runs: int) -> None:
        """Refuse (and release) when the folder is short of space for ``runs`` reports."""
        out_dir = self.out_dir
        try:
            free = shutil.disk_usage(out_dir).free
        except OSError as err:
            self.release()
            raise OutputFolderError(_describe_os_error(out_dir, err)) from None
        needed = _bytes_per_run(out_dir) * max(1, runs)
        if free < needed:
            self.release()
            raise OutputFolderError(
                f"cannot write reports into {out_dir}: {free / 2**20:.1f} MB free, the batch "
                f"needs about {needed / 2**20:.0f} MB; free some space or choose another "
                f"folder with --out")

    def release(self) -> None:
        if not self.handle.closed:
            self.handle.close()  # closing releases the lock


def _bytes_per_run(out_dir: Path) -> int:
    """The largest previous report (its .ipynb and .html together), else 6 MB."""
    sizes: dict[Path, int] = {}
    for file in [*out_dir.glob("*/*.ipynb"), *out_dir.glob("*/*.html")]:
        if not file.name.startswith(".") and not file.name.endswith(".failed.ipynb"):
            key = file.with_suffix("")
            try:
                sizes[key] = sizes.get(key, 0) + file.stat().st_size
            except OSError:
                continue
    return max(sizes.values(), default=_BYTES_PER_RUN)


def _clean_stale_temporaries(out_dir: Path) -> None:
    for stale in out_dir.glob("**/.*.tmp-*.*"):
        stale.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------
# executors: a local process pool or a Dask cluster, both behind concurrent.futures

def _without_iri_grammars() -> None:
    """Spare this process jsonschema's IRI checkers: when nbformat first imports jsonschema,
    jsonschema imports rfc3987-syntax, which compiles 38 Earley grammars (2–3 s of CPU in
    each process of the batch) for the "iri" formats, which no notebook schema uses.  Done only
    before jsonschema is imported; it then leaves those two formats unchecked, as it does where
    rfc3987-syntax is not installed."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # None: "import" raises ImportError


def _quiet_worker(log_path: str) -> None:
    """Send a worker's (and its kernels') stderr to the batch log, away from the progress bar."""
    _without_iri_grammars()
    handle = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(handle, 2)
    os.close(handle)
    # the batch decides what to do on Ctrl-C, not each worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _our_descendants(before: set[int]) -> list:
    import psutil

    procs = []
    for child in psutil.Process().children(recursive=False):
        if child.pid in before:
            continue
        try:
            if "resource_tracker" in " ".join(child.cmdline()):
                continue  # multiprocessing's bookkeeper; ends with this process
            procs.append(child)
            procs.extend(child.children(recursive=True))
        except psutil.Error:
            continue
    return procs


def _ppid(proc) -> int | None:
    import psutil

    try:
        return proc.ppid()
    except psutil.Error:
        return None


def _stop_processes(procs: list, grace: float = 3.0) -> None:
    import psutil

    for proc in procs:
        try:
            proc.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for proc in alive:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=grace)


class _ProcessPoolBackend:
    description = "process pool"

    def __init__(self, jobs: int, log_path: Path) -> None:
        self.jobs, self.log_path = jobs, log_path
        self.capacity = jobs
        self.executor = self._new()

    def _new(self):
        return ProcessPoolExecutor(max_workers=self.jobs, mp_context=get_context("spawn"),
                                   initializer=_quiet_worker, initargs=(str(self.log_path),))

    healthy = True

    def lost(self, timeout: float) -> str:
        return ""

    def renew(self):
        """A pool whose worker died is broken for good: start a fresh one."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._new()
        return self.executor

    def close(self, stopping: bool) -> None:
        self.executor.shutdown(wait=not stopping, cancel_futures=True)


class _DaskBackend:
    """A Dask client, and a thread that asks the scheduler every second how many workers it has.

    A scheduler that does not answer (killed, stopped, unreachable) or has no worker is noticed
    by :meth:`lost` without ever blocking the batch on a call to the scheduler.
    """

    def __init__(self, address: str, jobs: int, log_path: Path) -> None:
        import logging
        import threading

        import dask
        from distributed import Client, LocalCluster

        self.cluster = None
        self.address = address
        if address == "local":
            # a lost worker raises KilledWorker at once; the runner's own retry (the same for
            # both executors) then tries the run once more.  No pre-spawn environment: Dask's
            # MALLOC_TRIM_THRESHOLD_ and one-thread BLAS would reach the kernels, which must
            # run as they do in the process pool (same speed, same floating-point sums).  A run
            # goes to a worker only when its one thread is free (saturation 1.0, not Dask's
            # 1.1, which queues a second run there): a lost worker loses the run it was running,
            # never one that was only waiting behind it
            with dask.config.set({"distributed.scheduler.allowed-failures": 0,
                                  "distributed.scheduler.worker-saturation": 1.0,
                                  "distributed.nanny.pre-spawn-environ": {}}):
                self.cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                            host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                            silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
            self.client.run(_quiet_worker, str(log_path))
            self.description = f"local Dask cluster ({jobs} workers)"
        else:
            try:
                self.client = Client(address, timeout="15s")
            except (OSError, TimeoutError) as err:
                raise BatchError(f"cannot reach the Dask scheduler at {address}: "
                                        f"{err}") from None
            try:
                self.client.wait_for_workers(1, timeout=30)
            except TimeoutError:
                self.client.close()
                raise BatchError(f"the Dask scheduler at {address} has no worker after "
                                        f"30 s; start one with `dask worker {address}`") from None
            workers = len(self.client.nthreads())
            self.description = f"Dask scheduler {address} ({workers} workers)"
        if self.cluster is not None:
            self.address = self.cluster.scheduler_address
        # Dask's own complaints (a lost connection, reconnecting) go to the batch log; the
        # batch says in one line what was lost
        self.to_log = logging.FileHandler(log_path, encoding="utf-8")
        self.handlers = {}  # logger: its own handlers, given back at the end
        for name in ["distributed", *logging.root.manager.loggerDict]:
            logger = logging.getLogger(name)
            if name.startswith("distributed") and logger.handlers and logger not in self.handlers:
                self.handlers[logger] = list(logger.handlers)
                logger.handlers = [self.to_log]
        # pure=False: a retried run is a new task, not the lost one's cached failure
        self.executor = self.client.get_executor(pure=False)
        self.threads = sum(self.client.nthreads().values())
        self.answered = self.had_workers = time.monotonic()
        self.stopped = threading.Event()
        threading.Thread(target=self._watch, daemon=True, name="itclusters-dask-watch").start()

    def _watch(self) -> None:
        while not self.stopped.wait(1.0):
            if self.client.status != "running":
                continue
            try:
                info = self.client.sync(self.client.scheduler.identity, n_workers=0)
            except Exception:
                continue
            self.answered = time.monotonic()
            self.threads = int(info.get("total_threads", 0))
            if self.threads:
                self.had_workers = self.answered

    @property
    def healthy(self) -> bool:
        return (self.client.status == "running" and self.threads > 0
                and time.monotonic() - self.answered < 5)

    def lost(self, timeout: float) -> str:
        """What has been lost for ``timeout`` seconds: the scheduler, every worker, or ''."""
        now = time.monotonic()
        if now - self.answered > timeout:
            return (f"lost the Dask scheduler at {self.address}: no answer for {timeout:g} s "
                    f"(stopped, killed or unreachable)")
        if now - self.had_workers > timeout:
            return (f"lost every worker of the Dask scheduler at {self.address}: none for "
                    f"{timeout:g} s; start one with `dask worker {self.address}`")
        return ""

    @property
    def capacity(self) -> int:
        """Worker threads now in the cluster (workers may come and go)."""
        return max(1, self.threads)

    def renew(self):
        return self.executor

    def close(self, stopping: bool) -> None:
        import threading

        self.stopped.set()

        def close():
            try:
                self.executor.shutdown(wait=False)
                self.client.close(timeout=10)
                if self.cluster is not None:
                    self.cluster.close(timeout=10)
            except Exception:  # a cluster whose workers or scheduler were lost may complain
                pass
        # a lost scheduler can make closing wait for its time-outs: never more than 15 s
        closing = threading.Thread(target=close, daemon=True)
        closing.start()
        closing.join(timeout=15)
        for logger, handlers in self.handlers.items():
            logger.handlers = handlers
        self.to_log.close()


# --------------------------------------------------------------------------------------------
# the batch

_SIGNAL_NAMES = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}


def run_batch(runs: list[Run], notebooks_dir: str | os.PathLike, out_dir: str | os.PathLike,
              jobs: int | None = None, progress: bool = True,
              scheduler: str | None = None, lost_timeout: float = 60.0,
              force: bool = False, site: bool = True) -> list[RunResult]:
    """Run every run on workers; results come back in the order of ``runs``.

    A run whose report is up to date (:func:`plan_batch`: its notebook, parameters, data
    files, library code, lock file and package versions are those its provenance records) is
    not executed: its result says ``up_to_date``; ``force`` executes every run.  At the end,
    with ``site``, the index of every report in ``out_dir`` is rebuilt
    (:func:`itclusters.site.build_site`); a failure to write it is in the attribute
    ``site_error`` of the returned list.

    ``scheduler``: None for a local process pool of ``jobs`` workers (default: one per core),
    ``"local"`` for a local Dask cluster of ``jobs`` workers, or a Dask scheduler's address.
    Raises :class:`OutputFolderError` before any run when ``out_dir`` cannot take the reports
    or another batch is writing into it.  On SIGINT/SIGTERM the workers and their kernels are
    stopped, the results so far are returned (the others marked not finished) and the
    signal's number is in the attribute ``interrupted`` of the returned list.  When the Dask
    scheduler, or every worker, has been lost for ``lost_timeout`` seconds, the batch stops the
    same way and the attribute ``lost`` says what was lost.
    """
    from tqdm.auto import tqdm

    runs = assign_names(runs, "the runs")
    out_dir, notebooks_dir = Path(out_dir), Path(notebooks_dir)
    # the file's bytes as text (no newline translation): the report's notebook_sha256 is the
    # sha256 of the file
    sources = {run.notebook: (notebooks_dir / f"{run.notebook}.ipynb").read_bytes().decode("utf-8")
               for run in runs}
    lock = _OutputLock(out_dir)
    results: dict[Run, RunResult] = {}
    try:
        planned = plan_batch(runs, notebooks_dir, out_dir, force)
        todo = [run for run, why in planned if why]
        if todo:
            lock.check_space(len(todo))
    except BaseException:
        lock.release()
        raise
    for run, why in planned:
        if not why:
            folder = out_dir / run.notebook
            results[run] = RunResult(run, True, 0.0, [str(folder / f"{run.slug}.ipynb"),
                                                     str(folder / f"{run.slug}.html")],
                                     up_to_date=True)
    interrupted = None
    shield = _Shield()
    old_handlers = {}

    def on_signal(signum, frame):
        if shield.depth:
            shield.pending = signum
        else:
            raise _Interrupted(signum)

    import threading

    if threading.current_thread() is threading.main_thread():
        for signum in _SIGNAL_NAMES:
            old_handlers[signum] = signal.signal(signum, on_signal)
    backend = bar = scratch = None
    before: set[int] = set()
    completed = False
    site_error = ""
    try:
        _clean_stale_temporaries(out_dir)
        if not todo:
            raise _NothingToRun
        log_path = out_dir / "batch.log"
        try:
            log_path.write_text("")
        except OSError as err:
            raise OutputFolderError(_describe_os_error(out_dir, err)) from None
        import psutil

        before = {p.pid for p in psutil.Process().children(recursive=False)}
        jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
        if scheduler:
            backend = _DaskBackend(scheduler, jobs, log_path)
        else:
            backend = _ProcessPoolBackend(jobs, log_path)
        bar = tqdm(total=len(todo), desc="reports", unit="run", disable=not progress,
                   file=sys.stderr)
        losses: dict[Run, list[str]] = {}
        executor = backend.executor

        # workers on this machine work in a folder the batch removes at the end, even after
        # a killed worker; remote workers use their own temporary folder
        scratch = None if scheduler not in (None, "local") else tempfile.mkdtemp(
            prefix="itclusters-batch-")

        def submit(run):
            nonlocal executor
            args = (render_run, run, sources[run.notebook], str(notebooks_dir), scratch)
            try:
                return executor.submit(*args)
            except RuntimeError:  # BrokenProcessPool is a RuntimeError
                executor = backend.renew()
                return executor.submit(*args)

        # no more runs in flight than workers: a run handed out is a run that is running, so
        # a lost worker costs only the runs that were really on the workers lost
        queue = deque(todo)
        futures: dict = {}
        pending: set = set()

        def fill():
            while queue and backend.healthy and len(pending) < backend.capacity:
                run = queue.popleft()
                future = submit(run)
                futures[future] = run
                pending.add(future)

        fill()
        try:
            while pending or queue:
                if pending:
                    done, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
                else:  # runs wait for the cluster to come back
                    done = set()
                    time.sleep(1.0)
                lost = backend.lost(lost_timeout)
                if lost:
                    raise _Lost(lost)
                for future in done:
                    run = futures.pop(future)
                    try:
                        executed = future.result()
                    except (Exception, CancelledError) as err:  # a lost worker or scheduler
                        losses.setdefault(run, []).append(_first_line(err))
                        # with no worker or scheduler left it is not this run's fault: it waits
                        # for the cluster to come back (or the batch to end), then runs again
                        if len(losses[run]) < 2 or not backend.healthy:
                            queue.appendleft(run)
                            continue
                        results[run] = RunResult(
                            run, False, 0.0, [],
                            f"worker lost twice (killed or out of memory): {losses[run][-1]}")
                    else:
                        with shield:
                            results[run] = write_outputs(executed, out_dir)
                        if run in losses:
                            results[run].note = f"retried after a lost worker ({losses[run][0]})"
                    bar.set_postfix_str(run.notebook, refresh=False)
                    bar.update()
                fill()
        except (_Interrupted, _Lost) as stop:
            interrupted = stop
            for future in futures:
                future.cancel()
        completed = True
    except _NothingToRun:
        completed = True
    except _Interrupted as stop:  # while starting the workers
        interrupted = stop
        completed = True
    finally:
        stopping = interrupted is not None or not completed
        for signum, handler in old_handlers.items():
            signal.signal(signum, signal.SIG_IGN)  # nothing may interrupt the cleaning up
        try:
            if bar is not None:
                bar.close()
            if stopping and backend is not None:
                # kernels first (grandchildren), then the workers, then whatever is left
                _stop_processes([p for p in _our_descendants(before) if _ppid(p) != os.getpid()])
                backend.close(stopping=True)
                _stop_processes(_our_descendants(before))
            elif backend is not None:
                backend.close(stopping=False)
            _clean_stale_temporaries(out_dir)
            if scratch:
                shutil.rmtree(scratch, ignore_errors=True)
            if site and completed:
                # the index of every report on disk, this batch's and the others', written
                # under the lock and while no signal can stop it halfway
                try:
                    from .site import build_site

                    build_site(out_dir)
                except Exception as err:  # noqa: BLE001 - the reports are written; say so
                    site_error = _first_line(err)
                finally:
                    _clean_stale_temporaries(out_dir)
        finally:
            lock.release()
            for signum, handler in old_handlers.items():
                signal.signal(signum, handler)
    ordered = _ResultList(results.get(run) or RunResult(run, False, 0.0, [], "", "", False)
                          for run in runs)
    ordered.interrupted = getattr(interrupted, "signum", None)
    ordered.lost = str(interrupted) if isinstance(interrupted, _Lost) else ""
    ordered.executor = getattr(backend, "description", "")
    ordered.site_error = site_error
    return ordered


class _NothingToRun(Exception):
    """Every run is up to date: no worker is started."""


class _ResultList(list):
    interrupted: int | None = None
    lost: str = ""
    executor: str = ""
    site_error: str = ""


def summary_table(results: list[RunResult]) -> str:
    """A plain-text table: notebook, report name, status, seconds, error.

    A run not executed because its report is up to date has the status "up to date"; the last
    line counts them.
    """
    rows = [("notebook", "parameters", "status", "seconds", "error")]
    for r in results:
        params = ", ".join(f"{k}={v}" for k, v in r.run.parameters) or "(defaults)"
        if r.run.slug != r.run.readable_slug:
            params += f"  [{r.run.slug}]"
        detail = r.error or (f"({r.note})" if r.note else "")
        seconds = f"{r.seconds:.1f}" if r.finished and not r.up_to_date else "-"
        rows.append((r.run.notebook, params, r.status, seconds, detail))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths)) + "  " + row[4]
             for row in rows]
    lines.insert(1, "-" * min(120, max(len(line) for line in lines)))
    failed = sum(r.finished and not r.ok for r in results)
    unfinished = sum(not r.finished for r in results)
    finished = len(results) - unfinished
    ok = finished - failed
    up_to_date = sum(r.up_to_date for r in results)
    kept = f"; {up_to_date} up to date" if up_to_date else ""
    if unfinished:
        lines.append(f"{finished} of {len(results)} runs finished ({ok} ok, {failed} failed); "
                     f"{unfinished} did not finish{kept}")
    else:
        lines.append(f"{ok} of {len(results)} runs succeeded"
                     + (f"; {failed} failed" if failed else "") + kept)
    return "\n".join(line.rstrip() for line in lines)


def _address_problem(address: str) -> str:
    """What is wrong with a Dask scheduler address ('' when nothing)."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme in ("tcp", "tls"):
            parse_host_port(location)
    except (ValueError, TypeError) as err:
        return str(err).split(" in address")[0]
    return ""


def main(argv: list[str] | None = None) -> int:
    """Console entry point ``itclusters-report``."""
    _without_iri_grammars()
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C before the batch started (or after it ended)
        print("itclusters-report: interrupted by SIGINT before any run started",
              file=sys.stderr)
        return 128 + signal.SIGINT


def _main(argv: list[str] | None) -> int:
    from .data import project_root

    root = project_root()
    parser = argparse.ArgumentParser(prog="itclusters-report", description=__doc__.split("\n")[0])
    parser.add_argument("--grid", default=str(root / "notebooks" / "reports.yaml"),
                        help="YAML parameter grid (default: notebooks/reports.yaml)")
    parser.add_argument("--notebooks", default=None,
                        help="folder of the notebooks (default: the grid's folder)")
    parser.add_argument("--out", default=str(root / "reports"), help="output folder (default: reports/)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="worker processes (default: cores); with --scheduler local, workers")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run on a Dask cluster: a scheduler address (tcp://host:8786) or "
                             "'local' for a local cluster of --jobs workers; default: a local "
                             "process pool")
    parser.add_argument("--lost-timeout", type=float, default=60.0, metavar="SECONDS",
                        help="with --scheduler: end the batch (exit 2) when the scheduler or "
                             "every worker has been lost this long (default: 60)")
    parser.add_argument("--only", action="append", default=[],
                        help="run only this notebook (repeatable)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument("--force", action="store_true",
                        help="run every run, even those whose report is up to date")
    parser.add_argument("--dry-run", action="store_true",
                        help="list the runs that would run and why, run and write nothing")
    args = parser.parse_args(argv)

    def refuse(message: str) -> int:
        print(f"itclusters-report: {message}", file=sys.stderr)
        return EXIT_CANNOT_START

    if args.scheduler and args.scheduler != "local":
        problem = _address_problem(args.scheduler)
        if problem:
            return refuse(f"--scheduler {args.scheduler!r}: {problem}; allowed: 'local' or a "
                          f"Dask scheduler address with its port (tcp://host:8786)")
    if args.lost_timeout <= 0:
        return refuse(f"--lost-timeout {args.lost_timeout:g}: allowed: a number of seconds above 0")
    grid = Path(args.grid)
    if grid.is_dir():
        return refuse(f"--grid {grid}: is a folder; allowed: a YAML grid file "
                      f"(e.g. {grid / 'reports.yaml'})")
    if not grid.exists():
        return refuse(f"--grid {grid}: no such file; allowed: a YAML grid file")
    notebooks_dir = Path(args.notebooks) if args.notebooks else grid.parent
    try:
        runs = load_grid(grid, notebooks_dir)
    except (GridError, OSError) as err:
        return refuse(str(err))
    if args.only:
        in_grid = sorted({r.notebook for r in runs})
        for name in args.only:
            if name.removesuffix(".ipynb") not in in_grid:
                close = difflib.get_close_matches(name, in_grid, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                return refuse(f"--only {name!r}: no such notebook in the grid {grid}; allowed: "
                              f"{', '.join(in_grid)}{hint}")
        only = {name.removesuffix(".ipynb") for name in args.only}
        runs = [r for r in runs if r.notebook in only]
    if args.dry_run:
        try:
            planned = plan_batch(assign_names(runs, str(grid)), notebooks_dir, args.out,
                                 force=args.force)
        except OSError as err:
            return refuse(str(err))
        for run, why in planned:
            print(f"{'would run' if why else 'up to date':<10}  {run.describe()}"
                  + (f": {why}" if why else ""))
        todo = sum(bool(why) for _, why in planned)
        print(f"{todo} of {len(planned)} runs would run, {len(planned) - todo} up to date; "
              f"nothing was run or written (--dry-run)")
        return 0
    try:
        results = run_batch(runs, notebooks_dir, args.out, jobs=args.jobs,
                            progress=not args.no_progress, scheduler=args.scheduler,
                            lost_timeout=args.lost_timeout, force=args.force)
    except BatchError as err:
        return refuse(str(err))
    print(summary_table(results))
    if results.site_error:
        print(f"itclusters-report: the index of the reports could not be written: "
              f"{results.site_error}", file=sys.stderr)
    for r in results:
        if r.finished and not r.ok:
            where = f" (see {r.outputs[0]})" if r.outputs else ""
            print(f"FAILED {r.run.describe()}: {r.error}{where}", file=sys.stderr)
    signum = getattr(results, "interrupted", None)
    if signum is not None:
        left = [r for r in results if not r.finished]
        print(f"itclusters-report: interrupted by {_SIGNAL_NAMES.get(signum, signum)}; "
              f"{len(results) - len(left)} of {len(results)} runs finished, {len(left)} did "
              f"not (their previous reports, if any, are unchanged)", file=sys.stderr)
        return 128 + signum
    if results.lost:
        left = sum(not r.finished for r in results)
        print(f"itclusters-report: {results.lost}; {len(results) - left} of {len(results)} runs "
              f"finished, {left} did not (their previous reports, if any, are unchanged)",
              file=sys.stderr)
        return EXIT_CANNOT_START
    return 0 if all(r.ok for r in results) else EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    # run the imported module, not this __main__ copy: tasks sent to a Dask cluster must name
    # itclusters.reports.render_run, which a worker can import
    from itclusters.reports import main as _main_of_module

    sys.exit(_main_of_module())
