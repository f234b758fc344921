"""The project's multi-layer perceptron."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from nnnotes.data import NUM_CLASSES, PIXELS


class MLP(nn.Sequential):
    """A multi-layer perceptron that flattens its input.

    ``sizes=(784, 128, 64, 10)`` gives ``Linear(784, 128)``, ``Linear(128, 64)`` and
    ``Linear(64, 10)``. Each hidden layer is ``Linear -> [BatchNorm1d] -> ReLU -> [Dropout]``;
    the last layer is a bare ``Linear`` that returns logits (``nn.CrossEntropyLoss`` applies
    log-softmax itself, so the model must not).

    >>> MLP((4, 3, 2), dropout=0.5, batchnorm=True)
    MLP(
      (0): Flatten(start_dim=1, end_dim=-1)
      (1): Linear(in_features=4, out_features=3, bias=True)
      (2): BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
      (3): ReLU()
      (4): Dropout(p=0.5, inplace=False)
      (5): Linear(in_features=3, out_features=2, bias=True)
    )
    """

    def __init__(self, sizes: Sequence[int] = (784, 128, 64, 10), dropout: float = 0.0,
                 batchnorm: bool = False) -> None:
        if len(sizes) < 2:
            raise ValueError(f"sizes needs an input and an output size, got {tuple(sizes)}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        layers: list[nn.Module] = [nn.Flatten()]
        for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
            layers.append(nn.Linear(n_in, n_out))
            if batchnorm:
                layers.append(nn.BatchNorm1d(n_out))
            layers.append(nn.ReLU())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear(sizes[-2], sizes[-1]))
        super().__init__(*layers)
        self.sizes = tuple(sizes)

    @classmethod
    def for_images(cls, hidden: Sequence[int], dropout: float = 0.0,
                   batchnorm: bool = False) -> MLP:
        """The MLP for 28x28 images and 10 classes with these hidden sizes: what the trainer
        trains and what a checkpoint is loaded into.

        >>> MLP.for_images((128, 64)).sizes
        (784, 128, 64, 10)
        """
        return cls((PIXELS, *hidden, NUM_CLASSES), dropout, batchnorm)
