// Keep the header's language switcher pointing at this page's twin after instant navigation
// (see overrides/main.html).
document$.subscribe(() => {
  for (const twin of document.querySelectorAll("[data-nnnotes-alternate] a")) {
    const link = document.querySelector(`.md-select__link[hreflang="${twin.getAttribute("hreflang")}"]`);
    if (link) link.href = twin.href;
  }
});
