"""Start-up benchmark: prints a table.

    python benchmarks/startup.py [--repeats N]

The floor is a bare interpreter that imports what any theory run needs (numpy, numba and
scipy.integrate); against it, a warm ``odedyn integrate`` (kernels already in numba's cache) of
each family's tiny CONFIG, and the stages of its start-up as the CLI reports them (``timing`` in
--json). Medians of N runs of each, interleaved (the machine may be shared): wall seconds, and
the CPU seconds (user + system) of the process, steadier than wall time on a shared machine.

A second reference, the numba floor: the import floor and one trivial function loaded from
numba's cache. The first cached function a process loads makes numba set up its compiler's
context (its registries of typing and lowering, several dozen modules): every family whose
kernels are numba functions pays it, whatever those kernels are.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

FLOOR = "import numpy, numba, scipy.integrate"
NUMBA_FLOOR = FLOOR + """
@numba.njit(cache=True)
def one(x):
    return x + 1.0
one(1.0)
"""


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wall(cmd):
    """(wall seconds, CPU seconds, stdout) of one run of ``cmd``."""
    c0, t0 = children_cpu(), time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, children_cpu() - c0, out.stdout


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args(argv)
    from odedyn import families
    kinds = families.kinds()
    folder = tempfile.mkdtemp(prefix="odedyn-startup-")
    configs = {}
    for kind in kinds:
        path = os.path.join(folder, kind + ".toml")
        with open(path, "w") as fh:
            fh.write(families.family(kind).tiny_config)
        configs[kind] = path
        wall([sys.executable, "-m", "odedyn", "integrate", path])  # warm numba's cache
    numba_script = os.path.join(folder, "numba_floor.py")  # numba caches only from a file
    with open(numba_script, "w") as fh:
        fh.write(NUMBA_FLOOR)
    wall([sys.executable, numba_script])
    floor, numba_floor, runs = [], [], {k: [] for k in kinds}
    for _ in range(args.repeats):
        floor.append(wall([sys.executable, "-c", FLOOR])[:2])
        numba_floor.append(wall([sys.executable, numba_script])[:2])
        for kind, path in configs.items():
            seconds, cpu, out = wall([sys.executable, "-m", "odedyn", "integrate", path,
                                      "--json"])
            runs[kind].append((seconds, cpu, json.loads(out)["timing"]))
    base = statistics.median(s for s, _ in floor)
    base_cpu = statistics.median(c for _, c in floor)
    print("import floor (%s): %.3f s wall, %.3f s CPU (medians of %d)"
          % (FLOOR, base, base_cpu, args.repeats))
    print("%-26s %9s %9s %7s %8s %9s %10s %10s %10s %10s" % (
        "odedyn integrate (warm)", "wall [s]", "- floor", "ratio", "CPU [s]", "- floor",
        "imports", "config", "kernels", "integrate"))
    nf = (statistics.median(s for s, _ in numba_floor),
          statistics.median(c for _, c in numba_floor))
    print("%-26s %9.3f %9.3f %7.2f %8.3f %9.3f" % (
        "(numba floor: 1 function)", nf[0], nf[0] - base, nf[0] / base, nf[1], nf[1] - base_cpu))
    for kind, rows in runs.items():
        total = statistics.median(s for s, _, _ in rows)
        cpu = statistics.median(c for _, c, _ in rows)
        stages = {key: statistics.median(t.get("startup", {}).get(key, float("nan"))
                                         for _, _, t in rows)
                  for key in ("imports_s", "config_s", "kernels_s")}
        integ = statistics.median(t["integrate_s"] for _, _, t in rows)
        print("%-26s %9.3f %9.3f %7.2f %8.3f %9.3f %10.3f %10.3f %10.3f %10.3f" % (
            kind, total, total - base, total / base, cpu, cpu - base_cpu, stages["imports_s"],
            stages["config_s"], stages["kernels_s"], integ))


if __name__ == "__main__":
    main()
