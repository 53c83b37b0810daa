"""What the CLI says and writes (issue 13): one JSON shape in every model kind, a sidecar with the
resolved config and every dependency's version, start-up (compiling) kept out of the integration
time and announced, comparison summaries a reader can trust, the example CONFIGs."""
import json
import os
import subprocess
import sys

import pytest

import odedyn.cli
import odedyn.families
from odedyn.cli import main
from tiny_configs import KINDS, PLUGINS, TINY

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write(tmp_path, kind):
    path = tmp_path / ("%s.toml" % kind)
    path.write_text(TINY[kind])
    return str(path)


def test_sidecar_resolved_config_and_dependency_versions(tmp_path, capsys):
    cfg = write(tmp_path, "autoencoder")
    assert main(["integrate", cfg, "--out", str(tmp_path / "r.npz")]) == 0
    side = json.loads((tmp_path / "r.json").read_text())
    resolved = side["resolved_config"]
    assert resolved["model"]["K"] == 2                     # as given
    assert resolved["model"]["tied"] is False              # defaults the file did not set
    assert resolved["model"]["rule"] == "vanilla"
    assert resolved["output"]["n_times"] == 4
    assert "tied" not in side["config"]["model"]           # the file as written, beside it
    for pkg in ("numpy", "scipy", "sympy", "numba", "matplotlib", "tqdm", "scikit-learn",
                "threadpoolctl"):
        assert side["versions"][pkg], pkg


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_startup_holds_the_compile_time(tmp_path, kind):
    """In a fresh process the kernels are loaded (or compiled) during start-up: the first
    integration takes no longer than a second one in the same process."""
    cfg = write(tmp_path, kind)
    code = ("".join("import %s; " % m for m in PLUGINS) + "from odedyn.cli import main; "
            "import sys; [main(['integrate', sys.argv[1], '--json']) for _ in range(2)]")
    proc = subprocess.run([sys.executable, "-c", code, cfg], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    first, second = (json.loads(line)["timing"] for line in proc.stdout.splitlines())
    assert first["integrate_s"] < 2 * second["integrate_s"] + 0.2, (first, second)
    assert first["startup_s"] > first["integrate_s"] or first["integrate_s"] < 0.2


def test_compile_notice_only_when_numba_compiles(tmp_path, capsys, monkeypatch):
    """Start-up slower than COMPILE_NOTICE_AFTER (here: a prepare() that takes 1 s, as a first
    compile takes 25-40 s) is announced on stderr when numba compiles (here: a new function,
    which no cache holds); a slow start-up that only loads cached kernels says nothing."""
    import time
    import numba
    from odedyn.autoencoder.experiment import Experiment
    cfg = write(tmp_path, "autoencoder")
    assert main(["integrate", cfg]) == 0                 # the kernels are in numba's cache now
    capsys.readouterr()
    monkeypatch.setattr(odedyn.cli, "COMPILE_NOTICE_AFTER", 0.05)
    slow = Experiment.prepare

    def compiling(self):
        time.sleep(0.2)
        numba.njit(lambda x: x + 1.0)(1.0)
        time.sleep(0.5)
        slow(self)
    monkeypatch.setattr(Experiment, "prepare", compiling)
    assert main(["integrate", cfg]) == 0
    assert capsys.readouterr().err.count("compiling kernels") == 1
    monkeypatch.setattr(Experiment, "prepare", lambda self: (time.sleep(1.0), slow(self)))
    assert main(["integrate", cfg]) == 0
    assert "compiling" not in capsys.readouterr().err


def test_compare_summary_per_observable_and_few_seeds_warning(tmp_path, capsys):
    cfg = write(tmp_path, "autoencoder")
    assert main(["compare", cfg, "--seeds", "2", "--no-progress"]) == 0
    out = capsys.readouterr().out               # a result: on stdout (notices on stderr)
    assert "absolute" in out and "of scale" in out and "in SE" in out and "verdict:" in out
    for name in ("error", "Q", "R"):
        assert any(line.split()[:1] == [name] for line in out.splitlines()), (name, out)
    assert "only 2 seeds" in out
    assert main(["compare", cfg, "--seeds", "2", "--json", "--no-progress"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    dev = summary["deviation"]["error"]
    assert dev["max_rel"] == pytest.approx(dev["max_abs"] / dev["scale"])
    assert summary["verdict"] in ("within chance", "finite size", "deviates", "outside")
    assert any("only 2 seeds" in n for n in summary["notes"])


def test_readme_explains_the_sgd_bias():
    with open(os.path.join(ROOT, "README.md")) as fh:
        readme = fh.read()
    assert "Reading a comparison" in readme and "O(1/D)" in readme


def test_example_command(tmp_path, capsys):
    assert main(["example", "--list"]) == 0
    listing = capsys.readouterr().out
    assert "erf_spiked" in listing and "manifold_circle" in listing
    assert main(["example", "erf_spiked"]) == 0
    with open(os.path.join(ROOT, "examples", "erf_spiked.toml")) as fh:
        assert capsys.readouterr().out == fh.read()
    assert main(["example", "erf_spiked", "--to", str(tmp_path / "mine")]) == 0
    assert (tmp_path / "mine" / "erf_spiked.toml").exists()
    assert main(["example", "erf_spiked", "--to", str(tmp_path / "mine")]) == 2  # no overwrite
    assert "exists" in capsys.readouterr().err
    assert main(["example", "erf_spikd"]) == 2
    assert "did you mean 'erf_spiked'" in capsys.readouterr().err


def test_example_list_prints_whole_first_sentences():
    """Each description is the opening comment's first sentence, whole: it ends a sentence
    (., ! or ?, or the comment's end) even when the sentence runs over several comment lines."""
    from odedyn import figures
    for name, path in figures.examples().items():
        comment = " ".join(line.lstrip("#").strip() for line in
                           path.read_text().split("\n\n")[0].splitlines() if line.startswith("#"))
        summary = figures.example_summary(path)
        rest = comment[len(summary):]
        assert comment.startswith(summary) and summary, name
        assert rest == "" or (summary[-1] in ".!?" and rest[:1] == " " and rest[1:2].isupper()), (
            name, summary)


@pytest.mark.parametrize("kind", [k for k in KINDS if odedyn.families.family(k).__module__
                                  .startswith("odedyn.")])
def test_integrate_imports_only_what_it_needs_and_times_its_start_up(tmp_path, kind):
    """A theory run imports none of sympy, dask, xarray, zarr, matplotlib, scikit-learn (they
    cost start-up a theory run does not need); its timing names the start-up's stages."""
    cfg = write(tmp_path, kind)
    probe = ("import sys, runpy; sys.argv = ['odedyn', 'integrate', %r, '--json']\n"
             "try:\n    runpy.run_module('odedyn', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'sympy', 'dask', "
             "'distributed', 'xarray', 'zarr', 'matplotlib', 'sklearn', 'pandas'})\n"
             "print('HEAVY', heavy)" % cfg)
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=600)
    first, heavy = proc.stdout.split("\nHEAVY ")
    assert heavy.strip() == "[]", (kind, heavy)
    stages = json.loads(first)["timing"]["startup"]
    assert set(stages) == {"imports_s", "config_s", "kernels_s"}
    assert all(v >= 0 for v in stages.values())
