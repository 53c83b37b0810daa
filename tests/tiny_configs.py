"""The tiny CONFIG of every discovered model kind, read from its family's declaration
(``Experiment.tiny_config``), for tests that go over all kinds: the contract, the JSON shape,
start-up timing, the fuzz test. A family without one fails tests/test_contract.py.

The example families count as kinds too: every module of the package odedyn_examples
(examples/*.py, e.g. the worked example oja_family) is imported first and registers its kind
(odedyn.families.register), as a family from outside odedyn would. ``PLUGINS`` names those
modules, for tests that start a fresh process (it must import them too)."""
import importlib
import pkgutil

import odedyn_examples
from odedyn import families

PLUGINS = sorted("odedyn_examples." + m.name
                 for m in pkgutil.iter_modules(odedyn_examples.__path__))
for _module in PLUGINS:
    importlib.import_module(_module)
KINDS = families.kinds()
TINY = {kind: families.family(kind).tiny_config for kind in KINDS}
