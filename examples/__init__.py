"""Example CONFIG files (installed as the package ``odedyn_examples``): ``odedyn example --list``,
``odedyn example NAME [--to DIR]``."""
