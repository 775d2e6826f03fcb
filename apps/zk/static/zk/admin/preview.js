// The note body's live preview in the admin: markdown-it (vendored), raw HTML off, as the
// server renders (apps/zk/rendering.py). Re-rendered as the author types.
"use strict";
(function () {
  function attach(preview) {
    var source = document.getElementById(preview.dataset.zkPreviewFor);
    if (!source || typeof window.markdownit !== "function") { return; }
    var md = window.markdownit({ html: false, linkify: false, typographer: false });
    var render = function () { preview.innerHTML = md.render(source.value); };
    source.addEventListener("input", render);
    render();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-zk-preview-for]").forEach(attach);
  });
})();
