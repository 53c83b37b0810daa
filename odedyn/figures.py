"""Paper figures. Owns: discovering the figure scripts in the repository's ``figures/`` folder
and running one by name, for ``odedyn figure NAME`` and for running a script alone.

A figure script ``figures/some_name.py`` defines

    NAME = "some-name"            # what `odedyn figure` calls it
    DESCRIPTION = "one line"      # shown by `odedyn figure --list`
    def make(out_dir, quick=False) -> dict   # draws, saves PNG + PDF (odedyn.plotting.save),
                                              # returns the numbers it shows (+ "files": [...])

and ends with ``if __name__ == "__main__": figure_main(make)``.
"""
import argparse
import importlib.util
import json
import os
import sys

from .errors import ConfigError

FIGURES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "figures")


def _modules():
    if not os.path.isdir(FIGURES_DIR):
        raise ConfigError("figure", FIGURES_DIR, "the figures/ folder of the source checkout "
                          "is not there (install with pip install -e .)")
    out = {}
    for fname in sorted(os.listdir(FIGURES_DIR)):
        if fname.endswith(".py") and not fname.startswith("_"):
            out[fname[:-3].replace("_", "-")] = os.path.join(FIGURES_DIR, fname)
    return out


def load(name):
    path = _modules().get(name)
    if path is None:
        raise ConfigError("figure", name, "unknown; see odedyn figure --list")
    spec = importlib.util.spec_from_file_location("odedyn_figure_" + name.replace("-", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def available():
    """{name: description} of every figure script."""
    return {name: getattr(load(name), "DESCRIPTION", "") for name in _modules()}


def run(name, out_dir, quick=False):
    return load(name).make(out_dir, quick=quick)


def figure_main(make, argv=None):
    """Command line of a figure script run alone: [--out DIR] [--quick] [--json]."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(FIGURES_DIR, "out"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    numbers = make(args.out, quick=args.quick)
    if args.json:
        from .results import to_jsonable
        json.dump(to_jsonable(numbers), sys.stdout)
        sys.stdout.write("\n")
    else:
        print("wrote %s" % ", ".join(numbers.get("files", [])), file=sys.stderr)
