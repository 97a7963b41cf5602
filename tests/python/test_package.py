"""The package as a user meets it: importable from anywhere, and the names of its type stubs real."""
import ast
import os
import pathlib
import subprocess

import relutope


def stub_names(path):
    tree = ast.parse(pathlib.Path(path).read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def test_every_stubbed_name_exists():
    stubs = pathlib.Path(relutope.__file__).with_suffix(".pyi")
    # Aliases of the stubs (Number, DomainLike, ...) are for editors only.
    aliases = {"Number", "DomainLike", "SliceLike", "Progress"}
    missing = {n for n in stub_names(stubs) - aliases if not hasattr(relutope, n)}
    assert not missing


def test_public_functions_document_themselves():
    for name in relutope.__all__:
        assert getattr(relutope, name).__doc__, name


def test_imports_from_any_directory(tmp_path):
    env = dict(os.environ)
    done = subprocess.run(["/usr/bin/python3", "-c", "import relutope; print(relutope.__version__)"], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == relutope.__version__
