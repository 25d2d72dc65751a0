// sluice.js: the relay's browser client, served by the relay at /sluice.js. No dependencies.
// It subscribes to topics over one WebSocket, reconnects with full-jitter backoff, resumes every
// topic from the last sequence number it delivered (?format=json&since=TOPIC:SEQ&epoch=E), and
// tells the application about gaps and resets instead of hiding them.
//
//   <script src="/sluice.js"></script>
//   const feed = sluice.subscribe(['sensors/**', 'demo'], {
//     message(m) { /* m.topic, m.seq, m.time (ms), m.data: a string, or a Uint8Array */ },
//     gap(g) { /* g.topic, g.from, g.to (inclusive), g.reason: messages it will not get */ },
//     reset(r) { /* r.topic, r.since, r.last: the relay restarted; sequences began again */ },
//     state(s) { /* 'connecting', 'live', 'waiting' (reconnecting soon) or 'closed' */ },
//   });
//   feed.close();
//   sluice.publish('sensors/door', 'open').then((r) => r.seq);  // POST /topics/NAME
//
// Gap reasons: 'evicted' (the relay's history no longer holds them), 'dropped' (the relay's
// slow-consumer policy dropped them, or its queue refused the replay), 'not-resumed' (more
// topics than one reconnection can name; `to` is null: the range is unknown).
(function (root) {
  'use strict';

  const MAX_RESUMED_TOPICS = 256; // the relay's limit per connection
  const MAX_RESUME_URL = 6000; // keeps the request head well under the relay's 8 KiB
  const STABLE_MS = 10000; // a connection open this long resets the backoff

  // The relay that served this script: its address is the default for everything below.
  const script = typeof document !== 'undefined' && document.currentScript;
  const defaultBase = script && script.src ? new URL('.', script.src).href
    : (typeof location !== 'undefined' ? new URL('/', location.href).href : undefined);

  function baseUrl(options) {
    const base = options && options.url ? options.url : defaultBase;
    if (!base) throw new Error('sluice: pass options.url, the relay\'s http(s):// address');
    const href = new URL(base).href;
    return href.endsWith('/') ? href : href + '/';
  }

  // Each level of a name percent-encoded, the '/' between levels kept.
  function topicPath(topic) {
    return topic.split('/').map(encodeURIComponent).join('/');
  }

  function decodeBase64(text) {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  // Full jitter: a uniformly random wait below the exponential bound, so that many clients
  // cut off at once do not come back at once.
  function backoff(attempt, minDelay, maxDelay) {
    return Math.random() * Math.min(maxDelay, minDelay * Math.pow(2, attempt));
  }

  function subscribe(topics, handlers, options) {
    const list = typeof topics === 'string' ? [topics] : Array.from(topics);
    if (list.length === 0) throw new Error('sluice.subscribe: no topic');
    const on = handlers || {};
    const opts = options || {};
    const minDelay = opts.minDelay || 500;
    const maxDelay = opts.maxDelay || 30000;
    const wsBase = baseUrl(opts).replace(/^http/, 'ws');
    // topic -> the last sequence delivered; re-inserted on each update, so the Map iterates
    // from the least to the most recently updated topic.
    const positions = new Map();
    let epoch = null;
    let socket = null;
    let timer = null;
    let attempt = 0;
    let openedAt = 0;
    let closed = false;

    const emit = (name, value) => { if (typeof on[name] === 'function') on[name](value); };
    const setPosition = (topic, seq) => {
      positions.delete(topic);
      positions.set(topic, seq);
    };

    function url() {
      const query = new URLSearchParams();
      for (const t of list) query.append('topic', t);
      query.append('format', 'json');
      if (opts.apiKey) query.append('api_key', opts.apiKey);
      if (epoch !== null && positions.size > 0) query.append('epoch', epoch);
      // The most recently updated topics resume; any left over cannot, and the application
      // hears so rather than missing their messages silently.
      const recent = Array.from(positions).reverse();
      let length = query.toString().length;
      let resumed = 0;
      for (const [topic, seq] of recent) {
        const param = 'since=' + encodeURIComponent(topic + ':' + seq);
        if (resumed >= MAX_RESUMED_TOPICS || length + param.length + 1 > MAX_RESUME_URL) {
          positions.delete(topic);
          emit('gap', { topic, from: seq + 1, to: null, reason: 'not-resumed' });
          continue;
        }
        query.append('since', topic + ':' + seq);
        length += param.length + 1;
        resumed++;
      }
      return wsBase + 'topics?' + query.toString();
    }

    function onEnvelope(text) {
      const e = JSON.parse(text);
      if (e.subscribed) {
        epoch = e.subscribed.epoch;
        emit('state', 'live');
        return;
      }
      if (e.reset) {
        // This run numbers the topic from 1 again; its history (and gap notices) follow.
        setPosition(e.topic, 0);
        emit('reset', { topic: e.topic, since: e.reset.since, last: e.reset.last });
        return;
      }
      if (e.gap) {
        setPosition(e.topic, e.gap.to);
        emit('gap', { topic: e.topic, from: e.gap.from, to: e.gap.to, reason: e.gap.reason });
        return;
      }
      const last = positions.get(e.topic);
      if (last !== undefined && e.seq <= last) return; // already delivered
      if (last !== undefined && e.seq > last + 1) {
        emit('gap', { topic: e.topic, from: last + 1, to: e.seq - 1, reason: 'dropped' });
      }
      setPosition(e.topic, e.seq);
      const data = 'data' in e ? e.data : decodeBase64(e.data_b64);
      emit('message', { topic: e.topic, seq: e.seq, time: e.time, data });
    }

    function connect() {
      timer = null;
      emit('state', 'connecting');
      const ws = new WebSocket(url());
      socket = ws;
      ws.onopen = () => { openedAt = Date.now(); };
      ws.onmessage = (event) => { if (socket === ws) onEnvelope(event.data); };
      ws.onclose = () => {
        if (socket !== ws) return;
        socket = null;
        if (closed) return;
        if (openedAt && Date.now() - openedAt >= STABLE_MS) attempt = 0;
        openedAt = 0;
        const delay = backoff(attempt++, minDelay, maxDelay);
        emit('state', 'waiting');
        timer = setTimeout(connect, delay);
      };
    }

    connect();
    return {
      close() {
        closed = true;
        if (timer !== null) clearTimeout(timer);
        timer = null;
        if (socket) socket.close(1000);
        socket = null;
        emit('state', 'closed');
      },
      // The last sequence delivered per topic, and the relay run they belong to.
      position(topic) { return positions.get(topic); },
      get epoch() { return epoch; },
    };
  }

  // POST /topics/NAME: a string goes as text, anything else (ArrayBuffer, typed array, Blob)
  // as binary. Resolves to {topic, seq, subscribers}; rejects with the relay's error and status.
  async function publish(topic, data, options) {
    const opts = options || {};
    const headers = { 'Content-Type': typeof data === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream' };
    if (opts.apiKey) headers.Authorization = 'Bearer ' + opts.apiKey;
    const response = await fetch(baseUrl(opts) + 'topics/' + topicPath(topic), { method: 'POST', headers, body: data });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error('sluice.publish: ' + response.status + ' ' + (body.error || response.statusText));
      error.status = response.status;
      throw error;
    }
    return body;
  }

  root.sluice = { subscribe, publish };
})(typeof self !== 'undefined' ? self : this);
