"""The architecture's rules, checked on the source: data flows one way (``autograd`` never
imports ``nn``), and no module reaches into another module's underscore names."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("autograd", "nn")
NODE_FIELDS = {"_c0", "_c1", "_g0", "_g1", "_mark", "_meta"}


def _modules(pkg):
    return sorted((ROOT / pkg).rglob("*.py"))


def test_autograd_never_imports_nn():
    for path in _modules("autograd"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            assert not any(n == "nn" or n.startswith("nn.") for n in names), f"{path.name} imports nn"
    code = "import sys, autograd, autograd.cli, autograd.render, autograd.steps; print('nn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "False", out.stderr


def test_no_module_imports_another_modules_underscore_names():
    bad = []
    for pkg in PACKAGES:
        for path in _modules(pkg):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom):
                    for a in node.names:
                        if a.name.startswith("_") and not a.name.startswith("__"):
                            bad.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {a.name}")
    assert not bad, "\n".join(bad)


def test_a_nodes_private_fields_are_named_in_value_py_only():
    bad = []
    for pkg in PACKAGES:
        for path in _modules(pkg):
            if path.name == "value.py" and path.parent.name == "autograd":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr in NODE_FIELDS:
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} reads .{node.attr}")
    assert not bad, "\n".join(bad)
