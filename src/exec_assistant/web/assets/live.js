/* The meeting page while its prep goes on: ask the server every few seconds where the prep
   stands, and when that changes, say so and load the page again. Without this script the
   page has a Refresh link and is correct as it stands. */
(function () {
  "use strict";
  var section = document.querySelector("[data-status-url]");
  if (!section || !window.fetch) {
    return;
  }
  var url = section.getAttribute("data-status-url");
  var stage = section.getAttribute("data-stage");
  var seconds = Number(section.getAttribute("data-poll-seconds")) || 2;
  var region = document.getElementById("live-status");
  var failures = 0;
  var timer = null;

  function announce(text) {
    if (region) {
      region.textContent = text;
    }
  }

  function stop() {
    if (timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
  }

  function check() {
    if (document.hidden) {
      return;
    }
    window.fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      redirect: "error",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("status " + response.status);
      }
      return response.json();
    }).then(function (status) {
      failures = 0;
      if (status.stage !== stage) {
        stop();
        announce(status.label + " Loading the page again.");
        window.setTimeout(function () {
          window.location.replace(window.location.pathname);
        }, 1000);
      }
    }).catch(function () {
      failures += 1;
      if (failures >= 5) {
        stop();
        announce("The page could not check the prep's progress; use Refresh.");
      }
    });
  }

  timer = window.setInterval(check, seconds * 1000);
}());
