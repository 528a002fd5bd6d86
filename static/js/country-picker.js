// Country lists people can search (progressive enhancement; without JavaScript the plain
// select stays). A select marked data-country-picker gets a search box above it that
// filters its options; one marked data-country-picker="many" becomes a search box over a
// list of checkboxes, kept in step with the (hidden) select the form sends.
(function () {
  var made = 0;

  function matches(option, words) {
    var name = option.text.toLowerCase();
    return words.every(function (word) { return name.indexOf(word) !== -1; });
  }

  // A search box; with `labelText` its own label, else the field's label is moved to it.
  function searchBox(select, labelText) {
    made += 1;
    var wrapper = document.createElement("div");
    wrapper.className = "country-search";
    var input = document.createElement("input");
    input.type = "search";
    input.id = "country-search-" + made;
    input.autocomplete = "off";
    input.setAttribute("aria-controls", select.id);
    if (labelText) {
      var label = document.createElement("label");
      label.htmlFor = input.id;
      label.textContent = labelText;
      wrapper.appendChild(label);
    }
    wrapper.appendChild(input);
    return { wrapper: wrapper, input: input };
  }

  function words(input) {
    return input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  }

  function enhanceOne(select) {
    var search = searchBox(select, "Search for a country");
    select.parentNode.insertBefore(search.wrapper, select);
    select.size = 6; // a list, so the filtered options show
    search.input.addEventListener("input", function () {
      var wanted = words(search.input);
      var shown = [];
      Array.prototype.forEach.call(select.options, function (option) {
        option.hidden = option.value === "" || !matches(option, wanted);
        if (!option.hidden) shown.push(option);
      });
      if (shown.length === 1) select.value = shown[0].value;
    });
    search.input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        select.focus();
      }
    });
  }

  function enhanceMany(select) {
    var search = searchBox(select, "");
    search.input.placeholder = "Type to search";
    var list = document.createElement("div");
    list.className = "country-checkboxes";
    list.id = select.id + "_list";
    list.setAttribute("role", "group");
    list.setAttribute("aria-label", "Countries to choose from");
    var fieldLabel = document.querySelector('label[for="' + select.id + '"]');
    search.input.setAttribute("aria-controls", list.id);
    var chosen = document.createElement("p");
    chosen.className = "country-chosen";
    chosen.setAttribute("aria-live", "polite");
    var boxes = Array.prototype.map.call(select.options, function (option, index) {
      var item = document.createElement("label");
      item.className = "country-checkbox";
      var box = document.createElement("input");
      box.type = "checkbox";
      box.id = select.id + "_" + index;
      box.value = option.value;
      box.checked = option.selected;
      box.addEventListener("change", function () {
        option.selected = box.checked;
        sayChosen();
        select.dispatchEvent(new Event("change", { bubbles: true }));
      });
      item.appendChild(box);
      item.appendChild(document.createTextNode(" " + option.text));
      list.appendChild(item);
      return { item: item, option: option };
    });
    function sayChosen() {
      var names = Array.prototype.filter.call(select.options, function (option) {
        return option.selected;
      }).map(function (option) { return option.text; });
      chosen.textContent = names.length ? "Chosen: " + names.join(", ") : "None chosen yet.";
    }
    search.input.addEventListener("input", function () {
      var wanted = words(search.input);
      boxes.forEach(function (entry) { entry.item.hidden = !matches(entry.option, wanted); });
    });
    // The select stays in the form (it is what is sent), out of sight and of the tab order.
    select.hidden = true;
    select.tabIndex = -1;
    if (fieldLabel) fieldLabel.htmlFor = search.input.id;
    select.parentNode.insertBefore(search.wrapper, select);
    select.parentNode.insertBefore(chosen, select);
    select.parentNode.insertBefore(list, select);
    sayChosen();
  }

  function enhance(root) {
    root.querySelectorAll("select[data-country-picker]:not([data-enhanced])").forEach(function (select) {
      select.setAttribute("data-enhanced", "");
      if (select.multiple) enhanceMany(select);
      else enhanceOne(select);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSettle", function () { enhance(document); });
})();
