"""The apps' layering: congresses (what every record belongs to) sits below the apps that
act on records, so it never imports them; the workflow's refused-action errors it raises
live in it (congresses.errors) and suggestions.workflow re-exports them."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT_APPS = {p.parent.name for p in ROOT.glob("*/apps.py")}
# What congresses may read: the people (logins, roles) and the seats they switch by.
BELOW_OR_BESIDE = {"congresses", "accounts", "deputies"}


def _imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {n.split(".")[0] for n in names} & PROJECT_APPS
    return found


def test_congresses_imports_no_app_that_acts_on_records():
    files = [p for p in (ROOT / "congresses").rglob("*.py") if "migrations" not in p.parts]
    assert files
    reached = {p.relative_to(ROOT).as_posix(): _imported_apps(p) - BELOW_OR_BESIDE for p in files}
    assert {f: apps for f, apps in reached.items() if apps} == {}


def test_the_workflow_raises_the_same_errors_the_congresses_do():
    from congresses import errors
    from suggestions import workflow

    assert workflow.NotPermitted is errors.NotPermitted
    assert workflow.InvalidTransition is errors.InvalidTransition
    assert issubclass(workflow.NotPermitted, workflow.WorkflowError)
