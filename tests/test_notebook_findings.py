"""The corrected findings of notebooks 03, 05 and 06 are computed and shown when they run."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


pytestmark = pytest.mark.notebook


def _shown_text(name, executed, **parameters):
    nb = executed(ROOT / "notebooks" / f"{name}.ipynb", **parameters)
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                texts.append(output.text)
            for kind in ("text/markdown", "text/plain", "text/html"):
                texts.append(str(output.get("data", {}).get(kind, "")))
    sources = "\n".join(c.source for c in nb.cells)
    return "\n".join(texts), sources


def test_notebook_05_states_the_subset_finding(executed):
    shown, sources = _shown_text("05_article_audit", executed)
    assert "no subset that contains every region with a printed value reproduces the column" in shown
    assert "33,253.4 million KZT" in shown
    for name in ("Almaty city", "Astana", "North-Kazakhstan", "South-Kazakhstan"):
        assert name in shown
    assert "33,253.4" not in sources  # computed, not typed
    assert "No subset of regions reproduces" not in sources + shown


def test_notebook_06_series_has_no_2014_jump_and_names_tied_regions(executed):
    shown, sources = _shown_text("06_official_specialisation", executed)
    assert "2013 → 2014: 0.547 → 0.517 on the consistent list (it falls)" in shown
    assert "0.547 → 0.578 (it rises)" in shown
    assert "Zhambyl 0.411 on the consistent list against 0.559" in shown
    assert ("largest disagreement (4 ranks, tied): Aktobe (rank 2 on the article's share, 6 on "
            "the official ICT share) and North-Kazakhstan (rank 5") in shown
    assert "0.517" not in sources and "Aktobe" not in sources
    assert "idxmax" not in sources and "idxmin" not in sources


def test_notebook_03_shows_dashes_as_no_data(executed):
    shown, sources = _shown_text("03_cluster_candidates", executed, year=2016)
    assert "**No data in 2016** (5 of 16 regions, hatched): Atyrau, Kostanay, Kyzylorda, " \
           "Mangystau and West-Kazakhstan" in shown
    assert "outsider" not in shown.lower()
