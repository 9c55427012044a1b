"""Every registered backbone learns under `jdrl train backbone=NAME` at the smoke profile, plainly and with Eq. 2: on one
fixed batch (two aligned 32x32 pairs, the whole image as the crop, so every step sees the same data) and from a seeded
random start, its training loss falls within a few steps, and the run leaves a checkpoint and a log."""
import csv, math
import pytest
from jdrl.archs import build_backbone, registered_backbones
from jdrl.train.loop import train_main

build_backbone("unet", width=4)                        # imports every packaged backbone module
NAMES = sorted(n for n in registered_backbones() if not n.startswith("_"))
STEPS = 8
FALL = 0.97        # the loss after STEPS steps must be below this fraction of the first step's (measured: 0.16-0.95)


@pytest.fixture(scope="module")
def fixed_batch(tmp_path_factory):
    "A folder of two aligned synthetic pairs for training (train/) and one for validation (val/), 32x32."
    from jdrl.synth import write_synthetic
    root = tmp_path_factory.mktemp("fixed_batch")
    write_synthetic(root / "train", 2, size=32, severity="none", seed=0, split="train", progress=False)
    write_synthetic(root / "val", 1, size=32, severity="none", seed=0, split="test", progress=False)
    return root


def _losses(name, variant, data, out, steps=STEPS):
    fusion = "none" if variant == "l1" else "deformable"
    status = train_main(["profile=smoke", f"backbone={name}", f"variant={variant}", f"fusion={fusion}", f"out={out}", f"data={data}",
                         "crop=32", "batch_size=2", f"max_steps={steps}", "epochs=1000", "lr_step_epochs=1000", "val_every=1000",
                         "identity_init=false", "seed=0", "progress=false", "tensorboard=false"])
    assert status == 0
    rows = list(csv.DictReader(open(out / "log.csv")))
    return [float(r["loss"]) for r in rows]


def test_the_zoo_is_registered():
    assert {"unet", "restormer", "mprnet", "uformer_t", "loformer", "dmphn", "dpdnet_s", "kpac", "ifan", "didanet"} <= set(NAMES)


@pytest.mark.parametrize("variant", ["l1", "eq2"])
@pytest.mark.parametrize("name", NAMES)
def test_backbone_learns_at_smoke(name, variant, fixed_batch, tmp_path):
    losses = _losses(name, variant, fixed_batch, tmp_path)
    assert (tmp_path / "last.pt").is_file()
    assert len(losses) == STEPS and all(math.isfinite(v) for v in losses), losses
    assert min(losses[-2:]) < FALL * losses[0], f"{name} {variant}: the loss did not fall on a fixed batch: {losses}"


def test_the_losses_are_deterministic(fixed_batch, tmp_path):
    "The same seed gives the same losses, step for step: the falls asserted above are not luck."
    a = _losses("unet", "eq2", fixed_batch, tmp_path / "a", steps=4)
    b = _losses("unet", "eq2", fixed_batch, tmp_path / "b", steps=4)
    assert a == b, (a, b)
