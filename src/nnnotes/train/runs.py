"""A whole run: start one in a new run directory, or resume one from its ``last.pt``."""

from __future__ import annotations

import time
from pathlib import Path

from nnnotes import checkpoint
from nnnotes.errors import RunError
from nnnotes.train.config import RESUME_MAY_CHANGE, Config
from nnnotes.train.loop import Callback, Trainer
from nnnotes.train.optimization import num_threads


def run(cfg: Config, on_step: Callback | None = None,
        on_epoch_end: Callback | None = None) -> dict:
    """Train a new run in ``cfg.out`` (default ``runs/<dataset>-<date>-<time>``) and return its
    final metrics. Raises the errors of :mod:`nnnotes.errors`."""
    run_dir = Path(cfg.out) if cfg.out else default_run_dir(cfg)
    if (run_dir / "last.pt").exists() or (run_dir / "best.pt").exists():
        raise RunError(f"{run_dir} already holds a run: continue it with --resume {run_dir} "
                       "or choose another --out")
    cfg.out = str(run_dir)
    with num_threads(cfg.threads):
        trainer = Trainer(cfg, run_dir, on_step, on_epoch_end)
        start(trainer)
        trainer.log(f"training on {trainer.device}: {len(trainer.data.y_train)} training and "
                    f"{len(trainer.data.y_val)} validation examples of {cfg.dataset} -> {run_dir}")
        return trainer.fit()


def resume(run_dir: str | Path, changes: dict | None = None, on_step: Callback | None = None,
           on_epoch_end: Callback | None = None) -> dict:
    """Continue the run in ``run_dir`` from its ``last.pt``, with the saved options except
    ``changes`` (only the options in ``RESUME_MAY_CHANGE``), and return its final metrics."""
    run_dir = Path(run_dir)
    state = checkpoint.load(run_dir / "last.pt")
    cfg = Config.from_dict(state["config"])
    for name, value in (changes or {}).items():
        if name not in RESUME_MAY_CHANGE:
            raise RunError(f"--{name.replace('_', '-')} cannot change when a run is resumed")
        setattr(cfg, name, value)
    cfg.out = str(run_dir)
    with num_threads(cfg.threads):
        trainer = Trainer(cfg, run_dir, on_step, on_epoch_end)
        start(trainer)
        trainer.restore(state)
        trainer.log(f"resuming {run_dir} at epoch {trainer.epoch + 1}, "
                    f"step {trainer.step}/{trainer.steps_per_epoch}")
        return trainer.fit()


def start(trainer: Trainer) -> None:
    """Create the run directory and write the run's ``config.json``."""
    trainer.run_dir.mkdir(parents=True, exist_ok=True)
    checkpoint.write_json(trainer.run_dir / "config.json", trainer.cfg.to_dict())


def default_run_dir(cfg: Config) -> Path:
    return Path("runs") / f"{cfg.dataset}-{time.strftime('%Y%m%d-%H%M%S')}"
