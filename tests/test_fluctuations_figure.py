"""The claims of figure finite-size-band (figures/finite_size_band.py), asserted on its --quick
numbers: committee erf K = M = 2 and the erf autoencoder of examples/erf_spiked.toml at D = 250
and 1000, 16 SGD runs each, every D from the same order parameters.

Tolerances. The runs are seeded, so the numbers are fixed; the bounds are what chance allows a
correct prediction. Spread: z = |sd - std| / se, se the sampling error of a standard deviation
of 16 runs at the predicted std (with the runs' kurtosis when positive); for Gaussian runs
P(z > 4) ~ 1e-4 per time (chi-squared, 15 degrees of freedom), so over the ~35 valid times of a
family (correlated, fewer independent) 4 is a family-wise bound below 1%. Bias: the mean of 16
runs against theory + bias in standard errors is Student's t with 15 degrees of freedom,
P(|t| > 4.5) ~ 4e-4 per time, below 2% family-wise. Collapse: with the same start at every D,
std x sqrt(D) differs between the D only at O(1/D) (the autoencoder's spike strengths rho = D s
and bulk size D - s): the predicted curves agree far finer than 16 runs resolve a standard
deviation (relative sampling error 1/sqrt(30) = 0.18), and the measured ones agree within chance
(the difference of two independent estimates, 4 x sqrt(2) sampling errors)."""
import json
import math

import pytest

from odedyn.cli import main

pytestmark = pytest.mark.slow    # ~15 s alone (compiled kernels cached), ~40 s on a busy machine


@pytest.fixture(scope="module")
def numbers(tmp_path_factory):
    out = tmp_path_factory.mktemp("finite-size-band")
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["figure", "finite-size-band", "--quick", "--json", "--out", str(out)]) == 0
    n = json.loads(buf.getvalue())
    for path in n["files"]:
        assert (out / path.split("/")[-1]).exists()
    return n


def per_D(n, family):
    return [v for k, v in n[family].items() if k.startswith("D=")]


@pytest.mark.parametrize("family", ["committee", "autoencoder"])
def test_spread_and_bias_within_chance(numbers, family):
    for row in per_D(numbers, family):
        assert row["seeds"] == 16 and row["valid_times"] >= 10
        assert row["max_z_std"] < 4.0, row
        assert row["max_z_bias"] < 4.5, row


def test_where_the_expansion_breaks(numbers):
    # the committee's band stops on the plateau, before t_max, once the unstable mode grows
    for row in per_D(numbers, "committee"):
        assert 10.0 < row["last_valid_t"] < row["t_max"]
    # the autoencoder's holds throughout
    for row in per_D(numbers, "autoencoder"):
        assert row["last_valid_t"] == row["t_max"]


@pytest.mark.parametrize("family", ["committee", "autoencoder"])
def test_collapse(numbers, family):
    c = numbers[family]["collapse"]
    se = c["relative_sampling_error"]
    assert se == pytest.approx(1 / math.sqrt(30))
    assert c["max_std_spread"] < 0.5 * se
    if family == "committee":   # identical (Q, R, T, v): S and mu depend on D at O(1/D) only
        assert c["max_std_spread"] < 1e-2 and c["max_bias_spread"] < 1e-2
    assert c["max_measured_std_spread"] < 4 * math.sqrt(2) * se
