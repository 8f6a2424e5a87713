/*
 * wkr dashboard. Plain JavaScript and Chart.js (served from the jar), nothing external.
 *
 * Polls GET /status about once a second, keeps five minutes of history in the charts, and sends
 * requests typed or uploaded by a person to POST /encode and POST /encode/file.
 *
 * Auth: open the page as /?token=<token>. The token is moved from the address bar into
 * sessionStorage (so it does not end up in history, bookmarks or Referer headers) and sent as
 * "Authorization: Bearer <token>" on every fetch.
 *
 * For tests and for poking at it from the console: window.wkrCharts holds the Chart instances
 * (throughput, latency, batchSizes, queue, errors); window.wkrDashboard the last status and counters.
 */
(function () {
  'use strict';

  var POLL_MS = 1000;
  var HISTORY_MS = 5 * 60 * 1000;
  var MIN_SPAN_MS = 60 * 1000;
  var STATUS_TIMEOUT_MS = 5000;
  var REQUEST_TIMEOUT_MS = 120000;
  var MAX_SHOWN_CHARS = 200000;
  var TOKEN_KEY = 'wkr-dashboard-token';

  /** Error codes that have happened at least once: their lines and legend entries are shown. */
  var shownErrorCodes = {};

  var ERROR_CODES = ['BAD_REQUEST', 'OVERLOADED', 'TIMEOUT', 'WORKER_FAILED', 'SHUTTING_DOWN', 'UNAUTHORIZED', 'INTERNAL'];
  var ERROR_COLORS = {
    BAD_REQUEST: '#e8a33d',
    OVERLOADED: '#d64545',
    TIMEOUT: '#8e5cd9',
    WORKER_FAILED: '#b8336a',
    SHUTTING_DOWN: '#5b6b80',
    UNAUTHORIZED: '#2a9d8f',
    INTERNAL: '#264653'
  };
  var COLORS = {
    blue: '#2f6fdf',
    blueFill: 'rgba(47, 111, 223, 0.12)',
    teal: '#20a39e',
    amber: '#e8a33d',
    red: '#d64545',
    grey: '#8792a2',
    grid: '#eef1f5',
    text: '#6b7785'
  };

  // ---------------------------------------------------------------- helpers

  function $(id) {
    return document.getElementById(id);
  }

  function setText(id, text) {
    var el = $(id);
    if (el && el.textContent !== text) el.textContent = text;
  }

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function num(v, fallback) {
    return typeof v === 'number' && isFinite(v) ? v : (fallback === undefined ? 0 : fallback);
  }

  function fmtInt(v) {
    return Math.round(num(v)).toLocaleString('en-US');
  }

  /** 3 significant-ish digits: 0.123, 1.23, 12.3, 123, 1,234. */
  function fmtNum(v) {
    v = num(v);
    var a = Math.abs(v);
    if (a === 0) return '0';
    if (a >= 100) return fmtInt(v);
    if (a >= 10) return v.toFixed(1);
    if (a >= 1) return v.toFixed(2);
    return v.toFixed(3);
  }

  function fmtMs(v) {
    return fmtNum(v);
  }

  function fmtDuration(seconds) {
    var s = Math.max(0, Math.floor(num(seconds)));
    var d = Math.floor(s / 86400);
    var h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60);
    var sec = s % 60;
    if (d > 0) return d + 'd ' + h + 'h ' + m + 'm';
    if (h > 0) return h + 'h ' + m + 'm';
    if (m > 0) return m + 'm ' + sec + 's';
    return sec + 's';
  }

  function pad2(n) {
    return (n < 10 ? '0' : '') + n;
  }

  function fmtClock(ms, withSeconds) {
    var d = new Date(ms);
    return pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + (withSeconds ? ':' + pad2(d.getSeconds()) : '');
  }

  function fmtDate(ms) {
    var d = new Date(ms);
    return d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) + ' ' + fmtClock(ms, true);
  }

  function fmtBytes(n) {
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' kB';
    return (n / 1024 / 1024).toFixed(1) + ' MB';
  }

  // ---------------------------------------------------------------- auth

  var token = (function readToken() {
    var params = new URLSearchParams(window.location.search);
    var t = params.get('token');
    if (t) {
      try {
        sessionStorage.setItem(TOKEN_KEY, t);
      } catch (e) { /* storage disabled: keep it in memory only */ }
      params.delete('token');
      var q = params.toString();
      history.replaceState(null, '', window.location.pathname + (q ? '?' + q : '') + window.location.hash);
      return t;
    }
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch (e) {
      return null;
    }
  })();

  function apiFetch(path, options, timeoutMs) {
    options = options || {};
    var headers = new Headers(options.headers || {});
    if (token) headers.set('Authorization', 'Bearer ' + token);
    var init = {
      method: options.method || 'GET',
      headers: headers,
      body: options.body,
      cache: 'no-store',
      credentials: 'same-origin'
    };
    if (timeoutMs && typeof AbortSignal !== 'undefined' && AbortSignal.timeout) {
      init.signal = AbortSignal.timeout(timeoutMs);
    }
    return fetch(path, init);
  }

  function showBanner(text, isError, askToken) {
    $('banner-text').textContent = text;
    $('banner').classList.toggle('banner-error', !!isError);
    $('token-form').hidden = !askToken;
    $('banner').hidden = false;
  }

  function hideBanner() {
    $('banner').hidden = true;
  }

  $('token-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var t = $('token-input').value.trim();
    $('token-input').value = '';
    token = t || null;
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch (err) { /* ignore */ }
    hideBanner();
    pollNow();
  });

  // ---------------------------------------------------------------- charts

  var hasChart = typeof window.Chart === 'function';
  var charts = {};
  window.wkrCharts = charts;

  function timeAxis() {
    return {
      type: 'linear',
      min: Date.now() - HISTORY_MS,
      max: Date.now(),
      grid: { color: COLORS.grid },
      ticks: {
        stepSize: 60000,
        maxRotation: 0,
        autoSkip: true,
        callback: function (v) {
          return fmtClock(v, this.max - this.min <= 180000);
        }
      }
    };
  }

  /** Legend swatches in the line colour, solid, even for filled or dashed lines. */
  function solidLegend(chart) {
    var items = Chart.defaults.plugins.legend.labels.generateLabels(chart);
    items.forEach(function (item) {
      item.fillStyle = item.strokeStyle;
      item.lineDash = [];
    });
    return items;
  }

  function lineOptions(yTitle, extra) {
    var o = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      elements: { point: { radius: 0, hitRadius: 6, hoverRadius: 3 }, line: { borderWidth: 2, tension: 0.25 } },
      scales: {
        x: timeAxis(),
        y: {
          beginAtZero: true,
          grid: { color: COLORS.grid },
          title: { display: !!yTitle, text: yTitle },
          ticks: { precision: 0 }
        }
      },
      plugins: {
        legend: { position: 'top', align: 'end', labels: { boxWidth: 10, boxHeight: 10, generateLabels: solidLegend } },
        tooltip: {
          callbacks: {
            title: function (items) {
              return items.length ? fmtClock(items[0].parsed.x, true) : '';
            },
            label: function (item) {
              return ' ' + item.dataset.label + ': ' + fmtNum(item.parsed.y);
            }
          }
        }
      }
    };
    if (extra) extra(o);
    return o;
  }

  function lineDataset(label, color, opts) {
    var ds = {
      label: label,
      data: [],
      borderColor: color,
      backgroundColor: color,
      fill: false
    };
    if (opts) Object.keys(opts).forEach(function (k) { ds[k] = opts[k]; });
    return ds;
  }

  function createCharts() {
    Chart.defaults.color = COLORS.text;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.font.size = 11;

    charts.throughput = new Chart($('chart-throughput'), {
      type: 'line',
      data: {
        datasets: [
          lineDataset('completed', COLORS.blue, { fill: 'origin', backgroundColor: COLORS.blueFill }),
          lineDataset('arrivals', COLORS.grey, { borderDash: [5, 4], borderWidth: 1.5 })
        ]
      },
      options: lineOptions('req/s')
    });

    charts.latency = new Chart($('chart-latency'), {
      type: 'line',
      data: {
        datasets: [
          lineDataset('p50', COLORS.teal),
          lineDataset('p90', COLORS.amber),
          lineDataset('p99', COLORS.red)
        ]
      },
      options: lineOptions('ms', function (o) {
        o.scales.y.ticks = {};
      })
    });

    charts.batchSizes = new Chart($('chart-batch-sizes'), {
      type: 'bar',
      data: {
        labels: [],
        datasets: [{ label: 'batches', data: [], backgroundColor: COLORS.blue, borderRadius: 3, maxBarThickness: 48 }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { grid: { display: false }, title: { display: true, text: 'batch size' } },
          y: { beginAtZero: true, grid: { color: COLORS.grid }, ticks: { precision: 0 } }
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: function (items) {
                return items.length ? 'batch size ' + items[0].label : '';
              },
              label: function (item) {
                var total = item.dataset.data.reduce(function (a, b) { return a + b; }, 0);
                var pct = total > 0 ? (100 * item.parsed.y / total).toFixed(1) : '0';
                return ' ' + fmtInt(item.parsed.y) + ' batches (' + pct + '%)';
              }
            }
          }
        }
      }
    });

    charts.queue = new Chart($('chart-queue'), {
      type: 'line',
      data: {
        datasets: [
          lineDataset('depth', COLORS.blue, { fill: 'origin', backgroundColor: COLORS.blueFill, stepped: true, tension: 0 }),
          lineDataset('capacity', COLORS.red, { borderDash: [6, 4], borderWidth: 1.5, hidden: true })
        ]
      },
      options: lineOptions('requests', function (o) {
        o.plugins.legend.labels.filter = function (item, data) {
          return !data.datasets[item.datasetIndex].hidden;
        };
      })
    });

    charts.errors = new Chart($('chart-errors'), {
      type: 'line',
      data: {
        datasets: ERROR_CODES.map(function (code) {
          return lineDataset(code, ERROR_COLORS[code], { hidden: true, tension: 0, borderWidth: 1.75 });
        })
      },
      options: lineOptions('errors/s', function (o) {
        o.scales.y.ticks = {};
        o.scales.y.suggestedMax = 1;
        o.plugins.legend.labels.filter = function (item, data) {
          return shownErrorCodes[data.datasets[item.datasetIndex].label] === true;
        };
      })
    });
  }

  if (hasChart) {
    createCharts();
  } else {
    showBanner('Chart.js did not load (/webjars/chart.js/4.4.1/dist/chart.umd.js); showing numbers only.', true, false);
  }

  function pushPoint(dataset, x, y) {
    dataset.data.push({ x: x, y: y });
  }

  var firstSampleAt = 0;

  /**
   * Drops points older than five minutes and moves the time axis. The axis starts one minute
   * wide and grows with the history, up to five minutes, so a fresh page is not mostly empty.
   */
  function trimAndRescale(chart, now) {
    var from = now - HISTORY_MS;
    chart.data.datasets.forEach(function (ds) {
      var d = ds.data;
      var drop = 0;
      while (drop < d.length && d[drop].x < from) drop++;
      if (drop > 0) d.splice(0, drop);
    });
    var span = Math.min(HISTORY_MS, Math.max(MIN_SPAN_MS, now - firstSampleAt));
    var x = chart.options.scales.x;
    x.min = now - span;
    x.max = now;
    x.ticks.stepSize = span <= 90000 ? 15000 : (span <= 180000 ? 30000 : 60000);
  }

  // ---------------------------------------------------------------- status

  var state = {
    lastStatus: null,
    polls: 0,
    failures: 0,
    failedInARow: 0,
    authFailed: false,
    prevErrors: null,
    prevErrorsAt: 0,
    prevBusy: {},
    prevBusyAt: 0,
    lastOkAt: 0
  };
  window.wkrDashboard = {
    get lastStatus() { return state.lastStatus; },
    get polls() { return state.polls; },
    get failures() { return state.failures; },
    pollNow: function () { pollNow(); }
  };

  function updateHeader(s) {
    var cls = String(s.worker_class || 'unknown worker');
    setText('worker-class', cls);
    var facts = [];
    if (s.protocol) facts.push('protocol ' + s.protocol);
    if (s.num_worker !== undefined) facts.push(s.num_worker + (s.num_worker === 1 ? ' worker' : ' workers'));
    if (s.batch_size !== undefined) facts.push('batch size ' + s.batch_size);
    if (s.server_start_time) {
      var t = Date.parse(s.server_start_time);
      if (!isNaN(t)) facts.push('started ' + fmtDate(t));
    }
    setText('server-facts', facts.join(' \u00b7 '));
    var st = String(s.state || 'UNKNOWN');
    var label = st === 'READY' && s.ready === false ? 'NOT READY' : st;
    var badge = $('server-state');
    badge.textContent = label;
    badge.className = 'badge badge-' + (label === 'NOT READY' ? 'draining' : st.toLowerCase());
    badge.title = 'state ' + st + (s.ready ? ', ready' : ', not ready');
    var simple = cls.substring(cls.lastIndexOf('.') + 1);
    var title = 'wkr \u00b7 ' + simple + ' \u00b7 ' + label;
    if (document.title !== title) document.title = title;
    if (s.wkr_version) setText('wkr-version', String(s.wkr_version));
  }

  function updateCards(s) {
    var req = s.requests || {};
    var lat = s.recent_latency_ms || s.latency_ms || {};
    var batches = s.batches || {};
    var queue = s.queue || {};

    var tp = num(s.throughput_rps);
    var tpEl = $('throughput-now');
    tpEl.textContent = fmtNum(tp);
    tpEl.setAttribute('data-value', String(tp));
    setText('arrival-now', fmtNum(s.arrival_rps));

    var recentCount = num(lat.count);
    setText('latency-p50-now', recentCount > 0 ? fmtMs(lat.p50) : '\u2013');
    setText('latency-p99-now', recentCount > 0 ? fmtMs(lat.p99) : '\u2013');
    setText('latency-max-now', recentCount > 0 ? fmtMs(lat.max) : '\u2013');

    setText('requests-succeeded', fmtInt(req.succeeded));
    setText('requests-received', fmtInt(req.received));
    setText('requests-failed', fmtInt(req.failed));

    setText('mean-batch-size', num(batches.count) > 0 ? num(batches.mean_size).toFixed(2) : '\u2013');
    setText('batch-size-max', s.batch_size !== undefined ? String(s.batch_size) : '\u2013');
    setText('batches-count', fmtInt(batches.count));

    var depth = num(queue.depth);
    var cap = num(queue.capacity);
    setText('queue-now', fmtInt(depth));
    setText('queue-capacity', cap > 0 ? fmtInt(cap) : '\u2013');
    var frac = cap > 0 ? Math.min(1, depth / cap) : 0;
    var meter = $('queue-meter');
    meter.style.width = (100 * frac).toFixed(1) + '%';
    meter.classList.toggle('high', frac >= 0.5 && frac < 0.9);
    meter.classList.toggle('full', frac >= 0.9);

    setText('uptime', fmtDuration(s.uptime_seconds));
    setText('active-clients', fmtInt(s.active_clients));
  }

  function errorRates(errors, now) {
    var rates = {};
    var prev = state.prevErrors;
    var dt = (now - state.prevErrorsAt) / 1000;
    ERROR_CODES.forEach(function (code) {
      var cur = num(errors[code]);
      var before = prev ? num(prev[code]) : cur;
      // a counter going down means the server restarted: start over from here
      rates[code] = prev && dt > 0 && cur >= before ? (cur - before) / dt : 0;
    });
    state.prevErrors = errors;
    state.prevErrorsAt = now;
    return rates;
  }

  function updateErrorTotals(errors) {
    var list = $('errors-by-code');
    var items = [];
    var codes = ERROR_CODES.slice();
    Object.keys(errors).forEach(function (c) {
      if (codes.indexOf(c) < 0) codes.push(c);
    });
    codes.forEach(function (code) {
      var n = num(errors[code]);
      var li = el('li', n > 0 ? 'nonzero' : '');
      li.setAttribute('data-code', code);
      var sw = el('span', 'swatch');
      sw.style.background = ERROR_COLORS[code] || COLORS.grey;
      li.appendChild(sw);
      li.appendChild(document.createTextNode(code + ' ' + fmtInt(n)));
      items.push(li);
    });
    list.replaceChildren.apply(list, items);
  }

  function updateBatchSizes(s) {
    if (!hasChart) return;
    var sizes = (s.batches && s.batches.sizes) || {};
    var max = num(s.batch_size, 0);
    var seen = Object.keys(sizes).map(Number).filter(function (k) { return k > 0; });
    var labels = [];
    if (max > 0 && max <= 64) {
      for (var i = 1; i <= max; i++) labels.push(i);
    } else {
      labels = seen.sort(function (a, b) { return a - b; });
    }
    seen.forEach(function (k) {
      if (labels.indexOf(k) < 0) labels.push(k);
    });
    labels.sort(function (a, b) { return a - b; });
    var chart = charts.batchSizes;
    chart.data.labels = labels.map(String);
    chart.data.datasets[0].data = labels.map(function (k) { return num(sizes[String(k)]); });
    chart.update('none');
  }

  function updateTimeCharts(s, now) {
    var lat = s.recent_latency_ms || {};
    var queue = s.queue || {};
    var errors = (s.requests && s.requests.errors) || {};
    var rates = errorRates(errors, now);
    if (!firstSampleAt) firstSampleAt = now;
    updateErrorTotals(errors);
    if (!hasChart) return;

    var tp = charts.throughput.data.datasets;
    pushPoint(tp[0], now, num(s.throughput_rps));
    pushPoint(tp[1], now, num(s.arrival_rps));

    var ld = charts.latency.data.datasets;
    var has = num(lat.count) > 0;
    pushPoint(ld[0], now, has ? num(lat.p50) : null);
    pushPoint(ld[1], now, has ? num(lat.p90) : null);
    pushPoint(ld[2], now, has ? num(lat.p99) : null);

    var qd = charts.queue.data.datasets;
    var cap = num(queue.capacity);
    pushPoint(qd[0], now, num(queue.depth));
    pushPoint(qd[1], now, cap);

    var ed = charts.errors.data.datasets;
    ERROR_CODES.forEach(function (code, i) {
      pushPoint(ed[i], now, rates[code]);
      if (!shownErrorCodes[code] && num(errors[code]) > 0) {
        shownErrorCodes[code] = true;
        ed[i].hidden = false;
      }
    });

    Object.keys(charts).forEach(function (k) {
      if (k !== 'batchSizes') trimAndRescale(charts[k], now);
    });

    // show the capacity line only when the queue gets anywhere near it
    var maxDepth = 0;
    qd[0].data.forEach(function (p) { if (p.y > maxDepth) maxDepth = p.y; });
    qd[1].hidden = !(cap > 0 && maxDepth >= 0.2 * cap);
    setText('queue-hint', cap > 0 ? 'requests waiting, capacity ' + fmtInt(cap) : 'requests waiting');

    charts.throughput.update('none');
    charts.latency.update('none');
    charts.queue.update('none');
    charts.errors.update('none');
  }

  var WORKER_COLUMNS = 9;

  function updateWorkers(s, now) {
    var workers = Array.isArray(s.workers) ? s.workers : [];
    var tbody = $('workers').tBodies[0];
    var dt = (now - state.prevBusyAt) / 1000;
    var prevBusy = state.prevBusy;
    var nextBusy = {};
    var rows = [];
    var counts = {};

    workers.forEach(function (w) {
      var id = w.id;
      var st = String(w.state || 'UNKNOWN');
      counts[st] = (counts[st] || 0) + 1;
      var tr = el('tr');
      tr.setAttribute('data-worker-id', String(id));
      tr.setAttribute('data-state', st);
      tr.appendChild(el('td', null, String(id)));
      var dev = num(w.device, -1);
      tr.appendChild(el('td', null, dev < 0 ? 'cpu' : 'gpu ' + dev));
      var stateTd = el('td');
      stateTd.appendChild(el('span', 'chip state-' + st, st));
      tr.appendChild(stateTd);

      var busyTd = el('td', 'num');
      var busy = num(w.busy_seconds);
      nextBusy[id] = busy;
      if (prevBusy[id] !== undefined && dt > 0 && busy >= prevBusy[id]) {
        var util = Math.max(0, Math.min(1, (busy - prevBusy[id]) / dt));
        var box = el('span', 'util');
        var bar = el('span', 'util-bar');
        var fill = el('div');
        fill.style.width = (util * 100).toFixed(0) + '%';
        bar.appendChild(fill);
        box.appendChild(bar);
        box.appendChild(el('span', null, (util * 100).toFixed(0) + '%'));
        busyTd.appendChild(box);
        busyTd.title = fmtNum(busy) + ' s busy since start';
      } else {
        busyTd.textContent = '\u2013';
      }
      tr.appendChild(busyTd);

      tr.appendChild(el('td', 'num', fmtInt(w.batches)));
      tr.appendChild(el('td', 'num', fmtInt(w.items)));
      tr.appendChild(el('td', 'num', fmtInt(w.failed_batches)));
      tr.appendChild(el('td', 'num', fmtInt(w.restarts)));
      var err = w.last_error ? String(w.last_error) : '';
      var errTd = el('td', 'error-cell', err.length > 200 ? err.substring(0, 200) + '\u2026' : err);
      if (err) errTd.title = err;
      tr.appendChild(errTd);
      rows.push(tr);
    });

    if (rows.length === 0) {
      var tr = el('tr');
      var td = el('td', 'empty', 'no workers reported');
      td.colSpan = WORKER_COLUMNS;
      tr.appendChild(td);
      rows.push(tr);
    }
    tbody.replaceChildren.apply(tbody, rows);
    state.prevBusy = nextBusy;
    state.prevBusyAt = now;

    var summary = Object.keys(counts).sort().map(function (k) {
      return counts[k] + ' ' + k.toLowerCase();
    });
    setText('workers-hint', summary.join(', '));
  }

  function setConn(kind, text) {
    var c = $('conn-status');
    c.className = 'conn conn-' + kind;
    setText('last-update', text);
  }

  function render(s) {
    var now = Date.now();
    state.lastStatus = s;
    updateHeader(s);
    updateCards(s);
    updateTimeCharts(s, now);
    updateBatchSizes(s);
    updateWorkers(s, now);
    maybeFillExample(s);
  }

  var pollTimer = null;
  var polling = false;

  function schedule(delay) {
    if (pollTimer !== null) clearTimeout(pollTimer);
    pollTimer = setTimeout(poll, delay);
  }

  function pollNow() {
    schedule(0);
  }

  function poll() {
    pollTimer = null;
    if (polling) return;
    polling = true;
    var started = Date.now();
    apiFetch('/status', null, STATUS_TIMEOUT_MS)
      .then(function (res) {
        if (res.status === 401 || res.status === 403) {
          state.failures++;
          state.authFailed = true;
          setConn('bad', 'unauthorized');
          showBanner(token
            ? 'The server refused the token (HTTP ' + res.status + '). Enter the right one:'
            : 'This server needs a token: open the dashboard as /?token=\u2026 or enter it here:', true, true);
          return null;
        }
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.json();
      })
      .then(function (s) {
        if (!s) return;
        state.polls++;
        state.authFailed = false;
        state.failedInARow = 0;
        document.body.classList.remove('stale');
        state.lastOkAt = Date.now();
        if (!$('banner').hidden && $('banner-text').textContent.indexOf('Chart.js') !== 0) hideBanner();
        render(s);
        setConn('ok', 'live \u00b7 ' + fmtClock(state.lastOkAt, true));
      })
      .catch(function (e) {
        state.failures++;
        state.failedInARow++;
        var since = state.lastOkAt ? ' since ' + fmtClock(state.lastOkAt, true) : '';
        setConn('bad', 'no answer' + since + ', retrying');
        if (state.polls > 0) document.body.classList.add('stale');
        var badge = $('server-state');
        badge.textContent = 'UNREACHABLE';
        badge.className = 'badge badge-down';
        badge.title = 'GET /status did not answer: ' + (e && e.message);
        if (window.console && console.debug) console.debug('wkr dashboard: /status failed', e && e.message);
      })
      .then(function () {
        polling = false;
        var elapsed = Date.now() - started;
        // every 5 s while the token is refused or the server has not answered for a while
        var base = state.authFailed || state.failedInARow >= 10 ? 5000 : POLL_MS;
        schedule(Math.max(50, base - elapsed));
      });
  }

  // ---------------------------------------------------------------- request panel

  var jsonBox = $('request-json');
  var fileInput = $('request-file');
  var sendJsonBtn = $('request-send');
  var sendFileBtn = $('request-file-send');
  var resultBox = $('request-result');
  var exampleFilled = false;
  var userTyped = false;
  var requestSeq = 0;
  var previewUrl = null;

  jsonBox.addEventListener('input', function () { userTyped = true; });

  function maybeFillExample(s) {
    if (exampleFilled || userTyped || jsonBox.value !== '') {
      exampleFilled = true;
      return;
    }
    exampleFilled = true;
    if (s.protocol === 'numpy') {
      jsonBox.value = '{"dtype": "float32", "shape": [2, 2], "data": [1, 2, 3, 4]}';
      setText('json-hint', 'a tensor {dtype, shape, data} or nested arrays, sent to POST /encode');
    } else {
      jsonBox.value = '{"text": "hello wkr", "n": 3}';
      setText('json-hint', 'any JSON value, sent to POST /encode');
    }
  }

  function isImageResult(r) {
    return r !== null && typeof r === 'object' && !Array.isArray(r)
      && typeof r.content_type === 'string' && /^image\/[a-z0-9.+-]+$/i.test(r.content_type)
      && typeof r.base64 === 'string';
  }

  function isTensor(r) {
    return r !== null && typeof r === 'object' && !Array.isArray(r)
      && typeof r.dtype === 'string' && Array.isArray(r.shape);
  }

  function setMeta(text) {
    setText('request-meta', text);
  }

  function showPending(what) {
    resultBox.className = 'request-result pending';
    resultBox.replaceChildren(el('span', 'hint', 'Waiting for the answer to ' + what + '\u2026'));
    setMeta('');
  }

  /** JSON.stringify(v, null, 2), but arrays of numbers, strings, booleans and nulls on one line. */
  function prettyJson(value) {
    function isFlat(a) {
      return a.every(function (x) { return x === null || typeof x !== 'object'; });
    }
    function walk(v, indent) {
      if (v === null || typeof v !== 'object') {
        var t = JSON.stringify(v);
        return t === undefined ? 'null' : t;
      }
      var inner = indent + '  ';
      if (Array.isArray(v)) {
        if (v.length === 0) return '[]';
        if (isFlat(v)) return '[' + v.map(function (x) { return walk(x, inner); }).join(', ') + ']';
        return '[\n' + v.map(function (x) { return inner + walk(x, inner); }).join(',\n') + '\n' + indent + ']';
      }
      var keys = Object.keys(v);
      if (keys.length === 0) return '{}';
      return '{\n' + keys.map(function (k) {
        return inner + JSON.stringify(k) + ': ' + walk(v[k], inner);
      }).join(',\n') + '\n' + indent + '}';
    }
    return walk(value, '');
  }

  function showResult(result, serverMs, roundTripMs, httpStatus) {
    resultBox.className = 'request-result ok';
    resultBox.setAttribute('data-seq', String(requestSeq));
    var parts = ['HTTP ' + httpStatus];
    if (typeof serverMs === 'number') parts.push('server ' + fmtMs(serverMs) + ' ms');
    parts.push('round trip ' + fmtMs(roundTripMs) + ' ms');
    setMeta(parts.join(' \u00b7 '));

    if (isImageResult(result)) {
      var img = el('img', 'result-image');
      img.alt = 'image answer (' + result.content_type + ')';
      img.src = 'data:' + result.content_type + ';base64,' + result.base64;
      var caption = el('div', 'hint', result.content_type + ' \u00b7 ' + fmtBytes(Math.floor(result.base64.length * 3 / 4)));
      img.addEventListener('load', function () {
        caption.textContent = result.content_type + ' \u00b7 ' + img.naturalWidth + '\u00d7' + img.naturalHeight
          + ' \u00b7 ' + fmtBytes(Math.floor(result.base64.length * 3 / 4));
      });
      resultBox.replaceChildren(img, caption);
      return;
    }
    var nodes = [];
    if (isTensor(result)) {
      nodes.push(el('div', 'hint tensor-summary', 'tensor ' + result.dtype + ' [' + result.shape.join(', ') + ']'));
    }
    var text = prettyJson(result);
    var truncated = text.length > MAX_SHOWN_CHARS;
    nodes.push(el('pre', 'result-json', truncated ? text.substring(0, MAX_SHOWN_CHARS) : text));
    if (truncated) nodes.push(el('div', 'truncated', 'showing the first ' + fmtInt(MAX_SHOWN_CHARS) + ' of ' + fmtInt(text.length) + ' characters'));
    resultBox.replaceChildren.apply(resultBox, nodes);
  }

  function showError(code, message, httpStatus, extra) {
    resultBox.className = 'request-result error';
    resultBox.setAttribute('data-seq', String(requestSeq));
    var head = el('div', 'error-head');
    head.appendChild(el('span', 'error-code', code));
    head.appendChild(el('span', 'error-status', httpStatus ? 'HTTP ' + httpStatus : 'not sent'));
    var nodes = [head, el('div', 'error-message', message || '(no message)')];
    if (extra) nodes.push(el('div', 'hint', extra));
    resultBox.replaceChildren.apply(resultBox, nodes);
  }

  function send(path, init, what, button) {
    var seq = ++requestSeq;
    var t0 = performance.now();
    button.disabled = true;
    button.classList.add('busy');
    showPending(what);
    var httpStatus = 0;
    var retryAfter = null;
    return apiFetch(path, init, REQUEST_TIMEOUT_MS)
      .then(function (res) {
        httpStatus = res.status;
        retryAfter = res.headers.get('Retry-After');
        return res.text();
      })
      .then(function (text) {
        if (seq !== requestSeq) return;
        var rtt = performance.now() - t0;
        var body = null;
        try {
          body = text ? JSON.parse(text) : null;
        } catch (e) {
          body = null;
        }
        setMeta('HTTP ' + httpStatus + ' \u00b7 round trip ' + fmtMs(rtt) + ' ms');
        if (httpStatus >= 200 && httpStatus < 300 && body && typeof body === 'object' && 'result' in body) {
          showResult(body.result, body.latency_ms, rtt, httpStatus);
        } else if (body && body.error && typeof body.error === 'object') {
          showError(String(body.error.code || 'ERROR'), String(body.error.message || ''), httpStatus,
            retryAfter ? 'Retry after ' + retryAfter + ' s' : null);
        } else {
          showError('HTTP_' + httpStatus, (text || '').substring(0, 2000) || 'empty answer', httpStatus);
        }
      })
      .catch(function (e) {
        if (seq !== requestSeq) return;
        var timedOut = e && (e.name === 'TimeoutError' || e.name === 'AbortError');
        showError(timedOut ? 'CLIENT_TIMEOUT' : 'NETWORK',
          timedOut ? 'No answer within ' + REQUEST_TIMEOUT_MS / 1000 + ' s' : 'Could not reach the server: ' + (e && e.message),
          null);
      })
      .then(function () {
        button.classList.remove('busy');
        button.disabled = button === sendFileBtn ? !(fileInput.files && fileInput.files.length) : false;
      });
  }

  function sendJson() {
    var text = jsonBox.value;
    if (text.trim() === '') {
      ++requestSeq;
      setMeta('');
      showError('EMPTY', 'Type a JSON value to send, for example {"text": "hello"}.', null);
      return;
    }
    try {
      JSON.parse(text);
    } catch (e) {
      ++requestSeq;
      setMeta('');
      showError('INVALID_JSON', 'Not valid JSON: ' + e.message, null, 'Nothing was sent; fix the input and try again.');
      return;
    }
    send('/encode', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: text }, 'the JSON request', sendJsonBtn);
  }

  function sendFile() {
    var f = fileInput.files && fileInput.files[0];
    if (!f) return;
    // the file itself as the body: the server refuses form bodies on data routes (any page could send those)
    send('/encode/file', { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: f },
      f.name + ' (' + fmtBytes(f.size) + ')', sendFileBtn);
  }

  $('json-form').addEventListener('submit', function (e) {
    e.preventDefault();
    sendJson();
  });
  jsonBox.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      sendJson();
    }
  });
  $('file-form').addEventListener('submit', function (e) {
    e.preventDefault();
    sendFile();
  });
  fileInput.addEventListener('change', function () {
    var f = fileInput.files && fileInput.files[0];
    sendFileBtn.disabled = !f;
    if (previewUrl) {
      URL.revokeObjectURL(previewUrl);
      previewUrl = null;
    }
    var box = $('file-preview');
    if (f && /^image\//.test(f.type)) {
      previewUrl = URL.createObjectURL(f);
      $('file-preview-img').src = previewUrl;
      box.hidden = false;
    } else {
      $('file-preview-img').removeAttribute('src');
      box.hidden = true;
    }
  });

  // ---------------------------------------------------------------- go

  poll();
})();
