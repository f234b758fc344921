"""Figures and diagrams of the pages, drawn when the site is built, one module per page.

A page names what it shows by path, so a reader can follow it to the code:

* ``![alt](figures/<module>/<name>.svg)`` is ``sitebuild/figures/<module>.py``, function
  ``<name>() -> matplotlib.figure.Figure``;
* ``<!-- insert: sitebuild/figures/<module>.py::<name> -->`` is replaced by the Markdown that
  ``<name>() -> str`` returns (a Mermaid diagram of a live autograd graph, say).

The functions compute nothing a page does not also print: the numbers come from ``nnnotes``
(its teaching modules and ``nnnotes.experiments``); these modules only draw them.
"""
