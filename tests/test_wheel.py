"""odedyn works from a wheel (issue 13, item 6): the wheel is built from this checkout, installed
into a fresh virtual environment outside it, and `odedyn figure --list`, one `--quick` figure,
`odedyn example` and the example family (`python -m odedyn_examples.oja_family`) run there.

Choice: the fresh environment gets odedyn (with its figures and examples) from the wheel only;
its dependencies (numpy, scipy, numba, ...) come from the environment running the tests, through
a .pth file naming that environment's site-packages folders. A .pth path line only adds the
folder to sys.path (the .pth files inside it, e.g. the editable install's finder, are not run),
so nothing of the checkout is importable there. This keeps the test offline and at the cost of
one numba compile rather than a download of every dependency."""
import json
import os
import subprocess
import sys
import sysconfig

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sh(args, **kw):
    proc = subprocess.run(args, capture_output=True, text=True, timeout=900, **kw)
    assert proc.returncode == 0, (args, proc.stdout[-2000:], proc.stderr[-4000:])
    return proc


@pytest.mark.slow
def test_wheel_in_a_fresh_venv(tmp_path):
    dist = tmp_path / "dist"
    sh([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), ROOT])
    wheel, = dist.glob("odedyn-*.whl")
    venv = tmp_path / "venv"
    sh([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    py = venv / "bin" / "python"
    site = sh([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    site = site.stdout.strip()
    here = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    with open(os.path.join(site, "_test_dependencies.pth"), "w") as fh:
        fh.write("\n".join(sorted(here)) + "\n")
    sh([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index",
        "-q", str(wheel)])
    work = tmp_path / "elsewhere"
    work.mkdir()
    odedyn = str(venv / "bin" / "odedyn")
    where = sh([str(py), "-c", "import odedyn, odedyn_figures, odedyn_examples as e; "
                "print(odedyn.__file__, odedyn_figures.__file__, e.__file__)"], cwd=work)
    assert all(p.startswith(site) for p in where.stdout.split()), where.stdout
    listing = sh([odedyn, "figure", "--list"], cwd=work).stdout
    for name in ("sequential-pca", "sign-gaussian", "group-sparse-recovery", "manifold-torus"):
        assert name in listing
    sh([odedyn, "figure", "manifold-torus", "--quick", "--out", "figs"], cwd=work)
    for ext in ("png", "pdf"):
        assert (work / "figs" / ("manifold-torus." + ext)).stat().st_size > 1000
    sh([odedyn, "example", "erf_spiked", "--to", "mine"], cwd=work)
    with open(os.path.join(ROOT, "examples", "erf_spiked.toml")) as fh:
        assert (work / "mine" / "erf_spiked.toml").read_text() == fh.read()
    # the worked example family ships as a module of odedyn_examples and runs as odedyn's CLI
    sh([odedyn, "example", "oja", "--to", "mine"], cwd=work)
    run = sh([str(py), "-m", "odedyn_examples.oja_family", "integrate", "mine/oja.toml",
              "--json"], cwd=work)
    assert json.loads(run.stdout)["order_parameters"]["Q"][-1] > 1
