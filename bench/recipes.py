"""The validation evidence behind ``--recipe`` and the defaults: ``bench/recipes.csv``.

    python bench/recipes.py RESULTS.jsonl [MORE.jsonl ...] > bench/recipes.csv

Each input line is one training run of the recipe search (issue 15's experiment script, which
trains the trainer's model, split, standardisation, optimizers and augmentation outside the
trainer): its configuration and the validation accuracy after every epoch. Only validation
accuracy is written: the recipes were chosen on it, never on the test set. One CSV row per
run and epoch: ``tag, seed, threads, config, epoch, val_acc, val_acc_ema, val_acc_tta`` (the
average of the weights and mirror-image test-time augmentation, where the run had them).
"""

from __future__ import annotations

import csv
import json
import sys

FIELDS = ("tag", "seed", "threads", "config", "epoch", "val_acc", "val_acc_ema", "val_acc_tta")
KEYS = ("hidden", "epochs", "bs", "lr", "opt", "wd", "ls", "sched", "warmup", "bn", "dropout",
        "ema", "augment", "shift")


def config_words(c: dict) -> str:
    """The run's options, only those that differ from nothing: ``hidden=256,128 bs=256 ...``."""
    return " ".join(f"{k}={c[k]}" for k in KEYS if k in c and c[k] not in (None, False, 0, 0.0,
                                                                              "none"))


def main(paths: list[str]) -> None:
    out = csv.DictWriter(sys.stdout, FIELDS, lineterminator="\n")
    out.writeheader()
    for path in paths:
        for line in open(path):
            run = json.loads(line)
            c = run["config"]
            if c.get("augment", "none") == "none":
                c = {**c, "shift": None}
            for h in run["history"]:
                out.writerow({"tag": run["tag"], "seed": run["seed"], "threads": run["threads"],
                              "config": config_words(c), "epoch": h["epoch"],
                              "val_acc": round(h["val"], 4),
                              "val_acc_ema": round(h["val_ema"], 4) if h.get("val_ema") else "",
                              "val_acc_tta": round(h["val_tta"], 4) if h.get("val_tta") else ""})


if __name__ == "__main__":
    main(sys.argv[1:])
