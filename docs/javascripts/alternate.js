// The language switcher leads to this page's twin (see overrides/main.html): after every page
// load, including Material's instant navigation, copy the twins' links into the header, and
// load the other language as a full page so that its header, navigation and search follow.
document$.subscribe(() => {
  for (const twin of document.querySelectorAll("[data-nnnotes-alternate] a")) {
    const link = document.querySelector(`.md-select__link[hreflang="${twin.getAttribute("hreflang")}"]`);
    if (link) link.href = twin.href;
  }
});
document.addEventListener("click", (event) => {
  const link = event.target instanceof Element && event.target.closest(".md-select__link[hreflang]");
  if (link) {
    event.preventDefault();
    event.stopImmediatePropagation();
    window.location.assign(link.href);
  }
}, true);
