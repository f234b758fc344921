"""What defines a run: :class:`Config`, saved as ``config.json`` and inside every checkpoint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "adam": 4e-3, "adamw": 4e-3}
# Options a resumed run may change; every other one is the run's own and stays as saved.
RESUME_MAY_CHANGE = ("epochs", "quiet", "device", "threads", "data_dir", "download", "figures")


@dataclass
class Config:
    """Everything that defines a run. Defaults are the command line's defaults."""

    dataset: str = "mnist"
    data_dir: str | None = None
    epochs: int = 10
    batch_size: int = 512
    optimizer: str = "adam"
    lr: float | None = None  # None: DEFAULT_LR[optimizer]
    weight_decay: float = 0.0
    schedule: str = "cosine"
    warmup: float = 0.0  # epochs of linear warm-up before the schedule
    label_smoothing: float = 0.0
    augment: str = "none"
    hidden: tuple[int, ...] = (128, 64)
    dropout: float = 0.0
    batchnorm: bool = False
    val_fraction: float = 0.1
    train_size: int | None = None
    seed: int = 0
    device: str = "auto"
    threads: int | None = None
    out: str | None = None
    download: bool = True
    quiet: bool = False
    figures: bool = True

    def __post_init__(self) -> None:
        self.hidden = tuple(self.hidden)
        if self.lr is None:
            self.lr = DEFAULT_LR[self.optimizer]

    def to_dict(self) -> dict:
        """Plain JSON types (``hidden`` as a list), as saved in ``config.json``."""
        return {**asdict(self), "hidden": list(self.hidden)}

    @classmethod
    def from_dict(cls, d: dict) -> Config:
        """The inverse of :meth:`to_dict`; keys this version does not know are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})
