// The dashboard's only script (the pages' Content-Security-Policy allows no other and no inline one): live updates
// of the sweep page from the sweep's event stream, without a reload. Without it every page still works; it only
// keeps a page current. No framework, nothing loaded from elsewhere.
//
// DOM contract (written by SweepView and HtmlPage on the server; the browser tests rely on it):
//   <main data-sweep-events="/sweeps/ID/events?after=POS">  only on a sweep page; without it this script does nothing.
//   <tr data-job-id="ID">                     a row of the jobs table, with cells
//     <td data-field="state" class="state-LABEL">, data-field="attempt" ("A/MAX"), "epoch", "loss", "error".
//     A job whose row is not on the page (another page of the table) is left alone.
//   <progress id="sweep-progress">, <span id="sweep-finished">F/T</span>, <span id="sweep-counts">N label · …</span>
//   <figure id="loss-curves" data-epochs="N"><img src="/sweeps/ID/loss.svg?v=N" alt="…"></figure>
//     (the loss-curves feature; N = the epochs reported for the sweep). Each epoch event adds 1 to data-epochs; the
//     img's src then becomes /sweeps/ID/loss.svg?v=<new N>, at most once a second (a burst of epochs after a reconnect
//     loads the plot once). Without the figure, nothing.
//   <div id="live-status" role="status">       made by this script as <main>'s first child when the stream breaks:
//     "coordinator unreachable since HH:MM:SS UTC — reconnecting…", then "reconnected (offline N s)" (hidden after
//     10 s); when the session is no longer accepted, a link to /login instead.
//
// Events (text/event-stream, GET /sweeps/ID/events; each job and epoch event's id resumes the stream after it):
//   job    {job, state, attempt, max_attempts, worker?, error?}   state as the jobs table labels it
//   epoch  {job, epoch, train_loss?, val_loss?}
//   counts {counts: {label: n, …}, finished, total}               only when the counts changed
//
// A page left open for days holds one EventSource and at most three pending timers: nothing grows.
(function () {
  "use strict";

  var main = document.querySelector("main[data-sweep-events]");
  if (!main || typeof EventSource === "undefined") {
    return;
  }

  var firstUrl = main.getAttribute("data-sweep-events");
  var sweepPath = firstUrl.replace(/\/events(\?.*)?$/, ""); // "/sweeps/ID"
  var source = null;
  var lastId = null; // the id of the last event received: where a new EventSource resumes
  var offlineSince = null; // when the stream broke; null while it flows
  var reopenTimer = null;
  var hideTimer = null;
  var plotTimer = null;

  function streamUrl() {
    return lastId === null ? firstUrl : sweepPath + "/events?after=" + encodeURIComponent(lastId);
  }

  function open() {
    reopenTimer = null;
    source = new EventSource(streamUrl());
    source.addEventListener("open", onOpen);
    source.addEventListener("error", onError);
    source.addEventListener("job", function (e) { received(e); job(JSON.parse(e.data)); });
    source.addEventListener("epoch", function (e) { received(e); epoch(JSON.parse(e.data)); });
    source.addEventListener("counts", function (e) { received(e); counts(JSON.parse(e.data)); });
  }

  function received(e) {
    if (e.lastEventId) {
      lastId = e.lastEventId;
    }
  }

  function onOpen() {
    if (offlineSince === null) {
      return;
    }

    var seconds = Math.round((Date.now() - offlineSince.getTime()) / 1000);
    offlineSince = null;
    announce("reconnected (offline " + seconds + " s)");
    clearTimeout(hideTimer);
    hideTimer = setTimeout(function () { hideTimer = null; statusElement().hidden = true; }, 10000);
  }

  function onError() {
    if (offlineSince === null) {
      offlineSince = new Date();
      announce("coordinator unreachable since " + utcTime(offlineSince) + " — reconnecting…");
    }

    // While CONNECTING the browser retries by itself (the stream's retry: 2000) and resends Last-Event-ID. CLOSED
    // means it gave up: an answer that was not a stream (a proxy's 502 while the coordinator restarts, a 401).
    if (source.readyState === EventSource.CLOSED) {
      source.close();
      source = null;
      probe();
    }
  }

  // Asks the stream's URL once for its status, reading no body, to tell a lost session from an absent coordinator.
  function probe() {
    var controller = new AbortController();
    fetch(streamUrl(), { credentials: "same-origin", cache: "no-store", signal: controller.signal }).then(function (response) {
      controller.abort();
      if (response.status === 401) {
        signIn();
      } else if (response.status === 404) {
        announce("this sweep no longer exists");
      } else {
        reopenLater();
      }
    }, reopenLater);
  }

  function reopenLater() {
    if (reopenTimer === null) {
      reopenTimer = setTimeout(open, 2000);
    }
  }

  function signIn() {
    var element = announce("your session is no longer accepted — ");
    var link = document.createElement("a");
    link.href = "/login?returnUrl=" + encodeURIComponent(location.pathname + location.search);
    link.textContent = "sign in again";
    element.appendChild(link);
  }

  function statusElement() {
    var element = document.getElementById("live-status");
    if (!element) {
      element = document.createElement("div");
      element.id = "live-status";
      element.setAttribute("role", "status");
      main.insertBefore(element, main.firstChild);
    }

    return element;
  }

  function announce(text) {
    var element = statusElement();
    element.textContent = text;
    element.hidden = false;
    return element;
  }

  function job(data) {
    var row = rowOf(data.job);
    if (!row) {
      return;
    }

    var state = cell(row, "state");
    if (state) {
      state.textContent = data.state;
      state.className = "state-" + data.state;
    }

    setText(cell(row, "attempt"), data.attempt + "/" + data.max_attempts);
    setText(cell(row, "error"), data.error || "");
  }

  function epoch(data) {
    var row = rowOf(data.job);
    var shown = row ? cell(row, "epoch") : null;
    // The row shows the newest epoch: an older one sent again (a resumed attempt's) leaves it.
    if (shown && !(parseInt(shown.textContent, 10) > data.epoch)) {
      shown.textContent = String(data.epoch);
      if (data.train_loss !== undefined && data.train_loss !== null) {
        setText(cell(row, "loss"), number(data.train_loss));
      }
    }

    var figure = document.getElementById("loss-curves");
    if (!figure) {
      return;
    }

    figure.setAttribute("data-epochs", String((parseInt(figure.getAttribute("data-epochs"), 10) || 0) + 1));
    if (plotTimer === null) {
      plotTimer = setTimeout(function () {
        plotTimer = null;
        var image = figure.querySelector("img");
        if (image) {
          image.src = sweepPath + "/loss.svg?v=" + figure.getAttribute("data-epochs");
        }
      }, 1000);
    }
  }

  function counts(data) {
    var progress = document.getElementById("sweep-progress");
    if (progress) {
      progress.max = Math.max(1, data.total);
      progress.value = data.finished;
      progress.textContent = data.finished + "/" + data.total;
    }

    setText(document.getElementById("sweep-finished"), data.finished + "/" + data.total);
    setText(document.getElementById("sweep-counts"), Object.keys(data.counts)
      .filter(function (label) { return data.counts[label] > 0; })
      .map(function (label) { return data.counts[label] + " " + label; })
      .join(" · "));
  }

  function rowOf(jobId) {
    return document.querySelector('tr[data-job-id="' + Number(jobId) + '"]');
  }

  function cell(row, field) {
    return row.querySelector('[data-field="' + field + '"]');
  }

  function setText(element, text) {
    if (element) {
      element.textContent = text;
    }
  }

  // As the server writes numbers (Format.Number): up to 2 decimals from 100 on or for whole numbers, else up to 4.
  function number(value) {
    var digits = Math.abs(value) >= 100 || value === Math.floor(value) ? 2 : 4;
    return String(Number(value.toFixed(digits)));
  }

  function utcTime(date) {
    return date.toISOString().substring(11, 19) + " UTC";
  }

  open();
})();
