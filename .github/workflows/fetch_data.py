"""Download MNIST and Fashion-MNIST with torchvision into DEST/mnist and DEST/fashion-mnist
(the layout of ../shared/data on the development machines). Used by the GitHub workflows only."""

import shutil
import sys
import tempfile
from pathlib import Path

from torchvision import datasets

dest = Path(sys.argv[1])
with tempfile.TemporaryDirectory() as tmp:
    for name, dataset in [("mnist", datasets.MNIST), ("fashion-mnist", datasets.FashionMNIST)]:
        for train in (True, False):
            dataset(tmp, train=train, download=True)
        (dest / name).mkdir(parents=True, exist_ok=True)
        for gz in (Path(tmp) / dataset.__name__ / "raw").glob("*.gz"):
            shutil.copy(gz, dest / name / gz.name)
        print(name, sorted(p.name for p in (dest / name).iterdir()))
