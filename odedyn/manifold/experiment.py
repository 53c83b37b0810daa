"""A deep-autoencoder experiment (kind "deep-autoencoder", seed 003): a set K in R^n, a deep
autoencoder with a k-dimensional bottleneck, one random initial network, a training sample and
output times. Owns: building it from a CONFIG, ``integrate`` (gradient flow on the empirical
loss, scipy) and ``simulate`` (minibatch SGD from the same initial network, one run per seed),
both measured by odedyn.manifold.measure at the same times.

    [model]  kind = "deep-autoencoder", encoder = [16, 16] (hidden widths), decoder (default:
             the encoder's reversed), bottleneck = k (default: the dimension of K),
             activation = "tanh" (tanh | sigmoid | erf | gelu | sin)
    [data]   manifold = "circle" (circle | linked-circles | sphere | torus), radius = 1.0,
             major_radius = 2.0 (torus), n (ambient dimension, default the natural one; larger
             n embeds K by a random isometry from embedding_seed), noise = 0.0, train = 64,
             sampling = "random" (random | stratified: see Manifold.sample), train_seed = 0,
             test = 2048, epsilon = 0.1 (threshold of the exceptional set)
    [training] t_max, lr = 0.05 (SGD step = time per step), batch = 16
    [init]   seed = 0, std = 1.0, bias_std = 0.1, input_std = 6.0, or weights = "FILE.npz"
             (array theta: all parameters, packed as DeepAutoencoder packs them)
    [output] n_times, t_first, times
    [solver] method = "RK23" (scipy: RK23 | RK45 | DOP853 | Radau | BDF | LSODA, with rtol =
             1e-4, atol = 1e-7; or "euler": the flow's explicit Euler scheme, full-batch
             gradient descent with steps of at most ``dt`` (or ``step``) = 0.05, landing on the
             output times)
"""
from dataclasses import dataclass, field

import numpy as np

from ..config import Section, check_sections, load_network, output_times_from, solver_from
from ..errors import ConfigError
from ..experiment import Experiment as BaseExperiment
from ..integrate import SCIPY_METHODS, Scipy
from ..results import Trajectory
from .manifolds import DESIGNS, MANIFOLDS, Manifold
from .measure import OBSERVABLES, measure, measure_many
from .model import ACTIVATIONS, DeepAutoencoder
from .simulate import descend, sgd_advance, sgd_state
from .theory import gradient_flow

#: the step of method = "euler" when [solver] gives none
EULER_STEP = 0.05


TINY = """
model = {kind = "deep-autoencoder", encoder = [4], bottleneck = 1}
data = {manifold = "circle", n = 3, train = 16, test = 64}
training = {t_max = 0.5}
output = {n_times = 3}
"""


@dataclass
class Experiment(BaseExperiment):
    manifold: Manifold
    net: DeepAutoencoder
    theta0: np.ndarray
    train: np.ndarray
    t_max: float
    times: np.ndarray
    lr: float = 0.05
    batch: int = 16
    epsilon: float = 0.1
    test_size: int = 2048
    solver: object = None
    config: dict = field(default_factory=dict)
    init: dict = field(default_factory=dict)

    kind = "deep-autoencoder"
    size_key = "data.n"
    size_help = "ambient dimension n of the embedded manifold"
    tiny_config = TINY
    weight_arrays = {"theta": "theta0"}
    default_solver = Scipy("RK23", rtol=1e-4, atol=1e-7)
    large_size_limit = False   # the flow in weight space, exact for this very network
    error_name = "error"
    error_label = "mean error |f(x) - x|"
    time_label = r"time $t$ (SGD steps $\times$ learning rate)"
    order_parameter_names = ()  # the state is the weights themselves
    observable_names = OBSERVABLES[1:]

    @classmethod
    def from_config(cls, cfg, base_dir="."):
        """Build an Experiment from a parsed CONFIG (keys in the module docstring)."""
        return _build(cls, cfg, base_dir)

    @property
    def D(self):
        return self.manifold.n

    @property
    def bound(self):
        """Borsuk-Ulam lower bound on the maximal error through this bottleneck."""
        return self.manifold.borsuk_ulam_bound(self.net.bottleneck)

    def test_set(self):
        return self.manifold.test_set(self.test_size)

    @property
    def time_step(self):
        """One SGD step advances the time by the learning rate (t = lr * steps)."""
        return self.lr

    def _measure(self, thetas):
        pts, w, _ = self.test_set()
        return measure_many(self.net, thetas, pts, w, self.epsilon, self.train)

    def _meta(self):
        return {"borsuk_ulam_bound": self.bound, "radius": self.manifold.r,
                "n_parameters": self.net.n_parameters, "epsilon": self.epsilon,
                "volume": self.manifold.volume(), "D": self.D}

    def saved_arrays(self):
        return super().saved_arrays() | {"train_points": self.train}

    def prepare(self):
        """Compile (or load) the kernels of the dynamics: start-up, not integration time."""
        self.integrate(self.times[:2], progress=False)

    def theory_curve(self, times, progress=True):
        """Gradient flow d theta/dt = -grad L(theta) from theta0; the observables at ``times``,
        the parameters in its arrays (theta_at_times: at every output time; final_theta)."""
        sol = gradient_flow(self.net, self.theta0, self.train, times, self.solver, progress)
        meta = sol.record() | {"diagnostics": self._meta()}
        return Trajectory(sol.t, self._measure(sol.y), meta,
                          {"theta_at_times": sol.y, "final_theta": sol.y[-1].copy()})

    def with_init_seed(self, seed):
        """The same experiment from another random initial network (init.seed = ``seed``)."""
        if "weights" in self.init:
            raise ConfigError("init.seed", seed, "the initial network is given by init.weights")
        return self.derive({"init.seed": int(seed)})

    def descend(self, times, batch=None, seed=0, stop=None, advance=None):
        """Parameters at ``times`` (on the lr grid) of SGD with ``batch`` (None: full-batch
        gradient descent) from theta0."""
        steps = np.round(np.asarray(times) / self.lr).astype(np.int64)
        return descend(self.net, self.theta0, self.train, steps, self.lr, batch, seed, stop,
                       advance)

    # ------------------------------------------------------------ simulation companion
    def sim_start(self, seed):
        """Minibatch SGD from theta0 (the seed sets the minibatch order)."""
        return sgd_state(self.net, self.theta0, self.train, self.batch, seed) | {
            "test": self.test_set()}

    def sim_advance(self, state, n):
        sgd_advance(state, n, self.lr)

    def sim_measure(self, state):
        pts, w, _ = state["test"]
        return measure(self.net, state["theta"], pts, w, self.epsilon, self.train)

    def sim_meta(self):
        return self._meta() | {"batch": self.batch, "lr": self.lr}


def _build(cls, cfg, base_dir):
    check_sections(cfg, {"model", "data", "training", "init", "output", "solver"})
    ds = Section(cfg, "data")
    kind = ds.string("manifold", "circle", MANIFOLDS)
    n = ds.integer("n", None, minimum=1)
    manifold = Manifold(kind, ds.number("radius", 1.0, positive=True),
                        ds.number("major_radius", 2.0, positive=True), n,
                        ds.integer("embedding_seed", 0, minimum=0))
    noise = ds.number("noise", 0.0, nonnegative=True)
    m = ds.integer("train", 64, minimum=2)
    design = ds.string("sampling", "random", DESIGNS)
    train = manifold.sample(m, ds.integer("train_seed", 0, minimum=0), noise, design)
    test_size = ds.integer("test", 2048, minimum=16)
    epsilon = ds.number("epsilon", 0.1, positive=True)
    ds.close()

    ms = Section(cfg, "model")
    ms.string("kind", "deep-autoencoder")
    encoder = _widths(ms, "encoder", [16, 16])
    decoder = _widths(ms, "decoder", None)
    net = DeepAutoencoder(manifold.n, ms.integer("bottleneck", manifold.dim, minimum=1), encoder,
                          decoder, ms.string("activation", "tanh", ACTIVATIONS))
    ms.close()

    ts = Section(cfg, "training")
    t_max = ts.number("t_max", positive=True)
    lr = ts.number("lr", 0.05, positive=True)
    batch = ts.integer("batch", 16, minimum=1)
    if batch > m:
        raise ConfigError("training.batch", batch, "exceeds the training sample (data.train = %d)" % m)
    ts.close()

    ins = Section(cfg, "init", required=False)
    if ins.has("weights"):  # theta: every weight and bias, packed as DeepAutoencoder packs them
        theta0 = load_network(ins, base_dir, {"theta": ("n_parameters",)},
                              {"n_parameters": net.n_parameters},
                              exclusive=("seed", "std", "bias_std", "input_std"))[0]["theta"]
        init = {"weights": ins.raw("weights")}
    else:
        init = {"seed": ins.integer("seed", 0, minimum=0),
                "std": ins.number("std", 1.0, positive=True),
                "bias_std": ins.number("bias_std", 0.1, nonnegative=True),
                "input_std": ins.number("input_std", 6.0, positive=True)}
        theta0 = net.random_parameters(**init)
    ins.close()

    times = output_times_from(cfg, t_max, 30)
    sv = Section(cfg, "solver", required=False)
    step = sv.number("step", EULER_STEP, positive=True)  # the Euler step (dt's older name)
    solver = solver_from(sv, SCIPY_METHODS + ("euler",), cls.default_solver, compiled=False,
                         dt=step)
    exp = cls(manifold, net, theta0, train, t_max, times, lr, batch, epsilon, test_size, solver,
              init=init)
    exp.times = exp.snap_times(times)
    return exp


def _widths(section, key, default):
    raw = section.raw(key, default)
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw or not all(
            isinstance(w, int) and not isinstance(w, bool) and w >= 1 for w in raw):
        raise ConfigError(section.key(key), raw, "must be a non-empty list of positive integers")
    return tuple(raw)
