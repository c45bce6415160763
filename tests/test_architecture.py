"""House rules a machine can check: the library never imports streamlit outside playground/ui/."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_library_never_imports_streamlit_outside_ui():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "playground").rglob("*.py")
                 if "ui" not in p.relative_to(ROOT / "playground").parts[:1] and "streamlit" in _imports(p)]
    assert offenders == []


def test_every_ready_lab_has_its_page_and_pages_stay_thin():
    from playground.labs import LABS

    for entry in LABS.entries():
        page = ROOT / entry.obj
        if entry.meta["ready"]:
            assert page.exists(), f"{entry.key}: {entry.obj} is missing"
    for page in (ROOT / "pages").glob("*.py"):
        assert len(page.read_text().splitlines()) <= 160, f"{page.name} is not a thin page"
