"""What a new user hits at the command line (issue 13): bad paths and files, broken pipes, file
permissions, version and help. Every case exits 0, 2 with one line, or as Unix tools do."""
import importlib
import json
import os
import signal
import subprocess
import sys

import pytest

from odedyn.cli import build_parser, main
from tiny_configs import KINDS
from test_cli import write

BASE = """
[model]
kind = "autoencoder"
activation = "erf"
K = 2

[data]
D = 100
spectrum = "spiked"
spikes = [0.7, 0.25]
bulk = 0.03

[training]
lr = 1.0
t_max = 1.0

[init]
std = 0.3
seed = 0
"""


def one_line_error(capsys, *needles):
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert captured.out == ""
    assert err.startswith("odedyn: error:") and "\n" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


# ------------------------------------------------------------ output paths, checked first
def test_compare_out_existing_file_fails_before_computing(tmp_path, capsys, monkeypatch):
    called = []  # odedyn.compare the module (the package exports a function of that name)
    monkeypatch.setattr(importlib.import_module("odedyn.compare"), "compare", lambda *a, **k: called.append(1))
    target = tmp_path / "taken"
    target.write_text("mine")
    assert main(["compare", write(tmp_path, BASE), "--seeds", "2", "--no-progress",
                 "--out", str(target)]) == 2
    one_line_error(capsys, "--out", "not a folder")
    assert not called and target.read_text() == "mine"


@pytest.mark.parametrize("command", ["integrate", "simulate"])
def test_out_file_that_is_a_folder_or_under_a_file(tmp_path, capsys, command):
    (tmp_path / "plain").write_text("x")
    cfg = write(tmp_path, BASE)
    for out, why in ((tmp_path, "is a folder"), (tmp_path / "plain" / "run.npz", "not a folder")):
        assert main([command, cfg, "--no-progress", "--seeds", "2", "--out", str(out)]
                    if command == "simulate" else [command, cfg, "--out", str(out)]) == 2
        one_line_error(capsys, "--out", why)


def test_figure_out_existing_file(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    assert main(["figure", "relu-bias", "--quick", "--out", str(tmp_path / "f")]) == 2
    one_line_error(capsys, "--out")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_out_in_read_only_folder(tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        assert main(["integrate", write(tmp_path, BASE), "--out", str(ro / "x.npz")]) == 2
        one_line_error(capsys, "--out", "not writable")
    finally:
        ro.chmod(0o700)


def test_out_where_nothing_can_be_written_fails_before_computing(tmp_path, capsys, monkeypatch):
    """/proc passes every permission check for root, yet takes no file: tried, not assumed."""
    called = []
    monkeypatch.setattr(importlib.import_module("odedyn.compare"), "compare", lambda *a, **k: called.append(1))
    for command, out in (("integrate", "/proc/x.npz"), ("compare", "/proc/res")):
        assert main([command, write(tmp_path, BASE), "--no-progress", "--seeds", "2",
                     "--out", out] if command == "compare" else
                    [command, write(tmp_path, BASE), "--out", out]) == 2
        one_line_error(capsys, "--out", "cannot write in /proc")
    assert not called


@pytest.mark.parametrize("command", ["integrate", "simulate", "compare"])
def test_a_write_that_fails_after_the_work_keeps_the_result(tmp_path, capsys, monkeypatch,
                                                            command):
    """The disk fills up (ENOSPC) between the check and the write: one line, exit 2, and the
    result in a rescue folder of the working folder, named in that line."""
    import errno
    import odedyn.results
    real = odedyn.results.np.savez
    target = tmp_path / "out"
    full = str(target) if command == "compare" else str(tmp_path)

    def full_disk(fh, **arrays):
        if os.path.dirname(fh.name) == full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), fh.name)
        real(fh, **arrays)
    monkeypatch.setattr(odedyn.results.np, "savez", full_disk)
    monkeypatch.chdir(tmp_path)
    out = str(target) + ("" if command == "compare" else ".npz")
    argv = [command, write(tmp_path, BASE), "--out", out]
    assert main(argv + ([] if command == "integrate" else ["--seeds", "2", "--no-progress"])) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("odedyn: error: --out") and "\n" not in err, err
    assert "No space left" in err and "kept in" in err
    rescue = err.split("kept in ")[1]
    assert os.path.dirname(rescue) == str(tmp_path) and "odedyn-rescue-" in rescue
    kept = sorted(os.listdir(rescue))
    assert any(name.endswith(".npz") for name in kept) and any(
        name.endswith(".json") for name in kept), kept


def test_a_partial_result_never_replaces_a_complete_one(tmp_path, capsys, monkeypatch):
    """A re-run interrupted midway (here: a run_seeds that reports the interrupt after one of two
    seeds measured half its times) writes beside the complete files, as NAME.partial; the
    summary counts the seeds that measured."""
    import odedyn.simulation as sm
    cfg = write(tmp_path, BASE)
    out = tmp_path / "res"
    assert main(["compare", cfg, "--seeds", "2", "--no-progress", "--out", str(out)]) == 0
    capsys.readouterr()
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = sm.run_seeds

    def interrupted(*a, **k):
        per_seed, _ = real(*a, **k)
        return [{k: v[:len(v) // 2] for k, v in per_seed[0].items()}], True
    monkeypatch.setattr(sm, "run_seeds", interrupted)
    assert main(["compare", cfg, "--seeds", "2", "--no-progress", "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert "1 seeds measured up to t = " in err and ".partial" in err, err
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name in before} == before
    stem = os.path.splitext(os.path.basename(cfg))[0] + "-compare.partial"
    side = json.loads((out / (stem + ".json")).read_text())
    assert side["summary"]["seeds"] == side["simulation"]["seeds"] == 1
    assert side["summary"]["seeds_requested"] == 2
    assert (out / (stem + ".npz")).exists() and (out / (stem + ".png")).exists()


def test_a_problem_too_big_for_memory_is_refused_in_one_line(tmp_path, capsys):
    """K = 100000: the theory's workspace alone is ~1e4 GiB; refused before any allocation."""
    assert main(["integrate", write(tmp_path, BASE.replace("K = 2", "K = 100000"))]) == 2
    one_line_error(capsys, "model.K = 100000", "GiB of memory")


@pytest.mark.parametrize("edit,hint", [
    (("spikes =", "spiks ="), "data.spiks is given: did you mean spikes?"),
    (("t_max =", "t_maxx ="), "training.t_maxx is given: did you mean t_max?"),
])
def test_a_misspelt_required_key_is_named_beside_the_missing_one(tmp_path, capsys, edit, hint):
    assert main(["integrate", write(tmp_path, BASE.replace(*edit))]) == 2
    one_line_error(capsys, "is required", hint)


# ------------------------------------------------------------ CONFIG files that are not CONFIGs
@pytest.mark.parametrize("kind,why", [
    ("binary", "binary"), ("folder", "is a folder"), ("devnull", "not a regular file"),
    ("empty", "is empty"), ("blank", "is empty"), ("missing", "file not found"),
])
def test_config_file_kinds(tmp_path, capsys, kind, why):
    path = {"folder": str(tmp_path), "devnull": os.devnull,
            "missing": str(tmp_path / "nope.toml")}.get(kind, str(tmp_path / "c.toml"))
    if kind == "binary":
        (tmp_path / "c.toml").write_bytes(bytes(range(256)) * 4)
    elif kind == "empty":
        (tmp_path / "c.toml").write_bytes(b"")
    elif kind == "blank":
        (tmp_path / "c.toml").write_text("  \n# only a comment\n")
    assert main(["integrate", path]) == 2
    one_line_error(capsys, "CONFIG", why)


@pytest.mark.parametrize("edit,suggestion", [
    (("K = 2", "K = 2\nactivaton = \"erf\""), "did you mean 'activation'"),
    (("t_max = 1.0", "t_max = 1.0\nlr_encodr = 0.5"), "did you mean 'lr_encoder'"),
    (("[init]", "[inti]"), "did you mean [init]"),
])
def test_unknown_key_suggests_the_closest(tmp_path, capsys, edit, suggestion):
    assert main(["integrate", write(tmp_path, BASE.replace(*edit))]) == 2
    one_line_error(capsys, suggestion)


def test_unknown_kind_suggests_the_closest(tmp_path, capsys):
    assert main(["integrate", write(tmp_path, BASE.replace('"autoencoder"', '"autoencodr"'))]) == 2
    one_line_error(capsys, "model.kind", "did you mean 'autoencoder'")


# ------------------------------------------------------------ pipes, permissions, version, help
def test_broken_pipe_exits_like_unix_tools(tmp_path):
    """`odedyn integrate CONFIG --json | head -c 1`: the reader has gone; no traceback, and the
    exit status a process killed by SIGPIPE has (141 in a shell)."""
    r, w = os.pipe()
    os.close(r)  # nobody will read
    proc = subprocess.run([sys.executable, "-m", "odedyn", "integrate", write(tmp_path, BASE),
                           "--json"], stdout=w, stderr=subprocess.PIPE, text=True, timeout=300)
    os.close(w)
    assert proc.returncode == 128 + signal.SIGPIPE, proc.stderr
    assert "Traceback" not in proc.stderr and "Error" not in proc.stderr, proc.stderr


def test_output_files_follow_the_umask(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        assert main(["integrate", write(tmp_path, BASE), "--out", str(tmp_path / "r.npz")]) == 0
    finally:
        os.umask(old)
    for name in ("r.npz", "r.json"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o644, name


def test_version(capsys):
    from odedyn import __version__
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_every_argument_has_help():
    parser = build_parser()
    subs = next(a for a in parser._actions if a.choices and "integrate" in a.choices)
    for name, sub in subs.choices.items():
        assert any(c.dest == name and c.help for c in subs._choices_actions), name
        for action in sub._actions:
            assert action.help, (name, action.dest)
    d_help = subs.choices["simulate"]._option_string_actions["--D"].help
    for kind in KINDS:
        assert kind in d_help, d_help


def test_readme_documents_workers_and_no_progress_and_gitignore_venv():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "README.md")) as fh:
        readme = fh.read()
    assert "--workers" in readme and "--no-progress" in readme
    with open(os.path.join(root, ".gitignore")) as fh:
        assert ".venv/" in fh.read().split()
