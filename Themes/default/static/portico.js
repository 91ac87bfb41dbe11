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
})();
