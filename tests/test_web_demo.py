"""`jdrl demo --web`: the local Gradio page serves on 127.0.0.1, takes a photo posted through `gradio_client`
and gives back the photo before and after deblurring and the blur map. Gradio is the optional extra `web`
(`pip install "jdrl[web]"`): without it these tests are skipped with that reason, and the command's
one-line refusal is checked instead."""
from __future__ import annotations
import contextlib, importlib.util, io, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import numpy as np
import pytest
import torch

from jdrl.cli import main as jdrl_main
from jdrl.core import read_image, sample_photo, write_image
from jdrl.train.checkpoint import CHECKPOINT_FORMAT, CHECKPOINT_VERSION
from jdrl.train.config import make_config, config_to_dict
from jdrl.train.build import build_deblurrer

HAS_GRADIO = importlib.util.find_spec("gradio") is not None
needs_gradio = pytest.mark.skipif(not HAS_GRADIO, reason='gradio is not installed: pip install "jdrl[web]"')


def _checkpoint(path: Path) -> Path:
    "A checkpoint in jdrl train's format: the smoke deblurrer (UNet behind the fusion block), seeded weights."
    torch.manual_seed(0)
    cfg = make_config("smoke")
    torch.save({"format": CHECKPOINT_FORMAT, "format_version": CHECKPOINT_VERSION, "config": config_to_dict(cfg),
                "modules": {"deblurrer": build_deblurrer(cfg).state_dict()}}, path)
    return path

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def _photo(path: Path) -> Path:
    return write_image(path, sample_photo("astronaut")[:96, :128])


@pytest.mark.skipif(HAS_GRADIO, reason="gradio is installed: the page itself is tested below")
def test_without_gradio_the_command_says_how_to_install_it(tmp_path):
    ck = _checkpoint(tmp_path / "best.pt")
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        assert jdrl_main(["demo", "--web", "--checkpoint", str(ck)]) == 2
    assert err.getvalue().startswith("jdrl demo: error: --web needs Gradio") and 'pip install "jdrl[web]"' in err.getvalue()


@needs_gradio
def test_page_deblurs_a_posted_photo(tmp_path):
    from gradio_client import Client
    try: from gradio_client import handle_file
    except ImportError: handle_file = lambda p: p                 # gradio_client < 1: a path is a file
    from jdrl.cli import WebDemo, build_web_app
    ck = _checkpoint(tmp_path / "best.pt")
    photo = _photo(tmp_path / "photo.png")
    port = _free_port()
    app = build_web_app(WebDemo([ck]))
    app.launch(server_name="127.0.0.1", server_port=port, share=False, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        before, after, blur_map, info = client.predict(handle_file(str(photo)), str(ck), api_name="/deblur")
    finally:
        app.close()
    b, a, m = (read_image(p) for p in (before, after, blur_map))
    assert b.shape == a.shape == m.shape == (96, 128, 3)
    np.testing.assert_allclose(b, read_image(photo), atol=1 / 255)    # the photo as posted
    assert np.abs(a - b).max() > 0 and m.std() > 0                     # deblurred by the model, and a map
    assert "128x96" in info


@needs_gradio
def test_console_command_serves_the_page(tmp_path):
    "`python -m jdrl.cli demo --web` (the console script's code path) answers on 127.0.0.1, then stops on SIGTERM."
    ck = _checkpoint(tmp_path / "best.pt")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "jdrl.cli", "demo", "--web", "--checkpoint", str(ck), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, page = time.time() + 120, None
        while time.time() < deadline and proc.poll() is None and page is None:
            try: page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode("utf-8", "replace")
            except OSError: time.sleep(0.5)
        assert page is not None, f"no page on port {port}; the command said: {proc.stdout.read() if proc.poll() is not None else '(still running)'}"
        assert "gradio" in page.lower()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
