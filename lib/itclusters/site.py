"""The site of the reports: ``reports/index.html``, thumbnails, and each page's header.

Built by ``itclusters-report`` at the end of every batch from what is on disk in the output
folder (every report there, not only the batch's runs)::

    reports/index.html                        one section per notebook, then the handouts
    reports/thumbs/<notebook>/<name>.png      the first figure of each report, small
    reports/<notebook>/<name>.html            its header <nav id="itclusters-siblings">: back
                                              to the index and to the notebook's other runs

The pages are rendered from the Jinja templates shipped in ``itclusters/share/site/``.  Every
link is relative, so the folder opens from the file system and from any static host.  A file
is rewritten only when its bytes change (under a temporary name, then renamed): a batch that ran
nothing leaves every file as it was, and a page's bytes depend only on the reports on disk.
"""
from __future__ import annotations

import base64
import io
import json
import os
import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

__all__ = ["ReportFile", "read_report", "describe_parameters", "report_nav", "build_site",
           "NAV_ID"]

#: the ``id`` of the header each report page carries (rewritten by :func:`build_site`)
NAV_ID = "itclusters-siblings"
#: folders of the output folder that are not a notebook's reports
_NOT_NOTEBOOKS = {"thumbs", "handouts"}
#: the largest thumbnail, in pixels
THUMB_SIZE = (320, 240)
#: the longest purpose shown under a notebook's title, in characters
_PURPOSE_MAX = 260
_NAV = re.compile(rb'<nav\b[^>]*\bid="' + NAV_ID.encode() + rb'"[^>]*>.*?</nav>\n?', re.S)
_TEMPLATES = Path(__file__).resolve().parent / "share" / "site"


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    environment = Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)
    environment.filters["inline_html"] = _inline_html
    return environment


# --------------------------------------------------------------------------------------------
# one report as read from disk

@dataclass(frozen=True)
class ReportFile:
    """What the site and the incremental decision read of one executed ``.ipynb``."""

    record: dict | None  # the provenance (metadata ``itclusters``); None when unreadable
    problem: str = ""  # why it is unreadable
    heading: str = ""  # the first Markdown heading
    purpose: str = ""  # the first sentence after it
    png: str | None = None  # the first image/png output, base64
    error: str = ""  # the first line of the error of a failed run
    end_time: str = ""  # when papermill finished it (ISO 8601)


def read_report(path: Path) -> ReportFile:
    """The report at ``path`` (cached while the file is unchanged)."""
    try:
        stat = path.stat()
    except OSError as err:
        return ReportFile(None, err.strerror or str(err))
    return _read_report(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=128)
def _read_report(path: str, mtime_ns: int, size: int) -> ReportFile:
    try:
        notebook = json.loads(Path(path).read_bytes())
    except OSError as err:
        return ReportFile(None, err.strerror or str(err))
    except (ValueError, UnicodeDecodeError) as err:
        return ReportFile(None, f"not a notebook: {str(err).splitlines()[0]}")
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return ReportFile(None, "not a notebook: no cells")
    metadata = notebook.get("metadata") if isinstance(notebook.get("metadata"), dict) else {}
    record = metadata.get("itclusters")
    problem = "" if isinstance(record, dict) else "no itclusters provenance in its metadata"
    heading = purpose = error = ""
    png = None
    for cell in notebook["cells"]:
        if not isinstance(cell, dict):
            continue
        source = _text(cell.get("source", ""))
        if cell.get("cell_type") == "markdown" and not heading:
            heading, purpose = _heading_and_purpose(source)
        for output in cell.get("outputs", []) or []:
            if not isinstance(output, dict):
                continue
            data = output.get("data") or {}
            if png is None and isinstance(data, dict) and "image/png" in data:
                png = _text(data["image/png"])
            if not error and output.get("output_type") == "error":
                error = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
    if isinstance(record, dict) and record.get("error"):
        error = str(record["error"])
    error = error.strip().splitlines()[0] if error.strip() else ""
    papermill = metadata.get("papermill") if isinstance(metadata.get("papermill"), dict) else {}
    return ReportFile(record if isinstance(record, dict) else None, problem, heading, purpose,
                      png, _strip_ansi(error), str(papermill.get("end_time") or ""))


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _plain(markdown: str) -> str:
    """Markdown inline syntax removed: links, code, emphasis."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = text.replace("`", "").replace("**", "").replace("__", "")
    text = re.sub(r"(?<![\w*])[*_]([^*_\n]+)[*_](?![\w*])", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def _heading_and_purpose(source: str) -> tuple[str, str]:
    """The first heading of a Markdown cell and the first sentence of its first paragraph.

    >>> _heading_and_purpose("# 5 · Audit\\n\\nEvery number is *checked*. Then more.")
    ('5 · Audit', 'Every number is checked.')
    """
    heading, paragraph = "", []
    for line in source.splitlines():
        if line.startswith("#"):
            if not heading:
                heading = _plain(line.lstrip("#"))
            if paragraph:
                break
            continue
        if not line.strip():
            if paragraph:
                break
            continue
        paragraph.append(line)
    text = _plain(" ".join(paragraph))
    sentence = re.split(r"(?<=[.?!])\s+(?=[A-Z0-9\"“(])", text, maxsplit=1)[0]
    return heading, _shortened(sentence)


#: the inline HTML a purpose keeps: the subscripts and superscripts of its formulas
_INLINE_TAGS = "sub|sup"
_INLINE_TAG = re.compile(rf"</?(?:{_INLINE_TAGS})>")


def _shortened(text: str, limit: int = _PURPOSE_MAX) -> str:
    """``text`` cut at the last space within ``limit`` shown characters, with " …"; a tag of
    :data:`_INLINE_TAG` is not counted and a subscript is never cut in two.

    >>> _shortened("the ratio R<sub>IT</sub> / C<sub>IT</sub> of the two", limit=17)
    'the ratio R<sub>IT</sub> / …'
    """
    shown, cut, inside, at = 0, None, False, 0
    for tag in [*_INLINE_TAG.finditer(text), None]:
        end = tag.start() if tag else len(text)
        for i in range(at, end):
            if text[i] == " " and not inside and shown <= limit:
                cut = i
            shown += 1
        if tag:
            at, inside = tag.end(), not tag[0].startswith("</")
    if shown <= limit or cut is None:
        return text
    return text[:cut].rstrip(",;: ") + " …"


def _inline_html(text: str):
    """``text`` as HTML: escaped, but for the tags of :data:`_INLINE_TAG` (a purpose's formulas
    are written "J<sub>D</sub>" in the notebooks' Markdown).

    >>> str(_inline_html("J<sub>D</sub> & <b>x</b>"))
    'J<sub>D</sub> &amp; &lt;b&gt;x&lt;/b&gt;'
    """
    from markupsafe import Markup, escape

    return Markup(re.sub(rf"&lt;(/?)({_INLINE_TAGS})&gt;", r"<\1\2>", str(escape(text))))


# --------------------------------------------------------------------------------------------
# parameters in words

def _value_in_words(value) -> str:
    """A parameter's value as the figures say it: an indicator's code by its catalogue label.

    >>> _value_in_words("ict_lq")
    'ICT (section J) location quotient'
    >>> _value_in_words(2010), _value_in_words(70.0), _value_in_words(None)
    ('2010', '70', 'none')
    """
    from .catalogue import INDICATORS

    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_value_in_words(v) for v in value)
    if _is_indicator(value):
        return INDICATORS[value].label
    return str(value)


def _name_in_words(name: str) -> str:
    return str(name).replace("_", " ")


def _is_indicator(value) -> bool:
    from .catalogue import INDICATORS

    return isinstance(value, str) and value in INDICATORS


def describe_parameters(params: dict | None) -> str:
    """Parameters as a reader says them: an indicator by its label alone, anything else by
    its name and value; " · " between them, as a label may hold a comma.

    >>> describe_parameters({"year": 2010, "specialisation": "ksi"})
    'IT specialisation index, formula (5) (published) · year 2010'
    >>> describe_parameters({"a_from": 70.0, "draws": None, "map": True})
    'a from 70 · draws none · map yes'
    >>> describe_parameters({})
    'default parameters'
    """
    if not params:
        return "default parameters"
    return " · ".join(_value_in_words(params[k]) if _is_indicator(params[k])
                      else f"{_name_in_words(k)} {_value_in_words(params[k])}"
                      for k in sorted(params))


def _sort_key(params: dict | None, slug: str):
    def value_key(value):
        if isinstance(value, bool) or value is None:
            return (2, str(value))
        if isinstance(value, (int, float)):
            return (0, value)
        return (1, _value_in_words(value).casefold())  # in the order of what is shown
    if params is None:
        return (1, (), slug)
    return (0, tuple((k, value_key(params[k])) for k in sorted(params)), slug)


def _sibling_labels(runs: list["SiteRun"]) -> tuple[str, list[str]]:
    """A prefix ("year") and each run's label ("2010") for a notebook's switcher.

    The parameters that differ between the runs are named; one such parameter, present in
    every run, is said once, as the prefix.
    """
    readable = [r.params for r in runs if r.params is not None]
    names = sorted({k for p in readable for k in p})
    varying = [n for n in names
               if len({json.dumps(p.get(n, "\0absent"), default=str) for p in readable}) > 1]
    if len(varying) == 1 and all(r.params is not None and varying[0] in r.params for r in runs):
        name = varying[0]
        return _name_in_words(name), [_value_in_words(r.params[name]) for r in runs]
    labels = []
    for r in runs:
        if r.params is None:
            labels.append(r.slug)
        else:
            shown = {k: v for k, v in r.params.items() if k in varying} if varying else r.params
            labels.append(describe_parameters(shown))
    return "runs of this notebook", labels


# --------------------------------------------------------------------------------------------
# the site

def _href(*parts: str) -> str:
    """A relative URL of a path inside the output folder."""
    return "/".join(urllib.parse.quote(part, safe="=,+@!$()*;~'") for part in parts)


@dataclass
class SiteRun:
    notebook: str
    slug: str
    params: dict | None
    ok: bool  # False: the last attempt failed
    page: Path | None  # the report's HTML (the last good one for a failed run)
    source: Path  # the .ipynb read (the good one, else the failed one)
    report: ReportFile
    error: str = ""
    date: str = ""
    label: str = ""
    thumb: str = ""  # relative to the output folder
    thumb_size: tuple[int, int] = (0, 0)
    href: str = ""
    failed_href: str = ""
    alt: str = ""


@dataclass
class Section:
    notebook: str
    heading: str
    purpose: str
    runs: list[SiteRun] = field(default_factory=list)

    @property
    def id(self) -> str:
        return "nb-" + re.sub(r"[^\w-]", "-", self.notebook)


def _date(end_time: str, path: Path) -> str:
    try:
        when = datetime.fromisoformat(end_time)
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
    except ValueError:
        when = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _collect(out_dir: Path) -> list[Section]:
    sections = []
    for folder in sorted(p for p in out_dir.iterdir() if p.is_dir()):
        if folder.name.startswith(".") or folder.name in _NOT_NOTEBOOKS:
            continue
        slugs: dict[str, dict[str, Path]] = {}
        for file in folder.iterdir():
            if file.name.startswith(".") or not file.is_file():
                continue
            if file.name.endswith(".failed.ipynb"):
                slugs.setdefault(file.name[:-len(".failed.ipynb")], {})["failed"] = file
            elif file.suffix in (".ipynb", ".html"):
                slugs.setdefault(file.stem, {})[file.suffix[1:]] = file
        runs = []
        for slug, files in slugs.items():
            good = "ipynb" in files and "html" in files
            if not good and "failed" not in files:
                continue  # half a report (an .html alone): not a report of the batch
            source = files["ipynb"] if good else files["failed"]
            report = read_report(source)
            failed = read_report(files["failed"]) if "failed" in files else None
            record = report.record or (failed.record if failed else None)
            params = record.get("parameters") if isinstance(record, dict) else None
            run = SiteRun(folder.name, slug, params if isinstance(params, dict) else None,
                          failed is None, files["html"] if good else None, source, report)
            run.error = (failed.error or "the run failed (see its executed notebook)") \
                if failed else ""
            run.date = _date((failed or report).end_time, files.get("failed", source))
            run.href = _href(folder.name, files["html"].name) if good else ""
            run.failed_href = _href(folder.name, files["failed"].name) if failed else ""
            runs.append(run)
        if not runs:
            continue
        runs.sort(key=lambda r: _sort_key(r.params, r.slug))
        for run in runs:
            run.label = describe_parameters(run.params) if run.params is not None else run.slug
        newest = max(runs, key=lambda r: (r.report.end_time, r.slug))
        sections.append(Section(folder.name, newest.report.heading or folder.name,
                                newest.report.purpose, runs))
    return sections


def _png_size(data: bytes) -> tuple[int, int]:
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _thumbnail(png_base64: str) -> bytes:
    from PIL import Image

    image = Image.open(io.BytesIO(base64.b64decode(png_base64)))
    image.load()
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA")
    image.thumbnail(THUMB_SIZE, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)  # no date, no text chunk: reproducible
    return buffer.getvalue()


def _write_if_changed(path: Path, data: bytes) -> bool:
    from .reports import _atomic_write

    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write({path: data})
    return True


def _thumbnails(out_dir: Path, sections: list[Section]) -> None:
    """Each report's first figure, small, as ``thumbs/<notebook>/<name>.png``.

    Made again only when its report is newer; thumbnails of reports gone are removed.
    """
    thumbs = out_dir / "thumbs"
    wanted = set()
    for section in sections:
        for run in section.runs:
            if run.page is None or run.report.png is None:
                continue
            path = thumbs / run.notebook / f"{run.slug}.png"
            wanted.add(path)
            try:
                fresh = path.stat().st_mtime_ns >= run.source.stat().st_mtime_ns
            except OSError:
                fresh = False
            if not fresh:
                try:
                    data = _thumbnail(run.report.png)
                except Exception:  # noqa: BLE001 - a picture Pillow cannot read: no thumbnail
                    continue
                if not _write_if_changed(path, data):
                    os.utime(path)  # the same picture: newer than its report from now on
            run.thumb = _href("thumbs", run.notebook, path.name)
            with open(path, "rb") as handle:
                run.thumb_size = _png_size(handle.read(24))
            run.alt = f"First figure of “{section.heading}”, {run.label}"
    if thumbs.is_dir():
        for stale in sorted(thumbs.rglob("*"), reverse=True):
            if stale.is_file() and stale not in wanted and not stale.name.startswith("."):
                stale.unlink(missing_ok=True)
            elif stale.is_dir() and not any(stale.iterdir()):
                stale.rmdir()


def _handouts(out_dir: Path) -> list[dict]:
    """The seminar handouts found under ``handouts/<copy>/<notebook>.html``."""
    folder = out_dir / "handouts"
    found: dict[str, dict] = {}
    if not folder.is_dir():
        return []
    for page in sorted(folder.glob("*/*.html")):
        if page.name.startswith("."):
            continue
        entry = found.setdefault(page.stem, {"name": page.stem, "title": "", "copies": []})
        kind = page.parent.name
        entry["copies"].append({"kind": kind, "href": _href("handouts", kind, page.name),
                                "label": {"student": "student copy",
                                          "teacher": "teacher copy (with solutions)"}.get(
                                              kind, f"{kind} copy")})
        if not entry["title"] or kind == "student":
            match = re.search(rb"<title>(.*?)</title>", page.read_bytes(), re.S | re.I)
            if match:
                import html

                title = html.unescape(match[1].decode("utf-8", "replace")).strip()
                entry["title"] = re.sub(r"\s*\(with solutions\)$", "", title)
    for entry in found.values():
        entry["title"] = entry["title"] or entry["name"]
        entry["copies"].sort(key=lambda c: (c["kind"] != "student", c["kind"]))
    return list(found.values())


def report_nav(siblings: list[dict] | None = None, prefix: str = "",
               section: str | None = None) -> str:
    """The header of a report page: back to the index (at the notebook's ``section``, its id
    there, given) and, given, the sibling runs.

    ``siblings``: ``{"href", "label", "current"}`` in order, the page itself included.
    """
    index_href = "../index.html" + (f"#{section}" if section else "")
    return _environment().get_template("nav.html.j2").render(
        index_href=index_href, siblings=siblings or [], prefix=prefix,
        nav_id=NAV_ID) + "\n"


def _rewrite_navs(sections: list[Section]) -> None:
    """Each page's header lists the reports of its notebook that are on disk now."""
    for section in sections:
        pages = [r for r in section.runs if r.page is not None]
        prefix, labels = _sibling_labels(pages)
        for run in pages:
            siblings = [{"href": _href(other.page.name), "label": label,
                         "current": other is run} for other, label in zip(pages, labels)]
            nav = report_nav(siblings if len(pages) > 1 else [], prefix,
                             section.id).encode("utf-8")
            data = run.page.read_bytes()
            match = _NAV.search(data)
            if match:
                data = data[:match.start()] + nav + data[match.end():]
            elif b"<main>" in data:  # a page made before the header existed
                at = data.index(b"<main>")
                data = data[:at] + nav + data[at:]
            else:
                continue
            _write_if_changed(run.page, data)


def build_site(out_dir: str | os.PathLike) -> Path:
    """Write ``index.html``, the thumbnails and each page's header from the reports on disk."""
    out_dir = Path(out_dir)
    sections = _collect(out_dir)
    _thumbnails(out_dir, sections)
    _rewrite_navs(sections)
    handouts = _handouts(out_dir)
    failed = sum(not r.ok for s in sections for r in s.runs)
    text = _environment().get_template("index.html.j2").render(
        sections=sections, handouts=handouts, failed=failed,
        reports=sum(len(s.runs) for s in sections))
    index = out_dir / "index.html"
    _write_if_changed(index, text.encode("utf-8"))
    return index
