"""Group-sparse derivation: the symbolic identities hold and the generated module is current."""
import groupsparse_dynamics


def test_symbolic_identities_hold():
    groupsparse_dynamics.verify()          # chain rule onto (R, Q), gradient of the potential
    c, d = groupsparse_dynamics.gsrelu_coefficients(g=4)   # Jacobian structure, other size
    assert c.free_symbols and d.free_symbols


def test_generated_groupsparse_kernels_are_not_stale():
    assert groupsparse_dynamics.main(["--check"]) == 0, (
        "odedyn/_generated/groupsparse_dynamics.py is stale: run "
        "python derivations/groupsparse_dynamics.py")
