"""Property-based test of the CLI against CONFIGs (issue 13, item 5): for every model kind in
every discovered kind (a family added later is fuzzed too, from its declared tiny CONFIG),
a tiny valid CONFIG is changed (a value replaced by anything TOML can hold, a key or section
removed, an unknown key added, the text cut or garbled) and run through ``odedyn integrate``
and ``odedyn simulate`` in-process. The only outcomes allowed: success, exit 2 with one line
naming the problem, or exit 1 with the numerical-trouble message. Never a traceback.

Values are bounded (|x| <= 50, no positive number below 1e-3) so that no example asks for
astronomically many steps; sizes stay tiny."""
import contextlib
import io
import json
import math
import os
import tempfile
import tomllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import odedyn.cli
from odedyn.cli import main
from tiny_configs import KINDS, TINY

SETTINGS = dict(deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

scalars = st.one_of(
    st.integers(-3, 50),
    st.sampled_from([0.0, -0.0, 1e-3, 0.5, 1.0, 2.5, 50.0, -1.0, math.nan, math.inf, -math.inf]),
    st.booleans(),
    st.sampled_from(["", "erf", "relu", "linear", "tanh", "gaussian", "random", "spiked",
                     "circle", "euler", "gd", "flow", "x", "rows", "dataset", "nope.npy"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["a", "K", "lr"]), inner,
                                                 max_size=2)), max_leaves=6)


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[%s]" % ", ".join(toml_value(x) for x in v)
    return "{%s}" % ", ".join("%s = %s" % (k, toml_value(x)) for k, x in v.items())


def toml_text(cfg):
    lines = []
    for name, table in cfg.items():
        if not isinstance(table, dict):
            lines.insert(0, "%s = %s" % (name, toml_value(table)))
            continue
        lines.append("[%s]" % name)
        lines += ["%s = %s" % (k, toml_value(v)) for k, v in table.items()]
    return "\n".join(lines) + "\n"


@st.composite
def changed_config(draw, kind):
    """The tiny CONFIG of ``kind`` with one to three changes."""
    cfg = tomllib.loads(TINY[kind])
    for _ in range(draw(st.integers(1, 3))):
        section = draw(st.sampled_from(sorted(cfg) + ["simulation", "solver", "output"]))
        table = cfg.setdefault(section, {})
        if not isinstance(table, dict):
            continue
        keys = sorted(table) + ["n_times", "times", "t_first", "method", "lr", "batch", "seed",
                                "unknown_key"]
        action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "section"]))
        key = draw(st.sampled_from(keys))
        if action == "replace":
            table[key] = draw(values)
        elif action == "delete":
            table.pop(key, None)
        elif section != "model":
            del cfg[section]
    return toml_text(cfg)


def run(args, text):
    """``odedyn ARGS`` on a CONFIG holding ``text``; (exit status, stderr). Any exception that
    escapes main() fails the test with its traceback."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "c.toml")
        with open(path, "w") as fh:
            fh.write(text)
        err, out = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            status = main([args[0], path] + args[1:])
    return status, err.getvalue()


def check(status, err, text):
    lines = [line for line in err.strip().splitlines() if line.strip()]
    if status == 2:
        assert len(lines) == 1 and lines[0].startswith("odedyn: error: "), (err, text)
    elif status == 1:
        assert lines and lines[-1].startswith("odedyn: numerical trouble at t = "), (err, text)
    else:
        assert status == 0, (status, err, text)


@pytest.fixture(autouse=True)
def no_compile_notice():
    """The kernels may compile during the first example: keep the notice out of stderr."""
    old, odedyn.cli.COMPILE_NOTICE_AFTER = odedyn.cli.COMPILE_NOTICE_AFTER, 1e9
    yield
    odedyn.cli.COMPILE_NOTICE_AFTER = old


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_fuzz_integrate(kind):
    @settings(max_examples=30, **SETTINGS)
    @given(changed_config(kind))
    def fuzz(text):
        check(*run(["integrate", "--json"], text), text)
    fuzz()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_fuzz_simulate(kind):
    @settings(max_examples=12, **SETTINGS)
    @given(changed_config(kind))
    def fuzz(text):
        check(*run(["simulate", "--seeds", "2", "--no-progress", "--json"], text), text)
    fuzz()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_fuzz_text(kind):
    """The CONFIG's text cut short or with characters replaced."""
    @settings(max_examples=25, **SETTINGS)
    @given(st.integers(0, len(TINY[kind])), st.text(max_size=3), st.booleans())
    def fuzz(at, junk, cut):
        text = TINY[kind][:at] if cut else TINY[kind][:at] + junk + TINY[kind][at + len(junk):]
        check(*run(["integrate"], text), text)
    fuzz()
