// Nothing typed is lost: a form marked data-autosave is sent as a draft (its fields and
// "autosave", answered 204: nothing moves on) after a pause in typing and on leaving a
// field. Without JavaScript every press of a button keeps what was typed anyway.
(function () {
  var PAUSE_MS = 1500;
  var timers = new WeakMap();
  // One save at a time per form: two in flight could reach the server in either order,
  // and the older answers would overwrite the newer. A save asked for meanwhile is sent
  // once the one in flight is answered, with the form as it is then.
  var sending = new WeakSet();
  var waiting = new WeakSet();

  function save(form) {
    clearTimeout(timers.get(form));
    if (sending.has(form)) {
      waiting.add(form);
      return;
    }
    sending.add(form);
    var data = new FormData(form);
    data.append("autosave", "1");
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin", keepalive: true })
      .catch(function () { /* the next pause or button press sends it again */ })
      .then(function () {
        sending.delete(form);
        if (waiting.has(form)) {
          waiting.delete(form);
          save(form);
        }
      });
  }

  function autosaved(event) {
    var form = event.target.form;
    return form && form.hasAttribute("data-autosave") ? form : null;
  }

  document.addEventListener("input", function (event) {
    var form = autosaved(event);
    if (!form) return;
    clearTimeout(timers.get(form));
    timers.set(form, setTimeout(function () { save(form); }, PAUSE_MS));
  });
  document.addEventListener("change", function (event) {
    var form = autosaved(event);
    if (form) save(form);
  });
  // A press of a button sends the form itself: no draft save may follow it.
  document.addEventListener("submit", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-autosave")) {
      clearTimeout(timers.get(event.target));
    }
  }, true);
})();
