// Searchable person pickers: a text box above every <select data-searchable>
// that hides the options not matching what is typed (name or employee ID).
(function () {
  "use strict";
  // lower case, accents and tone marks dropped, tone numbers too: "Dvořák" -> "dvorak", "zhang1 wei3" -> "zhang wei"
  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/ł/g, "l").replace(/ø/g, "o").replace(/ß/g, "ss")
      .replace(/([a-z])[1-5](?![0-9])/g, "$1").trim();
  }
  document.querySelectorAll("select[data-searchable]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.placeholder = gettext("Type to find a person");
    box.setAttribute("aria-label", gettext("Find a person in the list below"));
    box.className = "picker-search";
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      // as the people search: any case, accents optional, pinyin without tones (data-search holds the spellings)
      var words = fold(box.value).split(/\s+/).filter(Boolean);
      var first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        var text = fold(option.text) + " | " + (option.dataset.search || "");
        var shown = !option.value || words.every(function (w) { return text.indexOf(w) >= 0; });
        option.hidden = !shown;
        if (shown && option.value && !first) first = option;
      });
      // one match left: choose it, so Enter submits what was searched for
      if (first && box.value) select.value = first.value;
    });
  });
})();
