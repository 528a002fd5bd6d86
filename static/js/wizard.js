// Move keyboard focus to the first invalid field, on page load and after htmx swaps.
(function () {
  document.documentElement.classList.add("js");
  function focusFirstError(root) {
    var field = (root || document).querySelector('[aria-invalid="true"]');
    if (field) field.focus();
  }
  document.addEventListener("DOMContentLoaded", function () { focusFirstError(document); });
  document.addEventListener("htmx:afterSwap", function (event) { focusFirstError(event.detail.target.parentNode || document); });
})();
