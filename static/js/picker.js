// Searchable person pickers: a text box above every <select data-searchable>
// that hides the options not matching what is typed (name or employee ID).
(function () {
  "use strict";
  document.querySelectorAll("select[data-searchable]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.placeholder = gettext("Type to find a person");
    box.setAttribute("aria-label", gettext("Find a person in the list below"));
    box.className = "picker-search";
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var words = box.value.toLowerCase().trim().split(/\s+/);
      var first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        var text = option.text.toLowerCase();
        var shown = !option.value || words.every(function (w) { return text.indexOf(w) >= 0; });
        option.hidden = !shown;
        if (shown && option.value && !first) first = option;
      });
      // one match left: choose it, so Enter submits what was searched for
      if (first && box.value) select.value = first.value;
    });
  });
})();
