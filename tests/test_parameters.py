"""Notebook parameters: every one validated by type and range before any work (issue 15.5)."""
import math
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itclusters.parameters import (SEED_MAX, ParameterError, check_choice, check_file,
                                   check_float, check_int, check_range)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))


@pytest.mark.parametrize("call, message", [
    (lambda: check_int("draws", 2.5, 1, 1_000_000),
     "draws 2.5 is not a whole number; allowed: a whole number from 1 to 1,000,000"),
    (lambda: check_int("permutations", 99.5, 99, 99999),
     "permutations 99.5 is not a whole number; allowed: a whole number from 99 to 99,999"),
    (lambda: check_int("seed", "abc", 0, SEED_MAX),
     "seed 'abc' is not a whole number; allowed: a whole number from 0 to 4,294,967,295"),
    (lambda: check_int("seed", -1, 0, SEED_MAX),
     "seed -1 is outside [0, 4294967295]; allowed: a whole number from 0 to 4,294,967,295"),
    (lambda: check_int("draws", True, 1, 10), "draws True is not a whole number; allowed: a whole "
                                              "number from 1 to 10"),
    (lambda: check_float("alpha", math.nan, 0.001, 0.5),
     "alpha nan is not a number; allowed: a number in [0.001, 0.5]"),
    (lambda: check_float("alpha", 0.6, 0.001, 0.5), "alpha 0.6 is outside [0.001, 0.5]"),
    (lambda: check_range("share_threshold", "0.5", 0, 1),
     "share_threshold '0.5' is not a number; allowed: a number in [0, 1]"),
    (lambda: check_choice("year", 2016.0, [2010, 2016], "innovation index"),
     "year 2016.0 is not a whole number; available: 2010, 2016"),
    (lambda: check_choice("scheme", 3, ["grade", "quantiles"], "map classification"),
     "scheme 3 is not a text; available: grade, quantiles"),
    (lambda: check_file("indicators_file", 12345, (".csv", ".xlsx")),
     'indicators_file 12345 is not a file name; allowed: a path to a .csv or .xlsx file, or "" '
     'for none'),
    (lambda: check_file("indicators_file", "mine.json", (".csv", ".xlsx")),
     "indicators_file 'mine.json' is not a .csv or .xlsx file; allowed: a path to a .csv or .xlsx "
     'file, or "" for none'),
])
def test_messages_have_the_shape_of_the_year_message(call, message):
    with pytest.raises(ParameterError) as err:
        call()
    assert str(err.value) == message


def test_files_must_exist_and_not_be_folders(tmp_path):
    with pytest.raises(ParameterError, match=r"indicators_file '.*nowhere.csv' does not exist"):
        check_file("indicators_file", str(tmp_path / "nowhere.csv"), (".csv",))
    folder = tmp_path / "looks.csv"
    folder.mkdir()
    with pytest.raises(ParameterError, match=r"is a folder"):
        check_file("indicators_file", str(folder), (".csv",))
    good = tmp_path / "mine.csv"
    good.write_text("region,year\n")
    check_file("indicators_file", str(good), (".csv",))
    with pytest.raises(ParameterError, match=r"indicators_file '' is not a file name"):
        check_file("indicators_file", "", (".csv",), optional=False)


def test_good_values_pass():
    check_int("seed", 0, 0, SEED_MAX)
    check_int("seed", SEED_MAX, 0, SEED_MAX)
    check_float("alpha", 1, 0, 1)  # a whole number is a number
    check_choice("year", 2016, [2010, 2016])


# --- every notebook's validation cell, driven with random bad values ------------------------------

def _cells(path):
    nb = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    setup = "\n".join(c.source for c in nb.cells[:at] if c.cell_type == "code")
    return setup, nb.cells[at + 1].source


@pytest.fixture(scope="module")
def notebooks():
    """Each notebook's setup run once, its parameters with their defaults, its validation cell."""
    import os

    import matplotlib
    matplotlib.use("Agg")
    here = os.getcwd()
    os.chdir(ROOT / "notebooks")  # where papermill runs them
    try:
        found = {}
        for path in NOTEBOOKS:
            setup, validation = _cells(path)
            namespace: dict = {}
            exec(compile(setup, f"{path.name}:setup", "exec"), namespace)
            parameters = pm.inspect_notebook(str(path))
            defaults = {name: eval(info["default"], {}) for name, info in parameters.items()}
            found[path.stem] = (namespace, parameters, defaults, validation)
        yield found
    finally:
        os.chdir(here)


@pytest.mark.slow
def test_defaults_pass_their_own_validation(notebooks):
    for name, (namespace, _, defaults, validation) in notebooks.items():
        exec(compile(validation, f"{name}:validation", "exec"), {**namespace, **defaults})


_NOT_INT = st.one_of(st.floats(allow_nan=True).filter(lambda x: not float(x).is_integer()),
                     st.text(max_size=8), st.booleans(), st.none(),
                     st.lists(st.integers(), max_size=2))
_BAD_INT_RANGE = st.one_of(st.integers(max_value=-1), st.integers(min_value=10**12))
_NOT_FLOAT = st.one_of(st.text(max_size=8), st.booleans(), st.none(), st.just(math.nan),
                       st.lists(st.floats(), max_size=2))
_BAD_FLOAT_RANGE = st.one_of(st.floats(max_value=-1.0), st.floats(min_value=1e12),
                             st.just(math.inf), st.just(-math.inf))
_NOT_STR = st.one_of(st.integers(), st.floats(), st.booleans(), st.none(),
                     st.lists(st.text(max_size=3), max_size=2))
_BAD_STR = st.text(max_size=12).map(lambda s: "no such " + s)
_BAD = {"int": st.one_of(_NOT_INT, _BAD_INT_RANGE), "float": st.one_of(_NOT_FLOAT, _BAD_FLOAT_RANGE),
        "str": st.one_of(_NOT_STR, _BAD_STR)}


@settings(max_examples=200)
@given(data=st.data())
def test_a_wrong_type_or_range_stops_with_a_message_naming_the_parameter(notebooks, data):
    notebook = data.draw(st.sampled_from(sorted(notebooks)), label="notebook")
    namespace, parameters, defaults, validation = notebooks[notebook]
    name = data.draw(st.sampled_from(sorted(parameters)), label="parameter")
    kind = parameters[name]["inferred_type_name"]
    value = data.draw(_BAD[kind], label="value")
    with pytest.raises(ParameterError) as err:
        exec(compile(validation, f"{notebook}:validation", "exec"),
             {**namespace, **defaults, name: value})
    assert str(err.value).startswith(f"{name} "), (notebook, name, value, str(err.value))


def test_notebook_05_refuses_an_a_from_its_scale_cannot_take(notebooks):
    """Issue 25.6: a_from=50.0 passed validation, then GradeScale failed (50 is the B+ cut)."""
    from itclusters import GradeScale

    namespace, _, defaults, validation = notebooks["05_article_audit"]
    for bad in (50.0, 49.99, 100.5):
        with pytest.raises(ParameterError, match=rf"^a_from {bad} is outside \(50\.0, 100\.0\]; "
                                                 rf"allowed: a number above 50\.0 and at most "
                                                 rf"100\.0"):
            exec(compile(validation, "05:validation", "exec"), {**namespace, **defaults,
                                                                "a_from": bad})
    for good in (50.01, 70, 100.0):
        exec(compile(validation, "05:validation", "exec"), {**namespace, **defaults, "a_from": good})
        GradeScale(cuts=(20, 30, 40, 50, good), labels=("C", "C+", "C++", "B", "B+", "A"))
