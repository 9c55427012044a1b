"""The committed results are what the committed code produces: every configuration recorded in
results/table8_configs/, results/table7_configs/, results/mask_modes_configs/ and results/misalignment_sweep_configs/ equals the configuration the code resolves for that
row, profile and seed (and mask mode), unless results/stale.csv declares that result stale, naming the
commit that produced it. Every record's data section is what its pipeline writes for that run, and every record names a
clean commit of this repository's history, the commit its table names."""
import dataclasses
import functools
import json
import re
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
RECORDS = sorted((ROOT / "results" / "table8_configs").glob("*.json"))
T7_RECORDS = sorted((ROOT / "results" / "table7_configs").glob("*.json"))
MASK_RECORDS = sorted((ROOT / "results" / "mask_modes_configs").glob("*.json"))
SWEEP_RECORDS = sorted((ROOT / "results" / "misalignment_sweep_configs").glob("*.json"))


def _check_record(path: Path, resolve, clean: bool = False):
    "The record in `path` names a commit (a clean one when `clean`), and `resolve(record)` gives back its configuration."
    from jdrl.train.config import config_to_dict
    rec = json.loads(path.read_text())
    assert rec.get("commit"), f"{path.name}: no commit recorded"
    if clean: assert not rec["commit"].endswith("+dirty"), f"{path.name}: no clean commit recorded"
    assert config_to_dict(resolve(rec)) == rec["config"], f"{path.name}: the committed configuration is not what the code resolves"


def _stale() -> dict:
    "results/stale.csv: result name -> the commit its records name (results produced by an earlier recipe)."
    import csv
    path = ROOT / "results" / "stale.csv"
    return {r["result"]: r["commit"] for r in csv.DictReader(path.open())} if path.exists() else {}


def _check_or_stale(path: Path, result: str, resolve):
    """A record of `result` resolves again from a clean commit, or `result` is declared stale in results/stale.csv: then the
    record must name the commit the declaration names and must indeed differ from what the code resolves now."""
    stale = _stale().get(result)
    if stale is None: return _check_record(path, resolve, clean=True)
    from jdrl.train.config import config_to_dict
    rec = json.loads(path.read_text())
    assert rec.get("commit") == stale, f"{path.name}: commit {rec.get('commit')} is not the stale one results/stale.csv names ({stale})"
    assert config_to_dict(resolve(rec)) != rec["config"], \
        f"{path.name}: the code resolves this configuration again; remove {result} from results/stale.csv"


def _table8_config(rec):
    "What the code resolves for a Table 8 record: the shared starting model (row 'start') or a row, from it when the record says so."
    from jdrl.experiments import table8_run_config, start_config
    c = rec["config"]
    if rec["row"] == "start": return start_config(rec["profile"], c["out"], threads=c["threads"])
    resolve = lambda epochs: table8_run_config(rec["profile"], rec["row"], rec["seed"], c["out"], threads=c["threads"], epochs=epochs,
                                               init_from=c.get("init_from"))
    # the pipeline's `epochs` parameter may have changed the length; everything else must be what the code resolves
    cfg = resolve(None)
    return cfg if cfg.epochs == c["epochs"] else resolve(c["epochs"])


def _mask_mode_config(rec):
    "A mask-mode record: Table 8's row (or its starting model) with the record's mask mode."
    cfg = _table8_config(rec)
    # the pipeline compares the masks on per-step flows (a registered pair brings its own consistency mask)
    return cfg if rec["row"] == "start" else dataclasses.replace(cfg, mask_mode=rec["config"]["mask_mode"], flow_source="step")


def test_there_are_committed_table8_configs():
    assert len(RECORDS) >= 11, "results/table8_configs/ must hold the committed Table 8 runs"


@pytest.mark.parametrize("path", RECORDS, ids=[p.stem for p in RECORDS])
def test_committed_config_is_what_the_code_resolves(path):
    _check_or_stale(path, "table8_ablation", _table8_config)


def _table7_config(rec):
    "A Table 7 record: Table 8's Eq. 1 or Eq. 2 (or its starting model) with the record's fusion block."
    cfg = _table8_config(rec)
    return cfg if rec["row"] == "start" else dataclasses.replace(cfg, fusion=rec["config"]["fusion"])


def test_there_are_committed_table7_configs():
    names = {p.stem for p in T7_RECORDS}
    assert {"eq1_none", "eq2_deformable", "eq2_dconv", "eq2_ldconv"} <= names, f"results/table7_configs/ holds only {sorted(names)}"


@pytest.mark.parametrize("path", T7_RECORDS, ids=[p.stem for p in T7_RECORDS])
def test_committed_table7_config_is_what_the_code_resolves(path):
    _check_or_stale(path, "table7_fusion", _table7_config)


def test_there_are_committed_mask_mode_configs():
    assert len(MASK_RECORDS) >= 13, "results/mask_modes_configs/ must hold the start, and Eq. 1 and Eq. 2 with both mask modes at three severities"


@pytest.mark.parametrize("path", MASK_RECORDS, ids=[p.stem for p in MASK_RECORDS])
def test_committed_mask_mode_config_is_what_the_code_resolves(path):
    _check_or_stale(path, "mask_modes", _mask_mode_config)


@pytest.mark.parametrize("path", SWEEP_RECORDS, ids=[p.stem for p in SWEEP_RECORDS])
def test_committed_sweep_config_is_what_the_code_resolves(path):
    # the sweep's objectives are Table 8's rows #1, Eq. 1 and Eq. 2, trained as there; its record names the row
    _check_or_stale(path, "misalignment_sweep", _table8_config)


# ---- the data section and the commit: a record is tied to the data it names, to its table and to a clean commit of this history

RESULTS = {   # result name -> (its records' folder, its table, the pipeline that writes both)
    "table8_ablation": ("table8_configs", "table8_ablation.csv", "nbs/pipelines/table8_ablation.ipynb"),
    "table7_fusion": ("table7_configs", "table7_fusion.csv", "nbs/pipelines/table7_fusion.ipynb"),
    "mask_modes": ("mask_modes_configs", "mask_modes.csv", "nbs/pipelines/mask_modes.ipynb"),
    "misalignment_sweep": ("misalignment_sweep_configs", "misalignment_sweep.csv", "nbs/pipelines/misalignment_sweep.ipynb"),
}
ALL_RECORDS = [(result, p) for result, (folder, _, _) in RESULTS.items() for p in sorted((ROOT / "results" / folder).glob("*.json"))]


def _table(result: str):
    import pandas as pd
    return pd.read_csv(ROOT / "results" / RESULTS[result][1])


def _one(values, what: str):
    "The single value of a column that a pipeline writes as a constant."
    vals = sorted(set(values))
    assert len(vals) == 1, f"{what}: expected one value, the table holds {vals}"
    return vals[0]


def _expected_data(result: str, path: Path, rec: dict) -> dict:
    """The `data` section the pipeline of `result` writes for this record (nbs/pipelines/*.ipynb): the starting model's camera
    from the experiment profile (jdrl.experiments.start_record), the test split's size from the profile, the training set's
    size from the resolved configuration, and the severity of the table the record belongs to."""
    from jdrl.experiments import experiment_profile, start_config, start_record
    p = experiment_profile(rec["profile"])
    test = dict(test_n=p["test_n"], test_size=p["test_size"])
    if rec["row"] == "start":
        data = start_record(rec["profile"], p, start_config(p, "x"), rec["notebook"], rec["commit"])["data"]
        return data | test | {"test_split": "test"} if result == "table8_ablation" else data
    table = _table(result)
    if result in ("table8_ablation", "table7_fusion"):
        severity = _one(table["severity"], f"{RESULTS[result][1]} severity")
        # the oracle trained on aligned pairs of its own, until Table 8's trained on the rows' pairs with their hidden aligned targets
        earlier = result == "table7_fusion" or "table8_ablation" in _stale()
        if rec["row"] == "oracle" and earlier: severity = "none"
    else:                                                          # one set of runs per severity, named <severity>_...
        severity = path.stem.split("_")[0]
        assert severity in set(table["severity"]), f"{path.name}: severity {severity} is not in {RESULTS[result][1]}"
        if "severity" in rec: assert rec["severity"] == severity, f"{path.name}: severity {rec['severity']} but named {severity}"
    data = dict(source="synthetic", severity=severity, data_seed=0)
    if result == "table8_ablation":
        cfg = rec["config"]                                        # checked against the code by the tests above
        if "table8_ablation" in _stale():                         # written before the records named the target they trained on
            return data | dict(train_n=cfg["synth_train"], train_size=cfg["synth_size"]) | test | {"test_split": "test"}
        target = {"oracle": "gt_aligned (hidden)", "register + L1": "gt registered once (global affine)"}.get(rec["row"], "gt")
        return data | dict(target=target, train_n=cfg["synth_train"], train_size=cfg["synth_size"]) | test | {"test_split": "test"}
    return data | test


@pytest.mark.parametrize("result,path", ALL_RECORDS, ids=[f"{r}/{p.stem}" for r, p in ALL_RECORDS])
def test_committed_record_data_is_what_its_pipeline_writes(result, path):
    rec = json.loads(path.read_text())
    for key in ("config", "data", "row", "profile", "notebook", "commit"):
        assert key in rec, f"{path.name}: no {key!r} recorded"
    assert rec["notebook"] == RESULTS[result][2], f"{path.name}: written by {rec['notebook']}, expected {RESULTS[result][2]}"
    assert rec["profile"] == _one(_table(result)["profile"], f"{RESULTS[result][1]} profile"), \
        f"{path.name}: profile {rec['profile']} is not the profile of {RESULTS[result][1]}"
    expected = _expected_data(result, path, rec)
    diff = {k: (rec["data"].get(k), expected.get(k)) for k in set(rec["data"]) | set(expected) if rec["data"].get(k) != expected.get(k)}
    assert not diff, f"{path.name}: its data section is not what {rec['notebook']} writes for it ((recorded, expected): {diff})"


def _git(*args):
    import subprocess
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)


@functools.lru_cache(maxsize=None)
def _in_history(sha: str) -> str:
    "'' when `sha` is a commit of HEAD's history, else why not."
    r = _git("merge-base", "--is-ancestor", sha, "HEAD")
    if r.returncode == 0: return ""
    shallow = _git("rev-parse", "--is-shallow-repository").stdout.strip() == "true"
    why = "is not an ancestor of HEAD" if r.returncode == 1 else "is not a commit of this repository"
    return f"{sha} {why}" + (" (this clone is shallow: git fetch --unshallow)" if shallow else "")


@pytest.mark.parametrize("result,path", ALL_RECORDS, ids=[f"{r}/{p.stem}" for r, p in ALL_RECORDS])
def test_committed_record_names_a_clean_commit_of_this_history(result, path):
    if not (ROOT / ".git").exists(): pytest.skip("not a git checkout: the recorded commits cannot be looked up")
    sha = json.loads(path.read_text()).get("commit", "")
    assert re.fullmatch(r"[0-9a-f]{40}", sha), f"{path.name}: commit {sha!r} is not a clean commit id (uncommitted changes, or no git)"
    why = _in_history(sha)
    assert not why, f"{path.name}: commit {why}"
    # every record and the table of one result come from one run of its pipeline, so they name one commit
    assert sha == _one(_table(result)["commit"], f"{RESULTS[result][1]} commit"), \
        f"{path.name}: commit {sha[:10]} is not the commit {RESULTS[result][1]} names"


def _input_rows(result: str):
    "The blurry-input rows of a result's table, by severity (one table-wide severity for Tables 8 and 7)."
    t = _table(result)
    if result == "table8_ablation": return {_one(t.severity, "severity"): t[t.row == "input"]}
    if result == "table7_fusion": return {_one(t.severity, "severity"): t[t.run == "input"]}
    key = "row" if result == "mask_modes" else "method"
    return {sev: g[g[key] == "input"] for sev, g in t.groupby("severity")}


@pytest.mark.parametrize("result", list(RESULTS))
def test_committed_table_input_row_is_what_its_recorded_data_gives(result, input_psnr_true):
    """The records name the test split (size, severity, data seed) and the scenes; regenerated now, its blurry inputs score
    what the table's input row says (true protocol): the table is tied to that data, and to the code that makes it."""
    if result in _stale(): pytest.skip(f"{result} is declared stale in results/stale.csv")
    recs = [json.loads(p.read_text()) for r, p in ALL_RECORDS if r == result]
    runs = [r for r in recs if r["row"] != "start"]
    assert runs, f"{result}: no records"
    split = {(r["data"]["test_n"], r["data"]["test_size"], r["data"]["data_seed"], r["config"]["synth_scenes"]) for r in runs}
    assert len(split) == 1, f"{result}: the records name more than one test split: {split}"
    (n, size, data_seed, scenes), = split
    assert data_seed == 0
    for severity, rows in _input_rows(result).items():
        assert len(rows) == 1, f"{RESULTS[result][1]}: {len(rows)} input rows at severity {severity}"
        want = input_psnr_true(n, size, severity, scenes)
        got = float(rows["psnr_true"].iloc[0])
        assert abs(got - want) < 2e-4, (f"{RESULTS[result][1]}: the blurry input's true PSNR at {severity} is {got:.4f} dB, but the test split "
                                        f"its records name ({n} images of {size} px, scenes {scenes}) gives {want:.4f} dB with this code")


# ---- results/real_adaptation*: adaptation on real pairs (nbs/pipelines/real_adaptation.ipynb)

ADAPT_RECORDS = sorted((ROOT / "results" / "real_adaptation_configs").glob("*.json"))


def _adapt_config(rec):
    "What the code resolves for a real-adaptation record, with the folders written as the pipeline writes them."
    from jdrl.adapt import adapt_start_config, adapt_run_config
    c = rec["config"]
    if rec["method"] == "start": cfg = adapt_start_config(rec["profile"], c["out"], threads=c["threads"])
    else: cfg = adapt_run_config(rec["profile"], rec["method"], rec["seed"], c["out"], "<runs>/start/last.pt", threads=c["threads"])
    return cfg


def test_there_are_committed_real_adaptation_records():
    assert ADAPT_RECORDS, "results/real_adaptation_configs/ holds no records"


@pytest.mark.parametrize("path", ADAPT_RECORDS, ids=[p.stem for p in ADAPT_RECORDS])
def test_committed_real_adaptation_record(path):
    "Its configuration is what the code resolves; its data section is the scenes table's; it names the table's clean commit."
    import pandas as pd
    from jdrl.adapt import adapt_profile
    _check_record(path, _adapt_config, clean=True)
    rec = json.loads(path.read_text())
    table = pd.read_csv(ROOT / "results" / "real_adaptation.csv")
    scenes = pd.read_csv(ROOT / "results" / "real_adaptation_scenes.csv")
    assert rec["notebook"] == "nbs/pipelines/real_adaptation.ipynb"
    assert rec["profile"] == _one(table["profile"], "real_adaptation.csv profile")
    want = dict(source="real_pairs", sets=sorted(scenes.set.unique()), severity=_one(table["severity"], "severity"), data_seed=0,
                train=int((scenes.role == "train").sum()), test=int((scenes.role == "test").sum()), resize=adapt_profile(rec["profile"])["resize"])
    assert rec["data"] == want, (rec["data"], want)
    assert rec["commit"] == _one(table["commit"], "real_adaptation.csv commit")
    if (ROOT / ".git").exists(): assert not _in_history(rec["commit"]), _in_history(rec["commit"])


def test_committed_real_adaptation_input_row_is_what_the_real_pairs_give():
    "With JDRL_DATA set, the blurry inputs of the recorded test scenes score what the table's input row says (aligned protocol)."
    import os
    import numpy as np
    import pandas as pd
    if not os.environ.get("JDRL_DATA"): pytest.skip("JDRL_DATA is not set: the real pairs are not on this machine")
    from jdrl.core import data_dir
    from jdrl.adapt import adapt_profile
    from jdrl.data import PairedImages
    from jdrl.evaluate import evaluate
    table = pd.read_csv(ROOT / "results" / "real_adaptation.csv").set_index("method")
    scenes = pd.read_csv(ROOT / "results" / "real_adaptation_scenes.csv")
    P = adapt_profile(_one(table["profile"], "profile"))
    root = data_dir(required=True) / "real_pairs"
    psnr = []
    for s, g in scenes[scenes.role == "test"].groupby("set"):
        ds = PairedImages(root / s, names=list(g.name), resize=P["resize"])
        psnr += list(evaluate(model=lambda x: x, dataset=ds, protocol="aligned", metrics="psnr").drop(index="mean")["psnr"])
    assert abs(float(np.mean(psnr)) - table.loc["input", "psnr"]) < 2e-4, (np.mean(psnr), table.loc["input", "psnr"])
