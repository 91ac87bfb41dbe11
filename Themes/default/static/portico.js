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

  // Draft work orders save themselves every 30 seconds while they change.
  var form = document.querySelector("form[data-autosave], form[data-autosave-new]");
  if (form && window.fetch && window.FormData) {
    var status = document.getElementById("autosave-status");
    var fields = function () {
      var data = new URLSearchParams(new FormData(form));
      data.delete("action");
      data.delete("attachments"); // files go with the form itself, never with an auto-save
      return data;
    };
    var saved = fields().toString();
    var say = function (text) { if (status) { status.textContent = text; } };
    var ensureHidden = function (name, value) {
      var input = form.querySelector("input[name='" + name + "']");
      if (!input) {
        input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        form.appendChild(input);
      }
      input.value = value;
    };
    window.setInterval(function () {
      var data = fields();
      if (data.toString() === saved) { return; }
      var url = form.getAttribute("data-autosave");
      if (!url) {
        url = form.getAttribute("data-autosave-new");
        data.set("autosave", "1");
      }
      fetch(url, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" }
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (result) {
        ensureHidden("version", result.version);
        if (result.edit_url) {
          form.setAttribute("action", result.edit_url);
          form.setAttribute("data-autosave", result.autosave_url);
          form.removeAttribute("data-autosave-new");
          ensureHidden("loaded_at", new Date().toISOString().replace(/\.\d{3}Z$/, "Z"));
          window.history.replaceState(null, "", result.edit_url);
        }
        saved = fields().toString();
        say("Draft saved automatically at " + new Date().toLocaleTimeString() + ".");
      }).catch(function () {
        say("The draft could not be saved automatically. Use “Save draft”.");
      });
    }, 30000);
  }

  // Live updates: when the server announces a change, refresh the marked parts of the page.
  var live = document.querySelector("[data-live-source]");
  if (live && window.EventSource && window.fetch && window.DOMParser) {
    var source = new EventSource(live.getAttribute("data-live-source"));
    var refresh = function () {
      fetch(window.location.pathname + window.location.search, { credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html");
          ["live-region", "live-comments", "live-list"].forEach(function (id) {
            var replacement = fresh.getElementById(id);
            var current = document.getElementById(id);
            if (replacement && current) { current.replaceWith(replacement); }
          });
        });
    };
    source.addEventListener("update", refresh);
  }

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
