// htmx settings shared by every page: validation errors (422), "too large"
// (413) and "this moved on" (409) answers are swapped in like successes, so
// forms show them.
document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  if (status === 422 || status === 413 || status === 409) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
