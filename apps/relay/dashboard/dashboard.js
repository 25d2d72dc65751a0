// The dashboard's logic: one WebSocket to /stats/ws (the JSON of apps/relay/metrics/stats_json.hpp,
// one snapshot a second), reconnecting with backoff; rates derived from two snapshots' totals;
// uPlot charts over the last few minutes; the tables; and the console's subscribe and publish.
// Text from the relay (topic names, peers, errors, payloads) only ever goes in as textContent.
'use strict';

(() => {
  const HISTORY_POINTS = 300; // five minutes at one snapshot a second
  const LOG_LINES = 50;
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 10000;
  const POLICIES = ['close', 'drop_newest', 'drop_oldest', 'latest', 'backpressure'];
  const COLORS = ['#2563eb', '#db2777', '#16a34a', '#ea580c', '#7c3aed', '#0891b2'];

  const $ = (id) => document.getElementById(id);

  // ---- formatting

  function formatBytes(n) {
    if (n == null || !Number.isFinite(n)) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    let v = Math.abs(n);
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    const digits = v >= 100 || Number.isInteger(v) ? 0 : 1;
    return (n < 0 ? '-' : '') + v.toFixed(digits) + ' ' + units[i];
  }

  function formatCount(n) {
    if (n == null || !Number.isFinite(n)) return '–';
    const v = Math.abs(n);
    if (v >= 1e9) return (n / 1e9).toFixed(1) + 'G';
    if (v >= 1e6) return (n / 1e6).toFixed(1) + 'M';
    if (v >= 1e4) return (n / 1e3).toFixed(1) + 'k';
    return Number.isInteger(n) ? String(n) : n.toFixed(v >= 10 ? 0 : 1);
  }

  function formatDuration(seconds) {
    if (seconds == null || !Number.isFinite(seconds)) return '–';
    const s = Math.floor(seconds);
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm ' + (s % 60) + 's';
    if (s < 86400) return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
    return Math.floor(s / 86400) + 'd ' + Math.floor((s % 86400) / 3600) + 'h';
  }

  const sum = (values) => values.reduce((a, b) => a + b, 0);

  // ---- charts

  // Each chart: its series and how a value is taken from a snapshot. `rate` series are the
  // change of a counter per second between the previous snapshot and this one.
  const CHARTS = [
    {
      id: 'chart-connections', format: formatCount,
      series: [
        { label: 'open', value: (s) => s.connections.open },
        { label: 'handshaking', value: (s) => s.connections.handshaking },
        { label: 'closing', value: (s) => s.connections.closing },
      ],
      readout: (v) => formatCount(v[0]) + ' open',
    },
    {
      id: 'chart-messages', format: formatCount,
      series: [
        { label: 'in', rate: (s) => s.messages.received_total },
        { label: 'published', rate: (s) => s.messages.published_total },
        { label: 'out', rate: (s) => s.messages.delivered_total },
      ],
      readout: (v) => 'in ' + formatCount(v[0]) + ' · out ' + formatCount(v[2]),
    },
    {
      id: 'chart-bytes', format: formatBytes,
      series: [
        { label: 'in', rate: (s) => s.bytes.received_total },
        { label: 'out', rate: (s) => s.bytes.sent_total },
      ],
      readout: (v) => 'in ' + formatBytes(v[0]) + ' · out ' + formatBytes(v[1]),
    },
    {
      id: 'chart-drops', format: formatCount,
      series: POLICIES.map((p) => ({ label: p, rate: (s) => s.dropped[p] })),
      readout: (v) => formatCount(sum(v.map((x) => x || 0))) + '/s',
    },
    {
      // Buffers are tiny beside a budget of gigabytes, so this axis is logarithmic.
      id: 'chart-buffered', format: formatBytes, log: true,
      series: [
        { label: 'user', value: (s) => s.buffered.user_bytes },
        { label: 'kernel', value: (s) => s.buffered.kernel_bytes },
        { label: 'counted', value: (s) => s.memory.used_bytes },
        { label: 'limit', value: (s) => s.memory.limit_bytes, dash: [6, 4] },
      ],
      readout: (v) => formatBytes(v[0]) + ' + ' + formatBytes(v[1]) + ' of ' + formatBytes(v[3]),
    },
    {
      id: 'chart-rss', format: formatBytes,
      series: [{ label: 'RSS', value: (s) => s.memory.rss_bytes }],
      readout: (v) => formatBytes(v[0]),
    },
  ];

  function axisValues(format) {
    return (u, values) => values.map((v) => (v == null ? '' : format(v)));
  }

  // Tick steps for byte axes in powers of two (256 KiB, 512 KiB, 1 MiB), not of ten.
  const BYTE_INCREMENTS = [];
  for (let unit = 1; unit <= 2 ** 40; unit *= 1024) {
    for (const m of [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]) BYTE_INCREMENTS.push(m * unit);
  }

  // Ticks of the logarithmic byte axis: 1 and 32 of each unit, so labels stay few and round
  // (and all of them labelled: uPlot's default keeps only powers of ten).
  function logByteSplits(u, axis, min, max) {
    const splits = [];
    for (let unit = 1; unit <= 2 ** 50; unit *= 1024) {
      for (const m of [1, 32]) if (m * unit >= min && m * unit <= max) splits.push(m * unit);
    }
    return splits;
  }

  function createChart(chart) {
    const figure = $(chart.id);
    const plot = figure.querySelector('.plot');
    chart.readoutEl = figure.querySelector('output');
    chart.data = [[], ...chart.series.map(() => [])];
    const options = {
      width: Math.max(plot.clientWidth, 200),
      height: 160,
      cursor: { drag: { x: false, y: false } },
      legend: { live: false },
      scales: { x: { time: true }, y: chart.log ? { distr: 3, log: 2 } : { range: (u, min, max) => [0, Math.max(max, 1)] } },
      axes: [
        { stroke: '#6b7280', grid: { stroke: '#e5e7eb' }, ticks: { stroke: '#e5e7eb' } },
        {
          stroke: '#6b7280', grid: { stroke: '#e5e7eb' }, ticks: { stroke: '#e5e7eb' }, size: 64,
          values: axisValues(chart.format),
          ...(chart.format === formatBytes ? (chart.log ? { splits: logByteSplits, filter: (u, splits) => splits } : { incrs: BYTE_INCREMENTS }) : {}),
        },
      ],
      series: [
        {},
        ...chart.series.map((s, i) => ({
          label: s.label,
          stroke: COLORS[i % COLORS.length],
          width: 1.5,
          dash: s.dash,
          points: { show: false },
          value: (u, v) => chart.format(v),
        })),
      ],
    };
    chart.plot = new uPlot(options, chart.data, plot);
    new ResizeObserver(() => {
      chart.plot.setSize({ width: Math.max(plot.clientWidth, 200), height: 160 });
    }).observe(plot);
  }

  let previous = null;

  // A counter that went down means the relay restarted: no rate for that point.
  function rate(take, snapshot) {
    if (!previous) return null;
    const dt = (snapshot.time - previous.time) / 1000;
    const delta = take(snapshot) - take(previous);
    if (!(dt > 0) || delta < 0) return null;
    return delta / dt;
  }

  function updateCharts(snapshot) {
    const x = snapshot.time / 1000;
    for (const chart of CHARTS) {
      const values = chart.series.map((s) => {
        const v = s.rate ? rate(s.rate, snapshot) : s.value(snapshot);
        return chart.log && v != null ? Math.max(v, 1) : v;
      });
      chart.data[0].push(x);
      values.forEach((v, i) => chart.data[i + 1].push(v));
      if (chart.data[0].length > HISTORY_POINTS) chart.data.forEach((column) => column.shift());
      chart.plot.setData(chart.data);
      const shown = chart.series.map((s) => (s.rate ? rate(s.rate, snapshot) : s.value(snapshot)));
      chart.readoutEl.textContent = previous || !chart.series.some((s) => s.rate) ? chart.readout(shown) : '';
    }
  }

  // ---- tables

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  // `columns`: [take(row) -> text, class name or row -> class name].
  function fillTable(id, rows, columns) {
    const body = $(id).tBodies[0];
    const fresh = document.createElement('tbody');
    for (const r of rows) {
      const tr = fresh.insertRow();
      for (const [take, className] of columns) {
        cell(tr, take(r), typeof className === 'function' ? className(r) : className);
      }
    }
    if (rows.length === 0) {
      const td = cell(fresh.insertRow(), 'none', 'empty');
      td.colSpan = columns.length;
    }
    body.replaceWith(fresh);
  }

  const num = 'num';

  function updateTables(s) {
    $('topic-count').textContent = s.topics.length < s.topic_count
      ? s.topics.length + ' of ' + s.topic_count : String(s.topic_count);
    fillTable('topics', s.topics, [
      [(t) => t.name, 'name'],
      [(t) => formatCount(t.subscribers), num],
      [(t) => formatCount(t.messages_per_second), num],
      [(t) => String(t.last_seq), num],
      [(t) => formatCount(t.dropped), num],
    ]);
    fillTable('sources', s.sources, [
      [(r) => r.name, 'name'],
      [(r) => r.type],
      [(r) => r.state, (r) => 'state state-' + r.state],
      [(r) => formatCount(r.messages_per_second), num],
      [(r) => formatBytes(r.bytes), num],
      [(r) => formatCount(r.errors), num],
      [(r) => formatCount(r.restarts), num],
      [(r) => r.last_error == null ? '' : r.last_error, 'error'],
    ]);
    fillTable('slowest', s.slowest, [
      [(c) => c.peer, 'name'],
      [(c) => c.path],
      [(c) => c.topics.join(', ')],
      [(c) => formatDuration(c.age_seconds), num],
      [(c) => formatBytes(c.queued_bytes), num],
      [(c) => formatBytes(c.kernel_queued_bytes), num],
      [(c) => formatCount(c.dropped), num],
    ]);
  }

  function updateSummary(s) {
    $('summary-uptime').textContent = formatDuration(s.uptime_seconds);
    $('summary-connections').textContent = formatCount(s.connections.open);
    const inRate = rate((x) => x.messages.received_total, s);
    const outRate = rate((x) => x.messages.delivered_total, s);
    $('summary-in').textContent = inRate == null ? '–' : formatCount(inRate) + '/s';
    $('summary-out').textContent = outRate == null ? '–' : formatCount(outRate) + '/s';
    $('summary-rss').textContent = formatBytes(s.memory.rss_bytes);
    // What /readyz answers: new subscribers are refused while a resource is over its limit.
    const ready = $('summary-ready');
    ready.textContent = s.ready ? 'yes' : 'no: ' + s.not_ready_reason;
    ready.dataset.state = s.ready ? 'ok' : 'error';
  }

  function onSnapshot(snapshot) {
    if (previous && snapshot.uptime_seconds < previous.uptime_seconds) previous = null; // restarted
    updateCharts(snapshot);
    updateTables(snapshot);
    updateSummary(snapshot);
    previous = snapshot;
  }

  // ---- the stats socket

  function relayUrl(path, websocket) {
    const url = new URL(path, window.location.href);
    if (websocket) url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.href;
  }

  function setStatus(state, text) {
    const el = $('status');
    el.dataset.state = state;
    el.textContent = text;
  }

  let attempts = 0;

  function connectStats() {
    setStatus('connecting', 'connecting');
    const ws = new WebSocket(relayUrl('stats/ws', true));
    ws.onopen = () => { attempts = 0; setStatus('live', 'live'); };
    ws.onmessage = (event) => {
      let snapshot;
      try { snapshot = JSON.parse(event.data); } catch (e) { return; }
      onSnapshot(snapshot);
    };
    // onerror is always followed by onclose, where the retry is planned.
    ws.onerror = () => {};
    ws.onclose = () => {
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempts) * (0.75 + Math.random() / 2);
      attempts++;
      setStatus('down', 'reconnecting in ' + Math.ceil(delay / 1000) + 's');
      setTimeout(connectStats, delay);
    };
  }

  // ---- the console

  let subscription = null;

  function topicPath(name) {
    return 'topics/' + name.split('/').map(encodeURIComponent).join('/');
  }

  function addLogLine(className, parts) {
    const log = $('messages');
    const li = document.createElement('li');
    li.className = className;
    for (const [text, partClass] of parts) {
      const span = document.createElement('span');
      span.textContent = text;
      if (partClass) span.className = partClass;
      li.append(span);
    }
    log.append(li);
    while (log.children.length > LOG_LINES) log.firstElementChild.remove();
    log.scrollTop = log.scrollHeight;
  }

  function showEnvelope(text) {
    let e;
    try { e = JSON.parse(text); } catch (err) { addLogLine('raw', [[text, 'data']]); return; }
    if (e.subscribed) return;  // the relay's first frame: its epoch, for clients that resume
    if (e.gap) {
      addLogLine('gap', [[e.topic, 'topic'], ['gap: ' + e.gap.from + '–' + e.gap.to + ' ' + (e.gap.reason || ''), 'data']]);
    } else if (e.reset) {
      addLogLine('gap', [[e.topic, 'topic'], ['reset: asked after ' + e.reset.since + ', last is ' + e.reset.last, 'data']]);
    } else {
      const time = new Date(e.time).toLocaleTimeString();
      const data = 'data_b64' in e ? 'base64 ' + e.data_b64 : String(e.data);
      addLogLine('message', [['#' + e.seq, 'seq'], [time, 'time'], [e.topic, 'topic'], [data, 'data']]);
    }
  }

  function subscribe(name) {
    if (subscription) { subscription.onclose = null; subscription.close(); }
    $('messages').replaceChildren();
    const note = $('subscription');
    note.textContent = 'subscribing to ' + name;
    const ws = new WebSocket(relayUrl(topicPath(name) + '?format=json', true));
    subscription = ws;
    ws.onopen = () => { note.textContent = 'subscribed to ' + name; };
    ws.onmessage = (event) => {
      if (typeof event.data === 'string') showEnvelope(event.data);
    };
    ws.onerror = () => {};
    ws.onclose = (event) => {
      if (subscription !== ws) return;
      note.textContent = 'closed' + (event.code ? ' (' + event.code + (event.reason ? ' ' + event.reason : '') + ')' : '');
      subscription = null;
    };
  }

  async function publish(name, body) {
    const result = $('publish-result');
    result.textContent = 'publishing';
    result.dataset.state = '';
    try {
      const response = await fetch(relayUrl(topicPath(name), false), {
        method: 'POST', body, headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      });
      const text = await response.text();
      if (!response.ok) {
        result.dataset.state = 'error';
        result.textContent = response.status + ' ' + response.statusText + (text ? ': ' + text.slice(0, 200) : '');
        return;
      }
      const answer = JSON.parse(text);
      result.dataset.state = 'ok';
      result.textContent = 'published as #' + answer.seq + ' to ' + answer.subscribers + ' subscriber' + (answer.subscribers === 1 ? '' : 's');
    } catch (err) {
      result.dataset.state = 'error';
      result.textContent = 'failed: ' + err.message;
    }
  }

  $('subscribe-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const name = $('topic').value.trim();
    if (name) subscribe(name);
  });

  $('publish-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const name = $('topic').value.trim();
    if (!name) { $('publish-result').textContent = 'name a topic first'; return; }
    publish(name, $('payload').value);
  });

  CHARTS.forEach(createChart);
  connectStats();
})();
