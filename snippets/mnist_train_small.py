# Train a small configuration end to end (about two seconds on 2 CPU cores):
# 2,400 Fashion-MNIST training images, 600 for validation, 3 epochs.
# The data comes from $NNNOTES_DATA_DIR (or the per-user data directory).
import json
from pathlib import Path

from nnnotes import train
from nnnotes.experiments.mnist import SMALL

print(SMALL)
config = train.Config(**SMALL, out="run-small")
metrics = train.run(config)

print(sorted(p.name for p in Path("run-small").iterdir()))
print(train.read_history("run-small/history.csv")[0].keys())
saved = json.loads(Path("run-small/metrics.json").read_text())
print(saved["best_epoch"] in (1, 2, 3), saved["test_acc"] > 0.75, saved == metrics)
