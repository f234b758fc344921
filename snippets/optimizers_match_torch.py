# nnnotes.optim against torch.optim: same float64 model, same data, 100 steps each.
import copy

import torch
from torch import nn

from nnnotes import optim

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1)).double()
x, y = torch.randn(64, 5, dtype=torch.float64), torch.randn(64, 1, dtype=torch.float64)

pairs = {
    "SGD": (optim.SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    "RMSprop": (optim.RMSprop, torch.optim.RMSprop, dict(lr=0.003, alpha=0.9, centered=True)),
    "Adam": (optim.Adam, torch.optim.Adam, dict(lr=0.01, betas=(0.8, 0.99))),
    "AdamW": (optim.AdamW, torch.optim.AdamW, dict(lr=0.01, weight_decay=0.1)),
}
for name, (ours, theirs, hyper) in pairs.items():
    a, b = copy.deepcopy(model), copy.deepcopy(model)
    opt_a, opt_b = ours(a.parameters(), **hyper), theirs(b.parameters(), **hyper)
    for step in range(100):
        batch = slice(16 * (step % 4), 16 * (step % 4) + 16)
        for net, opt in ((a, opt_a), (b, opt_b)):
            opt.zero_grad()
            nn.functional.mse_loss(net(x[batch]), y[batch]).backward()
            opt.step()
    diff = max((p - q).abs().max().item() for p, q in zip(a.parameters(), b.parameters()))
    moved = max((p - q).abs().max().item() for p, q in zip(a.parameters(), model.parameters()))
    print(f"{name:8s} moved {moved:.2f}, max |ours - torch| < 1e-12: {diff < 1e-12}")
