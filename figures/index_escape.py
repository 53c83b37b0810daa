"""Single-index escape (issue 20, item 3): online SGD learning a teacher y = He_k(nu)/sqrt(k!)
(information exponent k = 1..4) with a student of the same activation (K = M = 1, second layer
fixed at v = 1: odedyn.committee.analysis.single_index says why), from a start with overlap
m = R / sqrt(Q T) = m0 exactly and Q = T = 1 (``[init] overlap``).

Time is tau = eta t (t = steps / D), the time of the learning-rate-free gradient flow; the
escape time tau_esc is the first time |m| reaches 1/2 (odedyn.committee.analysis.escape_time,
on the theory refined between output times; on SGD runs seed by seed, interpolated between
output times). Learning rates: eta = 0.2, 0.1, 0.02, 0.005 for k = 1..4 (the O(eta^2) noise term
of dQ grows with k: at eta = 0.01 the k = 4 theory from Q = 1 blows up; SGD with k = 3 at
eta = 0.05, D = 1000 blew up on one seed of eight: a rare large field, the polynomial link).

(a) m against tau, theory (lines) and SGD (markers: mean over seeds, bars its standard error),
D = 2000 for k = 1..3, 1000 for k = 4 (SGD to tau = 8 at eta = 0.005 is 1600 time units).
(b) tau_esc against m0 on log-log axes: the theory as eta -> 0 (eta = 1e-6; points joined),
the theory at the SGD's eta (dashed), SGD (markers, mean +- s.e. over the seeds; only where
every seed escaped), and the known laws for a fixed-norm student: k = 1 O(1); k = 2
tau = (1/2) ln(m/sqrt(1 - m^2)) from m0 to 1/2 (here exact: dm/dtau = 2 m (1 - m^2) at any Q
as eta -> 0); k >= 3 ~ m0^(2 - k) (the dotted line through the smallest m0's theory point).

What the theory says, and where SGD parts from it:
- k = 3 does not escape. The square loss with the uncorrelated link pulls the student's norm
  down (E[g(lambda)^2] grows with Q for odd He_k), Q falls to ~eta/2 (where the O(eta^2) noise
  balances it), the He_3 part of g (~ Q^{3/2}) dies and m freezes then decays: SGD does the
  same. k = 4 (even) keeps Q at the minimum of E[g^2] (Q ~ 0.25) and escapes with
  tau_esc ~ m0^-2; k = 2 keeps Q ~ 0.4.
- At the SGD's eta the O(eta^2) term decays m at a rate ~ eta: for k = 4 the escape time
  diverges at m0 ~ 0.1 (eta = 0.005): below it the theory never escapes.
- At finite D the start's overlap is not the only one that counts: the runs' noise moves m by
  ~ 1/sqrt(D) (0.022 at D = 2000), so below m0 ~ 1/sqrt(D) SGD escapes earlier than the
  D -> infinity theory, whose tau_esc keeps growing as ln(1/m0) (k = 2): SGD's saturates, set
  by the 1/sqrt(D) overlap the noise makes.
"""
from dataclasses import replace

import numpy as np

from odedyn.committee.analysis import (ESCAPE_LEVEL, overlap, sgd_escape, single_index,
                                       theory_escape)
from odedyn.figures import figure_main
from odedyn.plotting import COLORS, plt, save, simulation_points, theory_line

NAME = "index-escape"
DESCRIPTION = "single-index He_k teachers: escape time from overlap m0, theory vs SGD, k = 1..4"
#: k: (eta, D, m0 of panel (a), tau horizon of panel (a))
SETUPS = {1: (0.2, 2000, 0.05, 1.5), 2: (0.1, 2000, 0.05, 3.0), 3: (0.02, 2000, 0.1, 5.0),
          4: (0.005, 1000, 0.3, 8.0)}
#: --quick: k = 4's panel (a) from m0 = 0.4 to tau = 4 (else the slowest part by far)
QUICK_K4 = (0.4, 4.0)
#: the theory's eta -> 0 limit (in tau the equations converge; the O(eta^2) term ~ eta)
LIMIT_LR = 1e-6
#: the longest theory run (tau): the k = 4 escape from m0 = 0.01 takes tau ~ 5000
TAU_CAP = 1.2e4


def theory_m0s(k, quick):
    if k == 4:
        return np.geomspace(0.4, 0.05 if quick else 0.01, 5 if quick else 9)
    if k == 3:     # no escape below m0 ~ 0.2 (the norm collapses): a few starts show it
        return np.geomspace(0.4, 0.03, 3 if quick else 5)
    return np.geomspace(0.3, 1e-4, 5 if quick else 10)


def sgd_m0s(k, quick):
    return {1: [0.01] if quick else [0.1, 0.01, 0.001],
            2: [0.1, 0.003] if quick else [0.1, 0.03, 0.01, 0.003, 0.001],
            3: [], 4: [0.4] if quick else [0.4, 0.3]}[k]


def tau_guess(k, m0):
    """A horizon past the eta -> 0 escape (tau), for the theory runs."""
    return min({1: 3.0, 2: 3.0 + np.log(1.0 / m0), 3: 4.0 / m0}.get(k, 2.0 / m0 ** 2), TAU_CAP)


def k2_law(m0):
    """tau_esc of dm/dtau = 2 m (1 - m^2) from m0 to 1/2."""
    f = lambda m: 0.5 * (np.log(m) - 0.5 * np.log(1 - m * m))
    return f(ESCAPE_LEVEL) - f(np.asarray(m0, float))


def run_sgd(k, m0, lr, D, tau_max, seeds, n_times):
    exp = single_index(k, m0, lr, tau_max / lr, D=D, n_times=n_times)
    exp = replace(exp, times=exp.snap_times(np.linspace(0.0, exp.t_max, n_times + 1)))
    sim = exp.simulate(seeds=seeds, progress=False)
    th = exp.theory_curve(sim.t, progress=False)
    return exp, sim, th


def m_stats(sim):
    m = overlap(sim["Q_seeds"], sim["R_seeds"], sim["T_seeds"])
    n = m.shape[0]
    return m.mean(0), m.std(0, ddof=1) / np.sqrt(n)


def make(out_dir, quick=False):
    seeds = 4 if quick else 8
    scale = 2 if quick else 1                    # quick: half the D
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.4))
    numbers = {"seeds": seeds, "escape_level": ESCAPE_LEVEL, "limit_lr": LIMIT_LR, "k": {}}
    for k, (lr, D, m0a, tau_a) in SETUPS.items():
        D //= scale
        if quick and k == 4:
            m0a, tau_a = QUICK_K4
        if quick and k == 3:
            tau_a = 2.0
        c = COLORS[k - 1]
        nk = numbers["k"][k] = {"lr": lr, "D": D, "panel_a_m0": m0a}
        # (a) overlap against tau
        exp, sim, th = run_sgd(k, m0a, lr, D, tau_a, seeds, 40 if quick else 60)
        mean, sem = m_stats(sim)
        m_th = overlap(th["Q"], th["R"], th["T"])
        tau = sim.t * lr
        theory_line(ax, th.t * lr, m_th, c, "k = %d (m0 = %g, D = %d, $\\eta$ = %g)"
                    % (k, m0a, D, lr))
        simulation_points(ax, tau, mean, sem, c, every=2 if quick else 3, ms=3)
        t_esc = theory_escape(exp, n=200)
        before = (sim.t > 0) & ((sim.t < 0.8 * t_esc) if np.isfinite(t_esc) else True)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.abs(mean - m_th) / sem
        nk.update({"panel_a_tau_esc_theory": t_esc * lr,
                   "panel_a_sgd": _sgd_numbers(sgd_escape(sim), lr),
                   "panel_a_max_z_before_escape": float(np.nanmax(z[before])),
                   "panel_a_final_m_theory": float(m_th[-1]),
                   "panel_a_final_m_sgd": float(mean[-1]),
                   "panel_a_final_Q_theory": float(th["Q"][-1, 0, 0])})
        # (b) escape time against m0: theory
        m0s = theory_m0s(k, quick)
        limit = np.array([_escape_at(k, m0, LIMIT_LR, tau_guess(k, m0)) for m0 in m0s])
        at_lr = np.array([_escape_at(k, m0, lr) for m0 in m0s])
        nk.update({"theory_m0": m0s, "theory_tau_esc_limit": limit,
                   "theory_tau_esc_at_lr": at_lr})
        ok = np.isfinite(limit)
        if ok.any():
            bx.plot(m0s[ok], limit[ok], "-", marker=".", color=c, lw=1.6, label="k = %d" % k)
        ok2 = np.isfinite(at_lr)
        if ok2.any():
            bx.plot(m0s[ok2], at_lr[ok2], "--", color=c, lw=1.0)
        if ok.sum() >= 3:
            sl = np.polyfit(np.log(m0s[ok][-3:]), np.log(limit[ok][-3:]), 1)[0]
            nk["theory_slope_small_m0"] = float(sl)
        # (b): SGD
        pts = []
        for m0 in sgd_m0s(k, quick):
            if m0 == m0a:
                esc = sgd_escape(sim)
            else:
                ref = _escape_at(k, m0, lr)
                horizon = 2.0 * (ref if np.isfinite(ref) else tau_guess(k, m0))
                esc = sgd_escape(run_sgd(k, m0, lr, D, horizon, seeds, 150 if quick else 300)[1])
            th_lr = _escape_at(k, m0, lr)
            p = dict(m0=m0, theory_tau_esc_at_lr=th_lr, **_sgd_numbers(esc, lr))
            p["z"] = abs(p["tau_esc_mean"] - th_lr) / p["tau_esc_sem"]
            pts.append(p)
        nk["sgd"] = pts
        good = [p for p in pts if np.isfinite(p["tau_esc_mean"])]
        if good:
            simulation_points(bx, [p["m0"] for p in good], [p["tau_esc_mean"] for p in good],
                              [p["tau_esc_sem"] for p in good], c, ms=5, fmt="s")
    # reference laws
    m = np.geomspace(1e-4, 0.3, 50)
    bx.plot(m, k2_law(m), ":", color="k", lw=1.2, label=r"k = 2: $dm/d\tau = 2m(1-m^2)$")
    k4 = numbers["k"][4]
    j = int(np.argmin(k4["theory_m0"]))
    m4 = np.geomspace(k4["theory_m0"][j], 0.3, 20)
    bx.plot(m4, k4["theory_tau_esc_limit"][j] * (m4 / k4["theory_m0"][j]) ** -2.0, ":",
            color="0.4", lw=1.2, label=r"$\propto m_0^{2-k}$, k = 4")
    ax.axhline(ESCAPE_LEVEL, color="0.5", lw=0.8, ls=":")
    D12 = numbers["k"][2]["D"]
    bx.axvline(1 / np.sqrt(D12), color="0.6", lw=0.8)
    bx.text(1 / np.sqrt(D12), 0.97, r" $1/\sqrt{D}$, D = %d" % D12, fontsize=7, va="top",
            color="0.4", transform=bx.get_xaxis_transform())
    ax.set_xlabel(r"$\tau = \eta\, t$")
    ax.set_ylabel(r"overlap $m = R/\sqrt{QT}$")
    ax.set_ylim(-0.05, 1.05)
    ax.plot([], [], "o", color="0.3", mfc="white", ms=3.5,
            label="SGD, %d seeds (bars: s.e.)" % seeds)
    ax.legend(fontsize=7, loc="center right", title="lines: theory (D -> infinity)",
              title_fontsize=7)
    ax.set_title("(a) overlap; k = 3: the norm collapses, no escape", fontsize=9, loc="left")
    bx.set_xscale("log")
    bx.set_yscale("log")
    bx.set_xlabel(r"initial overlap $m_0$")
    bx.set_ylabel(r"escape time $\tau_{esc}$ ($|m| = 1/2$)")
    bx.plot([], [], "k--", lw=1.0, label=r"theory at the SGD's $\eta$")
    bx.plot([], [], "s", color="0.3", mfc="white", ms=5, label="SGD (mean, s.e.)")
    bx.legend(fontsize=7, loc="upper right", ncol=2,
              title=r"theory, $\eta\to 0$ (points joined); k = 3: no escape below "
              r"$m_0 \approx 0.2$",
              title_fontsize=7)
    bx.set_title("(b) escape time; SGD at the panel-(a) D", fontsize=9, loc="left")
    fig.tight_layout()
    numbers["files"] = save(fig, out_dir, NAME)
    return numbers


def _escape_at(k, m0, lr, tau=None):
    """tau_esc of the theory at learning rate ``lr`` (NaN: no escape by ``tau``, default 4x the
    eta -> 0 horizon up to 500, or a blow-up)."""
    from odedyn.errors import NumericalError
    import warnings
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tau = min(4 * tau_guess(k, m0), 500.0) if tau is None else tau
            return theory_escape(single_index(k, m0, lr, tau / lr), n=200) * lr
    except NumericalError:
        return np.nan


def _sgd_numbers(esc, lr):
    return {"tau_esc_mean": esc["mean"] * lr, "tau_esc_sem": esc["sem"] * lr,
            "escaped": esc["escaped"], "seeds": esc["seeds"]}


if __name__ == "__main__":
    figure_main(make)
