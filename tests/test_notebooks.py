"""Every library notebook's tests, one pytest item per notebook, exactly as `nbdev_test` runs them
(cells flagged `slow` or `cuda` are skipped unless JDRL_TEST_FLAGS names them; `cuda` cells need a GPU)."""
import os
from pathlib import Path
import pytest
from nbdev.test import test_nb as run_notebook_tests

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "nbs").glob("*.ipynb") if not p.name.startswith(("_", ".")))
FORCE_FLAGS = os.environ.get("JDRL_TEST_FLAGS", "").split()


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3, f"expected the library notebooks in {ROOT / 'nbs'}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook(nb):
    ok, seconds = run_notebook_tests(nb, skip_flags=["slow", "cuda"], force_flags=FORCE_FLAGS, showerr=True)
    assert ok, f"{nb.name} failed after {seconds:.1f}s (traceback above)"
