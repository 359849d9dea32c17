"""Chart images: each figure sized for where it prints and drawn once to PNG by kaleido with the
system Chromium, cached by content."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator

from ..charts import style
from ..charts.style import Chart
from .blocks import (
    CHART_SCALE,
    CHART_WIDTH,
    PX_PER_INCH,
    Bullets,
    Facts,
    Figure,
    FigureRow,
    Image,
    Progress,
    Section,
    Subheading,
    Text,
)
from .pdf import CHROMIUM_ARGS, PDF_BODY_IN, PDF_CHART_MAX_H_IN, PDF_PAIR_MAX_H_IN, chromium_path
from .powerpoint import BODY_BOTTOM, BODY_TOP, BODY_W, GAP, SIDE_FIGURE_MAX_H, SIDE_TEXT_W
from .word import DOCX_BODY_IN, DOCX_CHART_MAX_H_IN

# The least height of a chart's plotting area, in pixels at its printed size: two inches.
MIN_PLOT_PX = 2 * PX_PER_INCH
# Chart images already drawn, by their figure's content: PDF and PowerPoint of one date share them.
_IMAGE_CACHE_SIZE = 128
# A chart downloaded for a slide: a 16:9 slide's body at 96 px to the inch (13.33 x 7.5 in), drawn at
# twice that for a sharp PNG; SVG scales itself.
SLIDE_WIDTH_PX, SLIDE_HEIGHT_PX, SLIDE_SCALE = 1280, 720, 2
IMAGE_FORMATS = {"png": "image/png", "svg": "image/svg+xml"}


# -- drawing the charts -----------------------------------------------------------------------

_image_cache: OrderedDict[str, bytes] = OrderedDict()
_image_lock = threading.Lock()  # kaleido's server is one per process: one document draws at a time


def figures_of(sections: list[Section]) -> list[Figure]:
    """Every chart in SECTIONS, in order."""
    found = []
    for section in sections:
        for block in section.blocks:
            if isinstance(block, Figure):
                found.append(block)
            elif isinstance(block, FigureRow):
                found.extend(block.figures)
    return found


def static_figure(chart: Chart, width: int = CHART_WIDTH, max_height: int | None = None, *, marked: bool = False):
    figure = style.with_titles(chart, width=width, marked=marked)
    if figure.layout.showlegend:  # a legend above the plot needs its own line under the subtitle
        figure.update_layout(margin={"t": figure.layout.margin.t + 30})
    height = (chart.figure.layout.height or 380) + style.title_room(figure, chart)
    height = min(height, max_height) if max_height else height
    # Never squeezed below a readable plot: long titles and sources take their room from the page, not the plot.
    margins = (figure.layout.margin.t or 0) + (figure.layout.margin.b or 0)
    figure.update_layout(height=max(height, margins + MIN_PLOT_PX))
    return figure


def size_figures(sections: list[Section], fmt: str, share: float = 1.0) -> None:
    """Set each chart's drawing size to the space it takes in a FMT document ("pdf", "pptx", "docx"); in Word,
    SHARE of the text's width.

    Drawn at its printed size, a chart's text prints at the size it was set in (12 px = 9 pt).
    """
    def inches(value: float) -> int:
        return int(value * PX_PER_INCH)

    for section in sections:
        text_before = False
        for block in section.blocks:
            if isinstance(block, Figure | FigureRow):
                figures = [block] if isinstance(block, Figure) else block.figures
                for figure in figures:
                    if fmt == "pdf":
                        tallest = PDF_CHART_MAX_H_IN if isinstance(block, Figure) else PDF_PAIR_MAX_H_IN
                        figure.width_px, figure.max_height_px = inches(PDF_BODY_IN), inches(tallest)
                    elif fmt == "docx":
                        figure.width_px = inches(DOCX_BODY_IN * share)
                        figure.max_height_px = inches(DOCX_CHART_MAX_H_IN * share)
                    else:
                        tallest = BODY_BOTTOM - BODY_TOP
                        if isinstance(block, FigureRow) and len(figures) > 1:
                            width = (BODY_W - GAP) / 2
                        elif text_before:  # beside text, short enough to leave room for a small table below
                            width, tallest = BODY_W - SIDE_TEXT_W - GAP, SIDE_FIGURE_MAX_H
                        else:
                            width = BODY_W
                        figure.width_px, figure.max_height_px = inches(width), inches(tallest)
                text_before = False
            else:
                text_before = isinstance(block, Text | Subheading | Bullets | Facts)


def _quiet_chromium() -> type:
    """choreographer's Chromium (kaleido's browser) started with the app's CHROMIUM_ARGS as well as its own
    flags: without them kaleido's Chromium asks Google hosts for the time, component updates and accounts."""
    from choreographer.browsers import Chromium  # imported here with kaleido, for the same reason

    class QuietChromium(Chromium):
        def get_cli(self) -> list[str]:
            cli = list(super().get_cli())
            return cli + [flag for flag in CHROMIUM_ARGS if flag not in cli]

    return QuietChromium


@contextlib.contextmanager
def _kaleido() -> Iterator[Callable[[dict, dict], bytes]]:
    """kaleido's render function, with its Chromium server running for the duration."""
    import kaleido  # imported here: the pages import this module and may never draw a chart

    started = False
    if not kaleido._global_server.is_running():  # noqa: SLF001 - no public "is running" in kaleido 1.x
        # Found first, and named to kaleido: without a Chromium its server dies in its own thread
        # and every drawing then waits for ever. kaleido passes browser_cls on to choreographer.
        kaleido.start_sync_server(mathjax=False, silence_warnings=True, path=chromium_path(),
                                  browser_cls=_quiet_chromium())
        started = True
    try:
        yield lambda spec, opts: kaleido.calc_fig_sync(spec, opts=opts)
    finally:
        if started:
            kaleido.stop_sync_server(silence_warnings=True)


def draw(figures: list[Figure], progress: Progress, start: float, end: float) -> None:
    """Draw each figure to PNG (reusing any drawn before), reporting progress from START to END."""
    specs = []
    for figure in figures:
        static = static_figure(figure.chart, figure.width_px, figure.max_height_px)
        spec = static.to_plotly_json()
        key = hashlib.sha256(static.to_json().encode() + f"|{CHART_SCALE}".encode()).hexdigest()
        specs.append((figure, spec, key, int(static.layout.width), int(static.layout.height)))
    with _image_lock:
        missing = [s for s in specs if s[2] not in _image_cache]
        renderer = _kaleido() if missing else contextlib.nullcontext(None)
        with renderer as render:
            for done, (figure, spec, key, width, height) in enumerate(specs, start=1):
                if key not in _image_cache:
                    opts = {"format": "png", "width": width, "height": height, "scale": CHART_SCALE}
                    _image_cache[key] = render(spec, opts)
                    while len(_image_cache) > _IMAGE_CACHE_SIZE:
                        _image_cache.popitem(last=False)
                _image_cache.move_to_end(key)
                figure.image = Image(_image_cache[key], width * CHART_SCALE, height * CHART_SCALE,
                                     figure.chart.alt_text)
                progress(start + (end - start) * done / len(specs), f"Drawing chart {done} of {len(specs)}")


def slide_image(chart: Chart, fmt: str) -> bytes:
    """CHART as a PNG or SVG (FMT) at a slide's size, with its title, subtitle, source and whether its
    figures are real drawn in: an image that says what it is when pasted anywhere on its own."""
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"a chart image is PNG or SVG, not {fmt!r}")
    static = static_figure(chart, SLIDE_WIDTH_PX, marked=True)
    # Small multiples keep the height their panels need (a tall image still pastes at the slide's width).
    panels = any(name.startswith("xaxis") and name != "xaxis" for name in static.layout.to_plotly_json())
    height = max(SLIDE_HEIGHT_PX, int(static.layout.height)) if panels else SLIDE_HEIGHT_PX
    static.update_layout(height=height)
    key = hashlib.sha256(static.to_json().encode() + f"|slide|{fmt}".encode()).hexdigest()
    with _image_lock:
        if key not in _image_cache:
            with _kaleido() as render:
                _image_cache[key] = render(static.to_plotly_json(), {
                    "format": fmt, "width": SLIDE_WIDTH_PX, "height": height,
                    "scale": SLIDE_SCALE if fmt == "png" else 1})
            while len(_image_cache) > _IMAGE_CACHE_SIZE:
                _image_cache.popitem(last=False)
        _image_cache.move_to_end(key)
        return _image_cache[key]
