// Render the math that pymdownx.arithmatex leaves in the page, with the KaTeX the site serves
// itself (assets/vendor/katex), loaded only when a page has math, on its first page with math.
// Runs again on every page of Material's instant navigation. A display equation wider than the
// column is set smaller to fit, down to 80 %; one wider still scrolls inside its own box
// (docs/stylesheets/nnnotes.css), which the keyboard can reach: it is never cut off.
(() => {
  const root = new URL("../assets/vendor/katex/", document.currentScript.src);
  const load = (tag, attributes) => new Promise((resolve, reject) => {
    document.head.appendChild(Object.assign(document.createElement(tag), attributes, { onload: resolve, onerror: reject }));
  });
  let katex = null;
  const ready = () => katex ||= Promise.all([
    load("link", { rel: "stylesheet", href: new URL("katex.min.css", root) }),  // measured below: wait for it
    load("script", { src: new URL("katex.min.js", root) }).then(() => load("script", { src: new URL("contrib/auto-render.min.js", root) })),
  ]);

  const fit = (body) => {
    for (const display of body.querySelectorAll(".katex-display")) {
      display.style.fontSize = "";
      const ratio = display.clientWidth / display.scrollWidth;
      if (ratio < 1) display.style.fontSize = `${Math.max(0.8, Math.floor(ratio * 100) / 100)}em`;
      if (display.scrollWidth > display.clientWidth + 1) display.tabIndex = 0;
      else display.removeAttribute("tabindex");
    }
  };

  document$.subscribe(({ body }) => {
    if (!body.querySelector(".arithmatex")) return;
    ready().then(() => {
      renderMathInElement(body, {
        delimiters: [
          { left: "$$", right: "$$", display: true },
          { left: "$", right: "$", display: false },
          { left: "\\(", right: "\\)", display: false },
          { left: "\\[", right: "\\]", display: true },
        ],
      });
      // KaTeX's fonts arrive after the first render, and change the widths: measure after them
      document.fonts.ready.then(() => {
        fit(body);
        document.documentElement.dataset.nnnotesMath = "rendered";
      });
    });
  });
  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => fit(document.body), 200);
  });
})();
