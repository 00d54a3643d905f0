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

// The partnership board: drag a card to another column to move it to that step of the flow.
// Each card also has a "Move to" form, so the keyboard (and no JavaScript) works too.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || !board.dataset.editable) return;
  var dragged = null;
  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".board-card");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.id);
  });
  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    board.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
    dragged = null;
  });
  board.addEventListener("dragover", function (event) {
    var column = event.target.closest && event.target.closest(".board-column");
    if (!column || !dragged) return;
    event.preventDefault();
    board.querySelectorAll(".drop-target").forEach(function (c) {
      if (c !== column) c.classList.remove("drop-target");
    });
    column.classList.add("drop-target");
  });
  board.addEventListener("drop", function (event) {
    var column = event.target.closest && event.target.closest(".board-column");
    if (!column || !dragged) return;
    event.preventDefault();
    var before = event.target.closest(".board-card");
    var list = column.querySelector(".cards");
    var card = dragged;
    list.insertBefore(card, before && before !== card ? before : null);
    var select = card.querySelector("select[name=step]");
    if (select) select.value = column.dataset.step;
    var url = board.dataset.moveUrlTemplate.replace("/0/", "/" + card.dataset.id + "/");
    var values = { step: column.dataset.step };
    if (before && before !== card) values.before = before.dataset.id;
    htmx.ajax("POST", url, { values: values, swap: "none" }).then(function () {
      column.classList.remove("drop-target");
    });
  });
})();

// Logging a touchpoint: a person found by the search and ticked joins the participants (so the
// next search does not lose them); "L" anywhere outside a text field opens the log form.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    var results = box.closest && box.closest("#people-results");
    if (!results || !box.checked) return;
    var participants = document.getElementById("participants");
    if (participants) participants.appendChild(box.closest("label"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "l" && event.key !== "L") return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var t = event.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var link = document.getElementById("log-touchpoint");
    if (link) link.click();
  });
})();
