"""The grid of a sweep. Owns: parsing VALUES (``0.1,0.5,1``, ``lin:0.1:2:20``, ``log:1e-3:1:13``),
the ``[sweep]`` table of a CONFIG (stripped before any family sees the CONFIG), and building the
experiment of every grid point through the family's own checks before anything runs, so that a bad
key or value is one ConfigError naming it.

A grid is an ordered list of (dotted key, values); its points are the Cartesian product in C order
(the last key varies fastest), each point an index tuple and the overrides it applies.
"""
import itertools
import math
from dataclasses import dataclass

import numpy as np

from ..config import derive
from ..errors import ConfigError


def parse_values(key, text):
    """The values of ``--grid KEY=VALUES``: a comma-separated list (integers, floats, true/false,
    words), ``lin:START:STOP:N`` (N equally spaced, integers when START and STOP are integers and
    every value is whole) or ``log:START:STOP:N`` (N log-spaced, START, STOP > 0)."""
    where = "--grid " + key
    if isinstance(text, list):
        values = list(text)
    elif not isinstance(text, str) or not text.strip():
        raise ConfigError(where, text, "give a list 0.1,0.5,1 or lin:START:STOP:N or log:START:STOP:N")
    elif text.startswith(("lin:", "log:")):
        values = _range(where, text)
    else:
        values = [_scalar(tok.strip()) for tok in text.split(",")]
        if any(tok.strip() == "" for tok in text.split(",")):
            raise ConfigError(where, text, "empty entry in the list")
    if not values:
        raise ConfigError(where, text, "no values")
    for v in values:
        if isinstance(v, float) and not math.isfinite(v):
            raise ConfigError(where, text, "values must be finite")
        if not isinstance(v, (int, float, str, bool)):
            raise ConfigError(where, text, "values must be numbers, booleans or strings")
    if len(set(map(repr, values))) != len(values):
        raise ConfigError(where, text, "repeated value")
    return values


def _range(where, text):
    parts = text.split(":")
    if len(parts) != 4:
        raise ConfigError(where, text, "a range is lin:START:STOP:N or log:START:STOP:N")
    scale, start, stop, n = parts
    try:
        a, b, n = float(start), float(stop), int(n)
    except ValueError:
        raise ConfigError(where, text, "START and STOP must be numbers, N an integer") from None
    if n < 1 or (n == 1 and a != b):
        raise ConfigError(where, text, "N must be >= 2 (or 1 with START = STOP)")
    if scale == "log":
        if not (a > 0 and b > 0):
            raise ConfigError(where, text, "a log range needs START, STOP > 0")
        return [float(v) for v in np.geomspace(a, b, n)]
    vals = np.linspace(a, b, n)
    if _is_int(start) and _is_int(stop) and np.all(vals == np.round(vals)):
        return [int(v) for v in np.round(vals)]
    return [float(v) for v in vals]


def _is_int(tok):
    try:
        int(tok)
        return True
    except ValueError:
        return False


def _scalar(tok):
    if tok in ("true", "false"):
        return tok == "true"
    for cast in (int, float):
        try:
            return cast(tok)
        except ValueError:
            pass
    return tok.strip("\"'")


def sweep_table(cfg):
    """The ``[sweep]`` table as {dotted key: VALUES} (nested TOML tables flattened:
    ``training.lr = [...]`` and ``"training.lr" = [...]`` both work) and the CONFIG without it."""
    rest = {k: v for k, v in cfg.items() if k != "sweep"}
    table = cfg.get("sweep", {})
    if not isinstance(table, dict):
        raise ConfigError("sweep", table, "must be a table [sweep]")
    flat = {}

    def walk(prefix, node):
        for k, v in node.items():
            key = "%s.%s" % (prefix, k) if prefix else str(k)
            if isinstance(v, dict):
                walk(key, v)
            else:
                flat[key] = v
    walk("", table)
    return flat, rest


@dataclass
class Point:
    index: tuple      # position in the grid
    overrides: dict   # {dotted key: value}
    config: dict      # the resolved CONFIG of this point (what the worker rebuilds from)


@dataclass
class Grid:
    keys: list
    values: list      # one list per key

    @property
    def shape(self):
        return tuple(len(v) for v in self.values)

    def points(self, cfg, base_dir):
        """Every point's experiment, built (and so checked) by its family. Returns (points,
        experiments); a bad key or value raises ConfigError naming the swept key and value."""
        points, exps = [], []
        for index in itertools.product(*(range(n) for n in self.shape)):
            over = {k: self.values[i][j] for i, (k, j) in enumerate(zip(self.keys, index))}
            try:
                exp = derive(cfg, over, base_dir)
            except ConfigError as exc:
                raise _named(exc, over) from exc
            points.append(Point(index, over, exp.config))
            exps.append(exp)
        return points, exps


def _named(exc, over):
    """A ConfigError about a swept key says which grid value caused it."""
    for key, value in over.items():
        bracket = "".join("[%s]" % p if p.isdigit() else "." + p for p in key.split("."))[1:]
        if str(exc.key) in (key, bracket) or key.startswith(str(exc.key) + "."):
            return ConfigError("--grid " + key, value, exc.why)
    return ConfigError(exc.key, exc.value, exc.why + " (at grid point %s)"
                       % ", ".join("%s = %r" % kv for kv in over.items()))


def make_grid(cfg, grid_args=()):
    """(Grid, CONFIG without [sweep]) from the CONFIG's [sweep] table and ``--grid KEY=VALUES``
    arguments (strings, or a dict {key: VALUES}); a key given on the command line replaces the
    table's."""
    table, rest = sweep_table(cfg)
    if isinstance(grid_args, dict):
        items = list(grid_args.items())
    else:
        items = []
        for arg in grid_args:
            if "=" not in arg:
                raise ConfigError("--grid", arg, "must be KEY=VALUES (e.g. training.lr=0.1,0.5,1)")
            key, text = arg.split("=", 1)
            items.append((key.strip(), text.strip()))
    merged = dict(table)
    seen = set()
    for key, text in items:
        if key in seen:
            raise ConfigError("--grid " + key, text, "given twice")
        seen.add(key)
        merged[key] = text
    if not merged:
        raise ConfigError("--grid", None, "nothing to sweep: give --grid KEY=VALUES or a [sweep] table")
    keys, values = [], []
    for key, text in merged.items():
        parts = key.split(".")
        if len(parts) < 2 or not all(parts):
            raise ConfigError("--grid " + key, text, "KEY must be SECTION.KEY (e.g. training.lr)")
        if parts[0] == "sweep":
            raise ConfigError("--grid " + key, text, "cannot sweep the [sweep] table")
        if parts[:2] == ["model", "kind"]:
            raise ConfigError("--grid " + key, text, "the model kind is fixed in a sweep")
        keys.append(key)
        values.append(parse_values(key, text))
    return Grid(keys, values), rest
