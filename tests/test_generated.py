"""Generated code is current (regenerating it in memory reproduces the committed files), the
staleness check can fail, and imports run one way: no generated module imports a family."""
import glob
import os
import re

import activations
import autoencoder_ode
import gaussian_averages

GENERATED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         "odedyn", "_generated")
FAMILIES = ("autoencoder", "onebit", "groupsparse", "manifold", "committee")


def test_generated_gaussian_averages_are_not_stale():
    assert gaussian_averages.main(["--check"]) == 0, (
        "odedyn/_generated/gaussian_averages.py is stale: run "
        "python derivations/gaussian_averages.py")


def test_generated_activations_are_not_stale():
    assert activations.main(["--check"]) == 0, (
        "odedyn/_generated/activations.py is stale: run python derivations/activations.py")


def test_generated_autoencoder_ode_is_not_stale():
    assert autoencoder_ode.main(["--check"]) == 0, (
        "odedyn/_generated/autoencoder_ode.py is stale: run python derivations/autoencoder_ode.py")


def test_check_reports_a_stale_module(monkeypatch):
    body = autoencoder_ode.module_body()
    monkeypatch.setattr(autoencoder_ode, "module_body", lambda: body + "\n# changed\n")
    assert autoencoder_ode.main(["--check"]) == 1


def family_imports(text):
    """The import lines of ``text`` that name a model family package."""
    fam = "|".join(FAMILIES)
    dotted = re.compile(r"^\s*(?:from|import)\s+(?:odedyn|\.*)\.(?:%s)\b" % fam)
    named = re.compile(r"^\s*from\s+(?:odedyn|\.+)\s+import\s+.*\b(?:%s)\b" % fam)
    return [line for line in text.splitlines() if dotted.match(line) or named.match(line)]


def test_generated_modules_import_no_family():
    assert family_imports("from odedyn.autoencoder.kernels import rhs as model_rhs")
    assert family_imports("from ..onebit import kernels\nimport odedyn.manifold")
    assert family_imports("from odedyn import math, committee")
    assert not family_imports("from odedyn._generated.gaussian_averages import erf_pair")
    files = sorted(glob.glob(os.path.join(GENERATED, "*.py")))
    assert len(files) >= 6
    for path in files:
        with open(path) as fh:
            hits = family_imports(fh.read())
        assert not hits, "%s imports a model family: %s" % (os.path.basename(path), hits)
