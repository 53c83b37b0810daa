"""The paper figures, one script per figure (installed as the package ``odedyn_figures``; see
odedyn/figures.py). Run one with ``odedyn figure NAME`` or ``python figures/NAME.py``."""
