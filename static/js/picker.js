// Searchable person pickers: a text box above every <select data-searchable>
// that hides the options not matching what is typed (name or employee ID).
// A picker with data-pick-url lists nobody in the page (too many people): what is
// typed is looked up there, and the matches become its options.
(function () {
  "use strict";
  // lower case, accents and tone marks dropped, tone numbers too: "Dvořák" -> "dvorak", "zhang1 wei3" -> "zhang wei"
  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/ł/g, "l").replace(/ø/g, "o").replace(/ß/g, "ss")
      .replace(/([a-z])[1-5](?![0-9])/g, "$1").trim();
  }

  function filter(select, box) {
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
    // (not in a looked-up multiple choice: that would drop the people chosen before)
    if (first && box.value && !(select.multiple && select.dataset.pickUrl)) select.value = first.value;
  }

  function lookUp(select, box) {
    var asked = box.value;
    if (!asked.trim()) return;
    var url = select.dataset.pickUrl + "&q=" + encodeURIComponent(asked);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (!answer || box.value !== asked) return; // a later word is on its way
        // the chosen ones and the empty choice stay; the earlier matches give way to these
        Array.prototype.slice.call(select.options).forEach(function (option) {
          if (option.value && !option.selected) option.remove();
        });
        answer.people.forEach(function (person) {
          if (select.querySelector('option[value="' + person.id + '"]')) return;
          var option = new Option(person.label, person.id);
          option.dataset.search = person.search;
          select.add(option);
        });
        filter(select, box);
        select.dispatchEvent(new Event("picker:found"));
      })
      .catch(function () { /* offline for a moment: keep what is listed */ });
  }

  document.querySelectorAll("select[data-searchable]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.placeholder = gettext("Type to find a person");
    box.setAttribute("aria-label", gettext("Find a person in the list below"));
    box.className = "picker-search";
    select.parentNode.insertBefore(box, select);
    var timer = null;
    box.addEventListener("input", function () {
      if (!select.dataset.pickUrl) { filter(select, box); return; }
      clearTimeout(timer);
      timer = setTimeout(function () { lookUp(select, box); }, 200);
    });
  });
})();
