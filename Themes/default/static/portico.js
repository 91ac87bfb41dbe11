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

  // Branding editor: the preview follows what is typed (colours through a scoped stylesheet
  // the server renders, texts directly), and the contrast table is recomputed as you type
  // with the same WCAG arithmetic the server enforces on save.
  var brandingForm = document.querySelector("[data-branding-form]");
  if (brandingForm) {
    var previewCss = document.getElementById("brand-preview-css");
    var colorNames = ["color_primary", "color_secondary", "color_accent", "color_background", "color_text"];
    var parseHex = function (text) {
      var m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec((text || "").trim());
      if (!m) { return null; }
      var h = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
      return [0, 2, 4].map(function (i) { return parseInt(h.substr(i, 2), 16); });
    };
    var luminance = function (rgb) {
      var c = rgb.map(function (v) { v = v / 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
      return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    };
    var contrast = function (a, b) {
      var la = luminance(a), lb = luminance(b);
      return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
    };
    var bestText = function (rgb) {
      var white = [255, 255, 255], black = [17, 24, 39];
      return contrast(rgb, white) >= contrast(rgb, black) ? white : black;
    };
    var value = function (name) { var el = brandingForm.elements[name]; return el ? el.value : ""; };
    var timer = null;
    var update = function () {
      var query = colorNames.map(function (n) { return n + "=" + encodeURIComponent(value(n)); }).join("&");
      if (previewCss) { previewCss.href = "/admin/branding/preview.css?" + query; }
      Array.prototype.forEach.call(document.querySelectorAll("[data-preview]"), function (el) {
        el.textContent = value(el.getAttribute("data-preview"));
      });
      var c = {};
      colorNames.forEach(function (n) { c[n] = parseHex(value(n)); });
      var rows = document.querySelectorAll("#contrast-table tbody tr");
      if (colorNames.every(function (n) { return c[n]; }) && rows.length === 6) {
        var bg = c.color_background;
        var pairs = [[c.color_text, bg, 4.5], [c.color_primary, bg, 4.5], [bestText(c.color_primary), c.color_primary, 4.5],
                     [c.color_secondary, bg, 4.5], [c.color_accent, bg, 3], [bestText(c.color_accent), c.color_accent, 4.5]];
        pairs.forEach(function (pair, i) {
          var ratio = contrast(pair[0], pair[1]);
          var cells = rows[i].querySelectorAll("td");
          cells[1].textContent = (Math.floor(ratio * 10) / 10).toFixed(1) + ":1";
          var ok = ratio >= pair[2];
          // The verdicts in the page's language, from the table's data attributes.
          var table = document.getElementById("contrast-table");
          var badge = document.createElement("span");
          badge.className = ok ? "badge badge--approved" : "badge badge--rejected";
          badge.textContent = ok ? table.getAttribute("data-legible") : table.getAttribute("data-too-faint");
          cells[3].replaceChildren(badge);
        });
      }
    };
    brandingForm.addEventListener("input", function (event) {
      var picker = event.target.getAttribute("data-color-picker");
      if (picker) { document.getElementById(picker).value = event.target.value; }
      if (event.target.hasAttribute("data-color-field")) {
        var rgb = parseHex(event.target.value);
        var swatch = brandingForm.querySelector('[data-color-picker="' + event.target.id + '"]');
        if (rgb && swatch) { swatch.value = "#" + rgb.map(function (v) { return ("0" + v.toString(16)).slice(-2); }).join(""); }
      }
      clearTimeout(timer);
      timer = setTimeout(update, 120);
    });
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
