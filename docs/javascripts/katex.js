// Render the math that pymdownx.arithmatex leaves in the page, with the KaTeX the site serves
// itself (assets/vendor/katex), loaded only when a page has math, on its first page with math.
// Runs again on every page of Material's instant navigation. A display equation wider than the
// column is set smaller to fit, down to 80 %; one wider still scrolls inside its own box
// (docs/stylesheets/nnnotes.css), which the keyboard can reach: it is never cut off.
(() => {
  const root = new URL("../assets/vendor/katex/", document.currentScript.src);
  const script = (src) => new Promise((resolve, reject) => {
    const el = Object.assign(document.createElement("script"), { src, onload: resolve, onerror: reject });
    document.head.appendChild(el);
  });
  const style = (href) => document.head.appendChild(Object.assign(document.createElement("link"), { rel: "stylesheet", href }));
  let katex = null;
  const load = () => katex ||= (style(new URL("katex.min.css", root)),
    script(new URL("katex.min.js", root)).then(() => script(new URL("contrib/auto-render.min.js", root))));

  document$.subscribe(({ body }) => {
    if (!body.querySelector(".arithmatex")) return;
    load().then(() => {
      renderMathInElement(body, {
        delimiters: [
          { left: "$$", right: "$$", display: true },
          { left: "$", right: "$", display: false },
          { left: "\\(", right: "\\)", display: false },
          { left: "\\[", right: "\\]", display: true },
        ],
      });
      for (const display of body.querySelectorAll(".katex-display")) {
        // too wide: smaller type, down to 80 %; still too wide: it scrolls (and takes focus)
        const fit = display.clientWidth / display.scrollWidth;
        if (fit < 1) display.style.fontSize = `${Math.max(0.8, Math.floor(fit * 100) / 100)}em`;
        if (display.scrollWidth > display.clientWidth + 1) display.tabIndex = 0;
      }
      document.documentElement.dataset.nnnotesMath = "rendered";
    });
  });
})();
