"""Data sets of real inputs, shared by the families that train on them. Owns: reading one
shipped with an installed package (scikit-learn's digits) or a standard download the user
already has (CIFAR-10 in grey scale, MNIST / Fashion-MNIST idx files), as rows; nothing is
downloaded."""
import numpy as np

from .errors import ConfigError


DATASETS = {
    "digits": "scikit-learn's 8x8 handwritten digits (1797 x 64), shipped with the package",
    "cifar10:PATH": "CIFAR-10 in grey scale (N x 1024) from the python-format batches (a "
                    "data_batch_* file or the cifar-10-batches-py folder) the user already has",
    "fashion-mnist:PATH": "Fashion-MNIST (N x 784) from an idx3-ubyte image file (.gz or not)",
}


def load_dataset(name):
    """Rows of a data set: one shipped with an installed package, or a standard download the
    user already has, given by path. Nothing is downloaded."""
    kind, _, path = name.partition(":")
    if kind == "digits" and not path:
        try:
            from sklearn.datasets import load_digits
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ConfigError("data.dataset", name, "needs scikit-learn (pip install scikit-learn)") from exc
        return load_digits().data.astype(float)
    if kind in ("cifar10", "fashion-mnist") and path:
        import os
        if not os.path.exists(path):
            raise ConfigError("data.dataset", name, "file not found: %s" % path)
        try:
            return read_cifar10_grey(path) if kind == "cifar10" else read_idx_images(path)
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError("data.dataset", name, "cannot read it: %s" % exc) from exc
    raise ConfigError("data.dataset", name, "unknown data set; known: %s, or a path to a .npy "
                      "file of rows" % ", ".join(DATASETS))


def read_cifar10_grey(path):
    """CIFAR-10 python batches (pickled dicts with b'data', N x 3072 uint8, channel-major) to grey
    scale rows (N x 1024) with the luminance weights 0.299 R + 0.587 G + 0.114 B."""
    import os
    import pickle
    files = sorted(os.path.join(path, f) for f in os.listdir(path)
                   if f.startswith("data_batch")) if os.path.isdir(path) else [path]
    if not files:
        raise ValueError("no data_batch_* file in %s" % path)
    rows = []
    for f in files:
        with open(f, "rb") as fh:
            batch = pickle.load(fh, encoding="bytes")
        data = np.asarray(batch[b"data"], dtype=float).reshape(-1, 3, 1024)
        rows.append(0.299 * data[:, 0] + 0.587 * data[:, 1] + 0.114 * data[:, 2])
    return np.concatenate(rows)


def read_idx_images(path):
    """Images from an idx3-ubyte file (MNIST / Fashion-MNIST format, optionally gzipped) as
    rows (N x rows*cols)."""
    import gzip
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    magic, n, rows, cols = np.frombuffer(raw[:16], dtype=">u4")
    if magic != 2051:
        raise ValueError("not an idx3-ubyte image file (magic %d)" % magic)
    return np.frombuffer(raw[16:], dtype=np.uint8, count=n * rows * cols).reshape(n, rows * cols).astype(float)
