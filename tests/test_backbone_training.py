"""Every registered backbone trains under `jdrl train backbone=NAME` at the smoke profile, plainly and with
Eq. 2, with finite losses, and leaves a checkpoint and a log."""
import csv, math
import pytest
from jdrl.archs import build_backbone, registered_backbones
from jdrl.train.loop import train_main

build_backbone("unet", width=4)                        # imports every packaged backbone module
NAMES = sorted(n for n in registered_backbones() if not n.startswith("_"))


def test_the_zoo_is_registered():
    assert {"unet", "restormer", "mprnet", "uformer_t", "loformer", "dmphn", "dpdnet_s", "kpac", "ifan", "didanet"} <= set(NAMES)


@pytest.mark.parametrize("variant", ["l1", "eq2"])
@pytest.mark.parametrize("name", NAMES)
def test_backbone_trains_at_smoke(name, variant, tmp_path):
    fusion = "none" if variant == "l1" else "deformable"
    status = train_main(["profile=smoke", f"backbone={name}", f"variant={variant}", f"fusion={fusion}", f"out={tmp_path}",
                         "epochs=1", "progress=false", "tensorboard=false"])
    assert status == 0
    assert (tmp_path / "last.pt").is_file()
    rows = list(csv.DictReader(open(tmp_path / "log.csv")))
    assert rows and all(math.isfinite(float(r["loss"])) for r in rows), rows
