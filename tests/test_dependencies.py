"""What the dashboard imports is what requirements.txt declares: checked by deptry, configured in pyproject.toml."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What deptry reads (pyproject.toml excludes every other folder) and the files it checks them against.
CHECKED = ("gse_dashboard", "pages", "app.py", "pyproject.toml", "requirements.txt", "requirements-dev.txt")


def _config(root: Path) -> dict:
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["deptry"]


def _declared(requirements: Path) -> set[str]:
    """The package names a requirements file declares (extras and pins left off), in lower case."""
    names = set()
    for line in requirements.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[\[=<>~!; ]", line, maxsplit=1)[0].lower())
    return names


def _package(module: str, root: Path) -> str:
    """The package (distribution) that provides MODULE: pyproject's map first, then what is installed."""
    for package, modules in _config(root).get("package_module_name_map", {}).items():
        if module in ([modules] if isinstance(modules, str) else modules):
            return package
    return (packages_distributions().get(module) or [module])[0]


def dependency_problems(root: Path) -> list[str]:
    """Every dependency problem in the project at ROOT, one line each naming the package.

    deptry finds imports not declared in requirements.txt (or declared only in
    requirements-dev.txt) and requirements nothing imports; a package named in the config as
    needed without being imported must still be in requirements.txt.
    """
    report = root / "deptry.json"
    run = subprocess.run([sys.executable, "-m", "deptry", ".", "--no-ansi", "-o", str(report)], cwd=root,
                         capture_output=True, text=True, timeout=120)
    assert report.exists(), f"deptry did not run: {run.stderr}"
    problems = []
    for found in json.loads(report.read_text(encoding="utf-8")):
        code, module = found["error"]["code"], found["module"]
        where = f"{found['location']['file']}:{found['location']['line']}"
        if code == "DEP002":
            problems.append(f"{module}: declared in requirements.txt but nothing imports it ({code})")
        elif code == "DEP004":
            problems.append(f"{_package(module, root)}: imported as {module} at {where} but declared only in "
                            f"requirements-dev.txt ({code})")
        else:
            problems.append(f"{_package(module, root)}: imported as {module} at {where} but not declared in "
                            f"requirements.txt ({code})")
    declared = _declared(root / "requirements.txt")
    for package in _config(root).get("per_rule_ignores", {}).get("DEP002", []):
        if package.lower() not in declared:
            problems.append(f"{package}: needed without being imported (pyproject.toml, [tool.deptry]) but not "
                            "declared in requirements.txt")
    return sorted(set(problems))


def _copy(tmp_path: Path) -> Path:
    """A copy of the files the check reads, to change without touching the checkout."""
    copy = tmp_path / "project"
    copy.mkdir()
    for name in CHECKED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    return copy


def _without(requirements: Path, *packages: str) -> None:
    kept = [line for line in requirements.read_text(encoding="utf-8").splitlines()
            if not any(re.match(rf"{re.escape(p)}\s*[\[=<>~!]", line, re.IGNORECASE) for p in packages)]
    requirements.write_text("\n".join(kept) + "\n", encoding="utf-8")


def test_every_import_is_a_runtime_requirement_and_every_requirement_is_used(tmp_path):
    """deptry finds no import missing from requirements.txt, none only in the dev file, and no unused requirement."""
    assert dependency_problems(_copy(tmp_path)) == []


def test_removing_a_runtime_requirement_fails_naming_it(tmp_path):
    """Without python-docx (imported as docx), highspy and odfpy (used only by pandas) the check names all three."""
    project = _copy(tmp_path)
    _without(project / "requirements.txt", "python-docx", "highspy", "odfpy")
    problems = dependency_problems(project)
    assert sorted({p.split(":", 1)[0] for p in problems}) == ["highspy", "odfpy", "python-docx"], problems
    assert "imported as docx at gse_dashboard/documents/word.py" in " ".join(problems)


def test_a_runtime_import_declared_only_for_development_fails(tmp_path):
    """highspy moved from requirements.txt to requirements-dev.txt is named as declared only for development."""
    project = _copy(tmp_path)
    _without(project / "requirements.txt", "highspy")
    with (project / "requirements-dev.txt").open("a", encoding="utf-8") as dev:
        dev.write("highspy==1.12.0\n")
    problems = dependency_problems(project)
    assert len(problems) == 1, problems
    assert problems[0].startswith("highspy: imported as highspy at gse_dashboard/people/protection.py:")
    assert "declared only in requirements-dev.txt" in problems[0]


def test_a_requirement_nothing_imports_fails(tmp_path):
    """scipy added to requirements.txt, which the app no longer imports, is named as unused."""
    project = _copy(tmp_path)
    with (project / "requirements.txt").open("a", encoding="utf-8") as requirements:
        requirements.write("scipy==1.17.1\n")
    assert dependency_problems(project) == ["scipy: declared in requirements.txt but nothing imports it (DEP002)"]


def test_no_import_of_another_packages_private_module():
    """No module of the app imports a `_`-prefixed module of another package (scipy.optimize._highspy, say)."""
    private = re.compile(r"^\s*(?:from|import)\s+((?!gse_dashboard\b|\.)[\w.]*\._\w*"  # import a._b, from a._b import c
                         r"|(?!gse_dashboard\b|\.|__future__\b)[\w.]+\s+import\s+\(?\s*_\w*)",  # from a import _b
                         re.MULTILINE)
    found = [f"{path.relative_to(ROOT)}: {match}"
             for path in [*ROOT.glob("gse_dashboard/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]
             for match in private.findall(path.read_text(encoding="utf-8"))]
    assert found == []
    assert private.findall("from scipy.optimize._highspy import _core\nfrom kaleido import _global_server\n"
                           "from gse_dashboard.people import protection\nfrom __future__ import annotations\n") == [
        "scipy.optimize._highspy", "kaleido import _global_server"]
