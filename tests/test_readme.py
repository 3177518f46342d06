"""Every Python example in the README runs as written, in order, like cells of a notebook
(a later example may use what an earlier one built, as a reader following along would)."""

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_examples_run_in_order(tmp_path, monkeypatch):
    assert len(BLOCKS) >= 8, "the README's examples were not found"
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    namespace: dict = {"__name__": "readme"}
    for index, source in enumerate(BLOCKS):
        # our own README's code, compiled under a name that says which example failed
        exec(compile(source, f"README.md example {index + 1}", "exec"), namespace)
    assert (tmp_path / "neuron.svg").read_text(encoding="utf-8").lstrip().startswith("<")
    assert "<html" in (tmp_path / "steps.html").read_text(encoding="utf-8").lower()
