"""Start-up benchmark: prints a table.

    python benchmarks/startup.py [--repeats N]

The floor is a bare interpreter that imports what any theory run needs (numpy, numba and
scipy.integrate); against it, a warm ``odedyn integrate`` (kernels already in numba's cache) of
each family's tiny CONFIG, and the stages of its start-up as the CLI reports them (``timing`` in
--json). Medians of N runs of each, interleaved (the machine may be shared), wall seconds.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

FLOOR = "import numpy, numba, scipy.integrate"


def wall(cmd):
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, out.stdout


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
    floor, runs = [], {k: [] for k in kinds}
    for _ in range(args.repeats):
        floor.append(wall([sys.executable, "-c", FLOOR])[0])
        for kind, path in configs.items():
            seconds, out = wall([sys.executable, "-m", "odedyn", "integrate", path, "--json"])
            runs[kind].append((seconds, json.loads(out)["timing"]))
    base = statistics.median(floor)
    print("import floor (%s): %.3f s (median of %d)" % (FLOOR, base, args.repeats))
    print("%-26s %9s %9s %7s %10s %10s %10s %10s" % (
        "odedyn integrate (warm)", "wall [s]", "- floor", "ratio", "imports", "config",
        "kernels", "integrate"))
    for kind, rows in runs.items():
        total = statistics.median(s for s, _ in rows)
        stages = {key: statistics.median(t.get("startup", {}).get(key, float("nan"))
                                         for _, t in rows)
                  for key in ("imports_s", "config_s", "kernels_s")}
        integ = statistics.median(t["integrate_s"] for _, t in rows)
        print("%-26s %9.3f %9.3f %7.2f %10.3f %10.3f %10.3f %10.3f" % (
            kind, total, total - base, total / base, stages["imports_s"], stages["config_s"],
            stages["kernels_s"], integ))


if __name__ == "__main__":
    main()
