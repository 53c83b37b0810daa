"""Packaging beyond setup.cfg: the repository's figures/ and examples/ folders install as the
packages odedyn_figures and odedyn_examples (odedyn figure / odedyn example work from a wheel)."""
from setuptools import find_packages, setup

setup(packages=find_packages(include=["odedyn", "odedyn.*"]) + ["odedyn_figures",
                                                                   "odedyn_examples"],
      package_dir={"odedyn_figures": "figures", "odedyn_examples": "examples"},
      package_data={"odedyn_examples": ["*.toml"]})
