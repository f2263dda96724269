// Keys pressed in the labeling workspace before the page is live (the moment after a load, while its circuit
// connects and workspace.js starts) are kept here in order and handed to workspace.js when it starts, so a quick
// first key is not lost. Loaded on every page; it keeps keys only while a workspace card is on the page and no
// workspace.js is listening.
(function () {
  const early = [];
  let listening = false;
  function typing(target) {
    return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement ||
      (target instanceof HTMLElement && target.isContentEditable);
  }
  document.addEventListener("keydown", function (e) {
    if (listening || e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || !document.getElementById("workspace-item")) return;
    early.push(e.key);
  });
  window.labelloopEarlyKeys = {
    // workspace.js takes the keys kept so far and listens itself from then on.
    take() { listening = true; return early.splice(0); },
    // workspace.js stopped (the page was left): keep keys again for the next workspace.
    release() { listening = false; early.length = 0; },
  };
})();
