"""Theory against simulation. Owns: running both from the same initial network at the same
times, the deviation summary (per observable: the largest deviation in absolute terms, relative
to the observable's range and in standard errors of the simulation mean, with a word on what
those numbers can mean), and finite-size scaling of the theory-simulation distance."""
import numpy as np

#: below this many seeds a standard error is itself uncertain by more than ~35%
FEW_SEEDS = 5


def deviation(theory, sim, names):
    """For each name, over the output times after the first: the largest |theory - mean|
    ("max_abs"), that relative to the range the theory curve spans over time and entries
    ("max_rel"; None for a constant curve), and the largest |theory - mean| / sem ("max_z";
    entries with zero or undefined sem, e.g. times fewer than two seeds reached, are skipped). A
    name whose simulation never varies (an untrained bias) is left out."""
    out = {}
    for name in names:
        th = np.asarray(theory[name], dtype=float)[: len(sim.t)]
        mean, sem = np.asarray(sim[name], dtype=float), np.asarray(sim[name + "_sem"])
        diff = np.abs(th - mean)[1:]
        s = sem[1:]
        ok = np.nan_to_num(s) > 0
        if not ok.any():
            continue
        z = np.where(ok, diff / np.where(ok, s, 1.0), 0.0)
        span = float(np.nanmax(th) - np.nanmin(th)) if np.isfinite(th).any() else 0.0
        max_abs = float(np.nanmax(diff)) if diff.size else 0.0
        out[name] = {"max_z": float(z.max()) if z.size else 0.0, "max_abs": max_abs,
                     "max_rel": max_abs / span if span > 0 else None, "range": span}
    return out


def notes(summary):
    """What the numbers of a comparison can and cannot say, as sentences."""
    out = []
    if summary["seeds"] < FEW_SEEDS:
        out.append("only %d seeds: their standard errors are themselves uncertain (by ~%d%%), "
                   "so deviations in standard errors mean little; use %d or more"
                   % (summary["seeds"], round(100 / np.sqrt(2 * (summary["seeds"] - 1))),
                      FEW_SEEDS))
    if summary.get("max_z", 0) > 4:
        out.append("deviations of many standard errors where the network has converged are the "
                   "O(1/D) bias of SGD at finite D, which the seeds resolve, not a defect of the "
                   "D -> infinity theory (README: 'Reading a comparison'); the relative column "
                   "says how large they are")
    if summary.get("interrupted"):
        out.append("interrupted: some times rest on fewer seeds (n_seeds)")
    return out


def summary_lines(summary):
    """The deviation table of a comparison, one line per observable, and its notes."""
    lines = ["largest |theory - simulation mean| over the output times:",
             "  %-22s %11s %14s %10s" % ("observable", "absolute", "of its range", "in SE")]
    for name, v in summary["deviation"].items():
        rel = "-" if v["max_rel"] is None else "%.2g%%" % (100 * v["max_rel"])
        lines.append("  %-22s %11.3g %14s %10.2f" % (name, v["max_abs"], rel, v["max_z"]))
    return lines + ["note: " + n for n in summary["notes"]]


def compare(exp, seeds=8, workers=None, progress=True, observables=None):
    """Theory and ``seeds`` simulations of ``exp`` from its initial network; returns
    (theory, sim, summary). ``observables`` default to the experiment's order parameters and
    other observables. Interrupted before any measurement: KeyboardInterrupt."""
    sim = exp.simulate(seeds=seeds, workers=workers, progress=progress)
    if not len(sim.t):
        raise KeyboardInterrupt
    theory = exp.integrate(sim.t)
    if observables is None:
        observables = tuple(exp.order_parameter_names) + tuple(exp.observable_names)
    names = (exp.error_name,) + tuple(n for n in observables if n + "_sem" in sim.curves)
    summary = {"D": exp.D, "seeds": seeds, "deviation": deviation(theory, sim, names),
               "interrupted": sim.meta.get("interrupted", False)}
    summary["max_z"] = max((v["max_z"] for v in summary["deviation"].values()), default=0.0)
    summary["notes"] = notes(summary)
    return theory, sim, summary


def finite_size_scaling(exp, Ds, seeds=8, workers=None, progress=True, name=None):
    """Compare at several D; returns dict with the largest |theory - simulation| of the error
    at each D ("rows") and the least-squares power law distance = prefactor * D^(-exponent)."""
    name = name or exp.error_name
    rows = []
    for D in Ds:
        th, sim, summary = compare(exp.with_D(int(D)), seeds, workers, progress, ())
        rows.append({"D": int(D), "max_abs": summary["deviation"][name]["max_abs"],
                     "max_z": summary["deviation"][name]["max_z"]})
    d = np.array([r["max_abs"] for r in rows])
    if len(Ds) > 1:
        slope, intercept = np.polyfit(np.log(Ds), np.log(d), 1)
    else:
        slope = intercept = float("nan")
    return {"rows": rows, "exponent": -float(slope), "prefactor": float(np.exp(intercept))}
