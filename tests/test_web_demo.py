"""`jdrl demo --web`: the local Gradio page serves on 127.0.0.1, takes a photo posted through `gradio_client`
and gives back the photo before and after deblurring and the blur map, losslessly (PNG: the "before" image is the
posted photo exactly). Gradio is the optional extra `web`, which the test environment installs (tests/setup_env.sh);
without it the command's one-line refusal is checked by hiding the module. One test loads the page in a headless
Chromium: skipped, with the reason, only where no Chromium is installed (a user's machine); CI installs one
(`.ci/run`), and there a missing browser is a failure."""
from __future__ import annotations
import contextlib, io, os, shutil, socket, subprocess, sys, time, urllib.request
from pathlib import Path
from unittest import mock
import numpy as np
import pytest
import torch

from jdrl.cli import main as jdrl_main
from jdrl.core import read_image, sample_photo, write_image
from jdrl.train.checkpoint import CHECKPOINT_FORMAT, CHECKPOINT_VERSION
from jdrl.train.config import make_config, config_to_dict
from jdrl.train.build import build_deblurrer

CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"), shutil.which("google-chrome")) if p), None)


def _checkpoint(path: Path) -> Path:
    "A checkpoint in jdrl train's format: the smoke deblurrer (UNet behind the fusion block), seeded weights moved off the identity."
    torch.manual_seed(0)
    cfg = make_config("smoke")
    net = build_deblurrer(cfg)
    with torch.no_grad():
        for p in net.parameters(): p.add_(0.05 * torch.randn_like(p))       # so that "after" differs from "before"
    torch.save({"format": CHECKPOINT_FORMAT, "format_version": CHECKPOINT_VERSION, "config": config_to_dict(cfg),
                "modules": {"deblurrer": net.state_dict()}}, path)
    return path

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def _photo(path: Path) -> Path:
    return write_image(path, sample_photo("astronaut")[:96, :128])

@contextlib.contextmanager
def _served(ck: Path):
    "The page of `ck`, launched in this process on a free port; its address."
    from jdrl.cli import WebDemo, build_web_app
    port = _free_port()
    app = build_web_app(WebDemo([ck]))
    app.launch(server_name="127.0.0.1", server_port=port, share=False, prevent_thread_lock=True, quiet=True)
    try: yield f"http://127.0.0.1:{port}/"
    finally: app.close()


def test_without_gradio_the_command_says_how_to_install_it(tmp_path):
    ck = _checkpoint(tmp_path / "best.pt")
    err = io.StringIO()
    with mock.patch.dict(sys.modules, {"gradio": None}):                 # `import gradio` fails as if it were not installed
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            assert jdrl_main(["demo", "--web", "--checkpoint", str(ck)]) == 2
    assert err.getvalue().startswith("jdrl demo: error: --web needs Gradio") and 'pip install "jdrl[web]"' in err.getvalue()
    assert err.getvalue().count("\n") == 1, err.getvalue()


def test_page_deblurs_a_posted_photo(tmp_path):
    from gradio_client import Client, handle_file
    ck = _checkpoint(tmp_path / "best.pt")
    photo = _photo(tmp_path / "photo.png")
    with _served(ck) as url:
        client = Client(url, verbose=False)
        before, after, blur_map, info = client.predict(handle_file(str(photo)), str(ck), api_name="/deblur")
    assert all(Path(p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in (before, after, blur_map)), (before, after, blur_map)
    b, a, m = (read_image(p) for p in (before, after, blur_map))
    assert b.shape == a.shape == m.shape == (96, 128, 3)
    np.testing.assert_array_equal(b, read_image(photo))                # the photo as posted, exactly
    assert np.abs(a - b).max() > 0.01 and m.std() > 0                  # deblurred by the model, and a map
    assert "128x96" in info


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
        assert "gradio" in page.lower() and "jdrl: defocus deblurring" in page
    finally:
        proc.terminate()
        proc.wait(timeout=30)


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                    reason="no Chromium installed (apt-get install chromium): the page is not loaded in a browser")
def test_page_loads_in_a_browser(tmp_path):
    "A headless Chromium renders the page: its title, the upload area, the checkpoint choice and the Deblur button."
    assert CHROMIUM is not None, "CI must have Chromium (.ci/run installs it)"
    from playwright.sync_api import sync_playwright
    ck = _checkpoint(tmp_path / "best.pt")
    with _served(ck) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(url, timeout=60_000)
            button = page.get_by_role("button", name="Deblur")
            button.wait_for(state="visible", timeout=60_000)            # rendered by the page's scripts, not in the HTML
            assert page.title() == "jdrl: defocus deblurring"
            assert page.get_by_text("blurry photo").first.is_visible()
            values = page.locator("input").evaluate_all("els => els.map(e => e.value)")
            assert str(ck) in values, values                             # the checkpoint offered, chosen
        finally:
            browser.close()
