// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Close the small-screen menu when a link in it is chosen.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".menu__nav a");
    if (link) {
      var menu = link.closest("details");
      if (menu) { menu.removeAttribute("open"); }
    }
  });
  // Wide screens show the menu's links without its toggle (CSS, through ::details-content);
  // in an engine without ::details-content, open the menu there instead.
  if (window.CSS && CSS.supports && !CSS.supports("selector(::details-content)") && window.matchMedia) {
    var wide = window.matchMedia("(min-width: 60rem)");
    var sync = function () {
      Array.prototype.forEach.call(document.querySelectorAll("details.menu"), function (menu) { menu.open = wide.matches; });
    };
    sync();
    if (wide.addEventListener) { wide.addEventListener("change", sync); }
  }
})();
