"""Without Chromium the Board pack page, the CLI and the document code say so plainly: no crash, no wait."""

from __future__ import annotations

import uuid
from pathlib import Path

import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from gse_dashboard import cli, documents
from gse_dashboard.board import pack
from gse_dashboard.charts.style import Chart
from gse_dashboard.documents import pdf

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def no_chromium(tmp_path, monkeypatch) -> Path:
    """GSE_CHROMIUM pointed at a file that does not exist, as on a machine where it was never installed."""
    missing = tmp_path / "no-such-chromium"
    monkeypatch.setenv("GSE_CHROMIUM", str(missing))
    return missing


def _board_pack_page(db_file, monkeypatch) -> AppTest:
    monkeypatch.setenv("GSE_DB_PATH", str(db_file))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/board_pack.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_board_pack_page_says_chromium_is_missing_and_offers_no_build(built_db_file, monkeypatch, no_chromium):
    """With no Chromium the page explains what is missing and how to install it, and its Build button is off."""
    at = _board_pack_page(built_db_file, monkeypatch)
    warnings = [w.value for w in at.warning if "Chromium" in w.value]
    assert len(warnings) == 1, [w.value for w in at.warning]
    assert "need Chromium to draw their charts and print the PDF" in warnings[0]
    assert "apt-get install chromium" in warnings[0] and no_chromium.name in warnings[0]
    assert at.button[0].label == "Build" and at.button[0].disabled


@pytest.mark.skipif(not Path(pdf.CHROMIUM).exists(), reason="needs the system Chromium, as the tests install it")
def test_with_chromium_the_board_pack_page_builds_as_before(built_db_file, monkeypatch):
    """With the system Chromium the same page shows no such warning and its Build button is on."""
    monkeypatch.delenv("GSE_CHROMIUM", raising=False)
    at = _board_pack_page(built_db_file, monkeypatch)
    assert not [w.value for w in at.warning if "Chromium" in w.value]
    assert at.button[0].label == "Build" and not at.button[0].disabled


def test_the_cli_pack_without_chromium_fails_in_one_line_and_writes_nothing(built_db_file, tmp_path, capsys,
                                                                             no_chromium):
    """`pack` with no Chromium exits 2 with one line naming Chromium and how to install it; no file is written."""
    out = tmp_path / "brief.docx"
    code = cli.main(["--db", str(built_db_file), "pack", "--as-at", "2019-10-16", "--format", "docx",
                     "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: The Board pack and the brief need Chromium")
    assert "GSE_CHROMIUM" in err and "apt-get install chromium" in err
    assert not out.exists()


def test_with_none_installed_the_message_says_to_install_it(tmp_path, monkeypatch):
    """No GSE_CHROMIUM, nothing at /usr/bin/chromium and none on the PATH: the message says none is installed."""
    monkeypatch.delenv("GSE_CHROMIUM", raising=False)
    monkeypatch.setattr(pdf, "CHROMIUM", str(tmp_path / "chromium"))
    monkeypatch.setenv("PATH", str(tmp_path))
    assert pack.chromium_missing() == (
        "The Board pack and the brief need Chromium to draw their charts and print the PDF, and none is installed "
        f"({tmp_path / 'chromium'}, or chromium on the PATH): install it with `apt-get install chromium`")
    with pytest.raises(documents.ChromiumMissing):
        pack.build(tmp_path / "no.db", "2019-10-16", "pdf")


def test_drawing_a_chart_without_chromium_raises_instead_of_waiting(no_chromium):
    """A chart not drawn before raises ChromiumMissing at once (kaleido alone would wait for ever)."""
    unique = str(uuid.uuid4())  # never drawn before, so not in the image cache
    chart = Chart(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])), unique, "", "", "Two bars")
    with pytest.raises(documents.ChromiumMissing, match="GSE_CHROMIUM names no program"):
        documents.draw([documents.Figure(chart)], lambda fraction, message: None, 0.0, 1.0)
