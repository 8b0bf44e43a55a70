"""The documentation: docs/api.md matches the docstrings, and every public function and class has one."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="module")
def gen_api():
    spec = importlib.util.spec_from_file_location("gen_api", DOCS / "gen_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rendered(gen_api):
    return gen_api.render()


def test_api_reference_is_up_to_date(rendered):
    text, _ = rendered
    assert (DOCS / "api.md").read_text(encoding="utf-8") == text, "docs/api.md is stale: run python docs/gen_api.py"


def test_api_reference_covers_the_main_public_names(rendered):
    text, _ = rendered
    for name in ("deepglass.Tensor", "deepglass.nn.Linear", "deepglass.nn.Conv2d", "deepglass.optim.Adam",
                 "deepglass.data.DataLoader", "deepglass.keras.Sequential", "deepglass.training.Model"):
        assert f"### `{name}`" in text, name
    assert len(re.findall(r"^### `", text, flags=re.M)) > 300


def test_every_public_function_and_class_has_a_docstring(rendered):
    _, missing = rendered
    assert not missing, f"public names without a docstring: {', '.join(sorted(missing))}"


def test_docs_index_links_to_existing_pages():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#]+\.md)\)", index)
    assert len(links) >= 6
    for link in links:
        assert (DOCS / link).is_file(), link


def run_python_blocks(page: Path) -> int:
    """Run every ```python block of `page`, in order, in one namespace (as a reader would paste them)."""
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)
    namespace: dict = {"__name__": "__docs__"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{page.name} block {i}", "exec"), namespace)  # noqa: S102 - our own documentation
    return len(blocks)


def test_readme_python_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_python_blocks(DOCS.parent / "README.md") >= 2


# Pages whose snippets run offline. model_zoo.md and transfer_learning.md download ImageNet weights.
OFFLINE_PAGES = {"tutorial.md": True, "pytorch_guide.md": False, "keras_guide.md": False, "architecture.md": False,
                 "diagnostics.md": True}  # page -> needs ../shared/data (MNIST)


@pytest.mark.parametrize("page", sorted(OFFLINE_PAGES))
def test_guide_snippets_run(page, tmp_path, monkeypatch, request):
    """The guides' code runs as printed, from a folder whose ../shared/data is the real data (like the repo)."""
    if OFFLINE_PAGES[page]:
        shared_data = request.getfixturevalue("shared_data")  # skips, with the reason, when the data is absent
        (tmp_path / "shared").symlink_to(shared_data.parent, target_is_directory=True)
    (tmp_path / "repo").mkdir()
    monkeypatch.chdir(tmp_path / "repo")
    assert run_python_blocks(DOCS / page) >= 1


def test_readme_quick_start_matches_ci():
    """The README's test command is the one .ci/run calls."""
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    ci = (DOCS.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install . && deepglass demo" in readme
    assert "&& python -m pytest -q" in readme and "\npython -m pytest -q\n" in ci
