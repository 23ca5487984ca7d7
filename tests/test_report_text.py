"""Issue 22, items 3 and 5: the words a reader of a report or a handout sees.

Every numbered notebook is run once per session at its default parameters (the ``executed``
fixture of tests/conftest.py), and so is every seminar notebook.  What a reader sees of it is what
the report page shows (:func:`itclusters.reports.offline_html`): the Markdown cells and the
outputs (printed text, HTML before Markdown before plain text, as the page chooses), not the
code of a report, which the page hides.  In that text

- no code name: no back-ticks (code type), no identifier joined by "_" (``indicators_file``,
  ``J_A``, ``OD_GRP_PER_CAPITA``, a file name such as ``official_today.yaml``);
- no hyphen-minus as a minus sign ("−3", never " -3" or "(-0.2"), and none in a range of
  numbers ("0–100", "2010–2016", never "0-100").

A seminar handout shows its code, and its Markdown tells the student what to type: there the
Markdown may name code in back-ticks, but no output may show a code name, and no minus is a
hyphen anywhere.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
SEMINAR = sorted((ROOT / "notebooks" / "seminar").glob("*.ipynb"))

#: the mime types a report page shows, most preferred first (itclusters.reports._DISPLAY_PRIORITY)
SHOWN = ("text/html", "text/markdown", "image/png", "image/jpeg", "image/svg+xml", "text/latex",
         "text/plain")

#: an identifier joined by "_" (a variable, a column code, a file name), not inside a word
CODE_NAME = re.compile(r"(?<![\w/.-])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+(?:\.[a-z]{2,4})?"
                       r"(?![\w])")
#: a hyphen-minus used as a minus sign: at the start, or after a space, bracket, sign or
#: separator, and before a digit
HYPHEN_MINUS = re.compile(r"(?:^|(?<=[\s(\[{=:;,/<>≤≥~]))-(?=\.?\d)")
#: a range of numbers joined by a hyphen ("0-100", "2010-2016"): a range takes "–" (U+2013)
HYPHEN_RANGE = re.compile(r"(?<=\d)-(?=\d)")
#: addresses a reader sees as links, whose "_" are not code
_LINK = re.compile(r"\]\([^)]*\)|https?://\S+|<https?://[^>]*>")


class _Text(HTMLParser):
    """The text of an HTML fragment as the browser shows it, and the text set in code type."""

    _HIDDEN = {"style", "script"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.code: list[str] = []
        self._stack: list[str] = []

    #: elements that do not break a line: their text runs on ("J<sub>A</sub>" reads "JA")
    _INLINE = {"a", "abbr", "b", "code", "em", "i", "kbd", "samp", "small", "span", "strong",
               "sub", "sup", "tt", "u", "wbr"}
    _EMPTY = {"br", "img", "hr", "input", "meta", "link", "wbr", "col"}

    def handle_starttag(self, tag, attrs):
        if tag not in self._INLINE:
            self.words.append(" ")
        if tag not in self._EMPTY:
            self._stack.append(tag)

    def handle_endtag(self, tag):
        if tag not in self._INLINE:
            self.words.append(" ")
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass

    def handle_data(self, data):
        if any(t in self._HIDDEN for t in self._stack):
            return
        if any(t in ("code", "kbd", "samp", "tt") for t in self._stack):
            self.code.append(data)
        self.words.append(data)


def html_text(html: str) -> tuple[str, list[str]]:
    """The visible words of ``html`` and its pieces set in code type.

    >>> html_text('<style>.a_b {}</style><p>Mean <code>x_1</code> &minus;3</p><p>J<sub>A</sub>')
    ('Mean x_1 −3 JA', ['x_1'])
    >>> html_text('<table><tr><td>Akmola</td><td>-3</td></tr></table>')[0]
    'Akmola -3'

    """
    parser = _Text()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.words).split()), parser.code


def shown_texts(nb, *, with_code: bool = False):
    """``(where, kind, text)`` for each piece of text a reader of ``nb``'s page sees: ``kind``
    is "markdown" (a Markdown cell), "output" (printed text, Markdown, HTML or plain text of an
    output), or "code" (an HTML output's text set in code type).  ``with_code``: the code cells'
    source is shown too (a handout), and is left out here all the same."""
    for number, cell in enumerate(nb.cells, start=1):
        where = f"cell {number}"
        if cell.cell_type == "markdown":
            yield where, "markdown", cell.source
            continue
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                yield where, "output", output.text
            elif output.output_type == "error":
                yield where, "output", f"{output.ename}: {output.evalue}"
            elif output.output_type in ("display_data", "execute_result"):
                data = output.get("data", {})
                mime = next((m for m in SHOWN if m in data), None)
                if mime == "text/html":
                    words, code = html_text(data[mime])
                    yield where, "output", words
                    for piece in code:
                        yield where, "code", piece
                elif mime in ("text/markdown", "text/plain", "text/latex"):
                    yield where, "output", data[mime]


def code_names(text: str, markdown: bool) -> list[str]:
    """The code names in a piece of text: identifiers joined by "_", and, in Markdown, pieces in
    back-ticks.

    >>> code_names("No `indicators_file` given; see [the data](data/README_x.md).", True)
    ['`indicators_file`', 'indicators_file']
    >>> code_names("Regions J_A and OD_GRP_PER_CAPITA, from official_today.yaml", False)
    ['J_A', 'OD_GRP_PER_CAPITA', 'official_today.yaml']
    >>> code_names("North-Kazakhstan, 2010–2016, a well-known co-operation", False)
    []
    """
    text = _LINK.sub("", text)
    found = []
    if markdown:
        found += re.findall(r"`[^`\n]*`", text)
    found += CODE_NAME.findall(text)
    return found


def hyphen_minuses(text: str) -> list[str]:
    """Each hyphen-minus used as a minus sign, with the characters around it.

    >>> hyphen_minuses("grew -3 % (from -0.2); index, 0-100; 2010-2016; −4; a - b")
    ['grew -3 %', 'from -0.2']
    """
    return [text[max(0, m.start() - 5):m.end() + 3] for m in HYPHEN_MINUS.finditer(text)]


def hyphen_ranges(text: str) -> list[str]:
    """Each range of numbers written with a hyphen, with the characters around it.

    >>> hyphen_ranges("index, 0-100; 2010–2016; KZ-AST; 9.5.1")
    ['x, 0-100;']
    """
    return [text[max(0, m.start() - 4):m.end() + 4] for m in HYPHEN_RANGE.finditer(text)]


def _check(nb, name: str, *, handout: bool) -> list[str]:
    problems = []
    for where, kind, text in shown_texts(nb):
        if kind == "code":  # an output's HTML set in code type: a code name in any page
            problems.append(f"{name}, {where}: {text!r} in code type")
            continue
        markdown = kind == "markdown"
        if not (handout and markdown):
            for found in dict.fromkeys(code_names(text, markdown)):
                problems.append(f"{name}, {where} ({kind}): code name {found!r}")
        if markdown:  # fenced code in a Markdown cell (a solution) is code, not words
            text = re.sub(r"```.*?```", "", text, flags=re.S)
        for found in hyphen_minuses(text):
            problems.append(f"{name}, {where} ({kind}): hyphen for minus in {found!r}")
        for found in hyphen_ranges(text):
            problems.append(f"{name}, {where} ({kind}): hyphen for a range in {found!r}")
    return problems


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_report_text_has_no_code_names_and_no_hyphen_minus(path, executed):
    nb = executed(path)
    kinds = {kind for _, kind, text in shown_texts(nb) if text.strip()}
    assert {"markdown", "output"} <= kinds, f"{path.name}: no text found"
    problems = _check(nb, path.stem, handout=False)
    assert problems == [], "\n".join(problems)


@pytest.mark.notebook
@pytest.mark.parametrize("path", SEMINAR, ids=lambda p: p.stem)
def test_handout_outputs_have_no_code_names_and_no_hyphen_minus(path, executed):
    nb = executed(path)
    problems = _check(nb, path.stem, handout=True)
    assert problems == [], "\n".join(problems)


# --- one name, one unit, one citation (issue 22, item 3) ---------------------------------------
#
# Every indicator's label and unit come from the catalogue (itclusters.catalogue.INDICATORS), the
# single source: a notebook that prints one takes it from there (``INDICATORS[code].label``,
# ``.unit``, ``.source``, ``column_header(code)``), never types it again.  So no string in a
# notebook's code repeats a catalogue label or unit, or writes the unit of a location quotient
# its own way; every table header that carries a catalogue unit carries its indicator's label
# (and the other way round); the article is cited in one form; regions are named in one form in
# prose and tables (the short form is the maps'); and the groups of notebook 03 have one colour
# on its chart and its map (tests/test_charts.py).

CITATION = re.compile(r"Kireyeva,\s+Mussabalina\s+(?:&|&amp;|and)\s+Tolysbaev\s+\(2018\)")


def _catalogue():
    from itclusters.catalogue import INDICATORS

    labels = {i.label: code for code, i in INDICATORS.items()}
    # units a reader could not mistake for a generic one ("million KZT", "% a year" also
    # describe columns outside the catalogue); a user's own index ("your_...") is not checked
    units: dict[str, set] = {}
    for code, indicator in INDICATORS.items():
        if not code.startswith("your_"):
            units.setdefault(indicator.unit, set()).add(indicator.label)
    return labels, {u: ls for u, ls in units.items() if len(u) > 11}


_ABBREVIATIONS = {"lq": "location quotient", "gva": "gross value added"}
_SMALL_WORDS = {"a", "an", "the", "of", "in", "as", "and", "on", "to"}


def _words(label: str) -> set[str]:
    text = label.lower()
    for short, long in _ABBREVIATIONS.items():
        text = re.sub(rf"\b{short}\b", long, text)
    return set(re.findall(r"[a-z0-9&]+", text)) - _SMALL_WORDS


def another_name(label: str, names) -> str | None:
    """The catalogue label among ``names`` that ``label`` is another wording of (its words,
    abbreviations spelt out, are some of that label's, or the other way round), if any.

    >>> another_name("ICT LQ", ["ICT (section J) location quotient"])
    'ICT (section J) location quotient'
    >>> another_name("IT location quotient, IT / GRP", ["ICT (section J) location quotient"])
    >>> another_name("ICT (section J) location quotient", ["ICT (section J) location quotient"])
    """
    if label in names:
        return None
    words = _words(label)
    return next((n for n in sorted(names)
                 if words and (words <= _words(n) or _words(n) <= words)), None)


def miscited(text: str) -> list[str]:
    """Each mention of the article's first author not in the suite's citation form.

    >>> miscited("Kireyeva, Mussabalina & Tolysbaev (2018), Table 1; Kireyeva et al. (2018)")
    ['Kireyeva et al. (2018)']
    """
    good = {m.start() for m in CITATION.finditer(text)}
    return [text[m.start():m.start() + 22] for m in re.finditer(r"Kireyeva", text)
            if m.start() not in good]


def _literals(source: str) -> list[str]:
    """The strings written in a code cell (f-strings by their literal parts)."""
    import ast

    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    tree = ast.parse("\n".join(lines))
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


@pytest.mark.parametrize("path", NOTEBOOKS + SEMINAR, ids=lambda p: p.stem)
def test_notebooks_take_labels_units_and_citation_from_the_catalogue(path):
    import nbformat

    labels, units = _catalogue()
    nb = nbformat.read(path, as_version=4)
    problems = []
    for number, cell in enumerate(nb.cells, start=1):
        problems += [f"cell {number}: {m!r}" for m in miscited(cell.source)]
        if cell.cell_type != "code":
            continue
        for text in _literals(cell.source):
            if text in labels:
                problems.append(f"cell {number}: the label of {labels[text]} typed: {text!r}")
            if text.strip() in units:
                problems.append(f"cell {number}: a catalogue unit typed: {text!r}")
            if "1 = national" in text:
                problems.append(f"cell {number}: a location quotient's unit typed: {text!r}")
    assert problems == [], f"{path.name}: take these from the catalogue:\n" + "\n".join(problems)


def test_the_library_cites_the_article_in_one_form():
    files = [*sorted((ROOT / "lib" / "itclusters").glob("*.py")),
             *sorted((ROOT / "data" / "frameworks").glob("*.yaml"))]
    found = {f.name: miscited(f.read_text(encoding="utf-8")) for f in files}
    assert {k: v for k, v in found.items() if v} == {}
    from itclusters.catalogue import ARTICLE, INDICATORS

    assert CITATION.fullmatch(ARTICLE)
    assert all(ARTICLE in i.source for i in INDICATORS.values() if "Table" in i.source)


class _Headers(HTMLParser):
    """The column headers of the tables in an HTML output, as (words, unit) pairs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.headers: list[list[str]] = []
        self._in = False

    def handle_starttag(self, tag, attrs):
        if tag == "th" and "col_heading" in (dict(attrs).get("class") or ""):
            self._in = True
            self.headers.append([])
        elif tag == "br" and self._in:
            self.headers[-1].append("\n")

    def handle_endtag(self, tag):
        if tag == "th":
            self._in = False

    def handle_data(self, data):
        if self._in:
            self.headers[-1].append(data)


def table_headers(html: str) -> list[tuple[str, str]]:
    """(label, unit) of each column header of the tables in ``html`` (the unit in brackets on
    its second line, as format_table writes it; "" without one).

    >>> table_headers('<th class="col_heading level0">GRP per capita <br>(thousand KZT per '
    ...               'person)</th><th class="col_heading level0">Rank</th>')
    [('GRP per capita', 'thousand KZT per person'), ('Rank', '')]
    """
    parser = _Headers()
    parser.feed(html)
    out = []
    for pieces in parser.headers:
        label, _, unit = "".join(pieces).partition("\n")
        unit = unit.strip()
        out.append((" ".join(label.split()), unit[1:-1] if unit.startswith("(") else unit))
    return out


#: short forms of region names: the maps' only (presentation._SHORT), and an old spelling
_NOT_IN_PROSE = re.compile(r"\b(?:West|North|East|South)-Kaz\.|Almaty reg\.|Almaty \(city\)")


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS + SEMINAR, ids=lambda p: p.stem)
def test_one_label_one_unit_one_name_in_what_a_notebook_shows(path, executed):
    from itclusters.catalogue import INDICATORS

    labels, units = _catalogue()
    nb = executed(path)
    problems = []
    for where, kind, text in shown_texts(nb):
        problems += [f"{where}: {m!r}" for m in miscited(text)]
        problems += [f"{where}: the map's short name {m!r} in {kind}"
                     for m in _NOT_IN_PROSE.findall(text)]
    for number, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html", "")
            for label, unit in table_headers(html):
                same = another_name(label, units[unit]) if unit in units else None
                if same:
                    problems.append(f"cell {number}: header {label!r} ({unit}) for the "
                                    f"catalogue's {same!r}")
                if label in labels and unit and unit != INDICATORS[labels[label]].unit:
                    problems.append(f"cell {number}: {label!r} in {unit!r}, not in "
                                    f"{INDICATORS[labels[label]].unit!r}")
    assert problems == [], f"{path.name}:\n" + "\n".join(problems)


def test_one_unit_per_indicator_in_tables_maps_and_the_explorer():
    """Tables format an indicator with FORMATS, maps and the explorer print the catalogue's
    unit, the notebook of today's layouts reads TODAY_INDICATORS: all say the same."""
    from itclusters.catalogue import INDICATORS
    from itclusters.presentation import FORMATS
    from itclusters.today import TODAY_INDICATORS
    from itclusters.widgets import _about

    assert {c: (FORMATS[c].unit, i.unit) for c, i in INDICATORS.items()
            if FORMATS[c].unit != i.unit} == {}
    for code, indicator in TODAY_INDICATORS.items():
        same = INDICATORS["ict_lq_grp" if code == "ict_lq" else code]
        assert (indicator.label, indicator.unit) == (same.label, same.unit), code
    labels = [i.label for i in INDICATORS.values()]
    assert len(set(labels)) == len(labels)  # one indicator, one label, and no label twice
    assert all(_about(c).label == i.label and _about(c).unit == i.unit
               for c, i in INDICATORS.items())
