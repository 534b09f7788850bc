/* Small behaviours of the console pages. No inline scripts: the CSP allows only 'self'.
   Words come from the catalog script the page loads first (Django's JavaScriptCatalog,
   served from the console's own address); without it they stay in English. */
var gettext = window.gettext || function (text) { return text; };
var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
var interpolate = window.interpolate || function (text, values) {
  return text.replace(/%\((\w+)\)s/g, function (_, name) { return String(values[name]); });
};

(function () {
  "use strict";

  function dismiss(toast) {
    toast.classList.add("toast-leaving");
    setTimeout(function () { toast.remove(); }, 250);
  }

  function armToasts(root) {
    (root || document).querySelectorAll("[data-toast]:not([data-armed])").forEach(function (toast) {
      toast.setAttribute("data-armed", "");
      var isError = toast.classList.contains("toast-error");
      setTimeout(function () { dismiss(toast); }, isError ? 12000 : 6000);
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    var close = target.closest("[data-toast-close]");
    if (close) { dismiss(close.closest("[data-toast]")); return; }

    var copy = target.closest("[data-copy]");
    if (copy) {
      event.preventDefault();
      var text = copy.getAttribute("data-copy");
      var done = function () {
        copy.classList.add("copied");
        copy.setAttribute("data-label", copy.getAttribute("aria-label") || "");
        copy.setAttribute("aria-label", gettext("Copied"));
        setTimeout(function () {
          copy.classList.remove("copied");
          copy.setAttribute("aria-label", copy.getAttribute("data-label"));
        }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, done);
      } else {
        var area = document.createElement("textarea");
        area.value = text; document.body.appendChild(area); area.select();
        try { document.execCommand("copy"); } catch (e) { /* ignored */ }
        area.remove(); done();
      }
      return;
    }

    var opener = target.closest("[data-dialog-open]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
      if (dialog && dialog.showModal) { event.preventDefault(); dialog.showModal(); }
      return;
    }
    var closer = target.closest("[data-dialog-close]");
    if (closer) {
      var d = closer.closest("dialog");
      if (d) { event.preventDefault(); d.close(); }
      return;
    }

    var checkAll = target.closest("[data-check-all]");
    if (checkAll) {
      var form = checkAll.closest("form") || document;
      form.querySelectorAll("input[type=checkbox][name='" + checkAll.getAttribute("data-check-all") + "']")
        .forEach(function (box) { box.checked = checkAll.checked; });
      updateSelection(form);
    }
  });

  function updateSelection(root) {
    (root || document).querySelectorAll("[data-selection-count]").forEach(function (counter) {
      var scope = counter.closest("form") || document;
      var name = counter.getAttribute("data-selection-count");
      var n = scope.querySelectorAll("input[type=checkbox][name='" + name + "']:checked").length;
      counter.textContent = n ? interpolate(ngettext("%(n)s selected", "%(n)s selected", n), { n: n }, true) : "";
      scope.querySelectorAll("[data-needs-selection]").forEach(function (b) { b.disabled = n === 0; });
    });
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form && event.target.matches("select")) { form.requestSubmit ? form.requestSubmit() : form.submit(); }
    if (event.target.matches("input[type=checkbox]")) { updateSelection(event.target.closest("form") || document); }
  });

  /* Close a dialog whose form htmx submitted successfully (the server answers 204 or with
     the HX-Trigger "console:close-dialog"). */
  document.addEventListener("console:close-dialog", function () {
    document.querySelectorAll("dialog[open]").forEach(function (d) { d.close(); });
  });

  function init(root) {
    armToasts(root);
    updateSelection(root);
    document.documentElement.classList.add("js");
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
  document.addEventListener("htmx:oobAfterSwap", function () { armToasts(document); });
})();

/* Create Image: the file source switch and the tag rows. */
(function () {
  "use strict";
  function syncSource(root) {
    root.querySelectorAll("[data-source-switch]").forEach(function (box) {
      var checked = box.querySelector("input[name=source]:checked");
      var choice = checked ? checked.value : "url";
      box.querySelectorAll("[data-source]").forEach(function (part) {
        part.hidden = part.getAttribute("data-source") !== choice;
      });
    });
  }
  function syncTags() {
    var rows = document.getElementById("tag-rows");
    if (!rows) { return; }
    var max = parseInt(rows.getAttribute("data-max"), 10);
    var n = rows.querySelectorAll(".tag-row").length;
    var left = document.querySelector("[data-tag-remaining]");
    var add = document.querySelector("[data-tag-add]");
    if (left) {
      left.textContent = interpolate(gettext("%(left)s of %(max)s tags remaining"), { left: max - n, max: max }, true);
    }
    if (add) { add.disabled = n >= max; }
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("input[name=source]")) { syncSource(document); }
  });
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-tag-add]");
    if (add) {
      var rows = document.getElementById("tag-rows");
      var template = rows.querySelector("[data-tag-template]") || rows.querySelector(".tag-row");
      var row = template.cloneNode(true);
      row.removeAttribute("data-tag-template");
      row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      rows.appendChild(row);
      row.querySelector("input").focus();
      syncTags();
      return;
    }
    var remove = event.target.closest("[data-tag-remove]");
    if (remove) {
      var row = remove.closest(".tag-row");
      var all = document.querySelectorAll("#tag-rows .tag-row");
      if (all.length > 1) { row.remove(); } else { row.querySelectorAll("input").forEach(function (i) { i.value = ""; }); }
      syncTags();
    }
  });
  document.addEventListener("DOMContentLoaded", function () { syncSource(document); syncTags(); });
})();

/* htmx does not swap error answers: say what happened instead of doing nothing. */
(function () {
  "use strict";
  var MESSAGES = {
    403: gettext("Not allowed: your role in this account cannot make this change."),
    404: gettext("Not found: it may have been deleted, or it belongs to another account."),
    409: gettext("This could not be done in the current state; reload the page and try again.")
  };
  function toast(text) {
    var box = document.getElementById("toasts");
    if (!box) { return; }
    var item = document.createElement("div");
    item.className = "toast toast-error";
    item.setAttribute("role", "status");
    item.setAttribute("data-toast", "");
    var span = document.createElement("span");
    span.className = "toast-text";
    span.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("data-toast-close", "");
    close.setAttribute("aria-label", gettext("Dismiss"));
    close.textContent = "\u00d7";
    item.appendChild(span);
    item.appendChild(close);
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 12000);
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    toast(MESSAGES[status] || interpolate(gettext("Something went wrong (HTTP %(status)s). Try again in a moment."), { status: status }, true));
  });
  document.addEventListener("htmx:sendError", function () {
    toast(gettext("The console cannot be reached. Check your connection and try again."));
  });
})();
