// A Print button (the muster list): no inline handler, the CSP forbids them.
(function () {
  var button = document.getElementById("print-page");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
