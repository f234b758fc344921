"""A whole run: start one in a new run directory, or resume one, everything checked first.

Both follow the same order: check the options, the device, both data splits, the sizes, the
memory and the disk (nothing is written yet, so a failure changes nothing); then own the run
directory (:class:`~nnnotes.train.RunLock`), remove temporary files a killed process
left, write ``config.json`` (which always describes the run as it now is), and train.
Paths are stored absolute, so a run resumes and evaluates from any working directory.
"""

from __future__ import annotations

import os
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import torch

from nnnotes import checkpoint, data, evaluate
from nnnotes.errors import (CheckpointError, Interrupted, OptionError, signal_name,
                            the_error_reported)
from nnnotes.train.checks import check_disk, check_memory, check_sizes
from nnnotes.train.rundir import (RunLock, check_holds_no_run, check_usable, claim_default,
                                  make_dir, resume_point, saved_config)
from nnnotes.train.batches import Dataset, prepare
from nnnotes.train.config import RESUME_MAY_CHANGE, Config, flag
from nnnotes.train.loop import Callback, Trainer
from nnnotes.train.optimization import choose_device, learning_rate, num_threads


@dataclass
class Setup:
    """What a run needs before its first step, checked: the device and both splits."""

    device: torch.device
    data: Dataset
    test: tuple[torch.Tensor, torch.Tensor]


class Stage:
    """How far a run got, for the message if Ctrl-C or SIGTERM stops it outside the loop."""

    def __init__(self, shown: Path | None, resuming: bool = False) -> None:
        self.name, self.shown, self.resuming = "checking", shown, resuming

    def interrupted(self, e: KeyboardInterrupt) -> Interrupted:
        signum = getattr(e, "signum", 2)  # a SignalStop knows; a plain Ctrl-C is SIGINT
        resume = f"python -m nnnotes.train --resume {self.shown}"
        what = {
            "checking": "before training started; nothing was written",
            "started": f"before training resumed; its checkpoints are unchanged: {resume} "
                       "continues it" if self.resuming else
                       f"before the first step; {self.shown} holds its config.json and no "
                       f"checkpoint: {resume} starts the run from its beginning",
            "finishing": "after training, while testing the best model; the checkpoints are "
                         f"complete: {resume} tests it (it trains nothing more)",
        }[self.name]
        return Interrupted(f"interrupted by {signal_name(signum)} {what}", signum)


def run(cfg: Config, on_step: Callback | None = None,
        on_epoch_end: Callback | None = None) -> dict:
    """Train a new run in ``cfg.out`` (default ``runs/<dataset>-<date>-<time>``, a name no
    other run has) and return its final metrics. Raises the errors of :mod:`nnnotes.errors`."""
    cfg.check()
    shown = Path(cfg.out) if cfg.out else None
    cfg.out = os.path.abspath(cfg.out) if cfg.out else None
    cfg.data_dir = os.path.abspath(cfg.data_dir) if cfg.data_dir else None
    stage, created = Stage(shown), False
    try:
        if shown:  # quick checks of --out before loading any data
            check_usable(Path(cfg.out), shown)
            RunLock.probe(Path(cfg.out), shown)
            check_holds_no_run(Path(cfg.out), shown)
        with num_threads(cfg.threads):
            setup = load(cfg)
            check_disk(cfg, Path(cfg.out or os.path.abspath("runs")), len(setup.data.y_train))
            if shown:
                created = make_dir(Path(cfg.out), shown)
            else:
                shown = stage.shown = claim_default(cfg.dataset)
                cfg.out, created = os.path.abspath(shown), True
            run_dir = Path(cfg.out)
            try:
                with RunLock(run_dir, shown):
                    check_holds_no_run(run_dir, shown)
                    removed = checkpoint.remove_temporaries(run_dir)
                    trainer = Trainer(cfg, run_dir, setup.device, setup.data, setup.test,
                                      on_step, on_epoch_end, shown)
                    checkpoint.write_json(run_dir / "config.json", cfg.to_dict())
                    stage.name = "started"
                    if removed:
                        trainer.note(removed_message(removed))
                    trainer.log(f"training on {trainer.device}: {len(trainer.data.y_train)} "
                                f"training and {len(trainer.data.y_val)} validation examples "
                                f"of {cfg.dataset} -> {shown}")
                    trainer.fit()
                    stage.name = "finishing"
                    return trainer.finish()
            finally:
                if created and stage.name == "checking":
                    with suppress(OSError):
                        run_dir.rmdir()  # made for this run, which never started: empty
    except KeyboardInterrupt as e:  # (or the error it interrupted, if it came second)
        raise the_error_reported(e) or stage.interrupted(e) from None


def resume(run_dir: str | Path, changes: dict | None = None, on_step: Callback | None = None,
           on_epoch_end: Callback | None = None) -> dict:
    """Continue the run in ``run_dir`` from its most advanced checkpoint (or from its
    beginning, if it was stopped before its first checkpoint), with its saved options except
    ``changes``, and return its final metrics.

    ``changes`` are the options the user typed: those of ``RESUME_MAY_CHANGE`` are applied
    and reported; any other must equal the run's own value (:class:`OptionError` otherwise).
    """
    shown, run_dir = Path(run_dir), Path(os.path.abspath(run_dir))
    if not run_dir.is_dir():
        what = "it is not a directory" if run_dir.exists() else "it does not exist"
        raise CheckpointError(f"no run at {shown}: {what}. Start a run there with: "
                              f"python -m nnnotes.train --out {shown}")
    stage = Stage(shown)
    try:
        with RunLock(run_dir, shown):
            removed = checkpoint.remove_temporaries(run_dir)
            state, source = resume_point(run_dir, shown)
            saved = saved_config(run_dir, shown, state)
            cfg, changed = apply_changes(saved, state, dict(changes or {}), run_dir, shown)
            stage.resuming = state is not None
            with num_threads(cfg.threads):
                setup = load(cfg, state, typed_device="device" in (changes or {}), shown=shown)
                check_disk(cfg, run_dir, len(setup.data.y_train))
                trainer = Trainer(cfg, run_dir, setup.device, setup.data, setup.test, on_step,
                                  on_epoch_end, shown)
                if state is not None:
                    trainer.restore(state, source)
                # everything is checked: from here on the run directory changes
                stale = remove_stale_results(run_dir, state, cfg)
                checkpoint.write_json(run_dir / "config.json", cfg.to_dict())
                stage.name = "started"
                had_last = (run_dir / "last.pt").exists()
                if source is not None and source.name == "best.pt":
                    trainer.save("last")  # the same state: last.pt is the latest again
                for message in resume_notes(trainer, removed, source, had_last, changed, saved,
                                            stale):
                    trainer.note(message)
                trainer.log(f"resuming {shown} at epoch {trainer.epoch + 1}, "
                            f"step {trainer.step}/{trainer.steps_per_epoch}")
                trainer.fit()
                stage.name = "finishing"
                return trainer.finish()
    except KeyboardInterrupt as e:  # (or the error it interrupted, if it came second)
        raise the_error_reported(e) or stage.interrupted(e) from None


def load(cfg: Config, state: dict | None = None, typed_device: bool = True,
         shown: Path | None = None) -> Setup:
    """The device and both splits, checked (sizes, memory) before anything is written.
    Resuming (``state``), the run's own standardisation is used, after checking that the
    training images are the ones the run started with."""
    try:
        device = choose_device(cfg.device)
    except OptionError as e:
        if typed_device:
            raise
        raise OptionError(f"{shown} was trained with --device {cfg.device}, which is not usable "
                          f"here ({str(e).split('(', 1)[-1].rsplit(')', 1)[0]}): resume it "
                          "with --device cpu (or --device auto)") from None
    train = data.load(cfg.dataset, "train", cfg.data_dir, download=cfg.download)
    test = data.load(cfg.dataset, "test", cfg.data_dir, download=cfg.download)
    n_train, n_val = check_sizes(cfg, len(train[1]))
    check_memory(cfg, device, n_train + n_val, n_train)
    saved = None if state is None else evaluate.normalization(state, shown)
    return Setup(device, prepare(cfg, device, train, saved), test)


def apply_changes(saved: dict, state: dict | None, changes: dict, run_dir: Path,
                  shown: Path) -> tuple[Config, list[str]]:
    """The resumed run's configuration: the saved one with the typed ``changes``; returns
    it and the changes in words (``epochs 10 (was 2)``)."""
    changed: list[str] = []
    try:
        cfg = Config.from_dict(saved)
        cores = os.cpu_count() or 1
        if isinstance(cfg.threads, int) and cfg.threads > cores and "threads" not in changes:
            changed.append(f"threads {cores} (was {cfg.threads}, more than this machine's cores)")
            cfg.threads = cores
        cfg.check()
    except (TypeError, OptionError) as e:
        raise CheckpointError(f"{shown / 'config.json'} is not a usable run configuration "
                              f"({e}); it is not the file nnnotes.train wrote") from None
    if state is not None:  # config.json may differ from the checkpoint only where a resume may
        own = Config.from_dict(state["config"]).to_dict()
        differ = [k for k, v in cfg.to_dict().items()
                  if k not in RESUME_MAY_CHANGE and k != "out" and own.get(k) != v]
        if differ:
            raise CheckpointError(f"{shown / 'config.json'} and the run's checkpoint disagree on "
                                  f"{', '.join(flag(k) for k in differ)}: one of them was "
                                  "edited. Restore config.json (or remove it: the checkpoint's "
                                  "own configuration is then used)")
    for name, value in changes.items():
        if name in ("data_dir", "out") and value:
            value = os.path.abspath(value)
        if name == "out":
            if Path(value) != run_dir:
                raise OptionError(f"--out {value} with --resume {shown}: a resumed run stays in "
                                  "its own directory; leave --out out")
            continue
        old = getattr(cfg, name)
        if name == "hidden":
            value = tuple(value)
        if value == old:
            continue
        if name not in RESUME_MAY_CHANGE:
            raise OptionError(f"{flag(name)} cannot change when a run is resumed: {shown} was "
                              f"trained with {words(name, old)}, and {words(name, value)} would "
                              f"make it another run. Start a new one (with another --out) to "
                              f"train with {words(name, value)}.")
        setattr(cfg, name, value)
        changed.append(f"{words(name, value)} (was {words(name, old, field=False)})")
    cfg.out = str(run_dir)
    cfg.check()
    done, partial = (state["epoch"], state["step"] > 0) if state else (0, False)
    if cfg.epochs < done + partial:
        raise OptionError(f"--epochs {cfg.epochs}: {shown} has already trained {done} epochs"
                          f"{' and part of the next' if partial else ''}, so --epochs must be at "
                          f"least {done + partial}. To train a shorter run, start a new one "
                          "(with another --out).")
    return cfg, changed


def words(name: str, value: object, field: bool = True) -> str:
    """An option's value as the notes say it: ``hidden 128,64``, ``batchnorm on``."""
    shown = ("on" if value else "off") if isinstance(value, bool) else \
        ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
    return f"{name.replace('_', ' ')} {shown}" if field else shown


def remove_stale_results(run_dir: Path, state: dict | None, cfg: Config) -> list[str]:
    """A run that trains further is no longer finished: its results go (``metrics.json`` is
    written again at the end)."""
    if state is not None and state["epoch"] >= cfg.epochs:
        return []  # nothing to train: the results stay, and are written again
    stale = [p for p in (run_dir / "metrics.json", *run_dir.glob("evaluation-*.json"))
             if p.is_file()]
    for p in stale:
        p.unlink()
    return [p.name for p in stale]


def resume_notes(trainer: Trainer, removed: list[str], source: Path | None, had_last: bool,
                 changed: list[str], saved: dict, stale: list[str]) -> list[str]:
    """What the user should know about this resume, in words."""
    notes = [removed_message(removed)] if removed else []
    if source is None:
        notes.append("no checkpoint yet (the run was stopped during its first epoch): starting "
                     "it from its beginning, with its saved options")
    elif source.name == "best.pt":
        why = "it is further along than last.pt" if had_last else "last.pt is missing"
        notes.append(f"resuming from best.pt ({trainer.position()}): {why}, as a kill between "
                     "writing the two leaves it; best.pt holds the whole state, so nothing is "
                     "lost, and last.pt is written again from it")
    if changed:
        notes.append("changed on resume: " + ", ".join(changed))
    cfg = trainer.cfg
    if (saved.get("epochs") != cfg.epochs and cfg.schedule == "cosine" and trainer.history
            and trainer.epoch < cfg.epochs):
        spe = trainer.steps_per_epoch
        now = learning_rate(cfg, trainer.epoch * spe + trainer.step, cfg.epochs * spe,
                            trainer.warmup_steps)
        notes.append(f"the cosine schedule now spans {cfg.epochs} epochs: the learning rate "
                     f"goes on at {now:.3g} (it was {trainer.history[-1]['lr']:.3g} at the end "
                     f"of epoch {trainer.epoch}), so this run differs from one started with "
                     f"--epochs {cfg.epochs}")
    if stale:
        notes.append(f"removed {', '.join(stale)} of the finished {trainer.epoch}-epoch run: it "
                     "trains further now, and metrics.json is written again at the end")
    if trainer.epoch >= cfg.epochs:
        notes.append(f"the run is complete ({trainer.epoch} of {cfg.epochs} epochs): nothing to "
                     f"train; testing its best model again (to train longer: --epochs "
                     f"{cfg.epochs + 1} or more)")
    return notes


def removed_message(removed: list[str]) -> str:
    return (f"removed {len(removed)} temporary file{'s' if len(removed) > 1 else ''} left by "
            f"an interrupted write: {', '.join(removed)}")
