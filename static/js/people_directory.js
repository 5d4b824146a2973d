// The directory: one box ticks or unticks everyone on the page for a bulk action.
(function () {
  "use strict";
  var all = document.getElementById("tick-all");
  if (!all) return;
  all.addEventListener("change", function () {
    document.querySelectorAll('#bulk-form input[name="people"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });
})();
