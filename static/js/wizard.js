// After an htmx swap of the step panel: the page's title follows the step, and keyboard
// focus goes to the first invalid field, else to the new panel's heading (a screen
// reader announces the new step); on page load, to the first invalid field.
(function () {
  document.documentElement.classList.add("js");
  function focusFirstError(root) {
    var field = (root || document).querySelector('[aria-invalid="true"]');
    if (field) field.focus();
    return Boolean(field);
  }
  function settle(panel) {
    if (!panel || !panel.querySelector) return;
    if (panel.dataset && panel.dataset.title) document.title = panel.dataset.title;
    if (focusFirstError(panel)) return;
    var heading = panel.querySelector("h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }
  // While a form's request is in flight it says so and cannot be sent again (a second
  // press of Pay would be a second POST); an upload shows its progress.
  function formOf(event) {
    var elt = event.detail && event.detail.elt;
    return elt && elt.closest ? elt.closest("form") : null;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = formOf(event);
    if (!form) return;
    form.setAttribute("aria-busy", "true");
    form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = formOf(event);
    if (!form) return;
    form.removeAttribute("aria-busy");
    form.querySelectorAll("button").forEach(function (button) { button.disabled = false; });
  });
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = formOf(event);
    var bar = form && form.querySelector("progress");
    if (bar && event.detail.lengthComputable) {
      bar.hidden = false;
      bar.value = Math.round((100 * event.detail.loaded) / event.detail.total);
    }
  });
  // The details step: show only the location fields the chosen workplace uses (without
  // JavaScript all show, and the server ignores those the workplace does not use).
  function showWorkplaceFields(root) {
    (root || document).querySelectorAll("form").forEach(function (form) {
      var groups = form.querySelectorAll("[data-workplace-uses]");
      if (!groups.length) return;
      var chosen = form.querySelector('input[name="workplace"]:checked');
      groups.forEach(function (group) {
        var uses = group.getAttribute("data-workplace-uses").split(" ");
        group.hidden = Boolean(chosen) && uses.indexOf(chosen.value) === -1;
      });
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "workplace" && event.target.form) {
      showWorkplaceFields(event.target.form.parentNode);
    }
  });
  document.addEventListener("htmx:afterSwap", function () { showWorkplaceFields(document); });
  document.addEventListener("DOMContentLoaded", function () {
    showWorkplaceFields(document);
    focusFirstError(document);
  });
  // Only a new step panel moves focus: the confirmation page's progress, polled while
  // the employer may be typing in its forms, is swapped without touching focus.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "step-panel") settle(event.target);
  });
})();
