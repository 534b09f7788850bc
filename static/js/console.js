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
      if (dialog && dialog.showModal) { event.preventDefault(); openDialog(dialog, opener); }
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

  /* A dialog opens fresh (no answer or value left from its last use), with focus on its
     field if it has one; when it closes, focus goes back to what opened it. */
  function openDialog(dialog, opener) {
    dialog.querySelectorAll("[data-dialog-transient]").forEach(function (el) { el.remove(); });
    dialog.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid"); el.removeAttribute("aria-describedby");
    });
    if (dialog.hasAttribute("data-dialog-reset")) {
      dialog.querySelectorAll("input[type=text], input:not([type])").forEach(function (input) {
        input.value = "";
      });
    }
    dialog.showModal();
    var first = dialog.querySelector("[data-initial-focus]");
    if (first) { first.focus(); }
    dialog.addEventListener("close", function () {
      if (opener && document.contains(opener)) { opener.focus(); }
    }, { once: true });
  }

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
    if (event.target.matches("input[type=checkbox]")) { updateSelection(event.target.closest("form") || document); }
  });

  /* Close a dialog whose form htmx submitted successfully (the server answers 204 or with
     the HX-Trigger "console:close-dialog"). */
  document.addEventListener("console:close-dialog", function () {
    document.querySelectorAll("dialog[open]").forEach(function (d) { d.close(); });
  });

  /* The Menu button of narrow screens opens the navigation, the account switcher and
     Sign out; Escape closes them and gives focus back to the button. */
  function setMenu(open) {
    var button = document.getElementById("menu-button");
    if (!button) { return; }
    document.documentElement.classList.toggle("nav-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-menu-toggle]")) {
      setMenu(!document.documentElement.classList.contains("nav-open"));
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.documentElement.classList.contains("nav-open") &&
        !document.querySelector("dialog[open]")) {
      setMenu(false);
      var button = document.getElementById("menu-button");
      if (button) { button.focus(); }
    }
  });

  function init(root) {
    armToasts(root);
    updateSelection(root);
    document.documentElement.classList.add("js");
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); updateSelection(document); });
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

/* Keyboard: focus follows what changed after an in-place update, Escape cancels an inline
   editor, and the arrow keys move between tabs (WAI-ARIA tabs pattern). */
(function () {
  "use strict";
  // Per request (its XMLHttpRequest): the data-focus-key to focus once its swap has
  // settled, and whether its swap removed the element that had focus. Requests overlap
  // (suggestions, polling), so each keeps its own.
  var wanted = new WeakMap();
  var hadFocus = new WeakMap();
  var latest = null; // the last request that asked for focus: older ones give way to it
  var focusedAt = new WeakMap(); // what had focus when the request was made

  function focusable(el) {
    if (!el.matches("a[href], button, input, select, textarea, [tabindex]")) {
      el.setAttribute("tabindex", "-1");
    }
    return el;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail.elt;
    var keyed = source.closest("[data-focus-return]");
    var key = keyed ? keyed.getAttribute("data-focus-return") : null;
    if (!key) {
      keyed = source.closest("[data-focus-key]");
      key = keyed ? keyed.getAttribute("data-focus-key") : null;
    }
    if (key && event.detail.xhr) { wanted.set(event.detail.xhr, key); latest = event.detail.xhr; }
    // Focus may leave before the swap (hx-disabled-elt disables the focused button).
    var active = document.activeElement;
    if (event.detail.xhr) { focusedAt.set(event.detail.xhr, active); }
    var target = event.detail.target;
    if (event.detail.xhr && active && active !== document.body && target && target.contains(active)) {
      hadFocus.set(event.detail.xhr, true);
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    var target = event.detail.target;
    if (event.detail.xhr && active && active !== document.body && target && target.contains(active)) {
      hadFocus.set(event.detail.xhr, true);
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var xhr = event.detail.xhr;
    var key = xhr ? wanted.get(xhr) : null;
    var moved = xhr ? hadFocus.get(xhr) : false;
    var target = event.detail.target;
    // A refresh the user did not ask for (polling, suggestions) leaves focus alone.
    if (!moved && !key) { return; }
    if (key && latest !== xhr) { return; }
    // The user moved on to something else meanwhile: leave focus there.
    var now = document.activeElement;
    if (now && now !== document.body && document.contains(now) && xhr && now !== focusedAt.get(xhr)) {
      return;
    }
    var active = document.activeElement;
    if (!moved && active && active !== document.body && document.contains(active) &&
        active.getAttribute("data-focus-key") === key) { return; }
    // An outerHTML swap replaced the target: look at its successor.
    if (target && !document.contains(target) && target.id) { target = document.getElementById(target.id); }
    if (!target) { target = document.getElementById("main"); }
    var next = target.querySelector("[role=alert]") ||
      target.querySelector("[data-editor] input:not([type=hidden]), [data-editor] select") ||
      (target.matches("[data-editor]") && target.querySelector("input:not([type=hidden]), select")) ||
      (key && document.querySelector("[data-focus-key='" + key + "']")) ||
      target.querySelector("[data-focus-here]") ||
      target.querySelector(".table-wrap[tabindex]") ||
      target;
    focusable(next).focus();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var editor = event.target.closest("[data-editor]");
      var cancel = editor && editor.querySelector("[data-editor-cancel]");
      if (cancel) { event.preventDefault(); cancel.click(); }
      return;
    }
    var tab = event.target.closest("[role=tab]");
    if (!tab) { return; }
    var tabs = Array.prototype.slice.call(tab.closest("[role=tablist]").querySelectorAll("[role=tab]"));
    var index = tabs.indexOf(tab);
    var to = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (to === undefined) { return; }
    event.preventDefault();
    var next = tabs[(to + tabs.length) % tabs.length];
    next.focus();
    next.click();
  });
})();

/* Create Image: the upload is sent with progress (bytes and %), and the submit stays
   disabled while anything is being sent, so an image cannot be created twice. */
(function () {
  "use strict";
  var MIB = 1024 * 1024;
  function size(bytes) {
    if (bytes >= 1024 * MIB) { return (bytes / 1024 / MIB).toFixed(2) + " GiB"; }
    if (bytes >= MIB) { return (bytes / MIB).toFixed(1) + " MiB"; }
    return Math.round(bytes / 1024) + " KiB";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var first = document.querySelector("[data-focus-on-load]");
    if (first) { first.focus(); }
  });
  // Back to a page whose form was sent: its submit works again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-upload-progress] button[type=submit]").forEach(
      function (b) { b.disabled = false; });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-upload-progress]")) { return; }
    var button = form.querySelector("button[type=submit]");
    var source = form.querySelector("input[name=source]:checked");
    var file = form.querySelector("input[type=file]");
    if (button && button.disabled) { event.preventDefault(); return; }
    if (!source || source.value !== "file" || !file || !file.files.length || !window.FormData) {
      // A plain submit: keep the button from sending the form a second time.
      if (button) { setTimeout(function () { button.disabled = true; }, 0); }
      return;
    }
    event.preventDefault();
    var box = document.getElementById("upload-progress");
    var bar = box.querySelector("progress");
    var text = document.getElementById("upload-progress-text");
    var total = file.files[0].size;
    var data = new FormData(form);
    data.delete("file_url");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    // Answered like htmx: a redirect comes as HX-Redirect, not followed by the request.
    xhr.setRequestHeader("HX-Request", "true");
    xhr.setRequestHeader("HX-Current-URL", window.location.href);
    button.disabled = true;
    box.hidden = false;
    var sending = gettext("Uploading %(sent)s of %(total)s (%(percent)s)");
    text.textContent = interpolate(sending, { sent: size(0), total: size(total), percent: "0%" }, true);
    xhr.upload.addEventListener("progress", function (e) {
      var sent = e.lengthComputable ? Math.min(e.loaded, total) : 0;
      var percent = total ? Math.floor(sent * 100 / total) : 0;
      bar.value = percent;
      text.textContent = interpolate(sending, { sent: size(sent), total: size(total), percent: percent + "%" }, true);
    });
    xhr.upload.addEventListener("load", function () {
      bar.value = 100;
      text.textContent = interpolate(gettext("Uploaded %(total)s. Creating the image…"), { total: size(total) }, true);
    });
    xhr.addEventListener("load", function () {
      var to = xhr.getResponseHeader("HX-Redirect");
      if (to) { window.location.assign(to); return; }
      if (xhr.status !== 200) {
        box.hidden = true; button.disabled = false;
        text.textContent = "";
        window.alert(interpolate(gettext("The upload failed (HTTP %(status)s). Try again."), { status: xhr.status }, true));
        return;
      }
      // The form came back with errors: show it, keeping the chosen file.
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var fresh = doc.getElementById(form.id);
      if (!fresh) { return; }
      var freshFile = fresh.querySelector("input[type=file]");
      if (freshFile) { freshFile.replaceWith(file); }
      form.replaceWith(fresh);
      var chosen = fresh.querySelector("input[name=source]:checked");
      if (chosen) { chosen.dispatchEvent(new Event("change", { bubbles: true })); }
      var summary = fresh.querySelector("[data-focus-on-load]");
      if (summary) { summary.focus(); }
    });
    xhr.addEventListener("error", function () {
      box.hidden = true; button.disabled = false;
      text.textContent = "";
      window.alert(gettext("The console cannot be reached. Check your connection and try again."));
    });
    xhr.send(data);
  });
})();
