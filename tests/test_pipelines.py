"""Every papermill pipeline in nbs/pipelines runs top to bottom at the `smoke` profile, writing into a
temporary folder (never into results/), so a broken pipeline fails the tests."""
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
PIPELINES = sorted((ROOT / "nbs" / "pipelines").glob("*.ipynb"))


@pytest.mark.parametrize("nb", PIPELINES, ids=[p.stem for p in PIPELINES])
def test_pipeline_smoke(nb, tmp_path):
    import papermill as pm
    pm.execute_notebook(str(nb), str(tmp_path / nb.name), parameters={"profile": "smoke", "out_dir": str(tmp_path)},
                        cwd=str(nb.parent), kernel_name="python3", progress_bar=False)
    assert any(tmp_path.iterdir())
