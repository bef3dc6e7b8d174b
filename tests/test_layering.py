"""The layers: the library (``harness``) imports no task, trainer, feedback maker or CLI; the CLI imports them."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UPPER_LAYERS = ("tasks", "trainers", "feedback", "greetbench")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in a Python file, at any depth (function-level imports included)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def upward_imports(package: Path, root: Path = ROOT) -> list[str]:
    """``file:line module`` (file relative to ``root``) for each import of an upper layer from ``package``."""
    return [
        f"{path.relative_to(root)}:{line} {module}"
        for path in sorted(package.rglob("*.py"))
        for line, module in imported_modules(path)
        if module.split(".")[0] in UPPER_LAYERS
    ]


def test_the_library_imports_no_task_trainer_or_cli() -> None:
    assert upward_imports(ROOT / "harness") == []


def test_the_check_sees_function_level_imports(tmp_path: Path) -> None:
    (tmp_path / "lazy.py").write_text("def f():\n    from tasks.greeting_generation import task\n", encoding="utf-8")
    (tmp_path / "fine.py").write_text("import harness.stats\nfrom harness import judges\n", encoding="utf-8")
    assert upward_imports(tmp_path, root=tmp_path) == ["lazy.py:2 tasks.greeting_generation"]
