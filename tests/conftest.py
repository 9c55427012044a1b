import functools
import math
import os
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@functools.lru_cache(maxsize=None)
def _input_psnr_true(n: int, size: int, severity: str, scenes: str) -> float:
    """The mean PSNR of the `n` blurry test inputs of the synthetic benchmark (`size` px, `severity`, `scenes`, data seed 0)
    against their hidden aligned targets, computed from the images with numpy (top-left crop to a multiple of 16, as scored)."""
    import numpy as np
    from jdrl.synth import SyntheticDefocus
    ds = SyntheticDefocus(n, size=size, severity=severity, seed=0, split="test", scenes=scenes)
    out = []
    for i in range(len(ds)):
        s = ds[i]
        h, w = (d // 16 * 16 for d in s["blur"].shape[-2:])
        b, g = (s[k][..., :h, :w].double().numpy() for k in ("blur", "gt_aligned"))
        out.append(10 * math.log10(1 / float(((b - g) ** 2).mean())))
    return float(np.mean(out))


@pytest.fixture(scope="session")
def input_psnr_true():
    "What a table's blurry-input row must say under the true protocol, recomputed from its test split: `f(n, size, severity, scenes)`."
    return _input_psnr_true
