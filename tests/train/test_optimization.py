"""nnnotes.train.optimization and .threads: the schedule, the optimizers (torch.optim's steps
without torch._dynamo), the thread count, the device."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
import torch

from nnnotes.train import Config, threads
from nnnotes.train.optimization import Optimizer, choose_device, learning_rate, num_threads


def test_cosine_schedule_decays_to_zero():
    cfg = Config(lr=0.1, schedule="cosine")
    assert learning_rate(cfg, 0, 100) == 0.1
    assert math.isclose(learning_rate(cfg, 50, 100), 0.05)
    assert learning_rate(cfg, 100, 100) < 1e-12



def test_warmup_rises_linearly_then_the_cosine_starts_from_the_full_rate():
    cfg = Config(lr=0.1, schedule="cosine")
    assert [learning_rate(cfg, s, 100, warmup_steps=4) for s in range(4)] == \
        pytest.approx([0.025, 0.05, 0.075, 0.1])
    assert learning_rate(cfg, 4, 100, warmup_steps=4) == 0.1
    assert learning_rate(cfg, 100, 100, warmup_steps=4) < 1e-12


def test_num_threads_sets_the_count_inside_and_restores_it_after_even_on_error():
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError):
        with num_threads(1):
            assert torch.get_num_threads() == 1
            raise RuntimeError("boom")
    assert torch.get_num_threads() == before
    with num_threads(None):
        assert torch.get_num_threads() == before


def test_cpu_is_always_a_usable_device():
    assert choose_device("cpu") == torch.device("cpu")
    assert choose_device("auto").type in {"cpu", "cuda", "mps"}


# --- the optimizers: torch.optim's updates without torch.optim.Optimizer ----------------------
def twin_models(seed: int = 0):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(20, 16), torch.nn.ReLU(), torch.nn.Linear(16, 5))
    twin = torch.nn.Sequential(torch.nn.Linear(20, 16), torch.nn.ReLU(), torch.nn.Linear(16, 5))
    twin.load_state_dict(model.state_dict())
    return model, twin


def train_steps(model, optimizer, steps: int = 20, lr=None) -> None:
    g = torch.Generator().manual_seed(1)
    for step in range(steps):
        x, y = torch.randn(32, 20, generator=g), torch.randint(0, 5, (32,), generator=g)
        if lr is not None:  # as the loop sets it: a new rate every step
            rate = lr * (1 - step / steps)
            if isinstance(optimizer, Optimizer):
                optimizer.lr = rate
            else:
                optimizer.param_groups[0]["lr"] = rate
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()


REFERENCES = {  # kind, weight decay: the torch.optim optimizer it must equal, bit for bit
    ("adam", 0.0): lambda p: torch.optim.Adam(p, lr=3e-3, fused=True),
    ("adam", 0.1): lambda p: torch.optim.Adam(p, lr=3e-3, weight_decay=0.1, fused=True),
    ("adamw", 0.1): lambda p: torch.optim.AdamW(p, lr=3e-3, weight_decay=0.1, fused=True),
    ("sgd", 0.0): lambda p: torch.optim.SGD(p, lr=3e-3, fused=True),
    ("momentum", 5e-4): lambda p: torch.optim.SGD(p, lr=3e-3, momentum=0.9, weight_decay=5e-4,
                                                  fused=True),
}


@pytest.mark.parametrize("kind, weight_decay", REFERENCES)
def test_each_optimizer_takes_torch_optims_fused_steps_bit_for_bit(kind, weight_decay):
    model, twin = twin_models()
    train_steps(model, Optimizer(model.parameters(), kind, 3e-3, weight_decay), lr=3e-3)
    train_steps(twin, REFERENCES[kind, weight_decay](twin.parameters()), lr=3e-3)
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), twin.parameters()))


@pytest.mark.parametrize("kind, weight_decay", REFERENCES)
def test_optimizer_state_loads_into_torch_optim_and_back(kind, weight_decay):
    model, twin = twin_models()
    ours = Optimizer(model.parameters(), kind, 3e-3, weight_decay)
    train_steps(model, ours, steps=5)
    reference = REFERENCES[kind, weight_decay](twin.parameters())
    twin.load_state_dict(model.state_dict())
    reference.load_state_dict(ours.state_dict())  # ours -> torch.optim
    again = Optimizer(model.parameters(), kind, 3e-3, weight_decay)
    again.load_state_dict(reference.state_dict())  # torch.optim -> ours
    train_steps(model, again, steps=5)
    train_steps(twin, reference, steps=5)
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), twin.parameters()))


def test_the_trainer_and_its_optimizer_never_import_torch_dynamo():
    # torch.optim.Optimizer imports torch._dynamo in its constructor: 1-2 s and ~150 MB
    code = ("import sys, torch, nnnotes.train, nnnotes.train.runs\n"
            "from nnnotes.train.optimization import make_optimizer\n"
            "from nnnotes.models import MLP\n"
            "m = MLP.for_images((16,))\n"
            "o = make_optimizer(m, nnnotes.train.Config())\n"
            "torch.nn.functional.cross_entropy(m(torch.rand(4, 784)), torch.tensor([0, 1, 2, 3])).backward()\n"
            "o.step(); o.state_dict()\n"
            "print('torch._dynamo' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_functional_optimizer_does_import_dynamo_in_torch_optim_but_not_here():
    # the reason for nnnotes.train.optimization: what torch.optim's constructor does
    code = ("import sys, torch\n"
            "torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=0.1)\n"
            "print('torch._dynamo' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"


# --- threads -------------------------------------------------------------------------------
def test_the_probe_chooses_one_thread_or_all_of_them_and_sets_it():
    before = torch.get_num_threads()
    try:
        chosen = threads.probe(2)
        assert chosen in (1, 2) and torch.get_num_threads() == chosen
        assert threads.probe(1) == 1
    finally:
        torch.set_num_threads(before)


def test_the_governor_probes_again_when_a_window_of_steps_runs_far_slower(monkeypatch):
    clock = {"now": 0.0}
    probes = []
    monkeypatch.setattr(threads.time, "perf_counter", lambda: clock["now"])
    monkeypatch.setattr(threads, "probe", lambda n: probes.append(n) or 2)
    governor = threads.ThreadGovernor(2)
    for seconds_per_step in [0.01] * 3 * threads.WINDOW + [0.04] * threads.WINDOW:
        clock["now"] += seconds_per_step
        governor.step()
    assert len(probes) == 2  # at the start, and once the window ran 4x slower


def test_the_governor_probes_again_from_time_to_time_while_it_uses_fewer_threads(monkeypatch):
    clock = {"now": 0.0}
    answers = iter([1, 1, 2])
    monkeypatch.setattr(threads.time, "perf_counter", lambda: clock["now"])
    monkeypatch.setattr(threads, "probe", lambda n: next(answers))
    governor = threads.ThreadGovernor(2)
    steps = int(2.5 * threads.RECHECK_SECONDS / 0.01)
    for _ in range(steps):  # steady steps of 10 ms: only the periodic check probes
        clock["now"] += 0.01
        governor.step()
    assert governor.threads == 2 and governor.probes == 3
