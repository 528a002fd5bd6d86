// The wizard's page script: focus and title after a panel arrives, busy states while a
// request is in flight, the details step's location fields. Every page works without it.
(function () {
  document.documentElement.classList.add("js");

  // --- A new panel: title, scroll, focus ------------------------------------------------
  // GOV.UK's manner: focus goes to the error summary when there is one (a screen reader
  // reads the problems), else to the new panel's heading (it announces the new step).
  function focusable(element) {
    if (!element.hasAttribute("tabindex")) element.setAttribute("tabindex", "-1");
    return element;
  }
  function settle(panel) {
    if (!panel || !panel.querySelector) return;
    if (panel.dataset && panel.dataset.title) document.title = panel.dataset.title;
    // The progress ("Step 2 of 4") sits at the panel's top: bring it back into view.
    panel.scrollIntoView({ block: "start" });
    var target = panel.querySelector("[data-error-summary]") || panel.querySelector("h1");
    if (target) focusable(target).focus({ preventScroll: true });
  }
  // A summary's link goes to its field: focus the field itself (a group of radio buttons
  // or checkboxes, its first input), with its label or legend in view.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    var input = target.matches("input, select, textarea, button")
      ? target
      : target.querySelector("input, select, textarea, button");
    if (!input) return;
    event.preventDefault();
    var group = input.closest("fieldset") || input.closest(".field") || input;
    group.scrollIntoView({ block: "start" });
    input.focus({ preventScroll: true });
  });

  // --- Busy while a request is in flight ----------------------------------------------
  // The pressed button shows a spinner and its busy text (data-busy-text); every other
  // button and link of the panel is disabled, so nothing is sent twice (a second press of
  // Pay would be a second POST) and nobody leaves halfway through.
  var submitter = null;
  document.addEventListener("submit", function (event) { submitter = event.submitter; }, true);
  function panelOf(event) {
    var elt = event.detail && event.detail.elt;
    return elt && elt.closest ? elt.closest("#step-panel") : null;
  }
  function setBusy(panel, pressed) {
    panel.setAttribute("aria-busy", "true");
    panel.classList.add("is-busy");
    panel.querySelectorAll("button").forEach(function (button) {
      button.setAttribute("data-was-disabled", button.disabled ? "1" : "");
      button.disabled = true;
    });
    panel.querySelectorAll("a[href]").forEach(function (link) {
      link.setAttribute("aria-disabled", "true");
      link.setAttribute("data-busy-tabindex", link.getAttribute("tabindex") || "");
      link.setAttribute("tabindex", "-1");
    });
    if (pressed && panel.contains(pressed)) {
      pressed.classList.add("button--busy");
      if (pressed.dataset.busyText) {
        pressed.setAttribute("data-idle-text", pressed.textContent);
        pressed.textContent = pressed.dataset.busyText;
      }
    }
  }
  function clearBusy(panel) {
    panel.removeAttribute("aria-busy");
    panel.classList.remove("is-busy");
    panel.querySelectorAll("button").forEach(function (button) {
      button.disabled = button.getAttribute("data-was-disabled") === "1";
      button.removeAttribute("data-was-disabled");
      button.classList.remove("button--busy");
      if (button.hasAttribute("data-idle-text")) {
        button.textContent = button.getAttribute("data-idle-text");
        button.removeAttribute("data-idle-text");
      }
    });
    panel.querySelectorAll("a[aria-disabled]").forEach(function (link) {
      link.removeAttribute("aria-disabled");
      var tabindex = link.getAttribute("data-busy-tabindex");
      if (tabindex) link.setAttribute("tabindex", tabindex);
      else link.removeAttribute("tabindex");
      link.removeAttribute("data-busy-tabindex");
    });
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var panel = panelOf(event);
    // The confirmation page's progress polls by itself: it is no action of the employer's.
    if (!panel || event.detail.requestConfig.verb === "get") return;
    setBusy(panel, submitter);
    submitter = null;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var panel = panelOf(event);
    // On to another page (Stripe's, say): the panel stays busy until it is left.
    if (!panel || event.detail.keepIndicators) return;
    clearBusy(panel);
  });
  // A disabled link must not be followed by keyboard or script either.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[aria-disabled='true']");
    if (link) event.preventDefault();
  });
  // Coming back to the page with the browser's Back button (from Stripe's page, say): the
  // page may be restored as it was left, busy.
  window.addEventListener("pageshow", function (event) {
    var panel = document.getElementById("step-panel");
    if (event.persisted && panel) clearBusy(panel);
  });
  document.addEventListener("htmx:xhr:progress", function (event) {
    var elt = event.detail && event.detail.elt;
    var form = elt && elt.closest ? elt.closest("form") : null;
    var bar = form && form.querySelector("progress");
    if (bar && event.detail.lengthComputable) {
      bar.hidden = false;
      bar.value = Math.round((100 * event.detail.loaded) / event.detail.total);
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) focusable(summary).focus();
  });
  // Only a new step panel moves focus: the confirmation page's progress, polled while
  // the employer may be typing in its forms, is swapped without touching focus.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "step-panel") settle(event.target);
  });
})();
