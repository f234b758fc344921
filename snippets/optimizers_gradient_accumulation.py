# Gradient accumulation: four backward passes on quarter batches, one step.
import copy

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 1))
twin = copy.deepcopy(model)
x, y = torch.randn(64, 10), torch.randn(64, 1)

# one step on the whole batch of 64
opt = torch.optim.SGD(model.parameters(), lr=0.1)
opt.zero_grad()
nn.functional.mse_loss(model(x), y).backward()
opt.step()

# the same step from 4 micro-batches of 16: backward() adds into .grad each time
accumulate = 4
twin_opt = torch.optim.SGD(twin.parameters(), lr=0.1)
twin_opt.zero_grad()
for xb, yb in zip(x.chunk(accumulate), y.chunk(accumulate)):
    loss = nn.functional.mse_loss(twin(xb), yb) / accumulate  # mean of means = mean of all 64
    loss.backward()
twin_opt.step()

same = all(torch.allclose(p, q, atol=1e-6) for p, q in zip(model.parameters(), twin.parameters()))
print("one batch of 64 == 4 accumulated batches of 16:", same)
