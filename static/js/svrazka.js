// Small behaviours for Svrazka pages. No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // "Select all on this page" in list tables.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.classList || !box.classList.contains("select-all")) return;
    var form = box.closest("form");
    form.querySelectorAll('input[type=checkbox][name=ids]').forEach(function (b) {
      b.checked = box.checked;
    });
  });

  // Forms that ask before they act: <form data-confirm="Question?">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // A list whose filters htmx applies keeps "no results" and pages in step with the URL.
  document.addEventListener("htmx:responseError", function (event) {
    var target = event.detail.target;
    if (target) target.setAttribute("aria-busy", "false");
  });
})();
