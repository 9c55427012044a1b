"""The committed results are what the committed code produces: every configuration recorded in
results/table8_configs/ equals the configuration the code resolves for that row, profile and seed."""
import json
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
RECORDS = sorted((ROOT / "results" / "table8_configs").glob("*.json"))


def test_there_are_committed_table8_configs():
    assert len(RECORDS) >= 11, "results/table8_configs/ must hold the committed Table 8 runs"


@pytest.mark.parametrize("path", RECORDS, ids=[p.stem for p in RECORDS])
def test_committed_config_is_what_the_code_resolves(path):
    from jdrl.experiments import table8_run_config
    from jdrl.train.config import config_to_dict
    rec = json.loads(path.read_text())
    assert rec.get("commit"), f"{path.name}: no commit recorded"
    cfg = table8_run_config(rec["profile"], rec["row"], rec["seed"], rec["config"]["out"], threads=rec["config"]["threads"],
                            epochs=rec["config"]["epochs"] if rec["config"]["epochs"] != _profile_epochs(rec["profile"]) else None)
    assert config_to_dict(cfg) == rec["config"], f"{path.name}: the committed configuration is not what the code resolves"


def _profile_epochs(profile):
    from jdrl.experiments import experiment_profile
    from jdrl.train.config import make_config
    p = experiment_profile(profile)
    return make_config(p["base"], **p["train"]).epochs


MASK_RECORDS = sorted((ROOT / "results" / "mask_modes_configs").glob("*.json"))


def test_there_are_committed_mask_mode_configs():
    assert len(MASK_RECORDS) >= 4, "results/mask_modes_configs/ must hold Eq. 1 and Eq. 2 with both mask modes"


@pytest.mark.parametrize("path", MASK_RECORDS, ids=[p.stem for p in MASK_RECORDS])
def test_committed_mask_mode_config_is_what_the_code_resolves(path):
    import dataclasses
    from jdrl.experiments import experiment_profile, table8_run_config
    from jdrl.train.config import config_to_dict
    rec = json.loads(path.read_text())
    assert rec.get("commit") and not rec["commit"].endswith("+dirty"), f"{path.name}: no clean commit recorded"
    cfg = table8_run_config(experiment_profile(rec["profile"]), rec["row"], rec["seed"], rec["config"]["out"], threads=rec["config"]["threads"])
    cfg = dataclasses.replace(cfg, mask_mode=rec["config"]["mask_mode"])
    assert config_to_dict(cfg) == rec["config"], f"{path.name}: the committed configuration is not what the code resolves"
