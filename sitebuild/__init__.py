"""The site build: everything that turns ``docs/`` into the website and tests its pages.

Not part of the ``nnnotes`` package (``pip`` does not ship it). ``pages`` reads a page's code
blocks; ``figures/`` draws the figures and diagrams pages show, one module per page or section;
``hooks/`` are the MkDocs hooks listed in ``mkdocs.yml``. See README.md, "How the site is built".
"""
