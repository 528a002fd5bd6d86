// GOV.UK's conditional reveal, for a page drawn whole: a fieldset with
// data-reveal-when="<radio name>=<value> <value>…" shows only while one of those values is
// chosen. Without JavaScript every fieldset shows, each legend saying when it applies.
(function () {
  "use strict";

  function rule(fieldset) {
    var parts = fieldset.getAttribute("data-reveal-when").split("=");
    return { name: parts[0], values: parts[1].split(" ") };
  }

  function update(form) {
    form.querySelectorAll("fieldset[data-reveal-when]").forEach(function (fieldset) {
      var wanted = rule(fieldset);
      var chosen = form.querySelector('input[name="' + wanted.name + '"]:checked');
      fieldset.hidden = !chosen || wanted.values.indexOf(chosen.value) === -1;
    });
  }

  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("fieldset[data-reveal-when]")) return;
    form.addEventListener("change", function () { update(form); });
    update(form);
  });
})();
