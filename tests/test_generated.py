"""Generated code is current: regenerating it in memory reproduces the committed files."""
import gaussian_averages
import integrators


def test_generated_averages_are_not_stale():
    assert gaussian_averages.main(["--check"]) == 0, (
        "odedyn/_generated/averages.py is stale: run python derivations/gaussian_averages.py")


def test_generated_integrators_are_not_stale():
    assert integrators.main(["--check"]) == 0, (
        "a generated integrator is stale: run python derivations/integrators.py")
