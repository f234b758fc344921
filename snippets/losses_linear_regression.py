"""Linear regression trained twice: with the hand-derived MSE gradient and with autograd."""

import torch

from nnnotes.losses import linear_mse_grad, mse

g = torch.Generator().manual_seed(0)
x = torch.randn(100, 3, generator=g)
true_w, true_b = torch.tensor([2.0, -1.0, 0.5]), 0.3
y = x @ true_w + true_b + 0.1 * torch.randn(100, generator=g)

lr = 0.1
w_hand, b_hand = torch.zeros(3), torch.zeros(())
w_auto = torch.zeros(3, requires_grad=True)
b_auto = torch.zeros((), requires_grad=True)
for step in range(200):
    # by hand: dL/dtheta = -(2/N) sum (y - f) df/dtheta
    grad_w, grad_b = linear_mse_grad(x, y, w_hand, b_hand)
    w_hand, b_hand = w_hand - lr * grad_w, b_hand - lr * grad_b
    # by autograd
    loss = mse(x @ w_auto + b_auto, y)
    loss.backward()
    with torch.no_grad():
        w_auto -= lr * w_auto.grad
        b_auto -= lr * b_auto.grad
    w_auto.grad = None
    b_auto.grad = None

print("hand-written:", [round(v, 3) for v in w_hand.tolist()], round(b_hand.item(), 3))
print("autograd:    ", [round(v, 3) for v in w_auto.tolist()], round(b_auto.item(), 3))
print("same weights:", torch.allclose(w_hand, w_auto, atol=1e-6), torch.allclose(b_hand, b_auto, atol=1e-6))
print(f"final loss: {mse(x @ w_hand + b_hand, y):.4f}")
