// Times the server wrote in the posting's country's zone (<time class="ledger__time">),
// rewritten in the browser's own zone with its short name: "6 Dec 2026, 05:12 CET".
(function () {
  "use strict";
  var format = new Intl.DateTimeFormat("en-GB", {
    day: "numeric", month: "short", year: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short"
  });

  function parts(date) {
    var out = {};
    format.formatToParts(date).forEach(function (part) { out[part.type] = part.value; });
    return out;
  }

  function localise(root) {
    root.querySelectorAll("time.ledger__time[datetime]").forEach(function (element) {
      var date = new Date(element.getAttribute("datetime"));
      if (isNaN(date)) return;
      var p = parts(date);
      element.textContent = p.day + " " + p.month + " " + p.year + ", " + p.hour + ":" +
        p.minute + " " + p.timeZoneName;
      element.dataset.local = "true";
    });
  }

  document.addEventListener("DOMContentLoaded", function () { localise(document); });
  // The ledger is polled and swapped in by htmx: its new times are the server's again.
  document.addEventListener("htmx:afterSettle", function () { localise(document); });
})();
