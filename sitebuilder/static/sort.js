// Sort the Full Salary Index table by a column (vanilla JS; without it the table keeps its built order).
(function () {
  "use strict";
  var table = document.getElementById("salary-index");
  if (!table) return;
  var body = table.tBodies[0];
  table.querySelectorAll("button[data-sort-col]").forEach(function (button) {
    button.addEventListener("click", function () {
      var col = Number(button.getAttribute("data-sort-col"));
      var numeric = button.hasAttribute("data-numeric");
      var th = button.parentElement;
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th[aria-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col], y = b.cells[col];
        var cmp;
        if (numeric) {
          var vx = parseFloat(x.getAttribute("data-value")), vy = parseFloat(y.getAttribute("data-value"));
          vx = isNaN(vx) ? -Infinity : vx; vy = isNaN(vy) ? -Infinity : vy;
          cmp = vx - vy;
        } else {
          cmp = x.textContent.localeCompare(y.textContent);
        }
        return ascending ? cmp : -cmp;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
})();
