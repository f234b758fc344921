"""nnnotes: the package behind the nnnotes site (what the pages import and ``pip`` ships).

The modules the pages teach, each named after its page::

    activations    activations.md       losses       losses.md
    graph          autograd/graph.md, backward.md, no-grad.md (drawing a live graph)
    engine         autograd/engine.md   optim        optimizers.md
    norm           normalization.md

The MNIST trainer of mnist.md (``python -m nnnotes.train``, ``python -m nnnotes.evaluate``)::

    data           MNIST-format IDX files found, checked and decoded into tensors;
                   python -m nnnotes.data finds or downloads the data sets
    download       torchvision's download, leaving nothing behind when it fails
    models         the MLP
    train/         the trainer, one module per part, in the order it runs
    evaluate       test metrics of a model or of a saved run
    checkpoint     atomic writes, checkpoints that resume a run exactly
    plots          a run's figures (matplotlib, imported only to draw)
    errors         every error a user can meet, with its exit code

``experiments/`` holds the small runs pages show (numbers only: the site build draws them).
"""

__version__ = "0.1.0"
