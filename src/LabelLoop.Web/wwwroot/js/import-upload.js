// The project page's import form, sent with XMLHttpRequest so the page can show how much of the upload has gone
// (large uploads take minutes); the endpoint's answer, the import report page, then replaces this page. Without this
// module (before the page is live) the browser posts the form as it is and shows the same report.

export function attach(form, page) {
  if (!form || form.dataset.uploadAttached === "true") {
    return;
  }
  form.dataset.uploadAttached = "true";
  form.addEventListener("submit", event => {
    event.preventDefault();
    send(form, page);
  });
}

function send(form, page) {
  const request = new XMLHttpRequest();
  let shown = -2;
  const progress = percent => {
    if (percent !== shown) {
      shown = percent;
      page.invokeMethodAsync("UploadProgress", percent).catch(() => {});
    }
  };
  const failed = message => {
    progress(-1);
    page.invokeMethodAsync("UploadFailed", message).catch(() => {});
  };
  request.upload.addEventListener("progress", event => {
    if (event.lengthComputable && event.total > 0) {
      progress(Math.min(100, Math.floor((100 * event.loaded) / event.total)));
    }
  });
  request.upload.addEventListener("load", () => progress(100));
  request.addEventListener("load", () => {
    const type = request.getResponseHeader("Content-Type") || "";
    if (request.status >= 200 && request.status < 300 && type.startsWith("text/html")) {
      // The report is a whole page: it takes this one's place, and a reload shows the project again.
      document.open();
      document.write(request.responseText);
      document.close();
      return;
    }
    failed(messageOf(request, type));
  });
  request.addEventListener("error", () => failed("The upload was interrupted; try again."));
  request.addEventListener("abort", () => failed("The upload was stopped."));
  request.open("POST", form.action);
  progress(0);
  request.send(new FormData(form));
}

function messageOf(request, type) {
  const body = request.responseText || "";
  if (type.includes("json")) {
    try {
      const parsed = JSON.parse(body);
      if (typeof parsed === "string") {
        return parsed;
      }
      if (parsed && (parsed.detail || parsed.title)) {
        return parsed.detail || parsed.title;
      }
    } catch {
      // Not JSON after all: fall through to the status.
    }
  } else if (type.startsWith("text/plain") && body.length > 0 && body.length < 500) {
    return body;
  }
  return `The upload was refused (${request.status}${request.statusText ? " " + request.statusText : ""}).`;
}
