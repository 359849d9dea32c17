"""The import graph reads top to bottom: store → queries → measures → writes → views → charts → pack → ui → pages."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "gse_dashboard"

# Lowest first. A module may import from its own layer or any layer below it, never above. Modules are named
# by their dotted path under gse_dashboard; a package's __init__ by the package's name.
LAYERS = [
    # words, rules, roles (and the packages' own docstrings, which import nothing)
    {"__init__", "config", "rules", "rules.safe_text", "rules.text_rules", "rules.auth", "rules.accessibility",
     "strategy", "strategy.vocabulary", "strategy.timescales",
     "board", "charts", "people", "seed", "storage", "views"},
    # the store: SQLite, migrations, audit, backups, files written out; the SQL box's child process
    {"storage.errors", "storage.migrations", "storage.store", "storage.backups", "storage.named_files",
     "explore.sqlworker"},
    # reads: one function per question, as known at a date
    {"storage.queries", "board.records", "explore.sql_runner", "explore.grouping"},
    # pure measures and people counts as published (disclosure control)
    {"strategy.metrics", "strategy.commitments_over_time", "board.paper", "storage.exports",
     "people.protection", "people.protection_store", "people.disclosure", "people.published",
     "people.protected_diversity"},
    # writes: imports, edits, loading the strategy, the default database
    {"people.period_returns", "importers", "importers.formats", "importers.reading", "importers.checking",
     "importers.planning", "importers.writing", "importers.undoing", "importers.templates",
     "people.official_statistics", "people.official_statistics.formats", "people.official_statistics.reading",
     "people.official_statistics.records", "people.official_statistics.planning",
     "people.official_statistics.writing", "people.official_statistics.undoing",
     "people.official_statistics.shipped", "strategy.reading", "strategy.edits", "board.edits",
     "seed.illustrative", "seed.sample_board", "seed.sample", "seed.scale", "seed.build"},
    # the published statistics as shown
    {"people.official_figures"},
    # one typed view per screen
    {"views.attention", "views.official", "views.screens"},
    # tables and charts as shown and downloaded; Explore's answers
    {"charts.style", "charts.tables", "charts.builders", "charts.people_charts", "charts.downloads",
     "explore", "explore.choices", "explore.state", "explore.figures", "explore.result",
     "explore.saved", "explore.saved_queries"},
    # PDF, PowerPoint, Word writers
    {"documents", "documents.blocks", "documents.images", "documents.pdf", "documents.powerpoint", "documents.word"},
    # the Board pack's and brief's sections
    {"board.pack_words", "board.pack_paper", "board.pack_sections", "board.brief"},
    # the Board pack and brief as files
    {"board.pack"},
    {"cli", "__main__"},
    # everything Streamlit
    {"ui", *(f"ui.{path.stem}" for path in (PACKAGE / "ui").glob("*.py") if path.stem != "__init__")},
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _module_name(path: Path) -> str:
    """gse_dashboard/people/published.py → people.published; a package's __init__ → the package."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or "__init__"


def _imported(tree: ast.AST, me: str, is_package: bool, known: set[str]) -> set[str]:
    """Every module of the package that TREE imports: each name of `from . import a, b`, relative and
    absolute forms, `import gse_dashboard.x`, and imports inside functions."""
    package = me.split(".") if is_package else me.split(".")[:-1]
    if me == "__init__":
        package = []
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "gse_dashboard":
                    found.add(".".join(parts[1:]) or "__init__")
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                parts = (node.module or "").split(".")
                if parts[0] != "gse_dashboard":
                    continue
                base = parts[1:]
            else:
                base = package[:len(package) - (node.level - 1)] + (node.module.split(".") if node.module else [])
            for alias in node.names:
                candidate = ".".join([*base, alias.name])
                # `from package import module` imports that module; `from module import name` the module
                found.add(candidate if candidate in known else ".".join(base) or "__init__")
    return found - {me}


def _modules() -> dict[str, set[str]]:
    """Each module of gse_dashboard (dotted, under the package) → the package's modules it imports."""
    paths = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    known = set(paths)
    return {me: _imported(ast.parse(path.read_text(encoding="utf-8")), me, path.stem == "__init__", known)
            for me, path in paths.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles of GRAPH (strongly connected components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _upward(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    return sorted((me, other) for me, others in graph.items() for other in others
                  if other in RANK and me in RANK and RANK[other] > RANK[me])


def test_every_module_has_a_layer():
    """A new module must be placed in a layer here, so the layering is a decision, not an accident."""
    assert set(_modules()) - set(RANK) == set()
    assert set(RANK) - set(_modules()) == set()


def test_no_module_imports_from_a_layer_above_it():
    """store → queries → measures → writes → views → charts → documents → pack → ui: nothing reaches up."""
    assert _upward(_modules()) == []


def test_no_import_cycles():
    """No module imports itself through others, even within one layer."""
    assert _cycles(_modules()) == []


def test_the_layering_check_reads_every_imported_name():
    """A planted `from ..views import attention, screens` in the query layer, the second name of an import list,
    an absolute import and an import inside a function are each seen as reaching up."""
    known = set(_modules())
    planted = {
        "from ..strategy import vocabulary, views": ("storage.queries", "strategy.vocabulary"),
        "from ..strategy import vocabulary\nfrom ..views import attention, screens":
            ("storage.queries", "views.screens"),
        "from gse_dashboard.board import pack": ("storage.queries", "board.pack"),
        "def f():\n    from ..ui import session": ("storage.queries", "ui.session"),
        "import gse_dashboard.charts.builders": ("storage.queries", "charts.builders"),
    }
    for source, (me, target) in planted.items():
        imported = _imported(ast.parse(source), me, False, known | {"strategy.views"})
        graph = {me: imported}
        if target == "strategy.vocabulary":
            assert "strategy.views" in imported
            continue
        assert (me, target) in _upward(graph), source
    # a cycle is found wherever it closes
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _imports_streamlit(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "streamlit" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "streamlit":
            return True
    return False


def test_only_ui_pages_and_the_app_import_streamlit():
    """The views, the pack and everything below them run without Streamlit."""
    outside = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
               if p.relative_to(PACKAGE).parts[0] != "ui" and _imports_streamlit(p)]
    assert outside == []


# The one cache outside ui/loaders.py: building the database once per path, before there is a revision to key on.
CACHES_ELSEWHERE = {("gse_dashboard/ui/session.py", "_prepared")}


def test_every_cache_is_in_the_loaders():
    """Every st.cache_data / st.cache_resource of the app, its pages and package is in ui/loaders.py (one said
    exception), so a cache's key and grain are read in one place."""
    found = set()
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted(PACKAGE.rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                    "cache_data" in ast.unparse(d) or "cache_resource" in ast.unparse(d) for d in node.decorator_list):
                found.add((str(path.relative_to(ROOT)), node.name))
    outside = {(file, name) for file, name in found if file != "gse_dashboard/ui/loaders.py"}
    assert outside == CACHES_ELSEWHERE
    assert len(found) > 20


def test_pages_hold_no_sql_and_read_through_ui():
    """Pages import no store, queries or sqlite3: what they show comes from ui's loaders and the views."""
    offenders = []
    for page in sorted((ROOT / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(page.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import | ast.ImportFrom) else [])
            module = node.module if isinstance(node, ast.ImportFrom) else ""
            if "sqlite3" in names or module in ("gse_dashboard.storage.store", "gse_dashboard.storage.queries") or (
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


def _private_uses(path: Path) -> list[str]:
    """Each private name (`_name`, not `__dunder__`) PATH takes from another module of the package: imported
    (`from .x import _name`) or reached through a module it imported (`queries._KNOWN`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("gse_dashboard")):
            found += [f"{path.name}:{node.lineno} {alias.name}" for alias in node.names
                      if alias.name.startswith("_") and not alias.name.startswith("__")]
            modules |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            modules |= {(alias.asname or alias.name).split(".")[0] for alias in node.names
                        if alias.name.startswith("gse_dashboard")}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in modules:
                found.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    return found


def test_no_private_name_is_used_across_modules():
    """No module, page or the app uses another module's private name: what a module shares, it names publicly."""
    code = [*PACKAGE.rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]
    assert [use for path in code for use in _private_uses(path)] == []


def test_the_private_name_check_sees_imports_and_attributes(tmp_path):
    """A planted `from .queries import _KNOWN` and `queries._KNOWN` are both found; a module's own `_name` is not."""
    planted = tmp_path / "planted.py"
    planted.write_text("from ..storage import queries\nfrom .queries import _KNOWN, known\n"
                       "_MINE = 1\nSQL = queries._KNOWN + str(_MINE)\n", encoding="utf-8")
    assert _private_uses(planted) == ["planted.py:2 _KNOWN", "planted.py:4 queries._KNOWN"]
