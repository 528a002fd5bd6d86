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
  document.addEventListener("DOMContentLoaded", function () { focusFirstError(document); });
  document.addEventListener("htmx:afterSettle", function () {
    settle(document.getElementById("step-panel"));
  });
})();
