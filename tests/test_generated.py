"""Generated code is current: regenerating it in memory reproduces the committed files."""
import gaussian_averages


def test_generated_averages_are_not_stale():
    assert gaussian_averages.main(["--check"]) == 0, (
        "odedyn/_generated/averages.py is stale: run python derivations/gaussian_averages.py")
