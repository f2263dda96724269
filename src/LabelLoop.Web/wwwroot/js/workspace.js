// Keyboard-first labeling: a document keydown listener (wherever the focus is, except while typing) forwards the
// workspace's keys to the component in order. Each key is numbered; the component applies each number once and in
// order, so keys sent again after a dropped connection are neither lost nor applied twice.
const fixedKeys = new Set(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "Enter", "s", "S", "u", "U", "Backspace", "?"]);

function typing(target) {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement ||
    (target instanceof HTMLElement && target.isContentEditable);
}

export function start(component, hotkeys) {
  const hot = new Set((hotkeys || []).map(k => k.toLowerCase()));
  let next = 1;          // the number the next key gets
  let applied = 0;       // the last number the component answered for
  let unsent = [];       // keys not sent yet, or to send again
  let sent = [];         // keys sent, not answered yet
  let retry = null;

  function acknowledge(last) {
    if (last > applied) applied = last;
    sent = sent.filter(k => k.n > applied);
  }

  function resendSoon(delay) {
    if (retry !== null) return;
    retry = setTimeout(function () {
      retry = null;
      // Everything not answered goes again, in order; the component skips what it already has.
      unsent = sent.concat(unsent).filter(k => k.n > applied);
      sent = [];
      pump();
    }, delay);
  }

  function pump() {
    while (unsent.length > 0) {
      const key = unsent.shift();
      sent.push(key);
      component.invokeMethodAsync("Key", key.n, key.key).then(function (last) {
        acknowledge(last);
        // A gap (an earlier key got lost on the way): send again from the first one missing.
        if (last < key.n) resendSoon(50);
      }, function () {
        resendSoon(500);
      });
    }
    // No answer at all (the connection dropped with the call on it): send again until one comes.
    if (sent.length > 0) {
      setTimeout(function () { if (sent.some(k => k.n > applied)) resendSoon(0); }, 3000);
    }
  }

  function onKeyDown(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (typing(e.target)) {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    const key = e.key;
    if (!fixedKeys.has(key) && !(key.length === 1 && hot.has(key.toLowerCase()))) return;
    e.preventDefault();
    unsent.push({ n: next++, key: key });
    if (retry === null) pump();
  }

  // Keys pressed before the page was live (kept by key-buffer.js) go first, in order.
  const early = window.labelloopEarlyKeys ? window.labelloopEarlyKeys.take() : [];
  for (const key of early) {
    if (fixedKeys.has(key) || (key.length === 1 && hot.has(key.toLowerCase()))) unsent.push({ n: next++, key: key });
  }
  if (unsent.length > 0) pump();

  document.addEventListener("keydown", onKeyDown);
  return {
    stop: function () {
      document.removeEventListener("keydown", onKeyDown);
      if (window.labelloopEarlyKeys) window.labelloopEarlyKeys.release();
      if (retry !== null) clearTimeout(retry);
    },
  };
}
