"""nnnotes.train.optimization: the learning-rate schedule, the thread count, the device."""

from __future__ import annotations

import math

import pytest
import torch

from nnnotes.train import Config
from nnnotes.train.optimization import choose_device, learning_rate, num_threads


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
