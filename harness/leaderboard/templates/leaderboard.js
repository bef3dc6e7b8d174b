(function () {
  "use strict";
  // Sorts the rows of every table.sortable by a clicked column, on the cells' data-sort values. It only moves
  // existing rows: it never builds markup from text.
  function key(cell, numeric) {
    var raw = cell ? cell.getAttribute("data-sort") : null;
    if (raw === null || raw === "") {
      return null;
    }
    if (!numeric) {
      return raw.toLowerCase();
    }
    var value = parseFloat(raw);
    return isNaN(value) ? null : value;
  }
  function sortBy(table, header, column) {
    var numeric = header.getAttribute("data-type") === "num";
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[column], numeric);
      var y = key(b.cells[column], numeric);
      if (x === null || y === null) {
        return (x === null) - (y === null); // missing values last, either way
      }
      var order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    rows.forEach(function (row) {
      body.appendChild(row);
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, column) {
      header.tabIndex = 0;
      header.addEventListener("click", function (event) {
        if (event.target.closest("a")) {
          return; // a link in the header (the judge's card) navigates, it does not sort
        }
        sortBy(table, header, column);
      });
      header.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          sortBy(table, header, column);
        }
      });
    });
  });
  document.documentElement.setAttribute("data-rendered", "yes");
})();
