"""A value of the wrong type given to any public function fails at once, naming the parameter.

For every function of ``itclusters.__all__`` and each parameter whose annotation can be checked,
hypothesis draws a value of the wrong type; the other required arguments are valid.  The call
must raise a ``TypeError`` or ``ValueError`` (or a subclass) whose message names the parameter,
never an ``AttributeError`` or ``KeyError`` from deep inside pandas.
"""
import functools
import inspect
import re
import tempfile
import typing
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import itclusters as itc
from itclusters._checks import WrongTypeError, checked, rule_for, rules_of

#: Public functions not checked (yet), and why.
EXCLUDED: dict = {}  # every public function is checked

PUBLIC = sorted(name for name in itc.__all__
                if callable(getattr(itc, name)) and not isinstance(getattr(itc, name), type))
CHECKED = [name for name in PUBLIC if name not in EXCLUDED]

# Small matrices and tables, from the library's own data where it is quick to read.
MATRIX = pd.DataFrame({"IT": [4.0, 6.0], "agri": [6.0, 24.0]}, index=["a", "b"])
RAW = pd.DataFrame({code: [1.0, 4.0] for code in ["J_A", "J_B", "J_C", "J_D", "J_E", "J_F"]},
                   index=pd.MultiIndex.from_product([["akmola", "astana"], [2016]],
                                                    names=["region_id", "year"]))


@functools.cache
def _built():
    return itc.build_index(itc.framework.FRAMEWORKS / "article.yaml", RAW)


@functools.cache
def _t1():
    return itc.paper_table(1)


@functools.cache
def _map_axes():
    return itc.choropleth(_t1()["index"], year=2016)


@functools.cache
def _figure():
    return matplotlib.figure.Figure()


def _kz17(value: float) -> pd.Series:
    return pd.Series(value, index=list(itc.layout_units("kz17")))


#: Valid values of each function's required arguments (the others keep their defaults).
VALID = {
    "build_index": lambda: {"framework": itc.framework.FRAMEWORKS / "article.yaml", "data": RAW},
    "coherence": lambda: {"result": _built()},
    "compare": lambda: {"result_a": _built(), "result_b": _built()},
    "rank_sensitivity": lambda: {"result": _built(), "choices": {"normalise": ["leader"]},
                                 "draws": 12},
    "read_framework": lambda: {"path": itc.framework.FRAMEWORKS / "article.yaml"},
    "choropleth": lambda: {"values": _t1()["index"]},
    "class_breaks": lambda: {"values": [1.0, 2.0, 3.0, 4.0]},
    "column_header": lambda: {"code": "ict_lq"},
    "consistent_cuts": lambda: {"values": _t1()["index"], "letters": _t1()["grade"]},
    "crosswalk": lambda: {"source": "kz20", "target": "kz16"},
    "display_name": lambda: {"region_id": "astana"},
    "display_names": lambda: {"ids": ["astana", "akmola"]},
    "format_column": lambda: {"values": pd.Series([0.5, 1.5])},
    "format_table": lambda: {"frame": MATRIX},
    "format_value": lambda: {"value": 1.5},
    "grade": lambda: {"values": [45.0, 61.0]},
    "grade_band": lambda: {"letter": "B"},
    "harmonise": lambda: {"levels": _kz17(1.0)},
    "harmonise_ratio": lambda: {"numerator": _kz17(1.0), "denominator": _kz17(10.0)},
    "hhi": lambda: {"matrix": MATRIX},
    "hoover_index": lambda: {"matrix": MATRIX},
    "indicator_grid": lambda: {"frame": _t1()[["index"]], "year": 2016},
    "innovation_index": lambda: {"df": RAW},
    "it_share": lambda: {"values": pd.Series({"a": 1.0, "b": 3.0})},
    "krugman_index": lambda: {"matrix": MATRIX},
    "layout_name": lambda: {"layout": "kz17"},
    "layout_of": lambda: {"year": 2019},
    "layout_units": lambda: {"layout": "kz20"},
    "location_quotient": lambda: {"matrix": MATRIX},
    "normalise": lambda: {"df": RAW},
    "official_series": lambda: {"name": "grp"},
    "paper_table": lambda: {"n": 2},
    "ranking_table": lambda: {"values": pd.Series({"astana": 1.4, "akmola": 0.5}),
                              "code": "ict_lq"},
    "recolour": lambda: {"ax": _map_axes(), "values": _t1()["index"]},
    "region_name": lambda: {"region_id": "akmola"},
    "resolve_region": lambda: {"name": "Akmola"},
    "save_figure": lambda: {"fig": _figure(), "path": Path(tempfile.gettempdir()) / "x.png"},
    "sector_matrix": lambda: {"year": 2016},
    "sector_share": lambda: {"matrix": MATRIX},
    "small_multiples": lambda: {"values": _t1()["index"], "years": [2010, 2016]},
    "territory_notes": lambda: {"ids": ["astana"]},
    "unit_name": lambda: {"unit_id": "abai"},
    "read_indicators": lambda: {"path": Path(__file__).parent / "data" / "clean_long.csv"},
    "indicator_template": lambda: {"path": Path(tempfile.mkdtemp()) / "template.xlsx"},
}


def _parameters(name):
    function = getattr(itc, name)
    rules = rules_of(function)
    return [(name, p) for p in inspect.signature(function).parameters if p in rules]


CASES = [case for name in CHECKED for case in _parameters(name)]

# Values of many types; each test keeps those its parameter's annotation refuses.
POOL = [None, 0, 7, -1, 2016, 2.5, float("nan"), np.float64(3.0), np.int64(2016), True,
        np.bool_(False), "", "text", "kz16", b"bytes", [], [1, 2], ["astana"], (2010, 2016),
        {"a": 1}, {1, 2}, object(), len, np.array([1.0, 2.0]), pd.Index(["astana"]),
        pd.Series([1.0, 2.0]), pd.DataFrame({"a": [1.0, 2.0]}), Path("nowhere.csv"),
        pd.Timestamp("2016-01-01"), complex(1, 2)]
ANY_VALUE = st.one_of(st.sampled_from(POOL), st.integers(), st.floats(), st.text(max_size=8),
                      st.binary(max_size=4), st.lists(st.integers(), max_size=3),
                      st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
                      st.tuples(st.integers()), st.none())


@pytest.fixture(autouse=True, scope="module")
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize("function, parameter", CASES, ids=[f"{f}-{p}" for f, p in CASES])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data())
def test_a_value_of_the_wrong_type_is_refused_naming_the_parameter(function, parameter, data):
    fn = getattr(itc, function)
    rule = rules_of(fn)[parameter]
    wrong = data.draw(ANY_VALUE.filter(lambda v: not rule.test(v)), label=parameter)
    kwargs = dict(VALID.get(function, dict)())
    args = ()
    if inspect.signature(fn).parameters[parameter].kind is inspect.Parameter.VAR_POSITIONAL:
        args = (wrong,)
    else:
        kwargs[parameter] = wrong
    with pytest.raises((TypeError, ValueError)) as err:
        fn(*args, **kwargs)
    assert re.search(rf"\b{parameter}\b", str(err.value)), str(err.value)


def test_a_list_where_a_table_or_series_is_expected_names_the_argument_and_what_is_allowed():
    with pytest.raises(TypeError) as err:
        itc.location_quotient([1, 2])
    assert str(err.value) == ("location_quotient(): matrix must be a pandas DataFrame, "
                              "got list [1, 2]")
    with pytest.raises(TypeError, match=r"^it_share\(\): values must be a pandas Series, got list "
                                        r"\[1, 2\]; make one with pd.Series"):
        itc.it_share([1, 2])


def test_every_public_function_is_checked():
    assert [name for name in CHECKED if not getattr(getattr(itc, name), "checked", False)] == []
    assert set(EXCLUDED) <= set(PUBLIC)


def test_every_annotated_parameter_is_understood():
    skipped = [(name, p) for name in CHECKED
               for p in inspect.unwrap(getattr(itc, name)).__annotations__
               if p != "return" and p not in rules_of(getattr(itc, name))]
    assert skipped == []


def test_every_default_passes_its_own_annotation():
    wrong = [(name, p.name, p.default) for name in CHECKED
             for p in inspect.signature(getattr(itc, name)).parameters.values()
             if p.default is not p.empty and p.name in rules_of(getattr(itc, name))
             and not rules_of(getattr(itc, name))[p.name].test(p.default)]
    assert wrong == []


def test_values_of_the_right_kind_pass():
    assert itc.layout_of(np.int64(2019)) == "kz17"
    assert itc.resolve_region("Akmola", year=2019.0) == "akmola"  # a year as read from a sheet
    assert itc.display_names(pd.Index(["astana"]), short=np.bool_(True)) == ["Astana"]
    assert itc.grade_band(float("nan")) == itc.grade_band(None) == "no data"
    assert itc.it_share(pd.Series({"a": 1.0}), national_total=np.int64(4)).tolist() == [0.25]


def test_a_wrong_type_is_also_a_value_error_for_callers_that_caught_one_before():
    with pytest.raises(ValueError, match=r"year must be a whole number such as 2019"):
        itc.resolve_region("Akmola", year="2019")
    assert issubclass(WrongTypeError, TypeError)


def test_literals_unions_and_collections():
    @checked
    def pick(method: typing.Literal["leader", "minmax"] | None = None,
             years: typing.Sequence[int] = (), names: typing.Iterable[str] = ()):
        return method

    with pytest.raises(ValueError, match=r"method must be one of 'leader', 'minmax' or None, "
                                         r"got str 'rank'") as err:
        pick("rank")
    assert not isinstance(err.value, TypeError)
    with pytest.raises(TypeError, match=r"years must be a list or tuple \(each a whole number\), "
                                        r"got str '2016'"):
        pick(years="2016")
    assert pick("minmax", years=range(2010, 2012), names="ab") == "minmax"
    assert rule_for(typing.Any) is None and rule_for(typing.TypeVar("T")) is None
