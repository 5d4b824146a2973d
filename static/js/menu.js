// The Menu button on narrow screens: shows or hides the navigation (no inline handler: the CSP forbids them).
(function () {
  var button = document.querySelector(".menu-button");
  if (!button) return;
  button.addEventListener("click", function () {
    var open = document.body.classList.toggle("menu-open");
    button.setAttribute("aria-expanded", String(open));
  });
})();
