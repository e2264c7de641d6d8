/* The rack page (/) and the unit page (/unit/MAC).  No framework, nothing
 * from the internet.  The rack page follows /events (server-sent events: a
 * snapshot, then each slot's state after every event) and reconnects by
 * itself; body data attributes tell a test what the page shows. */
'use strict';

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function human(n) {
  return n >= 1048576 ? (n / 1048576).toFixed(1) + ' MiB' : Math.round(n / 1024) + ' KiB';
}

/* ---- the rack page ---- */

const tiles = new Map();

function tile(s) {
  let t = tiles.get(s.slot);
  if (t) return t;
  t = el('div', 'tile');
  t.dataset.slot = s.slot;
  const top = el('div', 'top');
  top.append(el('span', 'slot', s.slot), el('span', 'adapter'));
  const bar = el('div', 'bar');
  bar.append(el('div'));
  t.append(top, el('div', 'stage'), bar, el('div', 'rate'), el('div', 'unit'), el('div', 'cause'));
  tiles.set(s.slot, t);
  const all = [...tiles.keys()].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const box = document.getElementById('tiles');
  const next = all[all.indexOf(s.slot) + 1];
  box.insertBefore(t, next ? tiles.get(next) : null);
  return t;
}

function render(s) {
  const t = tile(s);
  t.dataset.state = s.led;
  t.dataset.attached = String(s.attached);
  t.querySelector('.adapter').textContent = s.attached ? `${s.adapter} ${s.port.replace('/dev/', '')}` : 'empty';
  t.querySelector('.stage').textContent = !s.attached ? '' : s.result || s.stage || 'waiting';
  const pct = s.total ? Math.min(100, (100 * s.done) / s.total) : (s.result ? 100 : 0);
  t.querySelector('.bar div').style.width = pct + '%';
  let rate = '';
  if (s.total) rate = `${Math.round(pct)}% of ${human(s.total)}`;
  /* rate and ETA as the console computed them (its JSON progress lines);
   * none shown while the slot's state carries none */
  if (typeof s.rate_bps === 'number') rate += ` · ${(s.rate_bps / 1024).toFixed(0)} KiB/s`;
  if (typeof s.eta_s === 'number') rate += ` · ${Math.ceil(s.eta_s)} s left`;
  t.querySelector('.rate').textContent = rate;
  const u = t.querySelector('.unit');
  u.textContent = '';
  if (s.mac) {
    const a = el('a', '', s.mac);
    a.href = '/unit/' + s.mac;
    u.append(a, ' ' + (s.chip || ''));
  }
  t.querySelector('.cause').textContent = s.cause || '';
  document.body.dataset.passed = String(document.querySelectorAll('.tile[data-state="pass"]').length);
  document.body.dataset.tiles = String(document.querySelectorAll('.tile[data-attached="true"]').length);
}

async function getJSON(url) {
  const r = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
  if (!r.ok) throw new Error(url + ': ' + r.status);
  return r.json();
}

async function loadToday() {
  try {
    const d = await getJSON('/api/today');
    document.getElementById('station').textContent = d.station;
    document.title = `${d.station}: ${d.passed} passed, ${d.failed} failed`;
    document.getElementById('n-passed').textContent = d.passed;
    document.getElementById('n-failed').textContent = d.failed;
    document.getElementById('n-hour').textContent = d.units_last_hour;
    const causes = document.getElementById('causes');
    causes.textContent = '';
    for (const [c, n] of Object.entries(d.failed_by_cause)) causes.append(el('li', '', `${c}: ${n}`));
    const tb = document.querySelector('#failures tbody');
    tb.textContent = '';
    for (const f of d.last_failures) {
      const tr = el('tr');
      const mac = el('td');
      if (f.mac) { const a = el('a', '', f.mac); a.href = '/unit/' + f.mac; mac.append(a); }
      tr.append(el('td', '', f.end), el('td', '', f.slot), mac, el('td', '', f.result),
        el('td', '', f.stage), el('td', '', f.message ? `${f.cause}: ${f.message}` : f.cause));
      tb.append(tr);
    }
  } catch (e) { /* the stream's state shows a lost station */ }
}

function connect() {
  const conn = document.getElementById('conn');
  const es = new EventSource('/events');
  es.addEventListener('snapshot', (e) => {
    JSON.parse(e.data).forEach(render);
    document.body.dataset.conn = 'live';
    document.body.dataset.connects = String(Number(document.body.dataset.connects) + 1);
    conn.textContent = 'live';
    loadToday();
  });
  es.addEventListener('slot', (e) => render(JSON.parse(e.data)));
  es.onmessage = (e) => {
    const ev = JSON.parse(e.data);
    if (ev.type === 'done') loadToday();
  };
  es.onerror = () => {
    document.body.dataset.conn = 'lost';
    conn.textContent = 'station not reachable: retrying';
    /* the browser retries by itself unless the stream was refused */
    if (es.readyState === EventSource.CLOSED) setTimeout(connect, 2000);
  };
}

/* ---- the unit page ---- */

function table(id, rows, cols) {
  const t = document.getElementById(id);
  t.textContent = '';
  if (!rows || !rows.length) { t.append(el('caption', '', 'none')); return; }
  cols = cols || Object.keys(rows[0]);
  const hr = el('tr');
  cols.forEach((c) => hr.append(el('th', '', c)));
  t.append(hr);
  for (const r of rows) {
    const tr = el('tr');
    cols.forEach((c) => tr.append(el('td', '', r[c] === null || r[c] === undefined ? '' : String(r[c]))));
    t.append(tr);
  }
}

async function loadUnit() {
  const mac = decodeURIComponent(location.pathname.split('/').pop());
  document.getElementById('unit-title').textContent = 'Unit ' + mac;
  document.title = 'unit ' + mac;
  try {
    const u = await getJSON('/api/units/' + encodeURIComponent(mac));
    table('device', [u.device]);
    table('backups', u.backups, ['backup_id', 'created', 'provenance', 'verified', 'size', 'slot', 'job_id', 'sha256', 'file', 'ciphertext']);
    table('jobs', u.jobs, ['job_id', 'start', 'slot', 'mode', 'result', 'stage', 'cycle_ms', 'stages', 'clean_proven', 'boot_result', 'cause']);
    table('boot', u.boot ? [u.boot] : []);
    // why names the backup restore would write, or says what exists
    document.getElementById('restore').textContent = u.restore ? u.restore.why : '';
    document.body.dataset.backups = String(u.backups.length);
    document.body.dataset.loaded = 'yes';
  } catch (e) {
    document.getElementById('restore').textContent = String(e);
    document.body.dataset.loaded = 'error';
  }
}

if (document.body.dataset.page === 'unit') loadUnit(); else { connect(); loadToday(); }
