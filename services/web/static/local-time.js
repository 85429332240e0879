// Dates in the viewer's time zone: every <time datetime="…"> is rewritten in local time
// (the server writes UTC, which stays when scripts are off). Runs again after htmx swaps.
(function () {
  function localise(root) {
    root.querySelectorAll("time[datetime]").forEach(function (element) {
      var moment = new Date(element.getAttribute("datetime"));
      if (!isNaN(moment)) {
        element.textContent = moment.toLocaleString(undefined, {
          dateStyle: "medium", timeStyle: "short"
        });
        element.title = element.getAttribute("datetime");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { localise(document); });
  document.addEventListener("htmx:afterSwap", function (event) { localise(event.target); });
})();
