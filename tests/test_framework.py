"""The composite-indicator workbench: framework files, the build, the audit (issue 24).

Every method is checked against its definition or an independent library; the article's
framework against :func:`itclusters.innovation_index`.
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

import itclusters as itc
from itclusters.build import (BuildError, aggregate_rows, cronbach_alpha, derive_weights,
                              jrc_treatment, normalise_column)
from itclusters.framework import FRAMEWORKS, FrameworkError, read_framework

DATA = Path(__file__).parent / "data"
ARTICLE = FRAMEWORKS / "article.yaml"
CODES = ["J_A", "J_B", "J_C", "J_D", "J_E", "J_F"]


def _panel(values: dict, years=(2016,)) -> pd.DataFrame:
    n = len(next(iter(values.values()))) // len(years)
    index = pd.MultiIndex.from_product([[f"u{i}" for i in range(n)], list(years)],
                                       names=["region_id", "year"])
    return pd.DataFrame(values, index=index)


def _framework(tmp_path, text: str, name="fw.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _line(text: str, fragment: str, nth: int = 1) -> int:
    """The line number (1 = first) of the nth line holding ``fragment``."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if fragment in line]
    return hits[nth - 1]


# --- the shipped frameworks reproduce the suite's index ---------------------------------------

def test_the_article_framework_is_formulas_1_to_4():
    fw = read_framework(ARTICLE)
    assert fw.indicators == ["J_D", "J_E", "J_F", "J_A", "J_B", "J_C"]
    assert fw.children("susceptibility") == ["J_D", "J_E", "J_F"]
    assert fw.children("activity") == ["J_A", "J_B", "J_C"]
    assert fw.weights("index") == {"susceptibility": 0.5, "activity": 0.5}
    assert set(fw.weights("activity").values()) == {1 / 3}
    assert {fw.method(c, "normalise") for c in fw.indicators} == {"leader"}
    assert {fw.method(c, "aggregate") for c in fw.aggregates} == {"arithmetic"}
    assert [fw.steps[s]["method"] for s in ("screen", "impute", "treat")] == ["none"] * 3


@pytest.mark.parametrize("fixture", ["clean_long.csv", "kz20_2023.csv"])
def test_the_article_framework_gives_innovation_index_on_the_user_data_fixtures(fixture):
    raw = itc.read_indicators(DATA / fixture)
    result = itc.build_index(ARTICLE, raw)
    pd.testing.assert_frame_equal(result.aggregates, itc.innovation_index(raw),
                                  check_exact=True, check_names=False)
    assert result.log.empty  # nothing screened, imputed or treated
    # the fixture's missing cell (Atyrau 2015 J_C) stays missing, and so does what rests on it
    assert result.normalised.isna().sum().sum() == raw.isna().sum().sum()


@pytest.mark.slow
def test_the_open_data_framework_gives_notebook_07s_composite():
    from itclusters.today import official_composite

    raw, metadata = official_composite()
    result = itc.build_index(FRAMEWORKS / "open_data.yaml", raw)
    pd.testing.assert_frame_equal(result.aggregates, itc.innovation_index(raw, metadata),
                                  check_exact=True)


VALUE = st.one_of(st.floats(0.0, 1e6, allow_nan=False), st.just(np.nan),
                  st.floats(1e-3, 10.0))


@pytest.mark.slow
@settings(max_examples=24)
@given(regions=st.integers(2, 8), years=st.integers(1, 3), data=st.data())
def test_the_article_framework_gives_innovation_index_on_random_tables(regions, years, data):
    cells = data.draw(st.lists(VALUE, min_size=regions * years * 6, max_size=regions * years * 6))
    index = pd.MultiIndex.from_product([[f"r{i}" for i in range(regions)],
                                        list(range(2010, 2010 + years))],
                                       names=["region_id", "year"])
    raw = pd.DataFrame(np.reshape(cells, (len(index), 6)), index=index, columns=CODES)
    try:
        expected = itc.innovation_index(raw)
    except ValueError as err:  # no positive leader in some year: both refuse
        with pytest.raises(ValueError, match="leader|leading value"):
            itc.build_index(ARTICLE, raw)
        assume(False)
        raise AssertionError from err  # pragma: no cover
    pd.testing.assert_frame_equal(itc.build_index(ARTICLE, raw).aggregates, expected,
                                  check_exact=True, check_names=False)


# --- normalisation and aggregation, against their formulas ------------------------------------

X = pd.Series([4.0, 10.0, 1.0, 7.0, 7.0])


@pytest.mark.parametrize("method, direction, expected", [
    ("leader", 1, X / 10 * 100),
    ("leader", -1, 1.0 / X / (1.0 / X).max() * 100),
    ("minmax", 1, (X - 1) / 9 * 100),
    ("minmax", -1, (10 - X) / 9 * 100),
    ("zscore", 1, (X - X.mean()) / X.std(ddof=1)),
    ("zscore", -1, (X.mean() - X) / X.std(ddof=1)),
    ("rank", 1, pd.Series([2.0, 5.0, 1.0, 3.5, 3.5])),
    ("rank", -1, pd.Series([4.0, 1.0, 5.0, 2.5, 2.5])),
    ("percentile", 1, pd.Series([stats.percentileofscore(X, v, kind="weak") for v in X])),
    ("percentile", -1, pd.Series([stats.percentileofscore(-X, -v, kind="weak") for v in X])),
])
def test_each_normalisation_is_its_formula(method, direction, expected):
    got = normalise_column(X, method, direction)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12)


def test_goalposts_clip_to_0_100_and_turn_for_less_is_better():
    got = normalise_column(X, "goalposts", 1, (2.0, 8.0))
    assert got.tolist() == pytest.approx([100 / 3, 100, 0, 250 / 3, 250 / 3])
    assert normalise_column(X, "goalposts", -1, (2.0, 8.0)).tolist() == pytest.approx(
        [200 / 3, 0, 100, 50 / 3, 50 / 3])


def test_the_leader_scores_100_and_missing_stays_missing():
    x = pd.Series([3.0, np.nan, 6.0])
    got = normalise_column(x, "leader")
    assert got.iloc[2] == 100.0 and np.isnan(got.iloc[1])


KIDS = pd.DataFrame({"a": [1.0, 4.0, 9.0, 2.0], "b": [3.0, 4.0, 1.0, 8.0],
                     "c": [2.0, 5.0, 5.0, np.nan]})
W = np.array([0.5, 0.3, 0.2])


@pytest.mark.parametrize("method, power, reference", [
    ("arithmetic", 1.0, lambda x: np.average(x, axis=1, weights=W)),
    ("geometric", 1.0, lambda x: stats.gmean(x, axis=1, weights=W)),
    ("harmonic", 1.0, lambda x: stats.hmean(x, axis=1, weights=W)),
    ("generalised", 2.0, lambda x: stats.pmean(x, 2.0, axis=1, weights=W)),
    ("generalised", -0.5, lambda x: stats.pmean(x, -0.5, axis=1, weights=W)),
    ("generalised", 0.0, lambda x: stats.gmean(x, axis=1, weights=W)),
])
def test_each_mean_agrees_with_scipy_and_a_missing_child_gives_missing(method, power, reference):
    got = aggregate_rows(KIDS, method, W, power)
    np.testing.assert_allclose(got[:3], reference(KIDS.to_numpy()[:3]), rtol=1e-12)
    assert np.isnan(got[3])


def test_a_zero_gives_a_geometric_and_harmonic_mean_of_zero_without_a_warning():
    kids = pd.DataFrame({"a": [0.0, 4.0], "b": [50.0, 4.0]})
    assert aggregate_rows(kids, "geometric", [0.5, 0.5]).tolist() == [0.0, 4.0]
    assert aggregate_rows(kids, "harmonic", [0.5, 0.5]).tolist() == [0.0, 4.0]


def test_copeland_counts_pairwise_wins_minus_losses():
    rng = np.random.default_rng(3)
    kids = pd.DataFrame(rng.integers(0, 4, size=(7, 3)).astype(float), columns=list("abc"))
    got = aggregate_rows(kids, "copeland", W)
    x = kids.to_numpy()
    for a in range(7):
        score = 0
        for b in range(7):
            margin = sum(W[i] * (np.sign(x[a, i] - x[b, i])) for i in range(3))
            score += int(margin > 1e-12) - int(margin < -1e-12)
        assert got[a] == score


def test_copeland_ranks_within_each_year():
    kids = pd.DataFrame({"a": [1.0, 2.0, 10.0, 20.0]})
    assert aggregate_rows(kids, "copeland", [1.0], years=[1, 1, 2, 2]).tolist() == [-1, 1, -1, 1]


# --- weights ----------------------------------------------------------------------------------

def _correlated(seed=0, n=30):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=n)
    return pd.DataFrame({"a": base + rng.normal(0, 0.3, n), "b": base + rng.normal(0, 0.8, n),
                         "c": base + rng.normal(0, 1.5, n)})


def test_pca_weights_are_the_squared_first_eigenvector_of_the_correlation_matrix():
    kids = _correlated(n=500)
    values, vectors = np.linalg.eigh(np.corrcoef(kids.to_numpy(), rowvar=False))
    expected = vectors[:, np.argmax(values)] ** 2
    got = derive_weights(kids, "pca")
    np.testing.assert_allclose(got.to_numpy(), expected / expected.sum(), rtol=1e-9)
    assert got["a"] > got["b"] > got["c"]  # the least noisy child weighs most


def test_correlation_weights_equalise_the_childrens_correlation_with_the_aggregate():
    kids = _correlated(1)
    before = [np.corrcoef(kids[c], kids.mean(axis=1))[0, 1] for c in kids]
    weights = derive_weights(kids, "correlation")
    score = aggregate_rows(kids, "arithmetic", weights.to_numpy())
    after = [np.corrcoef(kids[c], score)[0, 1] for c in kids]
    assert np.ptp(before) > 0.1 and np.ptp(after) < 1e-3
    # c, the widest, dominates the plain mean: equal correlations need less of it
    assert before[2] == max(before) and weights.sum() == pytest.approx(1)
    assert weights["c"] < 1 / 3 < weights["a"]


def test_weighting_named_in_the_framework_is_used_and_recorded(tmp_path):
    text = ARTICLE.read_text().replace("weighting: manual", "weighting: pca")
    raw = itc.read_indicators(DATA / "kz20_2023.csv")
    result = itc.build_index(_framework(tmp_path, text), raw)
    activity = result.weights.set_index(["node", "child"])["weight"]["activity"]
    scores = result.normalised.loc[raw.index.get_level_values("region_id") != "kazakhstan"]
    np.testing.assert_allclose(activity.to_numpy(),
                               derive_weights(scores[["J_A", "J_B", "J_C"]], "pca").to_numpy())
    assert set(result.weights["scheme"]) == {"pca"}


# --- screening, imputation, treatment ---------------------------------------------------------

def _article_with(tmp_path, methods: str) -> Path:
    text = ARTICLE.read_text()
    head = text[:text.index("methods:")]
    return _framework(tmp_path, head + "methods:\n" + methods)


def test_missing_stays_missing_without_imputation():
    raw = itc.read_indicators(DATA / "clean_long.csv")
    result = itc.build_index(ARTICLE, raw)
    assert np.isnan(result.aggregates.loc[("atyrau", 2015), "activity"])
    assert np.isnan(result.index[("atyrau", 2015)])
    assert not result.imputed_cells.any().any()


@pytest.mark.parametrize("method", ["mean", "median"])
def test_imputation_by_the_years_mean_or_median_is_recorded(tmp_path, method):
    raw = itc.read_indicators(DATA / "clean_long.csv")
    result = itc.build_index(_article_with(tmp_path, f"  impute: {method}\n"), raw)
    expected = getattr(raw["J_C"].xs(2015, level="year"), method)()
    assert result.imputed.loc[("atyrau", 2015), "J_C"] == pytest.approx(expected)
    assert result.imputed_cells.to_numpy().sum() == 1
    assert result.imputed_cells.loc[("atyrau", 2015), "J_C"]
    row = result.log.iloc[0]
    assert (row["step"], row["region_id"], row["year"], row["code"]) == ("impute", "atyrau", 2015,
                                                                         "J_C")
    assert not np.isnan(result.index[("atyrau", 2015)])


def test_imputation_by_the_previous_year(tmp_path):
    raw = _panel({"J_A": [1.0, np.nan, 3.0, 4.0], **{c: [1.0, 2.0, 3.0, 4.0] for c in CODES[1:]}},
                 years=(2015, 2016))
    result = itc.build_index(_article_with(tmp_path, "  impute: previous_year\n"), raw)
    assert result.imputed.loc[("u0", 2016), "J_A"] == 1.0
    assert list(result.log["action"]) == ["imputed: the unit's latest earlier value"]


def test_screening_removes_units_below_the_coverage_and_says_so(tmp_path):
    raw = itc.read_indicators(DATA / "clean_long.csv")
    fw = _article_with(tmp_path, "  screen: {method: coverage, min_coverage: 1}\n")
    result = itc.build_index(fw, raw)
    assert ("atyrau", 2015) not in result.index.index
    assert len(result.index) == len(raw) - 1
    assert result.screened_out.to_numpy().tolist() == [["atyrau", 2015, 5 / 6]]


def test_the_jrc_rule_winsorises_a_planted_outlier_and_names_it():
    rng = np.random.default_rng(0)
    x = pd.Series(rng.uniform(10, 20, 19).round(1).tolist() + [500.0],
                  index=[f"u{i}" for i in range(20)])
    assert abs(stats.skew(x, bias=False)) > 2 and stats.kurtosis(x, bias=False) > 3.5
    treated, changes = jrc_treatment(x)
    assert changes == [("u19", "winsorised", 500.0, float(x.iloc[:19].max()))]
    assert treated["u19"] == x.iloc[:19].max()
    assert not (abs(stats.skew(treated, bias=False)) > 2
                and stats.kurtosis(treated, bias=False) > 3.5)
    assert treated.drop("u19").equals(x.drop("u19"))


def test_the_jrc_rule_logs_when_winsorisation_reaches_its_limit():
    x = pd.Series([1.0] * 12 + [2.0, 3.0, 5.0, 9.0, 17.0, 40.0, 90.0, 400.0])
    treated, changes = jrc_treatment(x, winsor_limit=1)
    assert {c[1] for c in changes} == {"log-transformed"} and len(changes) == len(x)
    np.testing.assert_allclose(treated, np.log(x - 1 + 399 / 100))  # COINr's log_CT_plus
    left, _ = jrc_treatment(-x, winsor_limit=1)
    np.testing.assert_allclose(left, -np.log(-1 + 399 / 100 + x))
    assert abs(stats.skew(treated, bias=False)) < abs(stats.skew(x, bias=False))


def test_the_jrc_rule_leaves_a_table_without_outliers_alone():
    x = pd.Series(np.linspace(1, 20, 20))
    treated, changes = jrc_treatment(x)
    assert changes == [] and treated.equals(x)


def test_treatment_in_the_build_is_logged_and_marked(tmp_path):
    raw = itc.read_indicators(DATA / "kz20_2023.csv").drop(index="kazakhstan", level="region_id",
                                                           errors="ignore")
    raw.loc[("astana", 2023), "J_B"] = 1e6
    result = itc.build_index(_article_with(tmp_path, "  treat: jrc\n"), raw)
    treat = result.log[result.log["step"] == "treat"]
    assert ("astana", "J_B", "winsorised") in set(zip(treat["region_id"], treat["code"],
                                                       treat["action"]))
    assert result.treated_cells.loc[("astana", 2023), "J_B"]
    assert result.treated.loc[("astana", 2023), "J_B"] < 1e6


# --- framework errors name the file, the line and the field -----------------------------------

def _error(tmp_path, text) -> str:
    path = _framework(tmp_path, text)
    with pytest.raises(FrameworkError) as err:
        read_framework(path)
    assert str(path) in str(err.value)
    return str(err.value)


def test_a_misspelt_key_names_both_readings(tmp_path):
    text = ARTICLE.read_text().replace("    weight: 1/3\n", "    wieght: 1/3\n", 1)
    message = _error(tmp_path, text)
    assert f"line {_line(text, 'wieght')}: unknown key 'wieght' in indicator 1 (J_D); did you " \
           f"mean 'weight'? allowed: code, label" in message


def test_a_misspelt_method_names_the_methods_allowed(tmp_path):
    text = ARTICLE.read_text().replace("normalise: leader ", "normalise: min-max ")
    message = _error(tmp_path, text)
    assert f"line {_line(text, 'min-max')}: normalise: unknown method 'min-max'; did you mean " \
           f"'minmax'? allowed: leader, minmax, zscore, rank, goalposts, percentile" in message


def test_an_unknown_indicator_or_aggregate(tmp_path):
    text = ARTICLE.read_text().replace("parent: activity", "parent: activty", 1)
    message = _error(tmp_path, text)
    assert f"line {_line(text, 'activty')}: parent of J_A: unknown indicator or aggregate " \
           f"'activty'; did you mean 'activity'?" in message


def test_weights_that_do_not_sum_to_one(tmp_path):
    text = ARTICLE.read_text().replace("    weight: 1/2\n", "    weight: 0.6\n", 1)
    message = _error(tmp_path, text)
    assert "the weights of index's children sum to 1.1, not 1: susceptibility 0.6 (line " \
           f"{_line(text, 'weight: 0.6')}), activity 0.5 (line " in message


def test_a_cycle(tmp_path):
    text = ARTICLE.read_text().replace(
        "  - code: index\n", "  - code: index\n    parent: activity\n    weight: 1\n")
    text = text.replace("    unit: sub-index, 0–100\n    parent: index\n    weight: 1/2\n  - code: "
                        "activity", "    unit: sub-index, 0–100\n    parent: index\n    weight: 1"
                        "\n  - code: activity")
    message = _error(tmp_path, text)
    assert "the aggregates form a cycle: susceptibility → index → activity → index" in message \
        or "cycle: index → activity → index" in message


def test_formula_1_on_an_indicator_that_may_be_negative(tmp_path):
    text = ARTICLE.read_text().replace("  - code: J_E\n", "  - code: J_E\n    may_be_negative: true\n")
    message = _error(tmp_path, text)
    assert f"line {_line(text, 'may_be_negative')}: normalise: leader (formula 1) is not defined " \
           f"for negative values, and J_E may be negative" in message
    fixed = text.replace("    may_be_negative: true\n", "    may_be_negative: true\n    normalise: "
                                                          "minmax\n")
    assert read_framework(_framework(tmp_path, fixed, "ok.yaml")).method("J_E", "normalise") == \
        "minmax"


def test_a_geometric_mean_over_z_scores(tmp_path):
    text = ARTICLE.read_text().replace("normalise: leader ", "normalise: zscore ").replace(
        "aggregate: arithmetic", "aggregate: geometric")
    message = _error(tmp_path, text)
    assert "aggregate: geometric mean is not defined for negative values, and J_D, J_E, J_F " \
           "under susceptibility can be negative" in message


@pytest.mark.parametrize("change, words", [
    (("  - code: J_E\n", "  - code: J_D\n"), "code 'J_D' is used twice (first on line"),
    (("name: article", "name: [article"), "not valid YAML"),
    (("    weight: 1/3\n", "    weight: a third\n"), "weight of J_D must be a number (such as "
                                                   "0.5 or 1/3), got 'a third'"),
    (("    direction: 1\n", "    direction: up\n"), "direction of J_D must be 1 (more is better) "
                                                    "or -1 (less is better), got 'up'"),
    (("parent: susceptibility", "parent: J_A"), "parent of J_D is J_A, an indicator"),
    (("  weighting: manual", "  weighting: manual\n  wieghting: pca"),
     "unknown key 'wieghting' in methods; did you mean 'weighting'?"),
])
def test_other_mistakes_are_named(tmp_path, change, words):
    message = _error(tmp_path, ARTICLE.read_text().replace(*change, 1))
    assert words in message and "line " in message


def test_a_missing_file_lists_the_shipped_frameworks(tmp_path):
    with pytest.raises(FrameworkError, match=r"no such framework file; .* article.yaml, "
                                             r"official_today.yaml, open_data.yaml"):
        read_framework(tmp_path / "nowhere.yaml")


# --- build errors name the cell and the framework line ----------------------------------------

def test_an_indicator_the_data_lacks_names_its_line():
    raw = itc.read_indicators(DATA / "clean_long.csv").drop(columns="J_B")
    text = ARTICLE.read_text()
    with pytest.raises(BuildError, match=rf"indicator J_B \({ARTICLE}, line "
                                         rf"{_line(text, 'code: J_B')}\) is not a column"):
        itc.build_index(ARTICLE, raw)


def test_a_negative_value_under_formula_1_names_the_cell_and_the_fix():
    raw = itc.read_indicators(DATA / "clean_long.csv")
    raw.loc[("aktobe", 2017), "J_E"] = -3.0
    with pytest.raises(BuildError, match=r"J_E, aktobe 2017 \(.*clean_long.csv, row 5\): value -3.0 — normalise: "
                                         r"leader \(formula 1\) is defined only for values >= 0"):
        itc.build_index(ARTICLE, raw)


# --- coherence --------------------------------------------------------------------------------

@pytest.mark.slow
@given(st.integers(0, 10_000), st.integers(2, 5), st.integers(4, 25))
def test_cronbach_alpha_agrees_with_pingouin(seed, k, n):
    import pingouin

    rng = np.random.default_rng(seed)
    items = pd.DataFrame(rng.normal(size=(n, 1)) + rng.normal(size=(n, k)))
    assert cronbach_alpha(items) == pytest.approx(pingouin.cronbach_alpha(items)[0], abs=1e-9)


def test_coherence_recomputes_correlations_alpha_pca_and_says_which_indicator_works_against():
    rng = np.random.default_rng(5)
    base = rng.normal(size=20)
    raw = _panel({"J_A": 50 + 10 * base + rng.normal(0, 2, 20),
                  "J_B": 50 + 10 * base + rng.normal(0, 2, 20),
                  "J_C": 50 + 10 * base + rng.normal(0, 2, 20),
                  "J_D": 50 + 10 * base + rng.normal(0, 2, 20),
                  "J_E": 50 - 10 * base + rng.normal(0, 2, 20),
                  "J_F": 50 + 10 * base + rng.normal(0, 2, 20)})
    result = itc.build_index(ARTICLE, raw)
    audit = itc.coherence(result)
    scores = result.scores.xs(2016, level="year")
    assert audit.with_parent.loc["J_A", "r_index"] == pytest.approx(
        np.corrcoef(scores["J_A"], scores["index"])[0, 1])
    assert audit.within("activity").equals(scores[["J_A", "J_B", "J_C"]].corr())
    values = np.linalg.eigvalsh(np.corrcoef(scores[["J_A", "J_B", "J_C"]], rowvar=False))
    assert audit.pillars.loc["activity", "pc1_share"] == pytest.approx(values.max() / 3)
    assert audit.pillars.loc["activity", "verdict"].startswith("coherent")
    assert audit.pillars.loc["susceptibility", "verdict"] == (
        f"one indicator works against the rest: J_E (r = "
        f"{np.corrcoef(scores['J_E'], scores['susceptibility'])[0, 1]:.2f} with susceptibility)"
        .replace("-", "\u2212"))  # the minus sign of the tables
    assert audit.pillars.loc["susceptibility", "weakest"] == "J_E"


def test_coherence_of_a_pillar_with_a_child_that_does_not_vary():
    raw = _panel({**{c: [1.0, 2, 3, 4] for c in CODES}, "J_B": [5.0] * 4})
    audit = itc.coherence(itc.build_index(ARTICLE, raw))
    assert audit.pillars.loc["activity", "verdict"] == ("J_B does not vary across the units: no "
                                                        "correlation to check")
    assert audit.pillars.loc["susceptibility", "verdict"].startswith("coherent")


# --- sensitivity ------------------------------------------------------------------------------

def _two_indicator_framework(tmp_path) -> Path:
    return _framework(tmp_path, """
indicators:
  - {code: x1, parent: index, weight: 0.8}
  - {code: x2, parent: index, weight: 0.2}
aggregates:
  - {code: index}
methods:
  impute: mean
""")


def _additive_raw() -> pd.DataFrame:
    # u0/u1 swap with the weights only; u3 passes u2 when x2 is imputed by the mean, not the
    # median; u4-u6 never move (see the test)
    return _panel({"x1": [100.0, 85, 20, 20, 5, 6, 7], "x2": [60.0, 85, 20, np.nan, 5, 5, 5]})


def test_one_uncertain_choice_has_a_total_index_of_one(tmp_path):
    result = itc.build_index(_two_indicator_framework(tmp_path), _additive_raw())
    out = itc.rank_sensitivity(result, {"weighting": ["manual", "equal"]}, draws=3000, seed=2)
    moving = out.indices.xs("weighting", level="choice")
    assert out.ranks.loc[("u0", 2016), ["rank_low", "rank_high"]].tolist() == [1.0, 2.0]
    for unit in ("u0", "u1"):
        assert moving.loc[(unit, 2016), "ST"] == pytest.approx(1.0, abs=0.05)
        assert moving.loc[(unit, 2016), "S1"] == pytest.approx(1.0, abs=0.05)
    assert moving.loc[("u5", 2016), ["S1", "ST"]].tolist() == [0.0, 0.0]


def test_two_choices_without_interaction_have_first_order_equal_to_total(tmp_path):
    fw = _two_indicator_framework(tmp_path)
    raw = _additive_raw()
    choices = {"weighting": ["manual", "equal"], "impute": ["mean", "median"]}
    # the premise, from the definitions: every unit's rank is f(weighting) + g(impute)
    base = read_framework(fw)
    ranks = {(w, i): itc.build_index(base.with_methods(weighting=w, impute=i), raw).ranks
             for w in choices["weighting"] for i in choices["impute"]}
    interaction = (ranks["manual", "mean"] - ranks["manual", "median"]
                   - ranks["equal", "mean"] + ranks["equal", "median"])
    assert (interaction == 0).all()
    assert (ranks["manual", "mean"] != ranks["equal", "mean"]).sum() == 2
    assert (ranks["manual", "mean"] != ranks["manual", "median"]).sum() == 2
    out = itc.rank_sensitivity(itc.build_index(fw, raw), choices, draws=4000, seed=1)
    indices = out.indices
    assert out.runs == 2048 and out.configurations == 4  # 512 x (2 + 2) <= 4000
    np.testing.assert_allclose(indices["S1"], indices["ST"], atol=0.05)
    assert indices.loc[("u0", 2016, "weighting"), "ST"] == pytest.approx(1, abs=0.05)
    assert indices.loc[("u2", 2016, "impute"), "ST"] == pytest.approx(1, abs=0.05)
    assert indices.loc[("u2", 2016, "weighting"), "ST"] == pytest.approx(0, abs=0.05)


def test_a_single_method_per_choice_gives_the_nominal_ranks():
    raw = itc.read_indicators(DATA / "kz20_2023.csv")
    result = itc.build_index(ARTICLE, raw)
    out = itc.rank_sensitivity(result, {"normalise": ["leader"]}, draws=100)
    complete = out.ranks.dropna()
    assert (complete["rank_low"] == complete["nominal_rank"]).all()
    assert (complete["rank_spread"] == 0).all() and len(complete) == 20
    assert (out.indices["ST"].dropna() == 0).all()


def test_choices_the_framework_cannot_take_are_refused_up_front():
    result = itc.build_index(ARTICLE, itc.read_indicators(DATA / "clean_long.csv"))
    with pytest.raises(FrameworkError, match=r"the choices combine normalise=zscore, "
                                             r"aggregate=geometric"):
        itc.rank_sensitivity(result, {"normalise": ["leader", "zscore"],
                                      "aggregate": ["arithmetic", "geometric"]}, draws=100)
    with pytest.raises(ValueError, match=r"normalise: unknown method 'min-max'; did you mean "
                                         r"'minmax'"):
        itc.rank_sensitivity(result, {"normalise": ["min-max"]})
    with pytest.raises(ValueError, match=r"unknown step 'normalize'; did you mean 'normalise'"):
        itc.rank_sensitivity(result, {"normalize": ["rank"]})


# --- compare ----------------------------------------------------------------------------------

def test_compare_gives_rank_changes_between_two_builds():
    raw = itc.read_indicators(DATA / "kz20_2023.csv")
    fw = read_framework(ARTICLE)
    a, b = itc.build_index(fw, raw), itc.build_index(fw.with_methods(normalise="rank"), raw)
    table = itc.compare(a, b)
    assert (table["rank_change"] == table["rank_a"] - table["rank_b"]).all()
    assert table["rank_a"].equals(a.ranks.rename("rank_a").reindex(table.index))
    assert table["rank_b"].equals(b.ranks.rename("rank_b").reindex(table.index))
    assert len(table) == 20 and table["rank_change"].abs().sum() > 0


@pytest.mark.slow
def test_the_slope_chart_and_the_map_of_rank_changes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba

    from itclusters.charts import RANK_CHANGE_CLASSES, compare_slope, rank_change_map

    raw = itc.read_indicators(DATA / "kz20_2023.csv")
    fw = read_framework(ARTICLE)
    table = itc.compare(itc.build_index(fw, raw),
                        itc.build_index(fw.with_methods(normalise="rank"), raw))
    try:
        ax = compare_slope(table)
        lines = {line.get_gid() for line in ax.lines}
        assert lines == {f"slope:{rid}" for rid in table.index.get_level_values("region_id")}
        assert [t.get_text() for t in ax.get_xticklabels()] == ["article",
                                                                "article (normalise=rank)"]
        ax = rank_change_map(table)
        assert [t.get_text() for t in ax.get_legend().get_texts()] == list(RANK_CHANGE_CLASSES)
        regions = next(c for c in ax.collections if c.get_gid() == "regions")
        change = table["rank_change"].xs(2023, level="year")
        expected = ["up 3 or more" if c >= 3 else "up 1-2" if c >= 1 else "down 3 or more"
                    if c <= -3 else "down 1-2" if c <= -1 else "unchanged"
                    for c in change.reindex(itc.layout_units("kz20"))]
        np.testing.assert_allclose(regions.get_facecolor()[:, :3],
                                   [to_rgba(RANK_CHANGE_CLASSES[e])[:3] for e in expected])
        assert ax.get_title(loc="left") == "Rank in article (normalise=rank) against article, 2023"
    finally:
        plt.close("all")


def test_a_framework_with_a_method_per_level_is_recomputed_from_the_definitions(tmp_path):
    path = _framework(tmp_path, """
name: levels
indicators:
  - {code: a, parent: p, weight: 0.25}
  - {code: b, parent: p, weight: 0.75, direction: -1, normalise: minmax}
  - {code: c, parent: q, goalposts: [0, 50], normalise: goalposts}
  - {code: d, parent: q, may_be_negative: true, normalise: percentile}
aggregates:
  - {code: p, parent: top, weight: 0.6, aggregate: geometric}
  - {code: q, parent: top, weight: 0.4, aggregate: generalised, power: 2}
  - {code: top, aggregate: copeland}
methods:
  normalise: leader
""")
    raw = _panel({"a": [4.0, 8.0, 2.0, 6.0], "b": [10.0, 30.0, 20.0, 40.0],
                  "c": [25.0, 60.0, 5.0, 45.0], "d": [-1.0, 3.0, 0.5, 2.0]})
    result = itc.build_index(path, raw)
    a = raw["a"] / 8 * 100
    b = (40 - raw["b"]) / 30 * 100
    c = (raw["c"] / 50).clip(0, 1) * 100
    d = pd.Series([25.0, 100.0, 50.0, 75.0], index=raw.index)
    p = a ** 0.25 * b ** 0.75
    q = np.sqrt(0.5 * c ** 2 + 0.5 * d ** 2)
    pd.testing.assert_frame_equal(result.normalised, pd.DataFrame({"a": a, "b": b, "c": c, "d": d}))
    np.testing.assert_allclose(result.aggregates["p"], p)
    np.testing.assert_allclose(result.aggregates["q"], q)
    wins = [sum(int(0.6 * np.sign(p.iloc[i] - p.iloc[j]) + 0.4 * np.sign(q.iloc[i] - q.iloc[j])
                    > 0) - int(0.6 * np.sign(p.iloc[i] - p.iloc[j])
                               + 0.4 * np.sign(q.iloc[i] - q.iloc[j]) < 0) for j in range(4))
            for i in range(4)]
    assert result.index.tolist() == wins
    assert result.weights.query("node == 'p'")["weight"].tolist() == [0.25, 0.75]
    assert result.summary().loc["aggregate", "method"] == "copeland, generalised, geometric"


def _imputed_and_treated(tmp_path):
    raw = itc.read_indicators(DATA / "kz20_2023.csv")
    raw.loc[("astana", 2023), "J_B"] = 1e6
    raw.loc[("abai", 2023), "J_A"] = np.nan
    return itc.build_index(_article_with(tmp_path, "  impute: median\n  treat: jrc\n"), raw)


def test_the_result_is_a_panel_and_names_the_regions_with_imputed_or_treated_cells(tmp_path):
    result = _imputed_and_treated(tmp_path)
    assert result.log[["step", "region_id", "code"]].to_numpy().tolist() == [
        ["impute", "abai", "J_A"], ["treat", "astana", "J_B"]]
    assert result.touched() == ["abai", "astana"]
    assert result.touched("activity") == ["abai", "astana"]
    assert result.touched("susceptibility") == []
    panel = result.panel()
    assert list(panel.columns) == [*read_framework(ARTICLE).indicators, "susceptibility",
                                   "activity", "index"]
    assert np.isnan(panel.loc[("abai", 2023), "J_A"])  # the raw value, as given
    assert panel["index"].equals(result.index)
    assert panel.attrs["labels"]["J_A"] == ("R&D spending per employee",
                                            "as published by the user")


@pytest.mark.slow
def test_the_map_of_a_result_marks_imputed_and_treated_regions(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from itclusters.charts import result_map

    result = _imputed_and_treated(tmp_path)
    try:
        ax = result_map(result)
        flags = {a.get_gid() for a in ax.get_children() if (a.get_gid() or "").startswith("flag:")}
        assert flags == {"flag:abai", "flag:astana"}
        assert [t.get_text() for t in ax.get_legend().get_texts()][-1] == "imputed or treated data"
        assert ax.get_title(loc="left") == ("Aggregated index of innovative development, "
                                            "formula (4), 2023")
        ax = result_map(result, "susceptibility")
        assert not [a for a in ax.get_children() if (a.get_gid() or "").startswith("flag:")]
        figure = itc.explorer(result.panel(), indicator="index", interactive=False)
        assert figure.axes
    finally:
        plt.close("all")
