/* The DPO's dashboard (/dpo): one query, complianceReport, drawn as charts where a person would rather look
   and as tables where they would rather read. Chart.js is vendored (vendor/README.md); no inline script.

   Every chart's canvas gets data-total (the sum of the numbers it was given, from the query's answer) and
   data-drawn once drawn, so a test can check that each picture came from live data. */
(function () {
  "use strict";

  var Chart = window.Chart;
  var ENDPOINT = document.body.getAttribute("data-endpoint") || "graphql";
  var QUERY = [
    "query DpoDashboard { complianceReport {",
    "  generatedAt overdueSubjectRequests subjectRequestsDueWithin7Days",
    "  subjectRequestsByStatus { status count } contactsByVisibility { visibility count }",
    "  consentsByMonth { month purpose granted withdrawn } retentionDueNow retentionForecast { month count }",
    "  viewDays personalDataViews { actor daily total peak flagged } dailyViewMedians",
    "  noteFindingsByCategory { category count covered } auditChainOk auditEventsChecked",
    "  breachCount nextBreachNotificationDeadline mailByStatus { status count } mailFailures",
    "  staffChangesLast30Days",
    "  webhookDeliveriesByStatus { status count } webhookFailures",
    "} }"
  ].join("\n");
  // Colour-blind-safe (Okabe-Ito), then greys.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#999999"];
  var FLAGGED = "#D55E00";
  var CALM = ["#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000"];  // the palette less FLAGGED

  var $ = function (id) { return document.getElementById(id); };
  var charts = [];

  Chart.defaults.animation = false;  // drawn at once: what the page shows is what the data says
  Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  Chart.defaults.maintainAspectRatio = false;

  function sum(values) {
    return values.reduce(function (total, value) { return total + value; }, 0);
  }

  function draw(canvasId, config, values) {
    var canvas = $(canvasId);
    var chart = new Chart(canvas, config);
    canvas.setAttribute("data-total", String(sum(values)));
    canvas.setAttribute("data-drawn", "true");
    charts.push(chart);
  }

  function text(id, value) {
    $(id).textContent = value;
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString() : "none";
  }

  function row(cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (cell) {
      var td = document.createElement("td");
      td.textContent = cell;
      tr.appendChild(td);
    });
    return tr;
  }

  function tiles(report) {
    text("tile-overdue", report.overdueSubjectRequests);
    text("tile-due-soon", report.subjectRequestsDueWithin7Days);
    text("tile-retention", report.retentionDueNow);
    text("tile-breaches", report.breachCount);
    text("tile-breach-deadline", "breaches recorded; next notification deadline: " +
      when(report.nextBreachNotificationDeadline));
    var chain = $("tile-chain");
    chain.textContent = report.auditChainOk ? "intact" : "BROKEN";
    chain.parentNode.classList.toggle("alert", !report.auditChainOk);
    text("tile-chain-count", report.auditEventsChecked + " events checked");
    $("tile-overdue").parentNode.classList.toggle("alert", report.overdueSubjectRequests > 0);
    text("tile-mail", report.mailFailures);
    $("tile-mail").parentNode.classList.toggle("alert", report.mailFailures > 0);
    text("tile-staff", report.staffChangesLast30Days);
    text("tile-webhooks", report.webhookFailures);
    $("tile-webhooks").parentNode.classList.toggle("alert", report.webhookFailures > 0);
    text("generated-at", "Generated " + when(report.generatedAt));
  }

  function doughnut(canvasId, labels, values) {
    draw(canvasId, {
      type: "doughnut",
      data: { labels: labels, datasets: [{ data: values, backgroundColor: PALETTE.slice(0, values.length) }] },
      options: { plugins: { legend: { position: "right" } } }
    }, values);
  }

  function requestsChart(report) {
    var rows = report.subjectRequestsByStatus;
    doughnut("chart-requests", rows.map(function (r) { return r.status; }), rows.map(function (r) { return r.count; }));
  }

  // The outbox: mails to people and webhook deliveries to partners, side by side per status.
  function outboxChart(report) {
    var statuses = report.mailByStatus.map(function (r) { return r.status; });
    var countOf = function (rows) {
      return statuses.map(function (status) {
        var found = rows.filter(function (r) { return r.status === status; })[0];
        return found ? found.count : 0;
      });
    };
    var mails = countOf(report.mailByStatus);
    var webhooks = countOf(report.webhookDeliveriesByStatus);
    draw("chart-mail", {
      type: "bar",
      data: {
        labels: statuses,
        datasets: [
          { label: "mails", data: mails, backgroundColor: PALETTE[0] },
          { label: "webhook deliveries", data: webhooks, backgroundColor: PALETTE[1] }
        ]
      },
      options: { plugins: { legend: { position: "bottom" } } }
    }, mails.concat(webhooks));
  }

  function visibilityChart(report) {
    var rows = report.contactsByVisibility;
    doughnut("chart-visibility", rows.map(function (r) { return r.visibility; }),
      rows.map(function (r) { return r.count; }));
  }

  function consentChart(report) {
    var months = [];
    var purposes = [];
    report.consentsByMonth.forEach(function (c) {
      if (months.indexOf(c.month) < 0) months.push(c.month);
      if (purposes.indexOf(c.purpose) < 0) purposes.push(c.purpose);
    });
    var datasets = [];
    var values = [];
    purposes.forEach(function (purpose, i) {
      var of = report.consentsByMonth.filter(function (c) { return c.purpose === purpose; });
      if (!of.some(function (c) { return c.granted || c.withdrawn; })) return;  // a purpose never asked: no legend
      var granted = of.map(function (c) { return c.granted; });
      var withdrawn = of.map(function (c) { return -c.withdrawn; });
      values = values.concat(granted, of.map(function (c) { return c.withdrawn; }));
      datasets.push({ label: purpose + " granted", data: granted, backgroundColor: PALETTE[i], stack: "consents" });
      datasets.push({
        label: purpose + " withdrawn", data: withdrawn, backgroundColor: PALETTE[i] + "80", stack: "consents"
      });
    });
    draw("chart-consents", {
      type: "bar",
      data: { labels: months, datasets: datasets },
      options: {
        scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: "withdrawn ↓  granted ↑" } } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }
      }
    }, values);
  }

  function retentionChart(report) {
    var rows = report.retentionForecast;
    var values = rows.map(function (r) { return r.count; });
    draw("chart-retention", {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.month; }),
        datasets: [{ label: "requests the purge will delete", data: values, backgroundColor: PALETTE[0] }]
      },
      options: { plugins: { legend: { display: false } } }
    }, values);
  }

  function viewsChart(report) {
    var labels = report.viewDays.map(function (day) { return day.slice(5); });
    var values = [];
    var datasets = report.personalDataViews.map(function (actor, i) {
      values = values.concat(actor.daily);
      var colour = actor.flagged ? FLAGGED : CALM[i % CALM.length];
      return {
        label: (actor.flagged ? "⚠ " : "") + actor.actor,
        data: actor.daily,
        borderColor: colour,
        backgroundColor: colour,
        borderWidth: actor.flagged ? 3 : 1.5,
        pointRadius: actor.flagged ? 3 : 1
      };
    });
    datasets.push({
      label: "3 × median of the day",
      data: report.dailyViewMedians.map(function (m) { return 3 * m; }),
      borderColor: PALETTE[8],
      borderDash: [6, 4],
      borderWidth: 1,
      pointRadius: 0
    });
    draw("chart-views", {
      type: "line",
      data: { labels: labels, datasets: datasets },
      options: { plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } } }
    }, values);

    var body = $("table-views").tBodies[0];
    body.textContent = "";
    report.personalDataViews.forEach(function (actor) {
      var tr = row([actor.actor, actor.total, actor.peak, actor.flagged ? "possible exfiltration (Art. 32)" : ""]);
      if (actor.flagged) tr.classList.add("alert");
      body.appendChild(tr);
    });
    if (!report.personalDataViews.length) body.appendChild(row(["no view in 30 days", "", "", ""]));
  }

  function findingsChart(report) {
    var rows = report.noteFindingsByCategory;
    var counts = rows.map(function (r) { return r.count; });
    draw("chart-findings", {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.category; }),
        datasets: [
          { label: "not covered", data: rows.map(function (r) { return r.count - r.covered; }),
            backgroundColor: FLAGGED, stack: "f" },
          { label: "covered by explicit consent", data: rows.map(function (r) { return r.covered; }),
            backgroundColor: PALETTE[2], stack: "f" }
        ]
      },
      options: { indexAxis: "y", scales: { x: { stacked: true }, y: { stacked: true, ticks: { autoSkip: false } } },
                 plugins: { legend: { position: "bottom" } } }
    }, counts);
  }

  function clear() {
    charts.forEach(function (chart) { chart.destroy(); });
    charts = [];
    Array.prototype.forEach.call(document.querySelectorAll("canvas"), function (canvas) {
      canvas.removeAttribute("data-total");
      canvas.removeAttribute("data-drawn");
    });
    $("table-views").tBodies[0].textContent = "";
    $("dashboard").hidden = true;
    $("dashboard-empty").hidden = false;
  }

  function load() {
    bar.say("Loading the report…");
    bar.post(QUERY).then(function (body) {
      if (body.errors) throw new Error(body.errors[0].message);
      clear();
      var report = body.data.complianceReport;
      $("dashboard").hidden = false;
      $("dashboard-empty").hidden = true;
      tiles(report);
      requestsChart(report);
      visibilityChart(report);
      consentChart(report);
      retentionChart(report);
      viewsChart(report);
      findingsChart(report);
      outboxChart(report);
      document.body.setAttribute("data-report", "loaded");
      bar.say("");
    }).catch(function (error) {
      bar.say("The report could not be loaded: " + error.message, true);
    });
  }

  var bar = window.AlveoleSignIn.start({
    endpoint: ENDPOINT,
    onSignIn: load,
    onSignOut: function () {
      clear();
      document.body.removeAttribute("data-report");
    }
  });
  var refresh = document.createElement("button");
  refresh.type = "button";
  refresh.id = "refresh";
  refresh.textContent = "Refresh";
  refresh.addEventListener("click", load);
  $("session").insertBefore(refresh, $("logout"));
})();
