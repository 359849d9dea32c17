"""The import graph reads top to bottom: store → queries → metrics → views → charts → ui → pages."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "gse_dashboard"

# Lowest first. A module may import from its own layer or any layer below it, never above.
LAYERS = [
    {"__init__", "vocabulary", "config", "safe_text", "timescales", "auth", "text_rules"},  # words, rules, roles
    {"store", "migrations"},                                              # the store: SQLite, migrations, audit
    {"queries", "strategy", "sample", "scale", "build", "sql_runner", "sqlworker", "importers", "edits", "outputs",
     "official_statistics", "board_records", "board_edits", "sample_board"},  # reads, writes, loading
    {"metrics", "disclosure", "commitments_over_time", "protection", "protection_store", "published",
     "protected_diversity", "returns", "official_figures", "board_paper"},
    {"views", "board_view"},                                             # one typed view per screen
    {"tables", "chart_style", "charts", "people_charts", "exports", "downloads", "accessibility", "explore",
     "saved_queries"},                                                   # tables and charts as shown
    {"documents"},                                                       # PDF, PowerPoint, Word writers
    {"pack_words", "pack_paper", "pack_sections", "brief"},              # the Board pack's and brief's sections
    {"pack"},                                                            # the Board pack and brief as files
    {"cli", "__main__"},
    {"ui"},                                                              # everything Streamlit
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _modules() -> dict[str, set[str]]:
    """Each top-level module or package of gse_dashboard → the package modules it imports."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        me = Path(parts[0]).stem
        folder = list(parts[:-1])
        found = graph.setdefault(me, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level == 0:
                if not (node.module or "").startswith("gse_dashboard"):
                    continue
                target = (node.module.split(".")[1:] or [a.name for a in node.names])
            else:
                base = folder[:len(folder) - (node.level - 1)]
                target = base + (node.module.split(".") if node.module else [a.name for a in node.names])
            names = [target[0]] if target else []
            found.update(n for n in names if n != me)
    return graph


def _imports_streamlit(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "streamlit" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "streamlit":
            return True
    return False


def test_every_module_has_a_layer():
    """A new module must be placed in a layer here, so the layering is a decision, not an accident."""
    assert set(_modules()) - set(RANK) == set()


def test_no_module_imports_from_a_layer_above_it():
    """store → queries → metrics → views → charts → ui: nothing reaches up."""
    upward = sorted((me, other) for me, others in _modules().items() for other in others
                    if RANK[other] > RANK[me])
    assert upward == []


def test_only_ui_pages_and_the_app_import_streamlit():
    """The views, the pack and everything below them run without Streamlit."""
    outside = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
               if p.relative_to(PACKAGE).parts[0] != "ui" and _imports_streamlit(p)]
    assert outside == []


def test_pages_hold_no_sql_and_read_through_ui():
    """Pages import no store, queries or sqlite3: what they show comes from ui's loaders and the views."""
    offenders = []
    for page in sorted((ROOT / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(page.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import | ast.ImportFrom) else [])
            module = node.module if isinstance(node, ast.ImportFrom) else ""
            if "sqlite3" in names or module in ("gse_dashboard.store", "gse_dashboard.queries") or (
                    module == "gse_dashboard" and {"store", "queries"} & set(names)):
                offenders.append(page.name)
    assert offenders == []


def _layout_rows() -> list[tuple[str, str]]:
    """README's table under 'How the code is laid out', as (file column, role column) pairs."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## How the code is laid out", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip().strip("|").split(" | ", 1) for line in section.splitlines() if line.startswith("| ")]
    return [(row[0], row[1] if len(row) > 1 else "") for row in rows]


def _named(cell: str) -> set[str]:
    """The names in backticks in one cell of the table."""
    return set(re.findall(r"`([^`]+)`", cell))


def test_the_readme_layout_table_names_every_module():
    """Every module of gse_dashboard, and every module of its packages, is in README's layout table, so the map
    matches the code (a package's modules are named in its row)."""
    rows = _layout_rows()
    files = set().union(*(_named(first) for first, _ in rows))
    listed = {name.removeprefix("gse_dashboard/") for name in files}
    missing = []
    for path in sorted(PACKAGE.iterdir()):
        if path.suffix == ".py" and path.stem != "__init__" and path.name not in listed:
            missing.append(path.name)
        if path.is_dir() and (path / "__init__.py").exists():
            if f"{path.name}/" not in listed:
                missing.append(f"{path.name}/")
                continue
            role = next(role for first, role in rows if f"gse_dashboard/{path.name}/" in _named(first)
                        or f"{path.name}/" in _named(first))
            missing += [f"{path.name}/{module.name}" for module in sorted(path.glob("*.py"))
                        if module.stem != "__init__" and not {module.stem, module.name} & _named(role)]
    assert missing == []


def test_the_readme_layout_table_names_only_files_that_exist():
    """Every file or folder README's layout table names in its first column exists, so the map has no stale entry."""
    stale = []
    for first, _ in _layout_rows():
        for name in _named(first):
            if name in ("file",):
                continue
            candidates = [ROOT / name, PACKAGE / name]
            if not any(c.exists() or list(ROOT.glob(name)) for c in candidates):
                stale.append(name)
    assert stale == []
