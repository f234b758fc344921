// Mermaid (3.5 MB) is loaded only by a page that has a diagram. Material draws each diagram with
// the global `mermaid` when there is one, and otherwise fetches Mermaid from unpkg.com (a CDN the
// site never uses, see README). This stand-in is that global: it remembers Material's settings
// and, on the first diagram, loads the site's own copy (assets/vendor/mermaid), which replaces it.
(() => {
  if (typeof window.mermaid !== "undefined") return;
  const src = new URL("../assets/vendor/mermaid/mermaid.min.js", document.currentScript.src);
  let settings = {};
  let loading = null;
  const load = () => loading ||= new Promise((resolve, reject) => {
    const el = Object.assign(document.createElement("script"), { src, onerror: reject });
    el.onload = () => { window.mermaid.initialize(settings); resolve(window.mermaid); };
    document.head.appendChild(el);
  });
  window.mermaid = {
    initialize(options) { settings = options; },
    render(...args) { return load().then((mermaid) => mermaid.render(...args)); },
  };
})();
