# Interrupt a run with a real SIGTERM in the middle of epoch 2, resume it, and compare
# with the same run left alone: the metrics are identical, not just close.
import os
import signal

from nnnotes import train
from nnnotes.experiments.mnist import SMALL


def small(out):
    return train.Config(**SMALL, figures=False, out=out)


def sigterm_in_epoch_two(trainer):
    if trainer.epoch == 1 and trainer.step == 5:
        os.kill(os.getpid(), signal.SIGTERM)  # what `kill PID` or a cluster scheduler sends


try:
    train.run(small("cut"), on_step=sigterm_in_epoch_two)
except train.Interrupted as e:
    print(e)
resumed = train.resume("cut")
alone = train.run(small("alone"))
print(resumed == alone, resumed["test_acc"] == alone["test_acc"])
