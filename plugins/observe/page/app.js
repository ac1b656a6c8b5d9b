// The status page's script: loads /api/status, follows /events (server-sent events), renders the tables and the uPlot graphs.
/* global uPlot */

const token = new URLSearchParams(location.search).get('token');
const withToken = (path) => (token ? `${path}?token=${encodeURIComponent(token)}` : path);
const COLORS = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bf3989', '#b08800', '#0a7ea4', '#953800'];
const HOUR_S = 3600;

/** WAN → its samples (oldest first); the graphs are built from these. */
let history = {};
let wanNames = [];
const graphs = {};

const el = (tag, text, className) => {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (className) e.className = className;
  return e;
};
const fixed = (n, digits) => (n === null || n === undefined ? '–' : Number(n).toFixed(digits));
const rate = (bps) => {
  if (bps === null || bps === undefined) return '–';
  if (bps >= 1e9) return `${(bps / 1e9).toFixed(2)} Gbit/s`;
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(2)} Mbit/s`;
  if (bps >= 1e3) return `${(bps / 1e3).toFixed(1)} kbit/s`;
  return `${Math.round(bps)} bit/s`;
};
const bytes = (n) => {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
};

/** The row of a WAN's IPv6 side under its own: its state, address, gateway, RTT and loss (issue 13). */
function row6(w) {
  const s = w.ipv6;
  const tr = el('tr', undefined, `family-ipv6 state-${s.state}`);
  tr.dataset.wan6 = w.name;
  tr.append(
    el('td', '\u00a0\u00a0ipv6'),
    el('td', s.state + (s.inService ? '' : ' (out)'), 'state'),
    el('td', s.reason ?? ''),
    el('td', s.address ?? '\u2013'),
    el('td', s.gateway ?? '\u2013'),
    el('td', ''),
    el('td', ''),
    el('td', s.rttMs === null ? '\u2013' : `${fixed(s.rttMs, 1)} ms`, 'num'),
    el('td', s.lossPct === null ? '\u2013' : `${fixed(s.lossPct, 1)} %`, 'num'),
    ...['', '', '', ''].map((t) => el('td', t)),
  );
  return tr;
}

function renderWans(wans) {
  const body = document.querySelector('#wans tbody');
  body.replaceChildren(
    ...wans.flatMap((w) => {
      const tr = el('tr', undefined, `state-${w.state}`);
      tr.dataset.wan = w.name;
      tr.dataset.state = w.state;
      const quota = w.quota
        ? el(
            'td',
            `${bytes(w.quota.usedBytes)} / ${bytes(w.quota.limitBytes)} (${fixed(w.quota.percent, 0)} %)`,
            `quota-${w.quota.state}`,
          )
        : el('td', '–');
      tr.append(
        el('td', w.name),
        el('td', w.state + (w.inService ? '' : ' (out)'), 'state'),
        el('td', w.reason ?? ''),
        el('td', w.address ?? '–'),
        el('td', w.gateway ?? '–'),
        el('td', w.weight, 'num'),
        el('td', w.tier, 'num'),
        el('td', w.rttMs === null ? '–' : `${fixed(w.rttMs, 1)} ms`, 'num'),
        el('td', w.lossPct === null ? '–' : `${fixed(w.lossPct, 1)} %`, 'num'),
        el('td', rate(w.rxBps), 'num'),
        el('td', rate(w.txBps), 'num'),
        el('td', `${fixed(w.share * 100, 0)} %`, 'num'),
        quota,
      );
      return w.ipv6 ? [tr, row6(w)] : [tr];
    }),
  );
  const names = wans.map((w) => w.name);
  if (names.join() !== wanNames.join()) {
    wanNames = names;
    rebuildGraphs();
  }
}

function renderPolicies(policies) {
  document.querySelector('#policies tbody').replaceChildren(
    ...policies.map((p) => {
      const tr = el('tr');
      const shares = Object.entries(p.shares)
        .map(([wan, s]) => `${wan} ${Math.round(s * 100)} %`)
        .join(', ');
      tr.append(
        el('td', p.name),
        el('td', p.strategy),
        el('td', (shares || 'no WAN usable') + (p.reason ? ` (${p.reason})` : '')),
      );
      return tr;
    }),
  );
}

function renderForwards(forwards) {
  document.querySelector('#forwards tbody').replaceChildren(
    ...forwards.map((f) => {
      const tr = el('tr');
      tr.append(
        el('td', f.name ?? '–'),
        el('td', f.port),
        el('td', f.proto),
        el('td', f.to),
        el('td', f.wans ? f.wans.join(', ') : 'all'),
      );
      return tr;
    }),
  );
}

const eventText = (e) => `${e.at.slice(11, 19)} ${e.event} ${JSON.stringify(e.payload)}`;
function addEvent(e) {
  const list = document.getElementById('events');
  list.prepend(el('li', eventText(e)));
  while (list.children.length > 200) list.lastElementChild.remove();
}

/** uPlot data: one x axis (the union of sample times in the last hour), one series per WAN (and direction). */
function graphData(pick, directions) {
  const cutoff = Date.now() / 1000 - HOUR_S;
  const times = [...new Set(wanNames.flatMap((w) => (history[w] ?? []).map((s) => s.t)))]
    .filter((t) => t >= cutoff)
    .sort((a, b) => a - b);
  const series = [];
  for (const w of wanNames) {
    const byTime = new Map((history[w] ?? []).map((s) => [s.t, s]));
    for (const d of directions) series.push(times.map((t) => (byTime.has(t) ? pick(byTime.get(t), d) : null)));
  }
  return [times, ...series];
}

const GRAPHS = [
  { id: 'graph-rtt', pick: (s) => s.rttMs, directions: [null] },
  { id: 'graph-loss', pick: (s) => s.lossPct, directions: [null] },
  {
    id: 'graph-rate',
    pick: (s, d) => {
      const v = d === 'in' ? s.rxBps : s.txBps;
      return v === null ? null : v / 1e6;
    },
    directions: ['in', 'out'],
  },
];

function rebuildGraphs() {
  if (typeof uPlot === 'undefined') return;
  for (const g of GRAPHS) {
    graphs[g.id]?.destroy();
    const target = document.getElementById(g.id);
    target.replaceChildren();
    const series = [{}];
    wanNames.forEach((w, i) => {
      for (const d of g.directions)
        series.push({
          label: d ? `${w} ${d}` : w,
          stroke: COLORS[i % COLORS.length],
          dash: d === 'out' ? [6, 4] : undefined,
          spanGaps: false,
          points: { show: true, size: 3 },
        });
    });
    graphs[g.id] = new uPlot(
      { width: 460, height: 220, series, scales: { x: { time: true } }, legend: { live: false } },
      graphData(g.pick, g.directions),
      target,
    );
  }
}

function refreshGraphs() {
  for (const g of GRAPHS) graphs[g.id]?.setData(graphData(g.pick, g.directions));
}

function addSamples(samples) {
  const cutoff = Date.now() / 1000 - HOUR_S;
  for (const [wan, s] of Object.entries(samples)) {
    const list = (history[wan] ??= []);
    list.push(s);
    while (list.length && list[0].t < cutoff) list.shift();
  }
  refreshGraphs();
}

function renderStatus(s) {
  history = s.history;
  renderWans(s.wans);
  renderPolicies(s.policies);
  renderForwards(s.forwards);
  document.getElementById('events').replaceChildren();
  for (const e of s.events) addEvent(e);
  refreshGraphs();
  stamp();
}

function stamp() {
  document.getElementById('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
}

function connection(state, text) {
  const c = document.getElementById('conn');
  c.className = `conn conn-${state}`;
  c.textContent = text;
}

function follow() {
  const source = new EventSource(withToken('events'));
  source.addEventListener('open', () => connection('live', 'live'));
  source.addEventListener('error', () => connection('lost', 'reconnecting…'));
  source.addEventListener('status', (m) => renderStatus(JSON.parse(m.data)));
  source.addEventListener('wans', (m) => {
    const { wans, policies } = JSON.parse(m.data);
    renderWans(wans);
    renderPolicies(policies);
    stamp();
  });
  source.addEventListener('sample', (m) => {
    const { samples, wans, policies } = JSON.parse(m.data);
    addSamples(samples);
    renderWans(wans);
    renderPolicies(policies);
    stamp();
  });
  source.addEventListener('event', (m) => addEvent(JSON.parse(m.data)));
  source.addEventListener('refused', () => {
    connection('lost', 'refused: too many clients');
    source.close();
  });
}

follow();
