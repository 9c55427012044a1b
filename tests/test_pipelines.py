"""Every papermill pipeline in nbs/pipelines runs top to bottom at the `smoke` profile, writing into a
temporary folder (never into results/), and what it writes is checked: the rows and columns each table must
have, value ranges, the relations that hold by construction (gains are differences to the row they name,
ranks order the rows, two-seed rows are the mean of their runs, records agree with their table), and
figures recomputed here independently (the blurry input's PSNR against the hidden target, parameter counts).
No check depends on what a two-step smoke training happens to reach."""
import json
import math
import re
from itertools import product
from pathlib import Path
import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
PIPELINES = sorted((ROOT / "nbs" / "pipelines").glob("*.ipynb"))
TABLE8_ROWS = ["#1", "#2", "#3", "#4", "#5", "#6", "#7", "Eq. 1", "Eq. 2"]
EPS = 2e-4   # the CSVs round to 4 decimals: a difference of two rounded figures is within 1e-4 of the rounded difference


def _finite(values) -> bool:
    return all(math.isfinite(float(v)) for v in values)


def _psnr_ssim_ranges(t: pd.DataFrame, rows=None):
    "Every PSNR column in (10, 60) dB and every SSIM column in (0, 1] for `rows` (default all)."
    sub = t if rows is None else t.loc[rows]
    for col in [c for c in t.columns if re.fullmatch(r"psnr_(warped|true)", c)]:
        assert _finite(sub[col]) and ((sub[col] > 10) & (sub[col] < 60)).all(), (col, sub[col].tolist())
    for col in [c for c in t.columns if re.fullmatch(r"ssim_(warped|true)", c)]:
        assert _finite(sub[col]) and ((sub[col] > 0) & (sub[col] <= 1)).all(), (col, sub[col].tolist())


def _gains(t: pd.DataFrame, psnr: str, gain: str, ref):
    "Column `gain` is `psnr` minus the `psnr` of row `ref` in every row where it is given."
    want = t[psnr] - t.loc[ref, psnr]
    ok = t[gain].notna()
    assert ok.any() and np.allclose(t.loc[ok, gain], want[ok], atol=EPS), (gain, t[gain].tolist(), want.tolist())


def _perceptual(t: pd.DataFrame, cols):
    "A perceptual column is computed (in [0, 1]) or says why not, in every row that has a model or the input."
    for col in [c for c in cols if c in t.columns]:
        for v in t[col].dropna():
            try: f = float(v)
            except ValueError: assert str(v).startswith("unavailable"), (col, v); continue
            assert 0 <= f <= 1, (col, v)


def _smoke():
    from jdrl.experiments import experiment_profile
    return experiment_profile("smoke")


def _records(folder: Path) -> dict:
    return {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}


def _commit_of(t: pd.DataFrame, records: dict) -> str:
    "The one commit the table names, which every record names too."
    commits = set(t["commit"])
    assert len(commits) == 1, commits
    (commit,) = commits
    assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?", commit), commit
    assert {r["commit"] for r in records.values()} == {commit}, {n: r["commit"] for n, r in records.items()}
    return commit


def _check_records_data(records: dict, severity_of, test: dict):
    "Each record (but the start's) names the test split and the severity its run was trained and scored at; all at profile smoke."
    start = _smoke()["start"]["data"]
    for name, r in records.items():
        assert r["profile"] == "smoke", (name, r["profile"])
        if name == "start":
            assert (r["data"]["severity"], r["data"]["data_seed"], r["data"]["max_coc"]) == (start["severity"], start["seed"], start["max_coc"]), r["data"]
            assert r["config"]["init_from"] is None and r["row"] == "start"
            continue
        assert r["data"]["severity"] == severity_of(name, r), (name, r["data"])
        assert {k: r["data"][k] for k in test} == test, (name, r["data"])
        assert r["config"]["init_from"] == "<runs>/start/last.pt", (name, r["config"]["init_from"])


def _check_table8(out: Path, input_psnr_true):
    from jdrl.experiments import TABLE8_PAPER
    p = _smoke()
    t = pd.read_csv(out / "table8_ablation.csv").set_index("row")
    # the paper's nine rows first, in its order, then the references: the input, the oracle, the starting model (and any others)
    assert list(t.index[:9]) == TABLE8_ROWS and {"input", "oracle", "start"} <= set(t.index[9:]) and t.index.is_unique, list(t.index)
    models = [r for r in t.index if r != "input"]
    _psnr_ssim_ranges(t)
    for proto in ("warped", "true"):
        _gains(t, f"psnr_{proto}", f"psnr_{proto}_gain_over_input", "input")
        _gains(t, f"psnr_{proto}", f"psnr_{proto}_gain_over_start", "start")
        assert _finite(t.loc[models, f"psnr_{proto}_gain_over_start"]), proto
        # the nine rows ranked by PSNR, best first; the references are not ranked
        ranks = t.loc[TABLE8_ROWS, f"rank_{proto}"]
        assert sorted(ranks) == list(range(1, 10)) and t.loc[t.index[9:], f"rank_{proto}"].isna().all(), t[f"rank_{proto}"].tolist()
        by_rank = t.loc[TABLE8_ROWS].sort_values(f"rank_{proto}")[f"psnr_{proto}"]
        assert (by_rank.diff().dropna() <= EPS).all(), by_rank.tolist()
        # a row's share of the oracle's gain over the starting model: its own gain over the start, divided by the oracle's
        share, gain = t[f"share_of_oracle_gain_{proto}"], t[f"psnr_{proto}_gain_over_start"]
        og = gain["oracle"]
        assert share.notna().all() and share["oracle"] == pytest.approx(1) and share["start"] == pytest.approx(0, abs=EPS)
        assert ((share * og - gain).abs() <= EPS * (1 + share.abs()) + EPS).all(), (share.tolist(), gain.tolist())
    # a perceptual figure is computed: the shift-tolerant LPIPS ships its weights; the paper's LPIPS is a number or says why not
    for col in ("stlpips_warped", "stlpips_true"):
        v = pd.to_numeric(t[col], errors="coerce")
        assert v.notna().all() and ((v > 0) & (v < 1)).all(), (col, t[col].tolist())
    _perceptual(t, ["lpips_warped", "lpips_true"])
    # the paper's figures, from jdrl.experiments, on its nine rows only; its ranks order them
    for row in TABLE8_ROWS:
        assert tuple(t.loc[row, ["paper_psnr", "paper_ssim", "paper_lpips"]]) == pytest.approx(TABLE8_PAPER[row]), row
    assert t.loc[t.index[9:], ["paper_psnr", "paper_ssim", "paper_lpips", "paper_rank"]].isna().all().all()
    paper_order = t.loc[TABLE8_ROWS].sort_values("paper_rank")["paper_psnr"]
    assert sorted(t.loc[TABLE8_ROWS, "paper_rank"]) == list(range(1, 10)) and (paper_order.diff().dropna() <= 0).all()
    # the blurry input's score is what its images give, recomputed here
    records = _records(out / "table8_configs")
    scenes = records["r1_seed0"]["config"]["synth_scenes"]
    severity = t["severity"].iloc[0]
    assert set(t["severity"]) == {severity} and set(t["scenes"]) == {scenes} and set(t["profile"]) == {"smoke"}
    assert t.loc["input", "psnr_true"] == pytest.approx(input_psnr_true(p["test_n"], p["test_size"], severity, scenes), abs=EPS)
    # a row with several seeds is the mean of its runs, with their spread; a single-seed row is its run; each run has its record
    runs = pd.read_csv(out / "table8_ablation_runs.csv")
    assert set(runs.row) == set(t.index), (sorted(set(runs.row)), list(t.index))
    several = set()
    for row in models:
        mine = runs[runs.row == row].sort_values("seed")
        seeds = mine.seed.tolist()
        if len(seeds) > 1: several.add(row)
        assert str(t.loc[row, "seeds"]) == ",".join(map(str, seeds)), (row, t.loc[row, "seeds"], seeds)
        assert len(seeds) in (1, 1 + len(p["noise_seeds"])), (row, seeds)
        for col in ("psnr_true", "psnr_warped"): assert t.loc[row, col] == pytest.approx(mine[col].mean(), abs=EPS), (row, col)
        assert math.isfinite(t.loc[row, "psnr_true_std"]) == (len(seeds) > 1), (row, t.loc[row, "psnr_true_std"])
        assert t.loc[row, "configs"] == ";".join(f"table8_configs/{r}.json" for r in mine.run), (row, t.loc[row, "configs"])
        for run, seed in zip(mine.run, mine.seed):
            assert (records[run]["row"], records[run]["seed"]) == (row, seed), (run, records[run]["row"], records[run]["seed"])
    assert {"#1", "Eq. 2"} <= several, several                     # the rows the verdict compares are measured with several seeds
    assert set(records) == set(runs.run) - {"input"}, (sorted(records), sorted(runs.run))
    _commit_of(t, records)
    verdict = (out / "table8_verdict.md").read_text()
    assert "Eq. 2 - #1" in verdict and "Eq. 1 - #3" in verdict and "Eq. 2 - Eq. 1" in verdict
    assert "the shared starting model vs input" in verdict
    _check_records_data(records, lambda n, r: severity, dict(test_n=p["test_n"], test_size=p["test_size"], test_split="test"))


def _check_table7(out: Path, input_psnr_true):
    from jdrl.experiments import TABLE8_PAPER
    p = _smoke()
    t = pd.read_csv(out / "table7_fusion.csv").set_index("run")
    fusions = ["deformable", "dconv", "ldconv"]                    # the pipeline's default: the paper's three
    assert set(t.index) == {"input", "start", "eq1_none"} | {f"eq2_{f}" for f in fusions}, list(t.index)
    _psnr_ssim_ranges(t)
    for proto in ("warped", "true"):
        _gains(t, f"psnr_{proto}", f"psnr_{proto}_gain_over_input", "input")
        _gains(t, f"psnr_{proto}", f"psnr_{proto}_gain_over_start", "start")
    assert t.loc["eq1_none", "EF_params_k"] == 0 and (t.loc[[f"eq2_{f}" for f in fusions], "EF_params_k"] > 0).all()
    assert t.loc[[f"eq2_{f}" for f in fusions], "fusion"].tolist() == fusions
    # the paper's full model is the same in its Tables 7 and 8; DConv and LDConv below it; no paper figure elsewhere
    assert tuple(t.loc["eq2_deformable", ["paper_psnr", "paper_ssim", "paper_lpips"]]) == pytest.approx(TABLE8_PAPER["Eq. 2"])
    assert (t.loc[["eq2_dconv", "eq2_ldconv"], "paper_psnr"] < t.loc["eq2_deformable", "paper_psnr"]).all()
    assert t.loc[["input", "start", "eq1_none"], "paper_psnr"].isna().all()
    records = _records(out / "table7_configs")
    assert set(records) == {"start", "eq1_none"} | {f"eq2_{f}" for f in fusions}, sorted(records)
    assert records["eq1_none"]["row"] == "Eq. 1" and records["eq1_none"]["config"]["fusion"] is None
    for f in fusions: assert (records[f"eq2_{f}"]["row"], records[f"eq2_{f}"]["config"]["fusion"]) == ("Eq. 2", f)
    severity, scenes = t["severity"].iloc[0], records["eq1_none"]["config"]["synth_scenes"]
    assert set(t["severity"]) == {severity} and set(t["scenes"]) == {scenes}
    assert t.loc["input", "psnr_true"] == pytest.approx(input_psnr_true(p["test_n"], p["test_size"], severity, scenes), abs=EPS)
    _commit_of(t, records)
    _check_records_data(records, lambda n, r: severity, dict(test_n=p["test_n"], test_size=p["test_size"]))
    assert "best block here" in (out / "table7_verdict.md").read_text()


def _check_mask_modes(out: Path, input_psnr_true):
    p = _smoke()
    cov = pd.read_csv(out / "mask_modes_coverage.csv")
    assert ((0 <= cov[["magnitude", "colorcode"]]) & (cov[["magnitude", "colorcode"]] <= 1)).all().all()
    # a pure shift is a constant flow: both forms of Eq. 13 keep every pixel; a zoom makes the magnitude form drop some
    assert (cov[cov.case == "shift 2 px"][["magnitude", "colorcode"]] == 1).all().all()
    assert (cov[cov.case == "zoom 1.01"]["magnitude"] < 0.9).all()
    # with the exact reverse flow every pixel of an exact flow is consistent, but those read from outside the frame (a
    # border row or column under any zoom: 6% at 64 px)
    assert (cov["consistency"] > 0.9).all() and (cov[cov.case == "zoom 1.003"]["consistency"] > cov[cov.case == "zoom 1.003"]["magnitude"]).all()
    t = pd.read_csv(out / "mask_modes.csv")
    sevs = ["none", "dpdd", "sdd"]
    from jdrl.flow import MASK_MODES
    runs = {(s, r, m) for s in sevs for r in ("Eq. 1", "Eq. 2") for m in MASK_MODES}
    assert set(zip(t.severity, t.row, t.mask_mode)) == runs | {(s, ref, "-") for s in sevs for ref in ("input", "start")}
    records = _records(out / "mask_modes_configs")
    scenes = records["start"]["config"]["synth_scenes"]
    for sev in sevs:
        ts = t[t.severity == sev].set_index(t[t.severity == sev].row + "/" + t[t.severity == sev].mask_mode)
        _psnr_ssim_ranges(ts)
        for proto in ("warped", "true"):
            _gains(ts, f"psnr_{proto}", f"psnr_{proto}_gain_over_input", "input/-")
            _gains(ts, f"psnr_{proto}", f"psnr_{proto}_gain_over_start", "start/-")
        assert ts.loc["input/-", "psnr_true"] == pytest.approx(input_psnr_true(p["test_n"], p["test_size"], sev, scenes), abs=EPS), sev
    trained = t[t.mask_mode != "-"]
    assert ((trained.mask_kept_s2r.dropna() >= 0) & (trained.mask_kept_s2r.dropna() <= 1)).all()
    _commit_of(t, records)
    assert set(records) == {"start"} | {f"{s}_{r.replace('. ', '').lower()}_{m}" for s, r, m in runs}, sorted(records)
    for name, r in records.items():
        if name == "start": continue
        s, row, mode = name.split("_")
        assert (r["severity"], r["row"].replace(". ", "").lower(), r["config"]["mask_mode"]) == (s, row, mode), name
    _check_records_data(records, lambda n, r: n.split("_")[0], dict(test_n=p["test_n"], test_size=p["test_size"]))
    verdict = (out / "mask_modes_verdict.md").read_text()
    assert "magnitude - colorcode" in verdict and "consistency - colorcode" in verdict and "`none`, Eq. 1" in verdict
    assert (out / "mask_modes.png").stat().st_size > 0


def _check_sweep(out: Path, input_psnr_true):
    p = _smoke()
    t = pd.read_csv(out / "misalignment_sweep.csv")
    methods, sevs = ["input", "start", "l1", "eq1", "eq2"], ["none", "dpdd", "sdd", "extreme"]
    assert set(zip(t.severity, t.method)) == set(product(sevs, methods)) and len(t) == len(sevs) * len(methods), t[["severity", "method"]]
    records = _records(out / "misalignment_sweep_configs")
    scenes = records["start"]["config"]["synth_scenes"]
    assert set(t["scenes"]) == {scenes}
    for sev in sevs:
        ts = t[t.severity == sev].set_index("method")
        _psnr_ssim_ranges(ts)
        _gains(ts, "psnr_true", "gain_true", "input")
        _gains(ts, "psnr_true", "gain_true_over_start", "start")
        assert ts.loc["input", "psnr_true"] == pytest.approx(input_psnr_true(p["test_n"], p["test_size"], sev, scenes), abs=EPS), sev
    # the more misaligned the target, the further the raw target is from the output: the warp has more to undo
    flow = t[t.method == "input"].set_index("severity").flow_px_warped
    assert flow["none"] < flow["sdd"] < flow["extreme"], flow.to_dict()
    _commit_of(t, records)
    assert set(records) == {"start"} | {f"{s}_{m}" for s in sevs for m in ("l1", "eq1", "eq2")}, sorted(records)
    row_of = {"l1": "#1", "eq1": "Eq. 1", "eq2": "Eq. 2"}
    for name, r in records.items():
        if name != "start": assert r["row"] == row_of[name.split("_")[1]], (name, r["row"])
    _check_records_data(records, lambda n, r: n.split("_")[0], dict(test_n=p["test_n"], test_size=p["test_size"]))
    verdict = (out / "misalignment_sweep_verdict.md").read_text()
    assert "from `none` to `extreme`" in verdict and "the shared starting model" in verdict


def _check_table2(out: Path, input_psnr_true):
    import torch
    from jdrl.archs import build_backbone, registered_backbones, count_params
    from jdrl.model import Deblurrer
    t = pd.read_csv(out / "table2_cost.csv")
    names = sorted(b for b in registered_backbones() if not b.startswith("_"))
    assert sorted(t.backbone) == names and set(t.fusion) == {"deformable"} and set(t["size"]) == {512}, t[["backbone", "fusion"]]
    assert t["note"].isna().all(), t.loc[t["note"].notna(), ["backbone", "note"]]
    with torch.device("meta"):                                    # counted again here, independently of the pipeline
        params = {n: count_params(build_backbone(n)) / 1e6 for n in names}
        ef = count_params(Deblurrer(torch.nn.Identity(), fusion="deformable")) / 1e3
    t = t.set_index("backbone")
    for n in names: assert t.loc[n, "params_M"] == pytest.approx(params[n], abs=1e-4), (n, t.loc[n, "params_M"], params[n])
    assert np.allclose(t.EF_params_k, ef, atol=1e-3), (t.EF_params_k.tolist(), ef)
    assert np.allclose(t.params_with_EF_M, t.params_M + t.EF_params_k / 1e3, atol=EPS)
    assert (t.GMACs > 0).all() and (t.GMACs_all >= t.GMACs - EPS).all()
    ef_macs = t.GMACs_with_EF - t.GMACs                            # E + F cost the same in front of every backbone
    assert (ef_macs > 0).all() and np.allclose(ef_macs, ef_macs.iloc[0], atol=2 * EPS), ef_macs.tolist()
    given = t.paper_params_M.notna()                               # the paper's counts (Table 2), where it gives one, are reproduced
    assert set(t.index[given]) == {"restormer", "unet"} and (abs(t.params_M - t.paper_params_M)[given] < 0.05).all(), t.loc[given, ["params_M", "paper_params_M"]]


def _check_table1(out: Path, input_psnr_true):
    import torch
    from jdrl.archs import build_backbone, count_params
    p = _smoke()
    t = pd.read_csv(out / "table1_backbones.csv")
    backbones, methods = sorted(set(t.backbone) - {"input"}), ["l1", "eq1", "eq2"]
    assert len(backbones) >= 2 and "unet" in backbones, backbones
    assert set(zip(t.backbone, t.method)) == {("input", "-")} | set(product(backbones, methods)) and len(t) == 1 + 3 * len(backbones)
    records = _records(out / "table1_configs")
    assert set(records) == {f"{b}_{m}" for b, m in product(backbones, methods)}, sorted(records)
    severity = t.severity.iloc[0]
    assert set(t.severity) == {severity} and set(t.profile) == {"smoke"}
    for name, r in records.items():
        b, m = name.rsplit("_", 1)
        c = r["config"]
        assert (c["backbone"], c["variant"], c["fusion"]) == (b, m, "deformable" if m == "eq2" else None), (name, c)
        assert (r["profile"], r["data"]["severity"], r["data"]["test_n"], r["data"]["test_size"]) == ("smoke", severity, p["test_n"], p["test_size"])
    t = t.set_index(["backbone", "method"])
    scenes = records["unet_l1"]["config"]["synth_scenes"]
    assert t.loc[("input", "-"), "psnr_true"] == pytest.approx(input_psnr_true(p["test_n"], p["test_size"], severity, scenes), abs=EPS)
    failed = t["note"].dropna()
    ran = t.drop(index=failed.index).drop(index=[("input", "-")])
    # an open defect, measured: KPAC with Eq. 2 diverges at smoke (E's blur map grows from 0.23 to ~14 in two steps at lr 1e-3,
    # and the fusion block turns it into a large change of the input; with F's projection zeroed it still ends near 17 dB)
    diverged = [i for i in ran.index if not ran.loc[i, "psnr_true"] >= 10]
    _psnr_ssim_ranges(ran.drop(index=diverged))
    for b in sorted({b for b, _ in ran.index}):                   # the backbone alone, counted here from its record
        c = records[f"{b}_l1"]["config"]
        with torch.device("meta"): n = count_params(build_backbone(b, width=c["width"], **c["backbone_args"])) / 1e3
        assert np.allclose(ran.loc[b, "params_k"], n, atol=1e-3), (b, ran.loc[b, "params_k"].tolist(), n)
        assert (ran.loc[b, "steps"] > 0).all()
    if len(failed): raise AssertionError(f"runs that did not train: {failed.to_dict()}")
    if diverged:
        assert diverged == [("kpac", "eq2")], f"runs that diverged: {diverged}"
        pytest.xfail(f"known: KPAC with Eq. 2 diverges at the smoke profile ({ran.loc[('kpac', 'eq2'), 'psnr_true']:.2f} dB)")


def _real_data_params(tmp: Path) -> dict:
    "A small dataset with train/ and test/ (as SDD is laid out), and a folder of real-pair sets, made from the synthetic benchmark."
    from jdrl.synth import write_synthetic
    data = tmp / "data"
    write_synthetic(data / "mini_sdd" / "train", 4, size=64, severity="sdd", seed=0, split="train", progress=False)
    write_synthetic(data / "mini_sdd" / "test", 2, size=64, severity="sdd", seed=0, split="test", progress=False)
    write_synthetic(data / "pairs" / "set_a", 3, size=64, severity="dpdd", seed=3, split="test", progress=False)
    return {"sdd": str(data / "mini_sdd"), "real_pairs": str(data / "pairs")}


def _check_real_data(out: Path, input_psnr_true):
    from jdrl.evaluate import evaluate
    data = out / "data"
    assert (out / "real_data_tables_status.md").read_text().strip() == "all parts ran"
    for csv, tested_on, folder, trained_on in (("real_data_tables.csv", "sdd", data / "mini_sdd" / "test", "sdd"),
                                               ("real_pairs_check.csv", "set_a", data / "pairs" / "set_a", "synthetic (sdd)")):
        t = pd.read_csv(out / csv)
        assert set(zip(t.trained_on, t.method, t.tested_on)) == {("-", "input", tested_on), (trained_on, "l1", tested_on),
                                                                 (trained_on, "eq2", tested_on)} and len(t) == 3, t
        n = len(list((folder / "blur").glob("*.png")))
        assert (t.images == min(2, n)).all(), t.images.tolist()        # the smoke profile scores at most 2 images per set
        _psnr_ssim_ranges(t)
        _perceptual(t, ["lpips_warped", "stlpips_warped"])
        t = t.set_index("method")
        assert (t.loc[["l1", "eq2"], "steps"] > 0).all()
        # the input row is the warped-target score of the set's first images, recomputed here from the files
        import tempfile, shutil
        with tempfile.TemporaryDirectory() as d:
            for sub in ("blur", "gt"):
                (Path(d) / sub).mkdir()
                for f in sorted((folder / sub).glob("*.png"))[:2]: shutil.copy(f, Path(d) / sub / f.name)
            ref = evaluate(Path(d) / "blur", Path(d) / "gt", protocol="warped", metrics="psnr,ssim")
        assert t.loc["input", "psnr_warped"] == pytest.approx(ref.loc["mean", "psnr"], abs=EPS), (t.loc["input", "psnr_warped"], ref.loc["mean", "psnr"])
        assert t.loc["input", "ssim_warped"] == pytest.approx(ref.loc["mean", "ssim"], abs=EPS)
    assert (out / "real_pairs_check.png").stat().st_size > 0


def _real_adaptation_params(tmp: Path) -> dict:
    "Two 'cameras' of aligned pairs (the synthetic benchmark without misalignment), laid out as a folder of real pairs is."
    import shutil
    from jdrl.synth import write_synthetic
    root = tmp / "data" / "pairs"
    for k, cam in enumerate(("cam_a", "cam_b")):
        write_synthetic(root / cam, 4, size=256, severity="none", seed=k, split="test", progress=False)
        shutil.rmtree(root / cam / "gt_aligned", ignore_errors=True)
    return {"real_pairs": str(root)}


def _check_real_adaptation(out: Path, input_psnr_true, root: Path | None = None):
    from jdrl.adapt import ADAPT_METHODS, adapt_profile
    from jdrl.data import PairedImages
    from jdrl.evaluate import evaluate
    root = out / "data" / "pairs" if root is None else root
    scenes = pd.read_csv(out / "real_adaptation_scenes.csv")
    P = adapt_profile("smoke")
    assert set(scenes.set) == {p.name for p in root.iterdir() if p.is_dir()}
    for s, g in scenes.groupby("set"):
        assert (g.role == "test").sum() == P["test_per_set"] and (g.role == "train").sum() == len(g) - P["test_per_set"], g
    assert (scenes[scenes.role == "train"].shift_px > 0).all() and (scenes[scenes.role == "test"].shift_px == 0).all()
    t = pd.read_csv(out / "real_adaptation.csv").set_index("method")
    assert list(t.index) == ["input", "start"] + list(ADAPT_METHODS), list(t.index)
    _gains(t, "psnr", "gain_input", "input"); _gains(t, "psnr", "gain_start", "start")
    assert _finite(t.psnr) and ((t.psnr > 10) & (t.psnr < 60)).all() and ((t.ssim > 0) & (t.ssim <= 1)).all(), t
    runs = pd.read_csv(out / "real_adaptation_runs.csv")
    for m in ADAPT_METHODS:
        r = runs[runs.method == m]
        assert len(r) == len(P["seeds"]) and (r.steps > 0).all() and abs(t.loc[m, "psnr"] - r.psnr.mean()) < EPS, (m, r)
    # the input row, recomputed here from the files of the test scenes
    ref = []
    for s, g in scenes[scenes.role == "test"].groupby("set"):
        ds = PairedImages(root / s, names=list(g.name), resize=P["resize"])
        ref += list(evaluate(model=lambda x: x, dataset=ds, protocol="aligned", metrics="psnr").drop(index="mean")["psnr"])
    assert t.loc["input", "psnr"] == pytest.approx(float(np.mean(ref)), abs=EPS), (t.loc["input", "psnr"], ref)
    records = _records(out / "real_adaptation_configs")
    assert set(records) == {"start"} | {f"{''.join(c for c in m.lower() if c.isalnum())}_seed{s}" for m in ADAPT_METHODS for s in P["seeds"]}
    assert all(r["commit"] == t.commit.iloc[0] for r in records.values())
    verdict = (out / "real_adaptation_verdict.md").read_text()
    said = {k: float(re.search(pat, verdict).group(1)) for k, pat in (("input", r"blurry input scores ([0-9.]+) dB"),
                                                                      ("Eq. 2, misaligned pairs", r"Eq. 2 on the misaligned pairs: ([0-9.]+) dB"))}
    for k, v in said.items(): assert abs(v - t.loc[k, "psnr"]) <= 0.006, (k, v, t.loc[k, "psnr"])
    assert (out / "real_adaptation.png").stat().st_size > 0


def test_real_adaptation_on_the_real_pairs(tmp_path, input_psnr_true):
    "With JDRL_DATA set, the pipeline runs on the real pairs there (and fails when the folder is missing)."
    import os
    import papermill as pm
    if not os.environ.get("JDRL_DATA"): pytest.skip("JDRL_DATA is not set: no real pairs on this machine")
    from jdrl.core import data_dir
    root = data_dir(required=True) / "real_pairs"
    assert root.is_dir(), f"JDRL_DATA is set but has no real_pairs/: {root}"
    nb = ROOT / "nbs" / "pipelines" / "real_adaptation.ipynb"
    pm.execute_notebook(str(nb), str(tmp_path / nb.name), parameters={"profile": "smoke", "out_dir": str(tmp_path)},
                        cwd=str(nb.parent), kernel_name="python3", progress_bar=False)
    _check_real_adaptation(tmp_path, input_psnr_true, root=root)


CHECKS = {"table8_ablation": _check_table8,
          "misalignment_sweep": _check_sweep,
          "table7_fusion": _check_table7,
          "mask_modes": _check_mask_modes,
          "table2_cost": _check_table2,
          "table1_backbones": _check_table1,
          "real_data_tables": _check_real_data,
          "real_adaptation": _check_real_adaptation}
PARAMS = {"real_data_tables": _real_data_params, "real_adaptation": _real_adaptation_params}   # more papermill parameters, made in the test's folder


def test_every_pipeline_is_checked():
    assert sorted(CHECKS) == sorted(p.stem for p in PIPELINES), "a pipeline without a check of what it writes"


@pytest.mark.parametrize("nb", PIPELINES, ids=[p.stem for p in PIPELINES])
def test_pipeline_smoke(nb, tmp_path, input_psnr_true):
    import papermill as pm
    params = {"profile": "smoke", "out_dir": str(tmp_path)}
    if nb.stem in PARAMS: params.update(PARAMS[nb.stem](tmp_path))
    pm.execute_notebook(str(nb), str(tmp_path / nb.name), parameters=params,
                        cwd=str(nb.parent), kernel_name="python3", progress_bar=False)
    CHECKS[nb.stem](tmp_path, input_psnr_true)    # input_psnr_true: tests/conftest.py
