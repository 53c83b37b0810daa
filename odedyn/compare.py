"""Theory against simulation. Owns: running both from the same initial network at the same
times, the deviation summary in units of the simulation's standard error, and finite-size
scaling of the theory-simulation distance."""
import numpy as np

def deviation(theory, sim, names):
    """For each name: the largest |theory - mean| / sem over output times after the first
    (entries with zero sem are skipped; a name whose simulation never varies, e.g. an untrained
    bias, is left out), and the largest absolute difference."""
    out = {}
    for name in names:
        th = np.asarray(theory[name])[: len(sim.t)]
        mean, sem = np.asarray(sim[name]), np.asarray(sim[name + "_sem"])
        diff = np.abs(th - mean)[1:]
        s = sem[1:]
        ok = s > 0
        if not ok.any():
            continue
        z = np.where(ok, diff / np.where(ok, s, 1.0), 0.0)
        out[name] = {"max_z": float(z.max()) if z.size else 0.0,
                     "max_abs": float(diff.max()) if diff.size else 0.0}
    return out


def compare(exp, seeds=8, workers=None, progress=True, observables=None):
    """Theory and ``seeds`` simulations of ``exp`` from its initial network; returns
    (theory, sim, summary). ``observables`` default to the experiment's order parameters."""
    sim = exp.simulate(seeds=seeds, workers=workers, progress=progress)
    theory = exp.integrate(sim.t)
    if observables is None:
        observables = exp.order_parameter_names
    names = (exp.error_name,) + tuple(n for n in observables if n + "_sem" in sim.curves)
    summary = {"D": exp.D, "seeds": seeds, "deviation": deviation(theory, sim, names),
               "interrupted": sim.meta.get("interrupted", False)}
    summary["max_z"] = max(v["max_z"] for v in summary["deviation"].values())
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
