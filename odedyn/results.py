"""Results and their provenance. Owns: ``Trajectory`` (times, named curves, metadata), its JSON
form for ``--json``, and atomic saving as ``FILE.npz`` plus a ``FILE.json`` sidecar holding the
resolved config, package versions and a hash of the generated code.
"""
import hashlib
import json
import os
import platform
import sys
import tempfile
from dataclasses import dataclass, field

import numpy as np

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


@dataclass
class Trajectory:
    """Observables at output times ``t``: ``curves[name]`` has shape (len(t), ...); ``arrays``
    holds what is not a curve but belongs to the run (e.g. the final network), saved with it;
    ``band`` the predicted finite-size band of a theory curve (odedyn.fluctuations.band), None
    unless asked for (``Experiment.integrate(fluctuations=True)``)."""

    t: np.ndarray
    curves: dict
    meta: dict = field(default_factory=dict)
    arrays: dict = field(default_factory=dict)
    band: dict = None

    def __getitem__(self, name):
        return self.curves[name]


def code_hash():
    """sha256 over the package's Python sources (generated kernels included)."""
    h = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(PACKAGE_DIR)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(root, name)
                h.update(os.path.relpath(path, PACKAGE_DIR).encode())
                with open(path, "rb") as fh:
                    h.update(fh.read())
    return h.hexdigest()


def dependencies():
    """Names of the packages odedyn requires (its install_requires, from the installed metadata;
    extras such as the test tools are left out)."""
    import re
    from importlib.metadata import PackageNotFoundError, requires
    try:
        reqs = requires("odedyn") or []
    except PackageNotFoundError:  # run from a source tree that was never installed
        reqs = []
    names = [re.match(r"[A-Za-z0-9_.-]+", r).group(0) for r in reqs if "extra ==" not in r]
    return names or ["numpy", "scipy", "sympy", "numba", "matplotlib"]


def versions():
    """Versions of Python, odedyn and every package it requires (None: not installed)."""
    from importlib.metadata import PackageNotFoundError, version
    out = {"python": platform.python_version()}
    for pkg in ["odedyn"] + dependencies():
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def provenance(config=None):
    return {"config": config, "versions": versions(), "code_hash": code_hash(),
            "argv": sys.argv, "platform": platform.platform()}


def to_jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def umask():
    """The process's file-creation mask, read without changing it (Linux /proc; elsewhere the
    set-and-restore of os.umask, which is not atomic but harmless here)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path, write):
    """Call ``write(tmp_path)`` and rename the file into place (never leave a partial file). The
    file gets the permissions the umask gives a new file (the temporary file is private)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.splitext(path)[1])
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save(path, arrays, sidecar):
    """Write ``arrays`` to ``path`` (.npz) and ``sidecar`` to the .json beside it, atomically."""
    if not path.endswith(".npz"):
        path += ".npz"
    json_path = path[:-4] + ".json"
    text = json.dumps(to_jsonable(sidecar), indent=1)

    def write_npz(tmp):
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)

    def write_json(tmp):
        with open(tmp, "w") as fh:
            fh.write(text)

    atomic_write(path, write_npz)
    atomic_write(json_path, write_json)
    return path, json_path
