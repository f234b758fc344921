"""Small experiments the pages run: each returns numbers, never a drawing.

One module per page: :mod:`~nnnotes.experiments.optimizers` (optimizers.md),
:mod:`~nnnotes.experiments.normalization` (normalization.md), :mod:`~nnnotes.experiments.mnist`
(mnist.md). The site build draws their results (``sitebuild/figures/``); the pages print them in
checked code blocks, so a figure and the sentence about it come from the same computation.
Each one runs on one CPU thread with its own random state, and leaves the caller's alone.
"""
