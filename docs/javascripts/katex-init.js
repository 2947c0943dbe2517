// Render the formulas pymdownx.arithmatex left in the page (generic mode): each one is an
// element of class "arithmatex" holding \( ... \) (inline) or \[ ... \] (display).
// KaTeX itself is vendored in docs/vendor/, so this works without a network.
(function () {
  "use strict";

  function strip(tex) {
    tex = tex.trim();
    var display = tex.startsWith("\\[") && tex.endsWith("\\]");
    if (display || (tex.startsWith("\\(") && tex.endsWith("\\)"))) {
      tex = tex.slice(2, -2);
    }
    return { tex: tex, display: display };
  }

  function renderAll(root) {
    if (typeof katex === "undefined") {
      return;
    }
    root.querySelectorAll(".arithmatex").forEach(function (el) {
      if (el.dataset.katexDone) {
        return;
      }
      var parsed = strip(el.textContent);
      var display = parsed.display || el.tagName === "DIV";
      katex.render(parsed.tex, el, { displayMode: display, throwOnError: false, strict: "ignore" });
      el.dataset.katexDone = "1";
    });
  }

  // Material's instant navigation announces new pages through document$; without it, the
  // page is rendered once when it has loaded.
  if (typeof document$ !== "undefined") {
    document$.subscribe(function () { renderAll(document.body); });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { renderAll(document.body); });
  } else {
    renderAll(document.body);
  }
})();
