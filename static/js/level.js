// The access level's week: copy Monday's windows to Tuesday..Friday in one click.
(function () {
  "use strict";
  var button = document.querySelector(".week-copy");
  if (!button) return;
  button.addEventListener("click", function () {
    var monday = document.querySelectorAll('tr[data-day="1"] input');
    [2, 3, 4, 5].forEach(function (day) {
      var inputs = document.querySelectorAll('tr[data-day="' + day + '"] input');
      Array.prototype.forEach.call(inputs, function (input, i) { input.value = monday[i].value; });
    });
  });
})();
