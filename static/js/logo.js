// The logo step: a file dropped on the drop zone is chosen as if picked, and the chosen
// file is previewed before it is uploaded (a blob: URL, which the CSP's img-src allows).
// Without JavaScript the plain file input works as it is.
(function () {
  var previewUrl = null;
  function inputOf(zone) {
    return zone.querySelector('input[type="file"]');
  }
  function sizeText(bytes) {
    return bytes < 1024 * 1024
      ? Math.max(1, Math.round(bytes / 1024)) + " KB"
      : (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }
  function showPreview(input) {
    var zone = input.closest("[data-dropzone]");
    var figure = zone && zone.querySelector("[data-logo-preview]");
    if (!figure) return;
    var status = zone.querySelector("[data-logo-status]");
    var file = input.files && input.files[0];
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = null;
    var img = figure.querySelector("img");
    if (img) img.remove();
    if (!file) {
      figure.hidden = true;
      if (status) status.textContent = "";
      return;
    }
    var text = file.name + " (" + sizeText(file.size) + ") is chosen. It is uploaded when you press Upload and continue.";
    if (file.type.indexOf("image/") === 0) {
      previewUrl = URL.createObjectURL(file);
      img = document.createElement("img");
      img.src = previewUrl;
      img.alt = "Preview of " + file.name;
      figure.insertBefore(img, figure.firstChild);
    }
    figure.querySelector("figcaption").textContent = text;
    figure.hidden = false;
    if (status) status.textContent = text;
  }
  function zoneOf(event) {
    return event.target.closest ? event.target.closest("[data-dropzone]") : null;
  }
  function carriesFiles(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    return types && Array.prototype.indexOf.call(types, "Files") !== -1;
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches('[data-dropzone] input[type="file"]')) showPreview(event.target);
  });
  ["dragenter", "dragover"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var zone = zoneOf(event);
      if (!zone || !carriesFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      zone.classList.add("dropzone--over");
    });
  });
  document.addEventListener("dragleave", function (event) {
    var zone = zoneOf(event);
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("dropzone--over");
  });
  document.addEventListener("drop", function (event) {
    var zone = zoneOf(event);
    if (!zone || !carriesFiles(event)) return;
    event.preventDefault();
    zone.classList.remove("dropzone--over");
    var input = inputOf(zone);
    var file = event.dataTransfer.files[0];
    if (!input || !file) return;
    var chosen = new DataTransfer(); // one file, as the input takes
    chosen.items.add(file);
    input.files = chosen.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
  function offerDropping() {
    document.querySelectorAll("[data-dropzone-hint]").forEach(function (hint) {
      hint.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", offerDropping);
  document.addEventListener("htmx:afterSwap", offerDropping);
  document.addEventListener("htmx:historyRestore", offerDropping);
})();
