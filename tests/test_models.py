"""nnnotes.models.MLP: layer order, flattening, train/eval behaviour."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nnnotes.models import MLP


def test_default_mlp_is_784_128_64_10_with_relu():
    model = MLP()
    linears = [m for m in model if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(784, 128), (128, 64), (64, 10)]
    assert sum(isinstance(m, nn.ReLU) for m in model) == 2
    assert sum(p.numel() for p in model.parameters()) == 109_386


def test_mlp_flattens_images_and_returns_the_last_linear_layers_output_as_logits():
    model, x = MLP(), torch.rand(5, 1, 28, 28)
    logits = model(x)
    assert logits.shape == (5, 10) and isinstance(model[-1], nn.Linear)
    assert torch.equal(logits, model[-1](nn.Sequential(*list(model)[:-1])(x)))  # nothing after it
    assert not torch.allclose(logits.exp().sum(1), torch.ones(5))  # not log-probabilities
    assert not torch.allclose(logits.sum(1), torch.ones(5))  # not probabilities


def test_for_images_adds_the_784_inputs_and_10_classes_around_the_hidden_sizes():
    model = MLP.for_images((32,), dropout=0.1, batchnorm=True)
    assert model.sizes == (784, 32, 10)
    assert [type(m).__name__ for m in model] == ["Flatten", "Linear", "BatchNorm1d", "ReLU",
                                                  "Dropout", "Linear"]


def test_hidden_layer_order_is_linear_batchnorm_relu_dropout():
    kinds = [type(m).__name__ for m in MLP((6, 5, 4, 3), dropout=0.2, batchnorm=True)]
    assert kinds == ["Flatten", "Linear", "BatchNorm1d", "ReLU", "Dropout",
                     "Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear"]


def test_dropout_is_random_in_train_mode_and_off_in_eval_mode():
    model, x = MLP((20, 50, 3), dropout=0.5), torch.randn(4, 20)
    model.train()
    assert not torch.equal(model(x), model(x))
    model.eval()
    assert torch.equal(model(x), model(x))


def test_bad_sizes_or_dropout_are_rejected():
    with pytest.raises(ValueError, match="sizes"):
        MLP((784,))
    with pytest.raises(ValueError, match="dropout"):
        MLP(dropout=1.0)
