"""Every papermill pipeline in nbs/pipelines runs top to bottom at the `smoke` profile, writing into a
temporary folder (never into results/), and what it writes is checked, not only that it wrote something."""
import json
import math
from pathlib import Path
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
PIPELINES = sorted((ROOT / "nbs" / "pipelines").glob("*.ipynb"))
TABLE8_ROWS = ["#1", "#2", "#3", "#4", "#5", "#6", "#7", "Eq. 1", "Eq. 2"]


def _check_table8(out: Path):
    t = pd.read_csv(out / "table8_ablation.csv").set_index("row")
    assert list(t.index[:9]) == TABLE8_ROWS and {"input", "oracle", "start"} <= set(t.index), list(t.index)
    for col in ("psnr_warped", "psnr_true", "ssim_warped", "ssim_true", "psnr_true_gain_over_input", "psnr_true_gain_over_start"):
        assert all(math.isfinite(v) for v in t.loc[TABLE8_ROWS + ["oracle", "start"], col]), col
    assert t.loc["start", "psnr_true_gain_over_start"] == 0
    assert t.loc["input", "psnr_true_gain_over_input"] == 0
    assert t.loc[TABLE8_ROWS, "paper_psnr"].notna().all() and t.loc["Eq. 2", "paper_psnr"] == 26.20
    assert t["commit"].notna().all()
    verdict = (out / "table8_verdict.md").read_text()
    assert "Eq. 2 - #1" in verdict and "Eq. 1 - #3" in verdict and "Eq. 2 - Eq. 1" in verdict
    assert "the shared starting model vs input" in verdict
    # 9 rows, a second seed of #1 and Eq. 2, the oracle, the starting model; every row fine-tunes the start
    records = {p.stem: json.loads(p.read_text()) for p in (out / "table8_configs").glob("*.json")}
    assert len(records) == 13 and records["start"]["config"]["init_from"] is None, sorted(records)
    assert {r["config"]["init_from"] for n, r in records.items() if n != "start"} == {"<runs>/start/last.pt"}


def _check_table7(out: Path):
    t = pd.read_csv(out / "table7_fusion.csv").set_index("run")
    assert {"input", "start", "eq1_none", "eq2_deformable", "eq2_dconv", "eq2_ldconv"} <= set(t.index), list(t.index)
    assert all(math.isfinite(v) for v in t.loc[t.index != "input", "psnr_true_gain_over_start"]) and t.loc["start", "psnr_true_gain_over_start"] == 0
    records = {p.stem: json.loads(p.read_text()) for p in (out / "table7_configs").glob("*.json")}
    assert records["start"]["row"] == "start" and records["eq2_dconv"]["row"] == "Eq. 2" and records["eq2_dconv"]["config"]["fusion"] == "dconv"
    assert all(math.isfinite(v) for v in t["psnr_true"]) and t.loc["eq2_deformable", "paper_psnr"] == 26.20
    assert t["commit"].notna().all() and t.loc["input", "psnr_true_gain_over_input"] == 0
    assert "best block here" in (out / "table7_verdict.md").read_text()


def _check_mask_modes(out: Path):
    cov = pd.read_csv(out / "mask_modes_coverage.csv")
    assert ((0 <= cov[["magnitude", "colorcode"]]) & (cov[["magnitude", "colorcode"]] <= 1)).all().all()
    # a pure shift is a constant flow: both forms of Eq. 13 keep every pixel; a zoom makes the magnitude form drop some
    assert (cov[cov.case == "shift 2 px"][["magnitude", "colorcode"]] == 1).all().all()
    assert (cov[cov.case == "zoom 1.01"]["magnitude"] < 0.9).all()
    t = pd.read_csv(out / "mask_modes.csv")
    sevs = ["none", "dpdd", "sdd"]
    runs = {(s, r, m) for s in sevs for r in ("Eq. 1", "Eq. 2") for m in ("magnitude", "colorcode")}
    assert set(zip(t.severity, t.row, t.mask_mode)) == runs | {(s, ref, "-") for s in sevs for ref in ("input", "start")}
    assert all(math.isfinite(v) for v in t["psnr_true"]) and (t[t.row == "start"].psnr_true_gain_over_start == 0).all()
    assert (t[t.row == "input"].psnr_true_gain_over_input == 0).all() and t["commit"].notna().all()
    records = {p.stem: json.loads(p.read_text()) for p in (out / "mask_modes_configs").glob("*.json")}
    assert len(records) == 13 and records["start"]["row"] == "start", sorted(records)
    assert records["none_eq1_magnitude"]["config"]["mask_mode"] == "magnitude" and records["sdd_eq2_colorcode"]["severity"] == "sdd"
    assert {r["config"]["init_from"] for n, r in records.items() if n != "start"} == {"<runs>/start/last.pt"}
    verdict = (out / "mask_modes_verdict.md").read_text()
    assert "colour code - magnitude" in verdict and "`none`, Eq. 1" in verdict
    assert (out / "mask_modes.png").stat().st_size > 0


def _check_sweep(out: Path):
    t = pd.read_csv(out / "misalignment_sweep.csv")
    methods = {"input", "start", "l1", "eq1", "eq2"}
    assert set(t.method) == methods and set(t.severity) == {"none", "dpdd", "sdd", "extreme"}, (set(t.method), set(t.severity))
    assert all(math.isfinite(v) for v in t[["psnr_true", "psnr_warped", "gain_true", "gain_true_over_start"]].values.ravel())
    assert (t[t.method == "input"].gain_true == 0).all() and (t[t.method == "start"].gain_true_over_start == 0).all()
    assert t["commit"].notna().all()
    records = {p.stem: json.loads(p.read_text()) for p in (out / "misalignment_sweep_configs").glob("*.json")}
    assert len(records) == 13 and records["start"]["row"] == "start", sorted(records)
    assert {r["row"] for n, r in records.items() if n != "start"} == {"#1", "Eq. 1", "Eq. 2"}
    verdict = (out / "misalignment_sweep_verdict.md").read_text()
    assert "from `none` to `extreme`" in verdict and "the shared starting model" in verdict


CHECKS = {"table8_ablation": _check_table8,
          "misalignment_sweep": _check_sweep,
          "table7_fusion": _check_table7,
          "mask_modes": _check_mask_modes,
          "table2_cost": lambda out: (pd.read_csv(out / "table2_cost.csv").shape[0] >= 2)}


@pytest.mark.parametrize("nb", PIPELINES, ids=[p.stem for p in PIPELINES])
def test_pipeline_smoke(nb, tmp_path):
    import papermill as pm
    pm.execute_notebook(str(nb), str(tmp_path / nb.name), parameters={"profile": "smoke", "out_dir": str(tmp_path)},
                        cwd=str(nb.parent), kernel_name="python3", progress_bar=False)
    assert any(p.name != nb.name for p in tmp_path.iterdir()), "the pipeline wrote nothing"
    check = CHECKS.get(nb.stem)
    if check is not None: assert check(tmp_path) is not False
