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


def test_console_script_is_declared_and_installed():
    assert _settings()["console_scripts"].split() == ["jdrl=jdrl.cli:main"]
    from jdrl.cli import main
    assert callable(main)


def test_every_library_notebook_exports_a_module_of_the_same_name():
    for nb in sorted((ROOT / "nbs").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        first = next(c for c in cells if c["cell_type"] == "code")
        m = re.match(r"#\|\s*default_exp\s+(\S+)", "".join(first["source"]))
        assert m, f"{nb.name}: the first code cell must be '#| default_exp <module>'"
        name = nb.stem.split("_", 1)[1]
        assert m.group(1) == name, f"{nb.name} exports jdrl.{m.group(1)}; expected jdrl.{name}"
        assert (ROOT / "jdrl" / f"{name}.py").is_file(), f"jdrl/{name}.py missing: run nbdev_export"


def test_library_notebooks_carry_no_outputs():
    for nb in sorted((ROOT / "nbs").glob("*.ipynb")):
        for c in json.loads(nb.read_text())["cells"]:
            if c["cell_type"] == "code":
                assert not c["outputs"] and c["execution_count"] is None, f"{nb.name} has outputs: run nbdev_clean"
