// Keyboard-first labeling. Keys click the matching button, so mouse and keyboard take one path (htmx posts
// the form and swaps in the next item). Our own script; it needs htmx 2 loaded first.
(function () {
  "use strict";
  let shownAt = performance.now();
  const session = { started: Date.now(), labeled: 0 };

  function form() { return document.getElementById("label-form"); }

  function click(selector, root) {
    const button = (root || document).querySelector(selector);
    if (button && !button.disabled) { button.click(); return true; }
    return false;
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target;
    if (target instanceof HTMLInputElement && target.type === "text" || target instanceof HTMLTextAreaElement) {
      if (e.key === "Escape") target.blur();
      return;
    }
    const f = form();
    const key = e.key;
    let handled = false;
    if (key === "?") {
      const help = document.getElementById("keys-help");
      if (help) { help.classList.toggle("show"); handled = true; }
    } else if (key === "u" || key === "U" || key === "Backspace") {
      handled = click("#undo-form button");
    } else if (f && key === "Enter") {
      handled = click("[data-accept]", f);
    } else if (f && (key === "s" || key === "S")) {
      handled = click("[data-skip]", f);
    } else if (f && key.length === 1) {
      handled = click('[data-shortcut="' + CSS.escape(key) + '"]', f) ||
                click('[data-hotkey="' + CSS.escape(key.toLowerCase()) + '"]', f);
    }
    if (handled) e.preventDefault();
  });

  // Time on the item travels with the label; the session speed is shown under the card.
  document.body.addEventListener("htmx:configRequest", function (e) {
    if (e.detail.elt && e.detail.elt.id === "label-form") {
      e.detail.parameters["leadMs"] = Math.round(performance.now() - shownAt).toString();
    }
  });
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "workspace-item" || e.detail.elt && e.detail.elt.id === "workspace-item") {
      shownAt = performance.now();
      if (e.detail.requestConfig && e.detail.requestConfig.elt && e.detail.requestConfig.elt.id === "label-form") {
        session.labeled++;
      }
      const minutes = (Date.now() - session.started) / 60000;
      const speed = document.querySelector(".session-speed");
      if (speed && minutes > 0 && session.labeled > 0) {
        speed.textContent = (session.labeled / minutes).toFixed(1) + " items/min this session";
      }
    }
  });

  document.addEventListener("click", function (e) {
    if (e.target instanceof HTMLImageElement && e.target.classList.contains("item-image")) {
      e.target.classList.toggle("zoomed");
    }
  });
})();
