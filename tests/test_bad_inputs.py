"""Bad inputs to the `jdrl` commands, as a user gives them (issue 17): each must end with a one-line message that
names the file or argument, exit status 2, no traceback, and leave every file of the user's as it was.

Table-driven: each case builds what a user would have in a folder, runs `jdrl <command> ...` through the
console entry point `jdrl.cli.main` (in this process, so that the file stays fast; one case per command also
runs in a subprocess, as from a shell), and compares the hashes of every file under the folder before and after.
"""
from __future__ import annotations
import contextlib, hashlib, io, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
import torch

from jdrl.cli import main as jdrl_main
from jdrl.core import write_image
from jdrl.train.checkpoint import CHECKPOINT_FORMAT, CHECKPOINT_VERSION
from jdrl.train.config import make_config, config_to_dict
from jdrl.train.build import build_deblurrer


def _photo(h=40, w=40, seed=0):
    return np.random.default_rng(seed).random((h, w, 3), dtype=np.float32)

def _pairs(root: Path, names=("a", "b", "c", "d"), gt_names=None, gt_size=None):
    for n in names: write_image(root / "blur" / f"{n}.png", _photo(seed=1))
    for n in (gt_names or names): write_image(root / "gt" / f"{n}.png", _photo(*(gt_size or (40, 40)), seed=2))
    return root

def _truncate(path: Path, keep=0.6):
    data = path.read_bytes(); path.write_bytes(data[:int(len(data) * keep)])

def _jpeg(path: Path):
    from PIL import Image
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray((_photo(64, 64) * 255).astype(np.uint8)).save(path, quality=90)
    return path

def _checkpoint(path: Path, **config) -> Path:
    cfg = make_config("smoke")
    d = {**config_to_dict(cfg), **config}
    torch.save({"format": CHECKPOINT_FORMAT, "format_version": CHECKPOINT_VERSION, "config": d,
                "modules": {"deblurrer": build_deblurrer(cfg).state_dict()}}, path)
    return path

def _synth_set(root: Path) -> Path:
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        assert jdrl_main(["synth", "--out", str(root / "set"), "--n", "2", "--size", "32"]) == 0
    return root / "set"

# (id, set-up: tmp -> argv (strings, {tmp} substituted), text the message must contain)
CASES = [
    ("synth-overwrite-foreign", lambda t: (t / "d" / "gt").mkdir(parents=True) or (t / "d" / "gt" / "mine.png").write_bytes(b"mine"),
     ["synth", "--out", "{t}/d", "--n", "1", "--size", "32", "--overwrite"], "mine.png"),
    ("synth-bad-seed-keeps-set", _synth_set,
     ["synth", "--out", "{t}/set", "--n", "2", "--size", "64", "--seed", "-1", "--overwrite"], "--seed -1"),
    ("synth-out-is-a-file", lambda t: (t / "afile").write_text("x"),
     ["synth", "--out", "{t}/afile", "--n", "1", "--size", "32"], "afile: exists and is not a folder"),
    ("train-missing-data", lambda t: None,
     ["train", "profile=smoke", "data={t}/nowhere", "val_data=none", "out={t}/run", "progress=false"], "nowhere"),
    ("train-no-layout", lambda t: write_image(t / "loose" / "x.png", _photo()),
     ["train", "profile=smoke", "data={t}/loose", "val_data=none", "out={t}/run", "progress=false"], "no accepted layout"),
    ("train-mismatched-names", lambda t: _pairs(t / "pairs", gt_names=("a", "b", "c", "zz")),
     ["train", "profile=smoke", "data={t}/pairs", "val_data=none", "out={t}/run", "progress=false"], "missing partner"),
    ("train-mismatched-sizes", lambda t: _pairs(t / "pairs", gt_size=(64, 80)),
     ["train", "profile=smoke", "data={t}/pairs", "val_data=none", "out={t}/run", "progress=false"], "partner"),
    ("train-lr-inf", lambda t: None,
     ["train", "profile=smoke", "lr=inf", "out={t}/run", "progress=false"], "lr=inf: expected a finite number"),
    ("train-unknown-backbone", lambda t: None,
     ["train", "profile=smoke", "backbone=nosuch", "out={t}/run", "progress=false"], "backbone=nosuch"),
    ("eval-out-is-a-folder", lambda t: (_pairs(t / "p", names=("a",)), (t / "scores").mkdir()),
     ["eval", "--pred", "{t}/p/blur", "--gt", "{t}/p/gt", "--protocol", "aligned", "--metrics", "psnr", "--out", "{t}/scores"], "is a folder"),
    ("eval-truncated-jpeg", lambda t: (_jpeg(t / "pred" / "a.jpg"), _jpeg(t / "gt" / "a.jpg"), _truncate(t / "pred" / "a.jpg")),
     ["eval", "--pred", "{t}/pred", "--gt", "{t}/gt", "--protocol", "aligned", "--metrics", "psnr"], "a.jpg: truncated or corrupt"),
    ("deblur-truncated-jpeg", lambda t: (_checkpoint(t / "ck.pt"), _jpeg(t / "in" / "ok.jpg"), _jpeg(t / "in" / "sub" / "cut.jpg"),
                                         _truncate(t / "in" / "sub" / "cut.jpg")),
     ["deblur", "{t}/in", "--checkpoint", "{t}/ck.pt", "--out", "{t}/out", "--quiet"], "cut.jpg: truncated or corrupt"),
    ("deblur-unknown-backbone", lambda t: (_checkpoint(t / "ck.pt", backbone="nosuch"), _jpeg(t / "in" / "a.jpg")),
     ["deblur", "{t}/in", "--checkpoint", "{t}/ck.pt", "--out", "{t}/out", "--quiet"], "backbone=nosuch"),
    ("deblur-existing-output", lambda t: (_checkpoint(t / "ck.pt"), _jpeg(t / "in" / "a.jpg"), _jpeg(t / "out" / "a.jpg")),
     ["deblur", "{t}/in", "--checkpoint", "{t}/ck.pt", "--out", "{t}/out", "--quiet"], "exists (pass --overwrite"),
]

def _digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}

def _run_in_process(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try: rc = jdrl_main(argv)
        except SystemExit as e: rc = e.code           # argparse, and eval's errors, exit through SystemExit(2)
    return rc, err.getvalue()

def _check(rc: int, err: str, want: str, before: dict, after: dict):
    assert rc == 2, (rc, err)
    assert "Traceback" not in err, err
    lines = [l for l in err.splitlines() if l.strip()]
    hit = [l for l in lines if want in l]
    assert hit and "error:" in hit[0] and hit[0].startswith("jdrl"), err          # the message: one line, naming the culprit
    assert len([l for l in lines if "error:" in l]) == 1, err
    changed = {k for k in before if before[k] != after.get(k)}
    assert not changed, f"files of the user's changed or removed: {sorted(changed)}"
    assert set(after) == set(before), f"files written on a user error: {sorted(set(after) - set(before))}"

@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input(case, tmp_path):
    _, setup, argv, want = case
    setup(tmp_path)
    before = _digest(tmp_path)
    rc, err = _run_in_process([a.replace("{t}", str(tmp_path)) for a in argv])
    _check(rc, err, want, before, _digest(tmp_path))

@pytest.mark.parametrize("name", ["synth-bad-seed-keeps-set", "train-lr-inf", "eval-truncated-jpeg", "deblur-truncated-jpeg"])
def test_bad_input_from_a_shell(name, tmp_path):
    "The same, as a separate process: the exit status the shell sees, and stderr without a traceback."
    _, setup, argv, want = next(c for c in CASES if c[0] == name)
    setup(tmp_path)
    before = _digest(tmp_path)
    r = subprocess.run([sys.executable, "-c", "import sys; from jdrl.cli import main; sys.exit(main())",
                        *[a.replace("{t}", str(tmp_path)) for a in argv]], capture_output=True, text=True, timeout=120)
    _check(r.returncode, r.stderr, want, before, _digest(tmp_path))
