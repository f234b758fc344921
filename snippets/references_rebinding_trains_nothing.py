# Two hand-written SGD loops that differ in one character: `p -= ...` versus `p = p - ...`.
import torch
from torch import nn


def sgd_in_place(params, lr):
    """Change each parameter object itself: the model sees it."""
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad


def sgd_rebinding(params, lr):
    """Compute new tensors and bind the loop variable to them: the model never sees them."""
    with torch.no_grad():
        for p in params:
            p = p - lr * p.grad  # noqa: F841 (the point: this result is thrown away)


def train(update, steps=50, lr=0.1):
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    first = nn.functional.mse_loss(model(x), y).item()
    for _ in range(steps):
        model.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        update(model.parameters(), lr)
    last = nn.functional.mse_loss(model(x), y).item()
    return first, last


for update in (sgd_in_place, sgd_rebinding):
    first, last = train(update)
    print(f"{update.__name__:14s} loss {first:.4f} -> {last:.4f}")
