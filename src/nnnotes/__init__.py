"""nnnotes: the package behind the nnnotes site.

Each module is named after the concept it teaches and mirrors a page of the site:
``activations`` (activations.md), ``losses`` (losses.md), ``graph`` and ``engine``
(autograd/), ``optim`` (optimizers.md), ``norm`` (normalization.md), ``data``, ``models``
and ``train`` (mnist.md).
"""

__version__ = "0.1.0"
