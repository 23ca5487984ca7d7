"""The article's identification step: regions strong on both assessments are candidates.

The article reads the innovation-index ranking and the IT-specialisation ranking side by
side.  Here the reading is explicit: a region is a candidate when its index and its IT
specialisation both reach a threshold; regions with no IT output are "outsiders".
"""
from __future__ import annotations

import pandas as pd

__all__ = ["QUADRANTS", "QUADRANT_COLOURS", "ARTICLE_CONCLUSION", "cluster_candidates"]

#: The regions the article concludes on (its section 4 and conclusions), for comparison only:
#: the notebooks derive their candidates from the data and print whether they agree.
ARTICLE_CONCLUSION = {2016: ("almaty_city", "astana")}

QUADRANTS = ("candidate", "innovative, little IT", "IT, less innovative", "neither", "outsider (no IT)")
#: Map colours of the groups: candidates stand out, outsiders recede.
QUADRANT_COLOURS = dict(zip(QUADRANTS, ("#d7301f", "#fdae6b", "#6baed6", "#f0f0f0", "#bdbdbd")))


def cluster_candidates(index: pd.Series, specialisation: pd.Series, *, index_threshold: float,
                       share_threshold: float) -> pd.DataFrame:
    """Classify regions by the two assessments of one year.

    Parameters
    ----------
    index : Series
        Index of innovative development per region (formula 4), 0-100.
    specialisation : Series
        IT specialisation per region (formula 5, a share of the national total); missing
        means no IT output recorded.
    index_threshold, share_threshold : float
        A region is high on an assessment when it reaches the threshold (``>=``).

    Returns
    -------
    DataFrame
        ``index``, ``specialisation``, ``high_index``, ``high_specialisation``, ``group``
        (one of :data:`QUADRANTS`), sorted candidates first.

    Examples
    --------
    >>> out = cluster_candidates(pd.Series({"a": 70.0, "b": 20.0, "c": 60.0}),
    ...                          pd.Series({"a": 0.5, "b": 0.3, "c": None}),
    ...                          index_threshold=50, share_threshold=0.1)
    >>> out["group"].to_dict()
    {'a': 'candidate', 'b': 'IT, less innovative', 'c': 'outsider (no IT)'}
    """
    frame = pd.DataFrame({"index": index.astype(float), "specialisation": specialisation.astype(float)})
    frame["high_index"] = frame["index"] >= index_threshold
    frame["high_specialisation"] = frame["specialisation"] >= share_threshold
    group = pd.Series("neither", index=frame.index, dtype=object)
    group[frame["high_index"] & ~frame["high_specialisation"]] = "innovative, little IT"
    group[~frame["high_index"] & frame["high_specialisation"]] = "IT, less innovative"
    group[frame["high_index"] & frame["high_specialisation"]] = "candidate"
    group[frame["specialisation"].isna()] = "outsider (no IT)"
    frame["group"] = group
    order = {q: i for i, q in enumerate(QUADRANTS)}
    return frame.sort_values(["group", "index"], key=lambda s: s.map(order) if s.name == "group"
                             else -s, kind="stable")
