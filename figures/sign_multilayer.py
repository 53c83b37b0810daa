"""The multi-layer decoder of the one-bit autoencoder (seed 000): vector AMP for y = sign(B x)
with a Haar row-orthonormal encoder (odedyn/onebit/amp.py). (a)-(d): the risk after each layer on
Bernoulli-Gaussian data, p in {0.1, 0.3} x r in {0.25, 0.5}; lines: state evolution
(odedyn/onebit/state_evolution.py); markers: the decoder run at finite d on fresh samples, a fresh
Haar encoder per chunk of samples; references: the linear decoder 1 - 2r/pi and the single
denoiser (= layer 1, its scalar MMSE). (e): the finite-size gap, simulated risk minus state
evolution, against d at p = 0.1, r = 0.5, after layer 1 (the single denoiser) and after the last
layer, with the fitted power law c d^-a.

Standard errors use the two control covariates of amp.layer_risks (|x|^2/d - 1 and the fraction
of non-zero entries minus p, both of known mean zero); the improvement of the last layer over
the single denoiser is a paired difference on the same samples.
"""
import numpy as np
from matplotlib.ticker import NullFormatter
from scipy.optimize import curve_fit

from odedyn.figures import figure_main
from odedyn.onebit.amp import controlled_mean, layer_risks
from odedyn.onebit.denoiser import haar_rows
from odedyn.onebit.sources import Source
from odedyn.onebit.state_evolution import state_evolution
from odedyn.plotting import COLORS, plt, save, simulation_points

NAME = "sign-multilayer"
DESCRIPTION = "one-bit AE: multi-layer (vector AMP) decoder, risk per layer vs state evolution"
SPARSITIES = (0.1, 0.3)
RATES = (0.25, 0.5)
LAYERS = 8
GAP_POINT = (0.1, 0.5)
CHUNK = 500


def simulate(p, r, d, samples, layers, seed):
    """Risk per layer on fresh samples, a fresh Haar encoder per chunk: (mean, se, improvement of
    the last layer over layer 1 and its se, mean noise variance per layer)."""
    source = Source("bernoulli-gaussian", p)
    n = int(round(r * d))
    risks, noise, controls = layer_risks(lambda k: haar_rows(n, d, seed=[seed, d, k]), source,
                                         np.random.default_rng([seed, d, 17]), layers,
                                         samples=samples, chunk=CHUNK)
    mean, se = controlled_mean(risks, controls)
    gain, gain_se = controlled_mean((risks[:, 0] - risks[:, -1])[:, None], controls)
    return mean, se, gain[0], gain_se[0], noise.mean(axis=0)


def power_law(d, gap, se):
    """Weighted fit gap = c d^-a: (c, a, se of c, se of a)."""
    (c, a), cov = curve_fit(lambda x, c, a: c * x ** -a, d, gap, p0=(gap[0] * d[0], 1.0),
                            sigma=se, absolute_sigma=True)
    return c, a, np.sqrt(cov[0, 0]), np.sqrt(cov[1, 1])


def make(out_dir, quick=False):
    d, samples, depth = (500, 1000, 6) if quick else (1000, 4000, LAYERS)
    scan = ({500: 4000, 2000: 2000} if quick else {500: 8000, 1000: 4000, 2000: 2000, 4000: 1000})
    layers = np.arange(1, depth + 1)
    fig = plt.figure(figsize=(11, 6.2))
    grid = fig.add_gridspec(2, 3, width_ratios=(1, 1, 1.15))
    out = {"d": d, "samples": samples, "layers": layers.tolist(), "risk_by_layer": {},
           "risk_se_by_layer": {}, "state_evolution_by_layer": {}, "one_denoiser": {},
           "linear": {}, "improvement": {}, "improvement_se": {}}
    for k, (p, r) in enumerate((p, r) for p in SPARSITIES for r in RATES):
        key = "p=%g,r=%g" % (p, r)
        se_theory = state_evolution(Source("bernoulli-gaussian", p), r, depth)["risk"]
        mean, se, gain, gain_se, _ = simulate(p, r, d, samples, depth, seed=k)
        out["risk_by_layer"][key] = mean.tolist()
        out["risk_se_by_layer"][key] = se.tolist()
        out["state_evolution_by_layer"][key] = se_theory.tolist()
        out["one_denoiser"][key] = se_theory[0]
        out["linear"][key] = 1 - 2 * r / np.pi
        out["improvement"][key] = gain
        out["improvement_se"][key] = gain_se
        ax = fig.add_subplot(grid[k // 2, k % 2])
        ax.plot(layers, se_theory, "-", color=COLORS[0], label="state evolution")
        simulation_points(ax, layers, mean, se, COLORS[0],
                          label="decoder, d = %d (SE bars)" % d)
        ax.axhline(se_theory[0], color=COLORS[1], ls=":", lw=1.2,
                   label="single denoiser (scalar MMSE)")
        ax.set_title("(%s) p = %g, r = %g" % ("abcd"[k], p, r), fontsize=9, loc="left")
        ax.text(0.97, 0.8, "linear $1 - 2r/\\pi$ = %.3f (off scale)" % (1 - 2 * r / np.pi),
                transform=ax.transAxes, ha="right", fontsize=7.5, color="0.3")
        ax.set_xlabel("layer $t$")
        ax.set_ylabel("risk")
        ax.set_xticks(layers)
        if k == 0:
            ax.legend(fontsize=7)
    # (e) finite-size gap against d
    p, r = GAP_POINT
    se_theory = state_evolution(Source("bernoulli-gaussian", p), r, depth)["risk"]
    ds = np.array(sorted(scan))
    gaps, gap_ses = [], []
    for dd in ds:
        mean, se, _, _, _ = simulate(p, r, int(dd), scan[dd], depth, seed=100)
        gaps.append(mean - se_theory)
        gap_ses.append(se)
    gaps, gap_ses = np.array(gaps), np.array(gap_ses)
    ax = fig.add_subplot(grid[:, 2])
    out["gap_scan"] = {"p": p, "r": r, "d": ds.tolist(), "samples": [scan[dd] for dd in ds],
                       "gap": gaps.tolist(), "gap_se": gap_ses.tolist()}
    fine = np.geomspace(ds[0] * 0.8, ds[-1] * 1.25, 50)
    for j, (layer, label) in enumerate(((0, "layer 1 (single denoiser)"),
                                        (depth - 1, "layer %d" % depth))):
        g, s = gaps[:, layer], gap_ses[:, layer]
        simulation_points(ax, ds, g, s, COLORS[j + 2], label=label)
        if len(ds) > 2:
            c, a, c_se, a_se = power_law(ds.astype(float), g, s)
            out["gap_scan"]["layer%d_fit" % (layer + 1)] = {"c": c, "a": a, "c_se": c_se, "a_se": a_se}
            ax.plot(fine, c * fine ** -a, "-", color=COLORS[j + 2], lw=1,
                    label=r"fit $%.1f\, d^{-%.2f \pm %.2f}$" % (c, a, a_se))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(ds, [str(v) for v in ds])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("dimension $d$")
    ax.set_ylabel("simulated risk $-$ state evolution")
    ax.set_title("(e) finite-size gap, p = %g, r = %g" % (p, r), fontsize=9, loc="left")
    ax.legend(fontsize=7)
    fig.tight_layout()
    out["files"] = save(fig, out_dir, NAME)
    return out


if __name__ == "__main__":
    figure_main(make)
