"""The tiny CONFIG of every discovered model kind, read from its family's declaration
(``Experiment.tiny_config``), for tests that go over all kinds: the contract, the JSON shape,
start-up timing, the fuzz test. A family without one fails tests/test_contract.py."""
from odedyn import families

KINDS = families.kinds()
TINY = {kind: families.family(kind).tiny_config for kind in KINDS}
