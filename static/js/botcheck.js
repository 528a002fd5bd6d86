// The bot check's page script. It hides the "needs JavaScript" note (JavaScript is on),
// and, with the emulator's test keys, stands in for the widget:
// it puts the fresh test token the server rendered into the form field the real widget
// would fill. A button marked data-botcheck-wait (Pay) is disabled, and says it is
// waiting, until its form holds a token; without JavaScript it stays disabled, and the
// note says what is needed.
(function () {
  function tokenField(form) {
    return form.querySelector(
      "input[data-botcheck-token], [name='cf-turnstile-response'], " +
      "[name='h-captcha-response'], [name='g-recaptcha-response']"
    );
  }
  function updateButtons(root) {
    var buttons = root.querySelectorAll("button[data-botcheck-wait]");
    for (var i = 0; i < buttons.length; i++) {
      var button = buttons[i];
      var field = button.form && tokenField(button.form);
      var ready = Boolean(field && field.value);
      if (!button.hasAttribute("data-ready-text")) {
        button.setAttribute("data-ready-text", button.textContent);
      }
      button.disabled = !ready;
      button.textContent = ready
        ? button.getAttribute("data-ready-text")
        : button.getAttribute("data-botcheck-wait");
    }
  }
  function fill(root) {
    if (!root || !root.querySelectorAll) root = document;
    var notes = root.querySelectorAll("[data-needs-javascript]");
    for (var n = 0; n < notes.length; n++) notes[n].hidden = true;
    var fields = root.querySelectorAll("input[data-botcheck-token]");
    for (var i = 0; i < fields.length; i++) {
      if (!fields[i].value) fields[i].value = fields[i].getAttribute("data-botcheck-token");
    }
    renderWidgets(root);
    updateButtons(root);
  }
  // A real provider's widget calls these (its data-callback and data-expired-callback):
  // the token is in the form by then, or gone.
  window.jobwizardBotcheckSolved = function () { updateButtons(document); };
  window.jobwizardBotcheckExpired = function () { updateButtons(document); };
  // A real provider's script renders its widgets once, when it loads; a panel redrawn
  // later (after a refused payment, say) needs its new widget rendered explicitly.
  var providers = [
    ["turnstile", ".cf-turnstile"], ["hcaptcha", ".h-captcha"], ["grecaptcha", ".g-recaptcha"]
  ];
  function renderWidgets(root) {
    for (var p = 0; p < providers.length; p++) {
      var api = window[providers[p][0]];
      if (!api || !api.render) continue;
      var boxes = root.querySelectorAll(providers[p][1]);
      for (var b = 0; b < boxes.length; b++) {
        if (!boxes[b].childElementCount) api.render(boxes[b]);
      }
    }
  }
  // Loaded with `defer` by every wizard page: the page is parsed, and any panel htmx
  // swaps in later (a payment step reached without a full page load, or redrawn after a
  // refusal, with a new token) is filled as it arrives.
  fill(document);
  document.addEventListener("htmx:load", function (event) { fill(event.detail.elt); });
})();
