"""The finite-size band against SGD at several D (issue 21): the predicted seed-to-seed standard
deviation of the error times sqrt(D) and its predicted O(1/D) bias times D (odedyn.fluctuations)
as lines, one per D, against the same quantities measured over SGD runs (markers). Rows: the erf
committee machine K = M = 2 with both layers trained (examples/committee_erf.toml) and the
shallow erf autoencoder K = 2 on the spiked spectrum of examples/erf_spiked.toml.

Every D starts from the same order parameters, so that the rescaled curves can collapse: the
committee's student and teacher are rows on an orthonormal D-frame with exactly the (Q, R, T, v)
of the example's own network at D = 1000; the autoencoder keeps that network's spike columns and
gets bulk columns with the same Gram matrix per bulk direction. Theory and SGD start from that
network at each D. The predictions are drawn only where the expansion is ``valid``; a dotted
vertical line marks the last valid time of each D where it ends before t_max (the committee's
plateau escape, whose timing the noise sets).

Statistics at each output time over the n runs of one D: measured std s with the sampling error
of a standard deviation s / sqrt(2 (n - 1)) (bars); measured mean deviation (mean - theory) x D
with its standard error s / sqrt(n) x D (bars). The numbers returned compare them with the
prediction: z_std = |s - std| / se_std with se_std = (std / 2) sqrt(2 / (n - 1) + k / n) (the
sampling error of a standard deviation at the predicted std, k the runs' excess kurtosis: the
first steps' increments are far from Gaussian), z_bias = |mean - theory - bias| / (s / sqrt n),
both maxima over the valid output times after t = 0; and the collapse: at a few times valid for
every D, (max - min) / mean over D of the predicted std x sqrt(D) (and of bias x D). Markers of
different D are shifted slightly along t so that their bars do not hide one another."""
import math
import warnings
from dataclasses import replace

import numpy as np
from scipy.stats import kurtosis

from odedyn.autoencoder.experiment import configure as autoencoder_configure
from odedyn.committee import configure as committee_configure
from odedyn.figures import figure_main
from odedyn.fluctuations import of
from odedyn.plotting import COLORS, plt, save, simulation_points, theory_line, time_axis, title

NAME = "finite-size-band"
DESCRIPTION = "predicted std x sqrt(D) and bias x D of the error against SGD at four D"
#: the reference network of both families is the example's own at this D
REFERENCE_D = 1000
#: how many times (valid for every D) the collapse is measured at
COLLAPSE_TIMES = 4


def committee(D, t_max, n_times):
    """examples/committee_erf.toml at D, from exactly the order parameters of its own network
    at REFERENCE_D."""
    def at(D_):
        return committee_configure(
            model={"K": 2, "activation": "erf", "train_second_layer": True},
            teacher={"M": 2, "activation": "erf", "second_layer": [1.0, 1.0]},
            data={"D": D_, "noise": 0.0}, training={"lr": 1.0, "t_max": t_max},
            init={"std": 0.1, "seed": 0, "teacher_seed": 0},
            output={"n_times": n_times, "t_first": 0.1})
    Q, R, T, v = at(REFERENCE_D).initial_order_parameters()
    exp = at(D)
    K = len(Q)
    L = np.linalg.cholesky(np.block([[Q, R], [R.T, T]]))
    U = np.linalg.qr(np.random.default_rng(0).standard_normal((D, len(L))))[0]
    rows = math.sqrt(D) * L @ U.T
    return replace(exp, W0=rows[:K], W_teacher=rows[K:], v0=np.asarray(v, float))


def autoencoder(D, t_max, n_times):
    """examples/erf_spiked.toml at D: the spike columns of its network at REFERENCE_D and bulk
    columns whose Gram matrix per bulk direction is that network's."""
    def at(D_):
        return autoencoder_configure(data={"D": D_}, training={"t_max": t_max},
                                     output={"n_times": n_times, "t_first": 0.1})
    ref, exp = at(REFERENCE_D), at(D)
    s, K = len(exp.config["data"]["spikes"]), exp.model.K
    bulk = np.vstack([ref.W0[:, s:], ref.V0[:, s:]])          # 2K x (REFERENCE_D - s)
    G = bulk @ bulk.T / bulk.shape[1]
    U = np.linalg.qr(np.random.default_rng(0).standard_normal((D - s, 2 * K)))[0]
    rows = math.sqrt(D - s) * np.linalg.cholesky(G) @ U.T
    W = np.hstack([ref.W0[:, :s], rows[:K]])
    V = np.hstack([ref.V0[:, :s], rows[K:]])
    return replace(exp, W0=W, V0=V)


FAMILIES = (("committee", committee, "committee machine, erf, K = M = 2, both layers trained",
             dict(K=2, M=2, activation="erf", lr=1.0)),
            ("autoencoder", autoencoder, "autoencoder, erf, K = 2, spiked spectrum",
             dict(K=2, activation="erf", lr=1.0)))


def measure(exp, seeds):
    """Theory, predicted band and SGD runs of ``exp`` at its step grid, and the statistics."""
    exp = replace(exp, times=exp.snap_times(exp.times))
    th = exp.integrate(progress=False)
    fl = of(exp)
    sim = exp.simulate(seeds=seeds, progress=False)
    curves = np.asarray(sim["error_seeds"], float)                # seeds x times
    n = curves.shape[0]
    D = exp.D
    sd = curves.std(0, ddof=1)
    dev = curves.mean(0) - th["error"]
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)       # t = 0: no spread yet
        # negative sample kurtosis of a few runs is mostly noise: the Gaussian value is the floor
        k = np.clip(np.nan_to_num(kurtosis(curves, axis=0)), 0.0, None)
        se_std = fl["error_std"] / 2 * np.sqrt(2 / (n - 1) + k / n)
        z_std = np.abs(sd - fl["error_std"]) / se_std
        z_gauss = np.abs(sd - fl["error_std"]) / (fl["error_std"] / math.sqrt(2 * (n - 1)))
        z_bias = np.abs(dev - fl["error_bias"]) / (sd / math.sqrt(n))
    valid = np.asarray(fl["valid"], bool)
    keep = valid & (exp.times > 0)
    last = float(exp.times[valid][-1])
    return {"exp": exp, "t": exp.times, "D": D, "n": n, "valid": valid, "keep": keep,
            "std": fl["error_std"], "bias": fl["error_bias"], "sd": sd, "dev": dev,
            "numbers": {"seeds": n, "last_valid_t": last, "t_max": float(exp.times[-1]),
                        "valid_times": int(keep.sum()),
                        "max_z_std": float(np.max(z_std[keep])),
                        "max_z_bias": float(np.max(z_bias[keep])),
                        "max_z_std_gaussian": float(np.max(z_gauss[keep])),
                        "simulate_s": float(sim.meta.get("simulate_s", np.nan))}}


def collapse(runs):
    """(max - min) / mean over D of std x sqrt(D) and of bias x D at COLLAPSE_TIMES times
    spread over those valid (after 0) at every D."""
    common = np.logical_and.reduce([r["keep"] for r in runs])
    idx = np.flatnonzero(common)
    pick = idx[np.unique(np.round(np.linspace(0, len(idx) - 1, COLLAPSE_TIMES)).astype(int))]
    std = np.array([r["std"][pick] * math.sqrt(r["D"]) for r in runs])
    bias = np.array([r["bias"][pick] * r["D"] for r in runs])
    measured = np.array([r["sd"][pick] * math.sqrt(r["D"]) for r in runs])
    spread = lambda x: (x.max(0) - x.min(0)) / np.abs(x.mean(0))
    return {"times": runs[0]["t"][pick], "std_spread": spread(std), "bias_spread": spread(bias),
            "max_std_spread": float(spread(std).max()),
            "max_bias_spread": float(spread(bias).max()),
            # the runs' std x sqrt(D) at those times, and its relative sampling error
            "measured_std_spread": spread(measured),
            "max_measured_std_spread": float(spread(measured).max()),
            "relative_sampling_error": 1.0 / math.sqrt(2 * (runs[0]["n"] - 1))}


#: line width and dashes per D (the predicted curves coincide: each shows through the next)
LINES = ((3.2, "-"), (2.2, (0, (6, 2))), (1.4, (0, (3, 2))), (0.9, "-"))


def draw(axes, runs, label):
    ax_s, ax_b = axes
    for a in axes:
        time_axis(a)
    nD = len(runs)
    for i, r in enumerate(runs):
        c, D, n, t = COLORS[i], r["D"], r["n"], r["t"]
        shift = 1.0 + 0.06 * (i - (nD - 1) / 2)          # markers only: legibility
        std = np.where(r["valid"], r["std"], np.nan)
        bias = np.where(r["valid"], r["bias"], np.nan)
        lw, ls = LINES[i % len(LINES)]
        theory_line(ax_s, t, std * math.sqrt(D), c, "D = %d" % D, lw=lw, ls=ls, alpha=0.85)
        theory_line(ax_b, t, bias * D, c, "D = %d" % D, lw=lw, ls=ls, alpha=0.85)
        simulation_points(ax_s, t * shift, r["sd"] * math.sqrt(D),
                          r["sd"] * math.sqrt(D) / math.sqrt(2 * (n - 1)), c, ms=3)
        simulation_points(ax_b, t * shift, r["dev"] * D, r["sd"] / math.sqrt(n) * D, c, ms=3)
        if r["numbers"]["last_valid_t"] < r["numbers"]["t_max"]:
            for a in axes:
                a.axvline(r["numbers"]["last_valid_t"], color=c, ls=":", lw=1.2)
    ax_s.set_ylabel(r"std of $\epsilon_g$ $\times\sqrt{D}$" if label == "committee"
                    else r"std of error $\times\sqrt{D}$")
    ax_b.set_ylabel(r"bias of $\epsilon_g$ $\times D$" if label == "committee"
                    else r"bias of error $\times D$")
    ax_b.axhline(0.0, color="0.5", lw=0.8)
    ax_s.set_yscale("log")


def make(out_dir, quick=False):
    Ds, seeds = ([250, 1000], 16) if quick else ([250, 500, 1000, 2000], 64)
    setups = {"committee": (40.0 if quick else 80.0, 18 if quick else 28),
              "autoencoder": (20.0 if quick else 40.0, 18 if quick else 28)}
    numbers = {"D": Ds, "seeds": seeds}
    fig, axes = plt.subplots(2, 2, figsize=(9.6, 7.4))
    for row, (key, build, what, params) in enumerate(FAMILIES):
        t_max, n_times = setups[key]
        runs = [measure(build(D, t_max, n_times), seeds) for D in Ds]
        draw(axes[row], runs, key)
        numbers[key] = {"D=%d" % r["D"]: r["numbers"] for r in runs} | {
            "collapse": collapse(runs), "t_max": t_max}
        ax_s, ax_b = axes[row]
        ax_s.set_title("(%s) %s" % ("ac"[row], what), fontsize=9, loc="left")
        ax_b.set_title("(%s) bias; markers: (mean of runs - theory) x D, bars: s.e. x D"
                       % "bd"[row], fontsize=8, loc="left")
        broken = [r for r in runs if r["numbers"]["last_valid_t"] < r["numbers"]["t_max"]]
        note = ("stop at the last valid time (dotted),\nas the plateau's unstable mode grows"
                if broken else "valid up to t = %g at every D" % t_max)
        std_all = np.concatenate([np.where(r["valid"], r["std"], np.nan)[1:] * math.sqrt(r["D"])
                                  for r in runs])
        lo, hi = np.nanmin(std_all), np.nanmax(std_all)
        # room for the legend (below the committee's curves, above the autoencoder's); past an
        # escape the measured spread is O(1) and leaves the panel
        ax_s.set_ylim(*((lo / 12, hi * 2.5) if broken else (lo / 1.8, hi * 6)))
        lo = min(np.nanmin(np.where(r["valid"], r["bias"], np.nan)) * r["D"] for r in runs)
        hi = max(np.nanmax(np.where(r["valid"], r["bias"], np.nan)) * r["D"] for r in runs)
        pad = max(hi - lo, 0.05)
        ax_b.set_ylim(lo - 1.5 * pad, hi + 1.5 * pad)
        ax_s.legend(fontsize=7, ncol=2, title="lines: prediction, %s\nmarkers: std over %d SGD "
                    "runs, bars: its sampling error" % (note, seeds), title_fontsize=7,
                    loc="lower left" if broken else "upper left")
    title(fig, "Finite-size band of online SGD: spread x sqrt(D) and bias x D collapse",
          lr=1.0)
    fig.tight_layout()
    numbers["files"] = save(fig, out_dir, NAME)
    return numbers


if __name__ == "__main__":
    figure_main(make)
