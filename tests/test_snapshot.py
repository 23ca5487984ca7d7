"""Issue 21, item 8: the still picture of the explorer's view that the dashboard's page carries.

On a Voilà page the explorer's output also holds its view as plain HTML
(``Explorer.snapshot_html`` under ``SNAPSHOT_MIME``): the page shows it from the moment it
arrives until the live explorer is drawn (tests/test_browser_dashboard_open.py checks that in
Chromium).  Here: that it is the view shown, picture for picture, and that it is made only
where a Voilà page can show it.
"""
from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pytest

from itclusters.widgets import SNAPSHOT_MIME, Explorer

pytestmark = pytest.mark.slow


class _Still(HTMLParser):
    """The pictures, the attributes of the outer box and the text of a snapshot."""

    def __init__(self):
        super().__init__()
        self.pictures: list[bytes] = []
        self.outer: dict | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.outer is None:
            self.outer = attrs
        if tag == "img":
            prefix = "data:image/png;base64,"
            assert attrs["src"].startswith(prefix)
            self.pictures.append(base64.b64decode(attrs["src"][len(prefix):]))

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())


def _read(snapshot: str) -> _Still:
    still = _Still()
    still.feed(snapshot)
    return still


@pytest.fixture(scope="module")
def explorer():
    return Explorer(year=2016, indicator="ict_share")


def test_the_snapshot_is_the_view_shown_picture_for_picture(explorer):
    still = _read(explorer.snapshot_html())
    # the map's three layers, in their order: fills, borders, labels
    assert still.pictures == [explorer.image.value, explorer.overlay.value,
                              explorer.labels.value]
    assert still.outer["class"] == "itclusters-snapshot"
    assert still.outer["data-query"] == explorer.view_query()
    text = " ".join(still.text)
    # the pickers' choices in words, the heading and every row of the table
    for picker in (explorer.indicator, explorer.year, explorer.scheme):
        assert picker.description in text and str(picker.label) in text
    heading = re.sub(r"<[^>]+>", "", explorer.heading.value)
    assert heading.strip() in text
    table_text = [t for t in re.split(r"<[^>]+>", explorer.table.value) if t.strip()]
    assert set(t.strip() for t in table_text) <= set(still.text)


def test_after_a_change_the_snapshot_shows_the_new_view(explorer):
    before = explorer.snapshot_html()
    explorer.year.value = 2010
    try:
        after = _read(explorer.snapshot_html())
        assert after.pictures[0] == explorer.image.value
        assert "year=2010" in after.outer["data-query"]
        assert explorer.snapshot_html() != before
    finally:
        explorer.year.value = 2016


def test_only_a_voila_page_gets_the_snapshot_and_it_skips_the_exports_picture(explorer,
                                                                            monkeypatch):
    monkeypatch.delenv("VOILA_KERNEL_ID", raising=False)
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    data, _ = explorer._repr_mimebundle_()
    assert SNAPSHOT_MIME not in data
    assert "image/png" in data  # an export (papermill -> HTML) shows the static form
    monkeypatch.setenv("VOILA_KERNEL_ID", "a-kernel")
    data, _ = explorer._repr_mimebundle_()
    assert data[SNAPSHOT_MIME] == explorer.snapshot_html()
    assert "application/vnd.jupyter.widget-view+json" in data
    # a Voilà page always draws the live view: the static form is not drawn for it
    assert "image/png" not in data and "text/html" not in data
    monkeypatch.delenv("VOILA_KERNEL_ID")
    monkeypatch.setenv("VOILA_PREHEAT", "True")  # a kernel of Voilà's pool, before a reader
    data, _ = explorer._repr_mimebundle_()
    assert SNAPSHOT_MIME in data
