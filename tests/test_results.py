"""The committed results are what the committed code produces: every configuration recorded in
results/table8_configs/, results/table7_configs/, results/mask_modes_configs/ and results/misalignment_sweep_configs/ equals the configuration the code resolves for that
row, profile and seed (and mask mode), unless results/stale.csv declares that result stale, naming the
commit that produced it."""
import dataclasses
import json
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
    return cfg if rec["row"] == "start" else dataclasses.replace(cfg, mask_mode=rec["config"]["mask_mode"])


def test_there_are_committed_table8_configs():
    assert len(RECORDS) >= 11, "results/table8_configs/ must hold the committed Table 8 runs"


@pytest.mark.parametrize("path", RECORDS, ids=[p.stem for p in RECORDS])
def test_committed_config_is_what_the_code_resolves(path):
    _check_record(path, _table8_config)


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
