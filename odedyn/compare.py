"""Theory against simulation. Owns: running both from the same initial network at the same
times, the deviation summary and its verdict, and finite-size scaling of the
theory-simulation distance.

The summary (README, "Reading a comparison"), per observable over the output times after the
first: the largest |theory - simulation mean| (``max_abs``), that relative to the observable's
scale (``scale``: the RMS of the theory curve over times and entries, else of the simulation's)
and in standard errors of the mean (``max_z``), beside the largest value chance gives
(``z_limit``: Student's t with seeds - 1 degrees of freedom at 5% over all the times and
entries compared, Bonferroni), and the seed-to-seed spread (standard deviation over seeds
relative to the scale). Its verdict says one of

* ``within chance``: no deviation beyond what chance gives at this number of seeds (with few
  seeds that can be a large one);
* ``finite size``: beyond chance, in a family whose theory is the large-D limit, and
  shrinking with D faster than the noise of the mean alone would when measured again at D/2
  (``size_exponent`` (p, dp) of max_abs ~ D^-p: p - 2 dp > 1/2; the O(1/D) bias when p is
  consistent with 1);
* ``deviates``: beyond chance where that test cannot tell (|p - 1/2| <= 2 dp) or cannot be made
  (a family whose theory is exact at the simulation's size, a size fixed by the CONFIG);
* ``outside``: SGD left the regime the theory describes: its Euler map is unstable along the
  theory curve (odedyn.analysis.euler_stability), the seeds spread far beyond the O(1/sqrt D)
  fluctuations of a large-D theory (even the 95% lower confidence bound of sqrt(D) sd / scale
  exceeds SPREAD_LIMIT), or the deviation does not shrink with D (p + 2 dp < 1/2: slower than
  even the noise of the mean would); an SGD run that blows up stops the comparison
  (NumericalError).

With the predicted finite-size band (``compare(..., fluctuations=True)``, ``odedyn compare
--fluctuations``; odedyn.fluctuations) the summary also holds ``band``: per observable with a
band, the simulation mean against theory + bias and the seeds' spread against the predicted
std, at the times where the expansion is valid (``band_deviation``). It adds numbers and lines;
the verdict above stays what it is without it.
"""
import numpy as np

from .errors import ConfigError, NumericalError

#: below this many seeds a standard error is itself uncertain by more than ~35%
FEW_SEEDS = 5
#: the family-wise error rate of the chance bounds (z_limit, the spread's confidence bound)
ALPHA = 0.05
#: sqrt(D) x (seed-to-seed standard deviation) / scale beyond which the spread is not the
#: O(1/sqrt D) fluctuation of a large-D theory (the shipped examples that follow their theory
#: show 0.7 to 5: README, "Reading a comparison")
SPREAD_LIMIT = 5.0
#: the smallest D/2 the size test runs at
MIN_TEST_SIZE = 16
#: verdicts, from best to worst
VERDICTS = ("within chance", "finite size", "deviates", "outside")


# ------------------------------------------------------------ per observable
def deviation(theory, sim, names, D=None):
    """{name: the numbers of the module docstring} for each name (see ``_observable``); a name
    whose simulation never varies (an untrained bias) is left out."""
    out = {}
    for name in names:
        v = _observable(np.asarray(theory[name], dtype=float)[: len(sim.t)],
                        np.asarray(sim[name], dtype=float), np.asarray(sim[name + "_sem"]),
                        _counts(sim), D)
        if v is not None:
            out[name] = v
    return out


def _counts(sim):
    if "n_seeds" in sim.curves:
        return np.asarray(sim["n_seeds"], dtype=float)
    return np.full(len(sim.t), float(sim.meta.get("seeds", 0)))


def _observable(th, mean, sem, count, D):
    from scipy import stats
    th, mean, sem = th[1:], mean[1:], np.nan_to_num(sem[1:])
    n = _by_time(count[1:], th)
    ok = (sem > 0) & (n > 1)
    if not ok.any():
        return None
    diff = np.abs(th - mean)
    scale = _rms(th) or _rms(mean)
    at = np.unravel_index(np.nanargmax(np.where(np.isfinite(diff), diff, -1)), diff.shape)
    z = np.where(ok, diff / np.where(ok, sem, 1.0), 0.0)
    tests, dof = int(ok.sum()), float(n[ok].min() - 1)
    sd = sem * np.sqrt(n)
    low = np.sqrt(dof / stats.chi2.ppf(1 - ALPHA / tests, dof))   # sd's lower bound / sd
    v = {"max_abs": float(diff[at]), "max_abs_se": float(sem[at]), "scale": scale,
         "max_rel": float(diff[at]) / scale if scale else None,
         "max_z": float(z.max()), "z_limit": _chance_z(tests, dof),
         "spread": float(sd[ok].max()) / scale if scale else None, "spread_bound": None}
    if D and scale:
        v["spread_bound"] = float(np.sqrt(D) * low * sd[ok].max() / scale)
    return v


def _by_time(per_time, like):
    """A per-time array repeated over the entries of ``like`` (time first)."""
    return np.broadcast_to(np.reshape(per_time, (-1,) + (1,) * (like.ndim - 1)), like.shape)


def _chance_z(tests, dof):
    """The largest |z| chance gives over ``tests`` Student-t statistics with ``dof`` degrees of
    freedom, at a family-wise error ALPHA (Bonferroni)."""
    from scipy import stats
    return float(stats.t.ppf(1 - ALPHA / (2 * tests), dof))


def _rms(x):
    x = x[np.isfinite(x)]
    return float(np.sqrt(np.mean(x ** 2))) if x.size else 0.0


def size_exponent(big, small):
    """(p, dp): max_abs ~ D^-p from the deviations at D (``big``) and D/2 (``small``), and its
    standard error from the standard errors at the two maxima."""
    m1, m2 = big["max_abs"], small["max_abs"]
    if not (m1 > 0 and m2 > 0):
        return None, None
    p = np.log2(m2 / m1)
    dp = np.hypot(big["max_abs_se"] / m1, small["max_abs_se"] / m2) / np.log(2)
    return float(p), float(dp)


# ------------------------------------------------------------ the verdict
def judge(summary, large_size_limit):
    """Each observable's verdict (module docstring) and the comparison's (the worst), with the
    reasons SGD left the theory's regime (``summary["regime"]``)."""
    regime = list(summary.get("sgd_stability", []))
    spread = {}
    for name, v in summary["deviation"].items():
        v["verdict"] = "within chance" if v["max_z"] <= v["z_limit"] else "deviates"
        bound = v.get("spread_bound")
        if large_size_limit and bound is not None and bound > SPREAD_LIMIT:
            v["verdict"] = "outside"
            spread[name] = v
        p, dp = v.get("size_exponent") or (None, None)
        if v["verdict"] == "deviates" and p is not None:
            if p + 2 * dp < 0.5:
                v["verdict"] = "outside"
                regime.append("%s: the deviation does not shrink with D (max |theory - mean| "
                              "~ D^-%.2f+-%.2f from D/2 to D; a finite size gives 1/2 to 1)"
                              % (name, p, dp))
            elif p - 2 * dp > 0.5:
                v["verdict"] = "finite size"
    if spread:
        regime.append("%s: the seeds spread by %s times the scale, sqrt(D) sd / scale >= %s (95%% "
                      "bound) where the O(1/sqrt D) fluctuations of a large-D theory stay below "
                      "%g" % (", ".join(spread), ", ".join("%.3g" % v["spread"] for v in
                                                           spread.values()),
                              ", ".join("%.3g" % v["spread_bound"] for v in spread.values()),
                              SPREAD_LIMIT))
    summary["regime"] = regime
    worst = max((VERDICTS.index(v["verdict"]) for v in summary["deviation"].values()),
                default=0)
    summary["verdict"] = "outside" if regime else VERDICTS[worst]
    return summary


def notes(summary, large_size_limit=True):
    """What the numbers of a comparison can and cannot say, as sentences."""
    out = []
    if summary["seeds"] < 2:
        out.append("%d seed measured: no standard error, no verdict on chance" % summary["seeds"])
    elif summary["seeds"] < FEW_SEEDS:
        out.append("only %d seeds: their standard errors are themselves uncertain (by ~%d%%), "
                   "so the chance bound on deviations in SE is wide; use %d or more"
                   % (summary["seeds"], round(100 / np.sqrt(2 * (summary["seeds"] - 1))),
                      FEW_SEEDS))
    if summary["regime"]:
        out.append("SGD left the regime the theory describes: " + "; ".join(summary["regime"]))
    by_verdict = {}
    for name, v in summary["deviation"].items():
        by_verdict.setdefault(v["verdict"], {})[name] = v
    out += _finite_size_notes(by_verdict.get("finite size", {}))
    out += _deviation_notes(by_verdict.get("deviates", {}), large_size_limit,
                            summary.get("size_test", {}).get("why", "no size test"))
    if summary.get("interrupted"):
        out.append("interrupted: some times rest on fewer seeds (n_seeds)")
    return out


def _finite_size_notes(finite):
    """The O(1/D) note, where every finite-size exponent is consistent with 1."""
    if not finite:
        return []
    exps = [v["size_exponent"] for v in finite.values()]
    one = all(abs(p - 1) <= 2 * dp or p > 1 for p, dp in exps)
    return ["%s: beyond chance, and falling with D (measured again at D/2: %s): %s" % (
        ", ".join(finite), ", ".join("D^-%.2f+-%.2f" % tuple(pe) for pe in exps),
        "the O(1/D) bias of SGD at finite D, which the seeds resolve, not a defect of the "
        "D -> infinity theory (README: 'Reading a comparison')" if one
        else "a finite-size effect")]


def _deviation_notes(deviating, large_size_limit, why_untested):
    """What a deviation beyond chance that is not a finite size can mean."""
    if not deviating:
        return []
    if not large_size_limit:
        return ["%s: beyond chance; this family's theory is exact at the simulation's size up "
                "to the learning rule's discreteness (its step), so the deviation measures "
                "that discreteness (or a defect), not a finite size" % ", ".join(deviating)]
    tested = {n: v["size_exponent"] for n, v in deviating.items()
              if (v.get("size_exponent") or (None,))[0] is not None}
    out = []
    if tested:
        out.append("%s: beyond chance; measured again at D/2 %s, which cannot tell a 1/D bias "
                   "(exponent 1) from a deviation that stays (0): more seeds would" % (
                       ", ".join(tested), ", ".join("falls as D^-%.2f+-%.2f" % tuple(pe)
                                                    for pe in tested.values())))
    rest = [n for n in deviating if n not in tested]
    if rest:
        out.append("%s: beyond chance, not measured again at D/2 (%s)"
                   % (", ".join(rest), why_untested))
    return out


def summary_lines(summary):
    """The deviation table of a comparison, one line per observable, its verdict and notes."""
    lines = ["largest |theory - simulation mean| over the output times (scale: RMS of the "
             "theory curve; chance: the largest deviation in SE chance gives):",
             "  %-20s %10s %9s %9s %8s %8s  %s" % ("observable", "absolute", "of scale",
                                                   "in SE", "chance", "spread", "verdict")]
    for name, v in summary["deviation"].items():
        rel = "-" if v["max_rel"] is None else "%.2g%%" % (100 * v["max_rel"])
        spread = "-" if v["spread"] is None else "%.2g%%" % (100 * v["spread"])
        verdict = v["verdict"]
        if (v.get("size_exponent") or (None,))[0] is not None:
            verdict += " (D^-%.2f+-%.2f)" % tuple(v["size_exponent"])
        lines.append("  %-20s %10.3g %9s %9.3g %8.3g %8s  %s"
                     % (name, v["max_abs"], rel, v["max_z"], v["z_limit"], spread, verdict))
    groups = {}
    for name, v in summary["deviation"].items():
        groups.setdefault(v["verdict"], []).append(name)
    lines.append("verdict: %s (%s)" % (summary["verdict"], "; ".join(
        "%s: %s" % (verdict, ", ".join(groups[verdict]))
        for verdict in reversed(VERDICTS) if verdict in groups)))
    if "band" in summary:
        lines += band_lines(summary["band"])
    return lines + ["note: " + n for n in summary["notes"]]


# ------------------------------------------------------------ running a comparison
def compare(exp, seeds=8, workers=None, progress=True, observables=None, size_test=True,
            fluctuations=False):
    """Theory and ``seeds`` simulations of ``exp`` from its initial network; returns
    (theory, sim, summary) with the verdict (module docstring). The theory runs first (it warns
    when the learning rate is past SGD's stability limit). ``observables`` default to the
    experiment's order parameters and other observables; with ``size_test`` deviations beyond
    chance in a large-D family are measured again at D/2. With ``fluctuations`` the theory
    carries its predicted finite-size band (``theory.band``; a family without one: ConfigError
    before any simulation) and ``summary["band"]`` measures the seeds against it
    (``band_deviation``; the verdict is not changed by it). Interrupted before any measurement:
    KeyboardInterrupt."""
    theory = exp.integrate(exp.snap_times(exp.times), progress=progress,
                           fluctuations=fluctuations)
    try:
        sim = exp.simulate(seeds=seeds, workers=workers, progress=progress)
    except NumericalError as exc:
        raise NumericalError(exc.t, "%s: SGD left the regime the theory describes (the theory "
                             "stays finite to t = %g)" % (exc.what, theory.t[-1])) from exc
    if not len(sim.t):
        raise KeyboardInterrupt
    theory = _first(theory, len(sim.t))
    if observables is None:
        observables = tuple(exp.order_parameter_names) + tuple(exp.observable_names)
    names = (exp.error_name,) + tuple(n for n in observables if n + "_sem" in sim.curves)
    large = bool(exp.large_size_limit)
    summary = {"D": exp.D, "seeds": sim.meta.get("seeds", seeds), "seeds_requested": seeds,
               "large_size_limit": large,
               "deviation": deviation(theory, sim, names, exp.D if large else None),
               "interrupted": sim.meta.get("interrupted", False),
               "sgd_stability": _stability(theory)}
    judge(summary, large)
    if size_test and large and summary["verdict"] == "deviates" and not summary["interrupted"]:
        summary["size_test"] = _size_test(exp, seeds, workers, progress, summary)
        judge(summary, large)
    summary["max_z"] = max((v["max_z"] for v in summary["deviation"].values()), default=0.0)
    summary["notes"] = notes(summary, large)
    if theory.band is not None:
        summary["band"] = band_deviation(theory, sim, exp.error_name)
    return theory, sim, summary


def _first(traj, n):
    """The first ``n`` output times of a Trajectory (its predicted band too)."""
    from .fluctuations import band_first
    from .results import Trajectory
    return Trajectory(traj.t[:n], {k: v[:n] for k, v in traj.curves.items()}, traj.meta,
                      traj.arrays, band_first(traj.band, n))


# ------------------------------------------------------------ against the predicted band
def band_deviation(theory, sim, error_name="error"):
    """The seeds against the predicted finite-size band (odedyn.fluctuations: std s and bias b
    of single runs at D), per observable with a band (the error and every order parameter the
    simulation measures), over the valid output times after the first and the entries whose
    predicted or measured spread is not zero (an untrained T or v has neither):

    * the mean: z = |simulation mean - (theory + b)| / se with se^2 = (s^2 / n + sem^2) / 2,
      the average of the two estimates of the variance of a mean of n seeds, the predicted one
      (exact if the expansion is right, never noisy) and the measured one (sem, which keeps z
      from growing by more than sqrt 2 when it is the predicted spread that is wrong, so that
      z judges the mean and the ratio below the spread); ``max_z_band`` its largest value,
      beside ``z_limit``, the largest chance gives: Student's t with n - 1 degrees of freedom
      at a 5% family-wise error over the times and entries compared (Bonferroni; the t is
      conservative, the measured half of se being what has n - 1 degrees of freedom);
    * the spread: ``spread_ratio`` [min, max] of sd / s (sd = sem sqrt n, the seed-to-seed
      standard deviation), beside ``spread_limits``, the range chance gives to the ratio of a
      Gaussian sample's sd to its true value, sqrt(chi^2_{n-1} / (n - 1)) at 5% family-wise
      (Bonferroni over the same times and entries; relative sampling error ~ 1/sqrt(2(n - 1)));
    * ``valid_times``: the output times compared (valid, after the first), ``valid_until``
      the last valid time, ``within_chance``: both inside their bounds.

    An observable with no valid time after the first, or no spread there, is left out."""
    from scipy import stats
    b = theory.band
    valid = np.asarray(b["valid"], dtype=bool)[: len(sim.t)]
    count = _counts(sim)
    std = {error_name: b["error_std"]} | dict(b["order_parameters_std"])
    bias = {error_name: b["error_bias"]} | dict(b["order_parameters_bias"])
    out = {}
    for name in std:
        if name not in sim.curves or name + "_sem" not in sim.curves:
            continue
        th = np.asarray(theory[name], dtype=float)[: len(sim.t)]
        s = np.asarray(std[name], dtype=float)[: len(sim.t)]
        mu = th + np.asarray(bias[name], dtype=float)[: len(sim.t)]
        mean = np.asarray(sim[name], dtype=float)
        sem = np.asarray(sim[name + "_sem"], dtype=float)
        n = _by_time(count, th)
        use = _by_time(valid, th).copy()
        use[0] = False
        with np.errstate(invalid="ignore"):
            use &= np.isfinite(s) & np.isfinite(sem) & (n > 1) & (s > 0) & (sem > 0)
        if not use.any():
            continue
        s, mu, mean, sem, n = s[use], mu[use], mean[use], sem[use], n[use]
        se = np.sqrt(0.5 * (s ** 2 / n + sem ** 2))
        z = np.abs(mean - mu) / se
        ratio = sem * np.sqrt(n) / s
        tests, dof = int(use.sum()), float(n.min() - 1)
        lo, hi = (float(np.sqrt(stats.chi2.ppf(q, dof) / dof))
                  for q in (ALPHA / (2 * tests), 1 - ALPHA / (2 * tests)))
        z_limit = _chance_z(tests, dof)
        rows = np.nonzero(use.reshape(len(use), -1).any(axis=1))[0]
        ok = bool(z.max() <= z_limit and lo <= ratio.min() and ratio.max() <= hi)
        out[name] = {"max_z_band": float(z.max()), "z_limit": z_limit,
                     "spread_ratio": [float(ratio.min()), float(ratio.max())],
                     "spread_limits": [lo, hi], "valid_times": int(len(rows)),
                     "valid_until": float(sim.t[np.nonzero(valid)[0][-1]]),
                     "within_chance": ok}
    return out


def band_lines(band):
    """The band table of a comparison (``band_deviation``), one line per observable."""
    lines = ["against the predicted band (valid times only; mean vs theory + bias in SE, "
             "seed sd / predicted std; chance: 5% family-wise):",
             "  %-20s %8s %8s %15s %15s %6s %10s" % (
                 "observable", "in SE", "chance", "sd / std", "chance", "times", "valid to")]
    for name, v in band.items():
        lines.append("  %-20s %8.3g %8.3g %15s %15s %6d %10.4g  %s" % (
            name, v["max_z_band"], v["z_limit"], "%.3g..%.3g" % tuple(v["spread_ratio"]),
            "%.3g..%.3g" % tuple(v["spread_limits"]), v["valid_times"], v["valid_until"],
            "within chance" if v["within_chance"] else "beyond chance"))
    if not band:
        lines.append("  (no valid time after the first with a spread: nothing to compare)")
    return lines


def _stability(theory):
    """The theory's verdict on SGD's stability (its diagnostics), as reasons."""
    found = (theory.meta.get("diagnostics") or {}).get("sgd_stability") or {}
    out = []
    for mode in found.get("unstable", [])[:1]:
        re, im = mode["eigenvalue"]
        out.append("at t = %.4g the equations' Jacobian has eigenvalue %.4g%s, outside SGD's "
                   "Euler stability region |1 + lambda/D| <= 1 (|1 + lambda/D| = %.3g)"
                   % (mode["t"], re, "" if im == 0 else "%+.4gi" % im, mode["factor"]))
    return out


def _size_test(exp, seeds, workers, progress, summary):
    """The deviations measured again at D/2: each deviating observable gets its
    ``size_exponent``; returns what was done."""
    half = exp.D // 2
    if half < MIN_TEST_SIZE:
        return {"tested": False, "why": "D/2 = %d < %d" % (half, MIN_TEST_SIZE)}
    try:
        small = exp.with_D(half)
    except ConfigError as exc:
        return {"tested": False, "why": "the CONFIG fixes D: %s" % exc.why}
    names = [n for n, v in summary["deviation"].items() if v["verdict"] == "deviates"]
    _, _, other = compare(small, seeds, workers, progress, tuple(names), size_test=False)
    if other["interrupted"]:
        return {"tested": False, "why": "the run at D/2 was interrupted"}
    for name in names:
        if name in other["deviation"]:
            summary["deviation"][name]["size_exponent"] = size_exponent(
                summary["deviation"][name], other["deviation"][name])
    return {"tested": True, "D": half,
            "deviation": {n: {k: other["deviation"][n][k] for k in ("max_abs", "max_abs_se",
                                                                    "max_z")}
                          for n in names if n in other["deviation"]}}


def finite_size_scaling(exp, Ds, seeds=8, workers=None, progress=True, name=None):
    """Compare at several D; returns dict with the largest |theory - simulation| of the error
    at each D ("rows") and the least-squares power law distance = prefactor * D^(-exponent)."""
    name = name or exp.error_name
    rows = []
    for D in Ds:
        th, sim, summary = compare(exp.with_D(int(D)), seeds, workers, progress, (),
                                   size_test=False)
        rows.append({"D": int(D), "max_abs": summary["deviation"][name]["max_abs"],
                     "max_z": summary["deviation"][name]["max_z"]})
    d = np.array([r["max_abs"] for r in rows])
    if len(Ds) > 1:
        slope, intercept = np.polyfit(np.log(Ds), np.log(d), 1)
    else:
        slope = intercept = float("nan")
    return {"rows": rows, "exponent": -float(slope), "prefactor": float(np.exp(intercept))}
