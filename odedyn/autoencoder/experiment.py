"""A shallow-autoencoder experiment: model + spectrum + initial network + times, as a CONFIG
describes it (see the README and examples/). Owns: building it from a CONFIG,
and running its theory curve, its SGD simulations and their comparison from the same network.
"""
from dataclasses import dataclass, field

import numpy as np

from ..config import Section, check_sections, derive, load_network, output_times_from, solver_from
from ..datasets import load_dataset
from ..errors import ConfigError, NumericalError
from ..experiment import Experiment as BaseExperiment
from ..integrate import Dopri5
from . import kernels, spectra, theory
from .model import Autoencoder
from .simulate import empirical_error, measure, population_error, sgd_steps


TINY = """
model = {kind = "autoencoder", activation = "erf", K = 2}
data = {D = 60, spectrum = "spiked", spikes = [0.7, 0.25], bulk = 0.03}
training = {lr = 1.0, t_max = 0.5}
init = {std = 0.3, seed = 0}
output = {n_times = 4}
"""


@dataclass
class Experiment(BaseExperiment):
    model: Autoencoder
    spectrum: spectra.Spectrum
    W0: np.ndarray
    V0: np.ndarray
    b0: np.ndarray
    t_max: float
    times: np.ndarray
    bins: int = None
    solver: object = None
    config: dict = field(default_factory=dict)
    init_seed: int = None
    init_std: float = None
    train_on_data: bool = False

    kind = "autoencoder"
    size_key = "data.D"
    size_help = "input dimension D (spiked spectra)"
    tiny_config = TINY
    weight_arrays = {"W": "W0", "V": "V0", "b": "b0"}
    default_solver = Dopri5()
    error_name = "error"
    error_label = "reconstruction error"
    order_parameter_names = ("Q", "R", "T", "T0", "b")

    @classmethod
    def from_config(cls, cfg, base_dir="."):
        """Build an Experiment from a parsed CONFIG (see interface.md)."""
        return _build(cls, cfg, base_dir)

    @property
    def D(self):
        return self.spectrum.D

    def grouping(self):
        return self.spectrum.grouping(self.bins)

    def memory_estimate(self):
        """The right-hand side's workspace (11 K^2 + 7 K floats) times the solver's ~16 copies
        (stages, error estimate, state, output)."""
        K = self.model.K
        return 8 * 16 * (11 * K * K + 7 * K), "model.K"

    def initial_state(self, grouping=None):
        """The macroscopic state of the initial network (the public weights -> order map)."""
        return self.model.order_parameters(self.W0, self.V0, self.b0, grouping or self.grouping())

    def saved_arrays(self):
        """The initial network (initial_NAME) and the spectrum."""
        return super().saved_arrays() | {"eigenvalues": self.spectrum.eigenvalues}

    # ------------------------------------------------------------ theory
    def prepare(self):
        self.theory_curve([0.0, 1e-9], progress=False)

    def theory_curve(self, times, progress=True):
        grouping = self.grouping()
        traj = theory.integrate(self.model, self.initial_state(grouping), grouping, times,
                                self.solver, progress)
        traj.meta["diagnostics"]["binning_error"] = grouping.binning_error
        return traj

    def theory_flow(self, traj):
        return theory.equations(self.model, self.grouping())[0], traj.arrays["state"]

    # ------------------------------------------------------------ simulation companion
    def _sim_constants(self):
        """What every seed's SGD shares: grouping, spectrum, data rows and kernel arguments."""
        grouping = self.grouping()
        m = self.model
        return {"labels": grouping.labels, "ngroups": grouping.size,
                "rho": self.spectrum.eigenvalues, "sqrt_rho": np.sqrt(self.spectrum.eigenvalues),
                "data": self.spectrum.data if self.train_on_data else np.zeros((0, self.D)),
                "total": self.spectrum.total_error(),
                "args": (float(m.lr_encoder), float(m.lr_decoder),
                         kernels.ACTIVATIONS[m.activation], m.tied, m.train_bias,
                         m.rule == "truncated")}

    def sim_start(self, seed):
        """Online SGD from the initial network; the seed sets the samples (and the order of the
        data rows when training on data)."""
        c = self._sim_constants()
        rng = np.random.default_rng([1000003 * (self.init_seed or 0) + 17, seed])
        return {"W": self.W0.copy(), "V": self.V0.copy(), "b": self.b0.copy(), "rng": rng,
                "order": rng.permutation(max(len(c["data"]), 1)).astype(np.int64),
                "cursor": np.zeros(1, dtype=np.int64), "steps": 0, "seed": seed} | c

    def sim_advance(self, s, n):
        if not sgd_steps(s["W"], s["V"], s["b"], s["sqrt_rho"], s["data"], s["order"],
                         s["cursor"], s["rng"], n, *s["args"]):
            raise NumericalError(s["steps"] / self.D, "SGD blew up (seed %d)" % s["seed"])
        s["steps"] += n

    def sim_measure(self, s):
        W, V, b = s["W"], s["V"], s["b"]
        Q, R, T, T0, q, r, t = measure(W, V, s["rho"], s["labels"], s["ngroups"])
        error = (empirical_error(W, V, b, s["data"], s["args"][2]) if len(s["data"])
                 else population_error(self.model, s["total"], Q, R, T0, b))
        return {"error": error, "Q": Q, "R": R, "T": T, "T0": T0, "b": b.copy(),
                "q_groups": q, "r_groups": r, "t_groups": t}


def _build(cls, cfg, base_dir):
    check_sections(cfg, {"model", "data", "training", "init", "output", "solver", "simulation"})
    ms = Section(cfg, "model")
    ms.string("kind", "autoencoder")
    ts = Section(cfg, "training")
    lr = ts.number("lr", 1.0, positive=True)
    tied = ms.boolean("tied", False)
    model = Autoencoder(K=ms.integer("K"), activation=ms.string("activation", "erf"),
                        tied=tied, train_bias=ms.boolean("train_bias", False),
                        rule=ms.string("rule", "vanilla"),
                        lr_encoder=ts.number("lr_encoder", lr, positive=True),
                        lr_decoder=ts.number("lr_decoder", lr, positive=True))
    ms.close()
    t_max = ts.number("t_max", positive=True)
    ts.close()
    spectrum, train_on_data, bins = _spectrum(Section(cfg, "data"), base_dir)
    init_seed, init_std, (W, V, b) = _initial_network(Section(cfg, "init"), base_dir, model,
                                                      spectrum.D)
    sim = Section(cfg, "simulation", required=False)
    if sim.has("data"):
        train_on_data = sim.string("data", choices=("gaussian", "rows")) == "rows"
        if train_on_data and spectrum.data is None:
            raise ConfigError("simulation.data", "rows", "needs data.spectrum = \"dataset\"")
    sim.close()
    return cls(model, spectrum, W, V, b, t_max, output_times_from(cfg, t_max, 60), bins,
               solver_from(cfg, default=cls.default_solver), init_seed=init_seed,
               init_std=init_std, train_on_data=train_on_data)


def _spectrum(ds, base_dir):
    kind = ds.string("spectrum", "spiked", ("spiked", "eigenvalues", "dataset"))
    bins = ds.integer("bins", None, minimum=1)
    train_on_data = False
    if kind == "spiked":
        spec = spectra.spiked(ds.integer("D", minimum=1), ds.numbers("spikes"),
                              ds.number("bulk", nonnegative=True))
    elif kind == "eigenvalues":
        raw = ds.raw("eigenvalues")
        if isinstance(raw, str):
            path = ds.path("eigenvalues", base_dir)
            try:
                ev = np.load(path)
            except Exception as exc:
                raise ConfigError("data.eigenvalues", raw, "cannot read .npy: %s" % exc) from exc
        else:
            ev = np.asarray(ds.numbers("eigenvalues"))
        spec = spectra.Spectrum(ev, "eigenvalues")
        D = ds.integer("D", None, minimum=1)
        if D is not None and D != spec.D:
            raise ConfigError("data.D", D, "an explicit spectrum fixes D = %d" % spec.D)
    else:
        name = ds.string("dataset")
        if name.endswith(".npy") and ":" not in name:
            X = np.load(ds.path("dataset", base_dir))
        else:
            X = load_dataset(name)
        spec = spectra.from_data(X, name)
        train_on_data = True
        D = ds.integer("D", None, minimum=1)
        if D is not None and D != spec.D:
            raise ConfigError("data.D", D, "a data set fixes D = %d" % spec.D)
    ds.close()
    return spec, train_on_data, bins


def _initial_network(ins, base_dir, model, D):
    if ins.has("weights"):
        arrays, _ = load_network(ins, base_dir, {"W": ("K", "D"), "V": ("K", "D"), "b": ("K",)},
                                 {"K": model.K, "D": D}, optional=("V", "b"))
        ins.close()
        return None, None, model.check_weights(arrays["W"], arrays.get("V"), arrays.get("b"), D)
    std = ins.number("std", nonnegative=True)
    seed = ins.integer("seed", 0, minimum=0)
    ins.close()
    return seed, std, model.random_weights(D, std, seed)


DEFAULTS = {
    "model": {"kind": "autoencoder", "activation": "erf", "K": 2},
    "data": {"D": 1000, "spectrum": "spiked", "spikes": [0.7, 0.25], "bulk": 0.03},
    "training": {"lr": 1.0, "t_max": 40.0},
    "init": {"std": 0.3, "seed": 0},
}


def configure(**sections):
    """An Experiment from DEFAULTS updated section by section, e.g.
    configure(model={"K": 3}, data={"spikes": [0.6, 0.2, 0.07]}, training={"t_max": 300.0})."""
    return derive(DEFAULTS, **sections)


def pca_errors(spectrum, K):
    """Errors of the best linear reconstruction with 0, 1, ..., K principal components."""
    ev = np.sort(spectrum.eigenvalues)[::-1]
    return [float((ev.sum() - ev[:k].sum()) / (2 * spectrum.D)) for k in range(K + 1)]


def decoder_overlaps(traj, directions):
    """|cos(v_k, u_tau)| = sqrt(t_kk(tau) / T0_kk) for the groups ``directions`` (each a single
    eigendirection, e.g. the spikes): array (len(t), K, len(directions))."""
    t = np.asarray(traj["t_groups"])[:, directions]          # (nt, n, K, K)
    diag = np.diagonal(t, axis1=2, axis2=3)                  # (nt, n, K)
    T0 = np.diagonal(np.asarray(traj["T0"]), axis1=1, axis2=2)  # (nt, K)
    return np.sqrt(np.clip(diag / T0[:, None, :], 0, None)).transpose(0, 2, 1)
