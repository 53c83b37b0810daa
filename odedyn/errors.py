"""Errors odedyn raises on purpose. Owns: ConfigError (bad input) and NumericalError (trouble
during a run), both carrying enough context to say what went wrong, when and where, NumericalWarning
(a run that goes on but should not be trusted blindly) and SweepWarning (a sweep's results to be
read with care)."""


class ConfigError(ValueError):
    """Bad input: names the offending key and value. The CLI turns it into exit status 2."""

    def __init__(self, key, value, why):
        self.key, self.value, self.why = key, value, why
        super().__init__("%s = %r: %s" % (key, value, why))


class NumericalError(ArithmeticError):
    """Numerical trouble (non-finite values, invalid covariance, blow-up) at time ``t``."""

    def __init__(self, t, what):
        self.t, self.what = t, what
        super().__init__("at t = %.6g: %s" % (t, what))


class NumericalWarning(UserWarning):
    """A run that goes on but may be wrong or hopeless (stiff equations, a loss growing under
    gradient descent), with the time ``t`` it was seen at."""

    def __init__(self, t, what):
        self.t, self.what = t, what
        super().__init__("at t = %.6g: %s" % (t, what))


class SweepWarning(UserWarning):
    """Something about a sweep's results worth knowing before reading its plot (e.g. a swept key
    that changed nothing)."""
