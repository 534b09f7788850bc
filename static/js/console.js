/* Small behaviours of the console pages. No inline scripts: the CSP allows only 'self'. */
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
        copy.setAttribute("aria-label", "Copied");
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
      counter.textContent = n ? n + " selected" : "";
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
