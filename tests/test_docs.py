"""The docs build without warnings, and every example in README.md and docs/ runs as written."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```(python|bash)\n(.*?)```", re.DOTALL)


def examples(language: str) -> list[tuple[str, list[str]]]:
    """(page, its code blocks) for each page with blocks in `language` (for bash: with `chronoviz` lines)."""
    found = []
    for page in PAGES:
        blocks = [
            code
            for lang, code in BLOCK.findall(page.read_text())
            if lang == language and (language == "python" or "\nchronoviz " in "\n" + code)
        ]
        if blocks:
            found.append((page.relative_to(ROOT).as_posix(), blocks))
    return found


def test_docs_build_strict(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "api" / "index.html").read_text().count("create_visualization") > 0


def python_example(page: str, blocks: list[str]):
    """The parameters of one page's test, marked `gui` when its examples open a napari viewer."""
    opens_a_viewer = "napari.Viewer" in "".join(blocks)
    return pytest.param(page, blocks, id=page, marks=[pytest.mark.gui] if opens_a_viewer else [])


@pytest.mark.parametrize("page, blocks", [python_example(*example) for example in examples("python")])
def test_python_examples_run(page, blocks, tmp_path, monkeypatch):
    """The blocks of a page run in order in one namespace, in an empty folder; napari.run returns at once."""
    import napari

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(napari, "run", lambda *args, **kwargs: None)
    namespace = {"__name__": "__example__"}
    try:
        for number, code in enumerate(blocks):
            exec(compile(code, f"{page} block {number + 1}", "exec"), namespace)  # noqa: S102 - our own docs
    finally:
        napari.Viewer.close_all()


@pytest.mark.parametrize("page, blocks", examples("bash"), ids=[page for page, _ in examples("bash")])
def test_command_line_examples_run(page, blocks, tmp_path, monkeypatch):
    """`chronoviz ...` lines run from a folder where `src/` is the repository's (make lines are not run)."""
    from napari_chronoviz.cli import main

    (tmp_path / "src").symlink_to(ROOT / "src")
    monkeypatch.chdir(tmp_path)
    commands = [line for code in blocks for line in code.splitlines() if line.startswith("chronoviz ")]
    assert commands
    for command in commands:
        assert main(shlex.split(command)[1:] + ["--quiet"]) == 0, command
        assert Path(shlex.split(command)[shlex.split(command).index("-o") + 1]).exists()
