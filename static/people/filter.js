// Narrows the names on a credits page as the reader types. Without this script
// the page shows every name; nothing here is needed to read it.
(function () {
  "use strict";

  // Letters that Unicode does not decompose into a base letter and a mark.
  var SPECIAL = { "ł": "l", "đ": "d", "ð": "d", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe",
    "þ": "th", "ı": "i", "ħ": "h", "ŀ": "l", "ŧ": "t" };
  var SPECIAL_PATTERN = /[łđðøßæœþıħŀŧ]/g;

  function fold(text) {
    return text
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(SPECIAL_PATTERN, function (letter) { return SPECIAL[letter]; });
  }

  var main = document.getElementById("content");
  var firstSection = main && main.querySelector(".credits-section");
  if (!firstSection || !("normalize" in String.prototype)) {
    return;
  }

  // Each name is found by any of its spellings: the one shown, or another
  // (an alias) that the page lists in the link's data-aliases, a JSON array.
  var entries = Array.prototype.map.call(
    // Not the count of the people a list does not name ("and 2 others"), which stays.
    main.querySelectorAll(
      ".credits-section li:not(.others), .acknowledgment .names li:not(.others)"
    ),
    function (item) {
      var link = item.querySelector("a.person");
      var spellings = [link ? link.textContent : item.textContent];
      if (link && link.dataset.aliases) {
        spellings = spellings.concat(JSON.parse(link.dataset.aliases));
      }
      return { item: item, texts: spellings.map(fold) };
    }
  );
  var lists = main.querySelectorAll(".credits-section ul, .acknowledgment .names");
  var groups = main.querySelectorAll(".team, .credits-section, .acknowledgment, #acknowledgments");

  var box = document.createElement("div");
  box.className = "name-filter";
  var label = document.createElement("label");
  label.htmlFor = "name-filter-input";
  label.textContent = "Filter names on this page";
  var input = document.createElement("input");
  input.type = "search";
  input.id = "name-filter-input";
  input.autocomplete = "off";
  input.spellcheck = false;
  var status = document.createElement("p");
  status.className = "name-filter-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  box.append(label, input, status);
  firstSection.parentNode.insertBefore(box, firstSection);

  function apply() {
    var words = fold(input.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    entries.forEach(function (entry) {
      var visible = entry.texts.some(function (text) {
        return words.every(function (word) { return text.indexOf(word) !== -1; });
      });
      entry.item.hidden = !visible;
      if (visible) {
        shown += 1;
      }
    });
    // The comma after the last name still shown in a list would dangle.
    Array.prototype.forEach.call(lists, function (list) {
      var visible = list.querySelectorAll("li:not([hidden]):not(.others)");
      Array.prototype.forEach.call(list.querySelectorAll(".last-shown"), function (item) {
        item.classList.remove("last-shown");
      });
      if (words.length && visible.length) {
        visible[visible.length - 1].classList.add("last-shown");
      }
    });
    Array.prototype.forEach.call(groups, function (group) {
      group.hidden = words.length > 0 && !group.querySelector("li:not([hidden]) a.person");
    });
    if (!words.length) {
      status.textContent = "";
    } else if (shown === 0) {
      status.textContent = "No names match.";
    } else {
      status.textContent = shown + " of " + entries.length + " names shown.";
    }
  }

  var pending = null;
  input.addEventListener("input", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(apply, entries.length > 2000 ? 150 : 50);
  });
})();
