// 巡指: page behaviour kept out of the HTML, so that the Content-Security-Policy can forbid
// inline scripts and styles (script-src 'self'; style-src 'self').
(function () {
  "use strict";

  // <select data-xz-autosubmit>: choosing a value submits its form (the dashboard's unit).
  document.addEventListener("change", function (event) {
    var field = event.target.closest && event.target.closest("[data-xz-autosubmit]");
    if (field && field.form) {
      field.form.submit();
    }
  });

  // <form data-xz-open-values="/values/">: opens /values/<unit>/<period>/.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-xz-open-values]")) {
      return;
    }
    event.preventDefault();
    window.location.href =
      form.getAttribute("data-xz-open-values") +
      encodeURIComponent(form.elements.unit.value) + "/" +
      encodeURIComponent(form.elements.period.value) + "/";
  });

  // data-xz-width="40": a progress bar's width, set through the CSSOM (allowed by the policy,
  // unlike a style attribute); again on every fragment htmx swaps in.
  function widths(root) {
    var bars = root.querySelectorAll ? root.querySelectorAll("[data-xz-width]") : [];
    if (root.matches && root.matches("[data-xz-width]")) {
      bars = [root].concat(Array.prototype.slice.call(bars));
    }
    Array.prototype.forEach.call(bars, function (bar) {
      bar.style.width = bar.getAttribute("data-xz-width") + "%";
    });
  }
  if (window.htmx) {
    window.htmx.onLoad(widths);
  } else {
    document.addEventListener("DOMContentLoaded", function () { widths(document); });
  }
})();
