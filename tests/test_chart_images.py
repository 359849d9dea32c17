"""A chart you can paste: PNG and SVG at a slide's size, saying in the image what it is, where it comes from and
whether its figures are real."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import PIL.Image
import pytest
from streamlit.testing.v1 import AppTest

from gse_dashboard import explore
from gse_dashboard.charts import style
from gse_dashboard.config import DEFAULT_PROFESSION
from gse_dashboard.documents import images

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _svg_text(data: bytes) -> str:
    """The words an SVG draws, tags removed and entities read, in one line."""
    import html
    return " ".join(html.unescape(t) for t in re.findall(r">([^<>]+)<", data.decode("utf-8")))


@pytest.fixture(scope="module")
def ranked(built_db_file):
    from gse_dashboard.storage import store
    database = store.connect(built_db_file, readonly=True)
    yield explore.answer(database.conn, explore.from_query_params({"source": "professions_women"}), 10,
                         DEFAULT_PROFESSION)
    database.close()


@pytest.mark.slow
def test_the_png_is_slide_sized_and_the_svg_says_what_it_is_where_from_and_that_it_is_real(ranked):
    """The PNG is 16:9 at twice a slide's pixels; the image carries the title, subtitle, source and 'Real figures'."""
    png = images.slide_image(ranked.chart, "png")
    picture = PIL.Image.open(io.BytesIO(png))
    assert picture.size == (images.SLIDE_WIDTH_PX * images.SLIDE_SCALE, images.SLIDE_HEIGHT_PX * images.SLIDE_SCALE)
    words = _svg_text(images.slide_image(ranked.chart, "svg"))
    assert "Science and Engineering ranks 29th of 30 professions" in words
    assert "every profession of post" in words
    assert "Source: Cabinet Office, Civil Service Statistics" in words
    assert "Real figures" in words and "ILLUSTRATIVE" not in words


@pytest.mark.slow
def test_an_illustrative_chart_says_so_in_its_image(ranked):
    """A chart of made-up figures says ILLUSTRATIVE, NOT REAL FIGURES in the image, with what is made up."""
    chart = dataclasses.replace(ranked.chart, illustrative="progress on the commitments (the illustrative history)")
    words = _svg_text(images.slide_image(chart, "svg"))
    assert "ILLUSTRATIVE, NOT REAL FIGURES: progress on the commitments" in words and "Real figures" not in words


def test_an_image_format_other_than_png_or_svg_is_refused(ranked):
    """Asking for another format is a clear error, not a file of the wrong kind."""
    with pytest.raises(ValueError, match="PNG or SVG"):
        images.slide_image(ranked.chart, "gif")


def test_the_marking_is_drawn_below_the_source_with_room_for_it(ranked):
    """with_titles(marked=True) adds the real/illustrative line under the source and grows the bottom margin."""
    plain, marked = style.with_titles(ranked.chart, 1280), style.with_titles(ranked.chart, 1280, marked=True)
    assert marked.layout.margin.b > plain.layout.margin.b
    assert marked.layout.annotations[-1].text.endswith("<b>Real figures</b>")


def test_every_chart_on_a_page_offers_png_and_svg(built_db_file, monkeypatch):
    """Explore's chart has PNG and SVG downloads beside its table downloads."""
    monkeypatch.setenv("GSE_DB_PATH", str(built_db_file))
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["source"] = "professions_women"
    at.switch_page("pages/explore.py").run()
    assert not at.exception, [e.value for e in at.exception]
    labels = {b.label for b in at.get("download_button")}
    assert {"Download the chart (PNG, for a slide)", "Download the chart (SVG, to scale)"} <= labels
