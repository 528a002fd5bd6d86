// The bot check's page script. It hides the "needs JavaScript" note (JavaScript is on),
// and, with the emulator's test keys only, stands in for the widget: it puts the fresh
// test token the server rendered into the form field the real widget would fill.
(function () {
  function fill(root) {
    if (!root || !root.querySelectorAll) root = document;
    var notes = root.querySelectorAll("[data-needs-javascript]");
    for (var n = 0; n < notes.length; n++) notes[n].hidden = true;
    var fields = root.querySelectorAll("input[data-botcheck-token]");
    for (var i = 0; i < fields.length; i++) {
      if (!fields[i].value) fields[i].value = fields[i].getAttribute("data-botcheck-token");
    }
  }
  fill(document);
  if (!window.jobwizardBotcheck) {
    window.jobwizardBotcheck = true;
    document.addEventListener("DOMContentLoaded", function () { fill(document); });
    // A panel swapped in by htmx brings a new token.
    document.addEventListener("htmx:load", function (event) { fill(event.detail.elt); });
  }
})();
