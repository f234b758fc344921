// Render the math that pymdownx.arithmatex leaves in the page, with the KaTeX the site serves
// itself (assets/vendor/katex). Runs again on every page of Material's instant navigation.
document$.subscribe(({ body }) => {
  renderMathInElement(body, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
  });
});
