// The reconnecting dialog of ReconnectModal.razor: blazor.web.js reports each change of the connection's state on
// the dialog; this module shows it while the connection is down and hides it once the page is live again. A page
// whose circuit the server no longer knows is reloaded; one that gave up offers to try again or reload.
const dialog = document.getElementById("components-reconnect-modal");

dialog.addEventListener("components-reconnect-state-changed", event => {
  switch (event.detail.state) {
    case "show":
    case "retrying":
    case "paused":
      if (!dialog.open) {
        dialog.showModal();
      }
      break;
    case "hide":
      dialog.close();
      break;
    case "failed":
      document.addEventListener("visibilitychange", retryOnceVisible);
      break;
    case "rejected":
      location.reload();
      break;
  }
});

// Escape would close the dialog while the page still cannot reach the server.
dialog.addEventListener("cancel", event => event.preventDefault());

document.getElementById("components-reconnect-button").addEventListener("click", retry);
document.getElementById("components-resume-button").addEventListener("click", resume);
for (const id of ["reconnect-reload", "reconnect-reload-after-pause"]) {
  document.getElementById(id).addEventListener("click", () => location.reload());
}

async function retry() {
  document.removeEventListener("visibilitychange", retryOnceVisible);
  try {
    // true: back on the same circuit; false: the server answered but no longer has it; a throw: unreachable.
    if (await Blazor.reconnect()) {
      return;
    }
    if (await Blazor.resumeCircuit()) {
      dialog.close();
    } else {
      location.reload();
    }
  } catch {
    document.addEventListener("visibilitychange", retryOnceVisible);
  }
}

async function resume() {
  try {
    if (!await Blazor.resumeCircuit()) {
      location.reload();
    }
  } catch {
    dialog.classList.replace("components-reconnect-paused", "components-reconnect-resume-failed");
  }
}

// A tab that was in the background when the connection gave up tries again when the user comes back to it.
async function retryOnceVisible() {
  if (document.visibilityState === "visible") {
    await retry();
  }
}
