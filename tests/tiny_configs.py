"""A tiny CONFIG for every model kind (runs in a second or two once compiled), for tests that go
over all kinds: the JSON shape, start-up timing, the fuzz test. A kind added to
odedyn.config.KINDS without an entry here fails test_every_kind_has_a_tiny_config."""
TINY = {
    "autoencoder": """
[model]
kind = "autoencoder"
activation = "erf"
K = 2
[data]
D = 60
spectrum = "spiked"
spikes = [0.7, 0.25]
bulk = 0.03
[training]
lr = 1.0
t_max = 0.5
[init]
std = 0.3
seed = 0
[output]
n_times = 4
""",
    "sign-autoencoder": """
[model]
kind = "sign-autoencoder"
d = 12
r = 0.5
[data]
source = "gaussian"
[training]
t_max = 2.0
[init]
seed = 0
[output]
n_times = 4
""",
    "group-sparse-autoencoder": """
[model]
kind = "group-sparse-autoencoder"
threshold = 0.5
[data]
n = 20
groups = 4
group_size = 2
active_groups = 1
noise = 0.05
[training]
t_max = 0.5
[init]
distance = 0.2
[theory]
amplitude_nodes = 3
[simulation]
test_samples = 200
[output]
n_times = 3
""",
    "deep-autoencoder": """
[model]
kind = "deep-autoencoder"
encoder = [4]
bottleneck = 1
[data]
manifold = "circle"
n = 3
train = 16
test = 64
[training]
t_max = 0.5
[output]
n_times = 3
""",
    "committee": """
[model]
kind = "committee"
K = 2
activation = "erf"
[teacher]
M = 2
activation = "erf"
[data]
D = 60
[training]
lr = 1.0
t_max = 0.5
[init]
std = 0.1
seed = 0
[output]
n_times = 3
""",
}
