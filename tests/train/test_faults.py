"""Every bad input of issue 12 as a user meets it: a real process, real files, no traceback.

Each case is one run of ``python -m nnnotes.train`` or ``python -m nnnotes.evaluate``; all of
them run once, a few at a time (module fixture ``results``), and each is then checked in its
own test: the exit code, what the message says (its cause and its way out), and, where the
failure comes before training, that nothing was written. ``pytest -s`` prints the table.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import torch

from nnnotes import data
from tests.test_data import write_idx
from tests.train.conftest import assert_no_traceback, run_cases, small_args

CODES = {"usage": 2, "data": 3, "diverged": 4, "run": 5}


@dataclass
class Case:
    """What the user did, what must come back."""

    typed: str  # the input, in words, for the table
    args: list
    code: int
    says: tuple[str, ...]  # fragments the message must contain
    module: str = "nnnotes.train"
    ordinary: bool = False  # file permissions apply (root's power over them dropped)
    untouched: Path | None = None  # must not exist afterwards: nothing was written
    extra: dict = field(default_factory=dict)


def train_args(data_dir: Path, out: Path, *more: str) -> list[str]:
    """A one-epoch run on a data folder of our own making (no download, no figures)."""
    return ["--dataset", "fashion-mnist", "--data-dir", str(data_dir), "--no-download",
            "--epochs", "1", "--quiet", "--no-figures", "--out", str(out), *more]


def data_folder(root: Path, name: str, real: Path, images=None, shape=None, test=True) -> Path:
    """A Fashion-MNIST folder whose training images are replaced (shape, payload) and whose
    test split is the real one (or absent)."""
    folder = root / name
    folder.mkdir()
    x, y = data.load("fashion-mnist", "train", real)
    x, y = x[:600], y[:600]
    payload = (images if images is not None else x).numpy().tobytes()
    write_idx(folder / "train-images-idx3-ubyte", data.IMAGES_MAGIC, shape or tuple(x.shape),
              payload)
    write_idx(folder / "train-labels-idx1-ubyte", data.LABELS_MAGIC, (len(y),),
              y.to(torch.uint8).numpy().tobytes())
    if test:
        for stem in data.file_names("test"):
            shutil.copy(real / "fashion-mnist" / f"{stem}.gz", folder)
    return folder


def copy_run(finished: Path, root: Path, name: str, replace: str, content) -> Path:
    """A copy of a finished run whose ``replace`` file is ``content`` (bytes, an object for
    ``torch.save``, or a function of the path)."""
    run = root / name
    shutil.copytree(finished, run)
    path = run / replace
    if callable(content) and not isinstance(content, torch.nn.Module):
        content(path)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        torch.save(content, path)
    return run


def build_cases(real: Path, finished: Path, root: Path) -> dict[str, Case]:
    real_pt = (finished / "best.pt").read_bytes()
    state = torch.load(finished / "best.pt", weights_only=True)
    small = lambda out, *more: small_args(real, out) + list(more)  # noqa: E731
    out = lambda name: root / "out" / name  # noqa: E731  (never created by a failed run)
    cases = {}

    # options a run cannot use
    cases["huge model"] = Case("--hidden 1000000000", small(out("h"), "--hidden", "1000000000"),
                               2, ("needs about", "TB of memory", "smaller --hidden"),
                               untouched=out("h"))
    cases["unusable device"] = Case("--device cuda:7", small(out("d"), "--device", "cuda:7"), 2,
                                    ("device 'cuda:7' is not usable here", "--device auto or cpu"),
                                    untouched=out("d"))
    cases["meta device"] = Case("--device meta", small(out("m"), "--device", "meta"), 2,
                                ("must be auto, cpu, cuda, cuda:N or mps",), untouched=out("m"))
    cases["too many images"] = Case("--train-size 100000 (Fashion-MNIST has 60,000)",
                                    small(out("t"), "--train-size", "100000"), 2,
                                    ("has only 60000 images",), untouched=out("t"))
    cases["endless warm-up"] = Case("--warmup 1e308", small(out("w"), "--warmup", "1e308"), 2,
                                    ("longer than the run",), untouched=out("w"))
    cases["weight decay"] = Case("--weight-decay -1", small(out("wd"), "--weight-decay", "-1"),
                                 2, ("must be a number >= 0",), untouched=out("wd"))
    cases["seed"] = Case("--seed 2**64", small(out("s"), "--seed", str(2**64)), 2,
                         ("must be an integer from 0 to 18446744073709551615",),
                         untouched=out("s"))
    cases["batch of one"] = Case("--batchnorm --batch-size 1",
                                 small(out("b"), "--batchnorm", "--batch-size", "1"), 2,
                                 ("cannot train with --batchnorm",), untouched=out("b"))
    cases["diverging"] = Case("--optimizer adam --lr 1e9", small(out("lr"), "--lr", "1e9"), 4,
                              ("at epoch 1, step 2", "more than 100 times its starting value",
                               "lower learning rate", "no checkpoint was written"))

    # where the outputs go
    a_file = root / "a-file"
    a_file.write_text("not a folder")
    read_only = root / "read-only"
    read_only.mkdir()
    (read_only / "empty-run").mkdir()
    for case, target, says in [
        ("out is /dev/null", Path("/dev/null"), ("/dev/null exists and is not a directory",)),
        ("out is a file", a_file, ("exists and is not a directory", "choose another --out")),
        ("out under a file", a_file / "run", ("is a file, so", "choose another --out")),
        ("out in /proc", Path("/proc/nnnotes-run"), ("cannot create the run directory",
                                                     "No such file or directory")),
    ]:
        cases[case] = Case(f"--out {target}", small(target), 5, says)
    cases["read-only folder"] = Case("--out in a read-only folder (mode 555)",
                                     small(read_only / "run"), 5,
                                     ("cannot create the run directory", "Permission denied"),
                                     ordinary=True, untouched=read_only / "run")
    cases["read-only run dir"] = Case("--out an empty read-only folder",
                                      small(read_only / "empty-run"), 5,
                                      ("cannot write in", "Permission denied", "another --out"),
                                      ordinary=True)

    # the data
    x = data.load("fashion-mnist", "train", real)[0][:600]
    folders = {
        "2x392 images": data_folder(root, "flat", real, shape=(600, 2, 392)),
        "0 images": data_folder(root, "none", real, images=x[:0], shape=(0, 28, 28)),
        "0x0 images": data_folder(root, "zero", real, images=x[:0], shape=(600, 0, 0)),
        "constant images": data_folder(root, "constant", real, images=torch.zeros_like(x)),
        "no test split": data_folder(root, "no-test", real, test=False),
        "corrupt test split": data_folder(root, "bad-test", real),
        "unreadable folder": data_folder(root, "locked-dir", real),
        "unreadable file": data_folder(root, "locked-file", real),
    }
    test_images = folders["corrupt test split"] / "t10k-images-idx3-ubyte.gz"
    test_images.write_bytes(test_images.read_bytes()[:5000])
    for case, typed, code, says in [
        ("2x392 images", "training images stored as 2x392", 3, ("images of 2x392 pixels",)),
        ("0 images", "an images file holding 0 images", 3, ("holds 0 images",)),
        ("0x0 images", "an images file of 0x0 images", 3, ("images of 0x0 pixels",)),
        ("constant images", "all images one flat colour (std 0)", 3, ("standard deviation 0",
                                                                         "not a real dataset")),
        ("no test split", "the test split missing", 3, ("the test split of fashion-mnist was not "
                                                       "found",)),
        ("corrupt test split", "a truncated test split", 3, ("t10k-images-idx3-ubyte.gz: cannot "
                                                           "read it as gzip",)),
        ("unreadable folder", "--data-dir a folder of mode 000", 3, ("permission denied",
                                                                    "chmod u+rx")),
        ("unreadable file", "an images file of mode 000", 3, ("permission denied", "chmod u+r")),
    ]:
        cases[case] = Case(typed, train_args(folders[case], out(case)), code, says,
                           ordinary=case.startswith("unreadable"), untouched=out(case))
    (folders["unreadable folder"]).chmod(0)
    (folders["unreadable file"] / "train-images-idx3-ubyte").chmod(0)
    cases["evaluate 2x392 test images"] = Case(
        "nnnotes.evaluate --data-dir with 2x392 test images",
        [finished, "--data-dir", data_folder(root, "flat-test", real, shape=(600, 2, 392))], 3,
        ("images of 2x392 pixels",), module="nnnotes.evaluate")
    shutil.move(root / "flat-test" / "train-images-idx3-ubyte",
                root / "flat-test" / "t10k-images-idx3-ubyte")
    shutil.move(root / "flat-test" / "train-labels-idx1-ubyte",
                root / "flat-test" / "t10k-labels-idx1-ubyte")
    for stem in data.file_names("test"):
        (root / "flat-test" / f"{stem}.gz").unlink()

    # checkpoints that are not ours
    not_ours = {
        "{'hello': 1}": ({"hello": 1}, ("not an nnnotes checkpoint",)),
        "a list": ([1, 2, 3], ("holds a list",)),
        "missing keys": ({k: v for k, v in state.items() if k != "normalization"},
                         ("lacks normalization",)),
        "wrong architecture": ({**state, "config": {**state["config"], "hidden": [32]}},
                               ("do not fit the 784-32-10 MLP",)),
        "a pickled module": (torch.nn.Linear(2, 2), ("pickled Python objects", "arbitrary code")),
        "random bytes": (os.urandom(4096), ("is not a PyTorch checkpoint",)),
        "an empty file": (b"", ("is empty (0 bytes)",)),
        "a truncated file": (real_pt[:len(real_pt) // 2], ("truncated or corrupt",)),
        "a directory": (lambda p: (p.unlink(), p.mkdir()), ("is a directory",)),
        "mode 000": (lambda p: p.chmod(0), ("permission denied",)),
    }
    for i, (what, (content, says)) in enumerate(not_ours.items()):
        run = copy_run(finished, root, f"evaluate-{i}", "best.pt", content)
        cases[f"evaluate {what}"] = Case(f"nnnotes.evaluate: best.pt is {what}", [run], 5,
                                         says + ("nnnotes.evaluate reads the best.pt",),
                                         module="nnnotes.evaluate",
                                         ordinary=what == "mode 000")
    for i, (what, content, says) in enumerate([
        ("random bytes", os.urandom(4096), ("is not a PyTorch checkpoint",
                                            "best.pt is readable", "mv ")),
        ("{'hello': 1}", {"hello": 1}, ("not an nnnotes checkpoint", "best.pt is readable")),
    ]):
        run = copy_run(finished, root, f"resume-{i}", "last.pt", content)
        cases[f"resume {what}"] = Case(f"--resume: last.pt is {what}", ["--resume", run], 5, says)
    empty = root / "empty-dir"
    empty.mkdir()
    cases["resume nothing"] = Case("--resume an empty folder", ["--resume", empty], 5,
                                   ("nothing to resume", "--out"))
    cases["resume a file"] = Case("--resume a file", ["--resume", a_file], 5,
                                  ("no run at", "it is not a directory"))
    return cases


@pytest.fixture(scope="module")
def results(data_dir, finished, tmp_path_factory, warm):
    root = tmp_path_factory.mktemp("faults")
    cases = build_cases(data_dir, finished[0], root)
    (root / "read-only").chmod(0o555)
    (root / "read-only" / "empty-run").chmod(0o555)
    done = run_cases(warm, [dict(args=c.args, module=c.module, ordinary=c.ordinary)
                            for c in cases.values()])
    print("\n| input | exit code | first line of the message |\n|---|---|---|")
    for case, result in zip(cases.values(), done):
        print(f"| {case.typed} | {result.code} | {result.message} |")
    yield dict(zip(cases, zip(cases.values(), done)))
    (root / "read-only").chmod(0o755)


CASE_NAMES = [
    "huge model", "unusable device", "meta device", "too many images", "endless warm-up",
    "weight decay", "seed", "batch of one", "diverging", "out is /dev/null", "out is a file",
    "out under a file", "out in /proc", "read-only folder", "read-only run dir", "2x392 images",
    "0 images", "0x0 images", "constant images", "no test split", "corrupt test split",
    "unreadable folder", "unreadable file", "evaluate 2x392 test images",
    *[f"evaluate {w}" for w in ("{'hello': 1}", "a list", "missing keys", "wrong architecture",
                                "a pickled module", "random bytes", "an empty file",
                                "a truncated file", "a directory", "mode 000")],
    "resume random bytes", "resume {'hello': 1}", "resume nothing", "resume a file",
]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_each_bad_input_is_one_message_with_its_exit_code_and_no_traceback(results, name):
    case, result = results[name]
    assert_no_traceback(result.err)
    assert result.code == case.code, result.err
    message = " ".join(result.err.split())
    assert result.message.startswith(("error: ", "python -m nnnotes.train: error:")), result.err
    for fragment in case.says:
        assert fragment in message, f"{fragment!r} not in {result.err!r}"
    assert "weights_only=False" not in message
    if case.untouched is not None:
        assert not case.untouched.exists(), "a run that failed its checks wrote something"


def test_a_diverged_run_keeps_no_best_model(results):
    case, _ = results["diverging"]
    out = Path(case.args[case.args.index("--out") + 1])
    assert not (out / "best.pt").exists() and not (out / "metrics.json").exists()


def test_every_case_is_checked(results):
    assert sorted(CASE_NAMES) == sorted(results)
