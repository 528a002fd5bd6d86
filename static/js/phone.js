// The phone step: "Send a new code" counts down the seconds the server asks to wait
// (data-resend-wait) and stays disabled until then. The server stays the authority: an
// earlier press without JavaScript is refused with the seconds left.
(function () {
  function secondsText(seconds) {
    return " in " + seconds + " second" + (seconds === 1 ? "" : "s");
  }
  // Buttons already counting (not a data attribute: htmx's history snapshot would keep it).
  var started = new WeakSet();
  function countDown(button) {
    if (started.has(button)) return;
    started.add(button);
    var wait = parseInt(button.dataset.resendWait, 10) || 0;
    if (wait <= 0) return;
    var countdown = button.querySelector("[data-resend-countdown]");
    var ready = button.form && button.form.querySelector("[data-resend-ready]");
    var deadline = Date.now() + wait * 1000;
    function tick() {
      var left = Math.ceil((deadline - Date.now()) / 1000);
      if (!button.isConnected) return clearInterval(timer);
      if (left > 0) {
        // Set on every tick: a request in flight elsewhere may have re-enabled it.
        button.disabled = true;
        if (countdown) countdown.textContent = secondsText(left);
        return;
      }
      clearInterval(timer);
      button.disabled = false;
      if (countdown) countdown.textContent = "";
      if (ready) ready.textContent = "You can now ask for a new code.";
    }
    var timer = setInterval(tick, 250);
    tick();
  }
  function start() {
    document.querySelectorAll("button[data-resend-wait]").forEach(countDown);
  }
  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSwap", start);
  document.addEventListener("htmx:historyRestore", start);
})();
