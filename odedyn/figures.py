"""Paper figures and example CONFIGs. Owns: finding the figure scripts, running one by name in the
house style (``odedyn figure NAME``, or a script run alone), and finding the example CONFIG files
(``odedyn example NAME``).

The repository's top-level ``figures/`` and ``examples/`` folders install as the packages
``odedyn_figures`` and ``odedyn_examples`` (setup.py maps them), so the same names work from a
checkout (``pip install -e .``) and from a wheel. A figure script ``figures/some_name.py`` defines

    NAME = "some-name"            # what `odedyn figure` calls it
    DESCRIPTION = "one line"      # shown by `odedyn figure --list`
    def make(out_dir, quick=False) -> dict   # draws, saves PNG + PDF (odedyn.plotting.save),
                                              # returns the numbers it shows (+ "files": [...])

and ends with ``if __name__ == "__main__": figure_main(make)``. Helpers the scripts share live in
``figures/_*.py`` (``odedyn_figures._name``); files starting with ``_`` are not figures.
"""
import argparse
import importlib
import importlib.resources
import json
import os
import pkgutil
import sys

from .errors import ConfigError

FIGURES_PACKAGE = "odedyn_figures"
EXAMPLES_PACKAGE = "odedyn_examples"


def _package(name):
    try:
        return importlib.import_module(name)
    except ImportError:
        raise ConfigError("figure", name, "not installed: install odedyn with pip (the "
                          "package ships its figures and examples)") from None


def _modules():
    """{figure name: module name} of every figure script."""
    pkg = _package(FIGURES_PACKAGE)
    return {m.name.replace("_", "-"): "%s.%s" % (FIGURES_PACKAGE, m.name)
            for m in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name)
            if not m.name.startswith("_")}


def load(name):
    """The figure script called ``name`` (a module)."""
    modules = _modules()
    if name not in modules:
        from .config import suggest
        raise ConfigError("figure", name, "unknown; see odedyn figure --list"
                          + suggest(name, modules))
    return importlib.import_module(modules[name])


def available():
    """{name: description} of every figure script."""
    return {name: getattr(load(name), "DESCRIPTION", "") for name in _modules()}


def run(figure, out_dir, quick=False):
    """Draw ``figure`` (a name or a loaded script) into ``out_dir`` in the house style; returns
    its numbers."""
    from .plotting import style
    module = load(figure) if isinstance(figure, str) else figure
    with style():
        return module.make(out_dir, quick=quick)


def figure_main(make, argv=None):
    """Command line of a figure script run alone: [--out DIR] [--quick] [--json]."""
    import matplotlib
    from .plotting import style
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join("figures", "out"),
                    help="output folder (default figures/out)")
    ap.add_argument("--quick", action="store_true", help="smaller, faster version")
    ap.add_argument("--json", action="store_true", help="print the figure's numbers as JSON")
    args = ap.parse_args(argv)
    matplotlib.use("Agg")  # a script run alone draws into files only
    with style():
        numbers = make(args.out, quick=args.quick)
    if args.json:
        from .results import to_jsonable
        json.dump(to_jsonable(numbers), sys.stdout)
        sys.stdout.write("\n")
    else:
        print("wrote %s" % ", ".join(numbers.get("files", [])), file=sys.stderr)


def examples():
    """{name: file (a Traversable)} of the example CONFIGs (``examples/NAME.toml``)."""
    root = importlib.resources.files(_package(EXAMPLES_PACKAGE))
    return {p.name[:-5]: p for p in sorted(root.iterdir(), key=lambda p: p.name)
            if p.name.endswith(".toml")}


def example_summary(path):
    """The first sentence of an example CONFIG's opening comment (whole, over as many comment
    lines as it takes)."""
    import re
    block = []
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            block.append(line.lstrip("#").strip())
        elif block or line.strip():
            break
    text = " ".join(part for part in block if part)
    end = re.search(r"(?<=[.!?])\s+(?=[A-Z(])", text)
    return text[:end.start()] if end else text
