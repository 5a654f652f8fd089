// The committee's pages of the Mini App (SPEC section 12) beyond the
// approvals: the overview (a traffic light per member, days left, the
// year's participations by month and by method drawn here as inline SVG),
// the members with search, filters and sorting, the activities with their
// live counts and roster, the full-screen presenter, and the XLSX export.
// The server decides and counts everything; this only draws it. app.js
// hands in its helpers (ui) and takes the pages.

const SVG = 'http://www.w3.org/2000/svg';
const POLL_MS = 5000; // live counts: every 5 s while the page is visible
const MAX_POLLS = 720; // then pause (an hour at 5 s) until tapped

export function committeePages(ui) {
  const { el, t, call, show, message, failText, toast, listRendered } = ui;

  function svg(tag, attrs, ...children) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }

  // poll calls fn every POLL_MS while root is on screen and the page is
  // visible; it stops when root leaves the page, and pauses after
  // MAX_POLLS calls (a button resumes it).
  function poll(root, fn) {
    let timer = 0;
    let runs = 0;
    let paused = null;
    const stop = () => { clearTimeout(timer); document.removeEventListener('visibilitychange', onVisible); };
    const tick = async () => {
      if (!root.isConnected) { stop(); return; }
      if (document.hidden) return; // onVisible restarts it
      if (runs >= MAX_POLLS) {
        paused = el('button', { class: 'link', id: 'paused', onclick: () => { paused.remove(); paused = null; runs = 0; tick(); } }, t('webapp.paused'));
        root.prepend(paused);
        return;
      }
      runs++;
      try { await fn(); } catch (err) { /* the next tick tries again */ }
      clearTimeout(timer);
      timer = setTimeout(tick, POLL_MS);
    };
    const onVisible = () => {
      if (!root.isConnected) { stop(); return; }
      if (!document.hidden && !paused) { clearTimeout(timer); tick(); }
    };
    document.addEventListener('visibilitychange', onVisible);
    timer = setTimeout(tick, POLL_MS);
    return { now: () => { clearTimeout(timer); tick(); }, stop };
  }

  function lightDot(light) {
    return el('span', { class: 'dot ' + light, title: t('webapp.light.' + light), 'aria-label': t('webapp.light.' + light) });
  }

  // A standing row: light, id, name, unit · building, N/M (+signed up).
  function standingItem(m) {
    return el('li', { 'data-light': m.light }, el('button', { class: 'row', 'data-member': m.id, onclick: () => ui.memberCard(m.id) },
      lightDot(m.light),
      el('span', { class: 'id' }, m.id),
      el('span', { class: 'grow' }, m.name, el('div', { class: 'sub' }, [m.unit, m.building].filter(Boolean).join(' · '),
        m.last ? ([m.unit, m.building].some(Boolean) ? ' · ' : '') + t('webapp.row_last', m.last) : '')),
      el('span', { class: 'num' }, t('webapp.row_standing', m.total, m.minimum),
        m.upcoming ? el('div', { class: 'sub' }, t('webapp.row_upcoming', m.upcoming)) : null)));
  }

  // The bar chart of the year by month: 12 bars with their counts.
  function monthChart(byMonth) {
    const w = 320; const h = 150; const top = Math.max(1, ...byMonth); const bw = w / 12;
    const chart = svg('svg', { viewBox: `0 0 ${w} ${h}`, class: 'chart', id: 'chart-months', role: 'img', 'aria-label': t('webapp.by_month') });
    byMonth.forEach((n, i) => {
      const bh = Math.round((n / top) * (h - 36));
      const x = i * bw + 3;
      chart.append(svg('rect', { x, y: h - 18 - bh, width: bw - 6, height: bh, rx: 2, class: 'bar', 'data-month': i + 1, 'data-count': n }));
      if (n) chart.append(svg('text', { x: x + (bw - 6) / 2, y: h - 22 - bh, 'text-anchor': 'middle', class: 'val' }, n));
      chart.append(svg('text', { x: x + (bw - 6) / 2, y: h - 4, 'text-anchor': 'middle', class: 'axis' }, i + 1));
    });
    return chart;
  }

  // The horizontal bars of the year by method, strong methods marked.
  function methodChart(methods) {
    const rows = methods.filter((m) => m.count > 0);
    const w = 320; const rh = 24; const h = Math.max(1, rows.length) * rh; const top = Math.max(1, ...rows.map((m) => m.count));
    const chart = svg('svg', { viewBox: `0 0 ${w} ${h}`, class: 'chart', id: 'chart-methods', role: 'img', 'aria-label': t('webapp.by_method') });
    rows.forEach((m, i) => {
      const y = i * rh;
      const bw = Math.max(2, Math.round((m.count / top) * (w - 150)));
      chart.append(svg('text', { x: 0, y: y + 16, class: 'axis' }, (m.strong ? '✓ ' : '') + t('method.' + m.method)));
      chart.append(svg('rect', { x: 110, y: y + 4, width: bw, height: rh - 8, rx: 2, class: m.strong ? 'bar strong' : 'bar', 'data-method': m.method, 'data-count': m.count }));
      chart.append(svg('text', { x: 114 + bw, y: y + 16, class: 'val' }, m.count));
    });
    return chart;
  }

  // download saves the year's XLSX. Inside Telegram (Bot API 8.0 and an
  // HTTPS page) the client downloads a short-lived link itself: its web
  // view saves no file the page builds. Elsewhere the page fetches the file
  // and saves it.
  async function download() {
    const w = ui.tg;
    if (w && typeof w.downloadFile === 'function' && w.isVersionAtLeast && w.isVersionAtLeast('8.0') && location.protocol === 'https:') {
      try {
        const link = await call('export/link', { method: 'POST', body: {} });
        w.downloadFile({ url: new URL(link.path, ui.api).href, file_name: link.name }, (accepted) => { if (accepted) toast(t('webapp.exported', link.name)); });
      } catch (err) { toast(t(failText(err))); }
      return;
    }
    try {
      const res = await fetch(new URL('export', ui.api), { headers: { Authorization: 'tma ' + ui.initData } });
      if (!res.ok) { let body = {}; try { body = await res.json(); } catch (e) { /* not JSON */ } throw new ui.ApiError(res.status, body); }
      const name = (/filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '') || [])[1] || 'lamplighter.xlsx';
      const url = URL.createObjectURL(await res.blob());
      const a = el('a', { href: url, download: name, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      toast(t('webapp.exported', name));
    } catch (err) { toast(t(failText(err))); }
  }

  // The overview: the lights, days left, the charts, the export and the
  // members of a chosen light.
  async function overview() {
    let data;
    try { data = await call('overview'); } catch (err) { message(failText(err), () => overview()); return; }
    const list = el('ul', { class: 'list', id: 'light-members' });
    const more = el('button', { class: 'link', id: 'light-more', hidden: true }, t('webapp.more'));
    let light = '';
    let offset = 0;
    const lights = el('div', { class: 'lights', id: 'lights' });
    const fill = (page, reset) => {
      if (reset) list.replaceChildren();
      for (const m of page.members) list.append(standingItem(m));
      offset = page.offset + page.members.length;
      more.hidden = offset >= page.matched;
    };
    const pick = async (l) => {
      light = l;
      lights.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.light === l)));
      try { fill(await call('overview?' + new URLSearchParams({ light, offset: '0' })), true); } catch (err) { toast(t(failText(err))); }
    };
    more.addEventListener('click', async () => {
      try { fill(await call('overview?' + new URLSearchParams({ light, offset: String(offset) })), false); } catch (err) { toast(t(failText(err))); }
    });
    for (const l of ['green', 'amber', 'red']) {
      lights.append(el('button', { class: 'light', 'data-light': l, 'aria-pressed': 'false', onclick: () => pick(light === l ? '' : l) },
        lightDot(l), el('b', { class: 'count', id: 'count-' + l }, data.counts[l]), el('span', { class: 'sub' }, t('webapp.light.' + l))));
    }
    const total = data.by_month.reduce((a, b) => a + b, 0);
    show(
      el('div', { class: 'card', id: 'overview' },
        el('p', { id: 'overview-year' }, t('webapp.overview_year', data.year, data.active, data.days_left)),
        lights, el('p', { class: 'sub' }, t('webapp.lights_hint'))),
      el('div', { class: 'card' }, el('h2', {}, t('webapp.by_month')),
        total ? monthChart(data.by_month) : el('p', { class: 'hint' }, t('webapp.no_participations')),
        el('h2', {}, t('webapp.by_method')), total ? methodChart(data.by_method) : null),
      el('div', { class: 'card' }, el('button', { class: 'btn', id: 'export', onclick: download }, t('webapp.export'))),
      el('div', { class: 'card' }, list, more));
    fill(data, true);
    listRendered();
  }

  // The members: the server's search (q), or the overview's rows filtered
  // by light, unit, building and team and sorted, a page at a time.
  function members() {
    const search = el('input', { type: 'search', id: 'search', placeholder: t('webapp.search'), 'aria-label': t('webapp.search'), autocomplete: 'off', maxlength: '64' });
    const select = (id, first, options) => {
      const s = el('select', { id, 'aria-label': first }, el('option', { value: '' }, first));
      for (const [v, label] of options) s.append(el('option', { value: v }, label));
      return s;
    };
    const fLight = select('f-light', t('webapp.light.all'), ['green', 'amber', 'red'].map((l) => [l, t('webapp.light.' + l)]));
    const fUnit = select('f-unit', t('webapp.filter.unit'), []);
    const fBuilding = select('f-building', t('webapp.filter.building'), []);
    const fTeam = select('f-team', t('webapp.filter.team'), []);
    const fSort = el('select', { id: 'f-sort', 'aria-label': t('webapp.sort.id') },
      ...['id', 'name', 'total', 'last'].map((s) => el('option', { value: s === 'id' ? '' : s }, t('webapp.sort.' + s))));
    const filters = [fLight, fUnit, fBuilding, fTeam, fSort];
    const total = el('p', { class: 'hint', id: 'total' });
    const list = el('ul', { class: 'list', id: 'members' });
    const more = el('button', { class: 'link', id: 'more', hidden: true }, t('webapp.more'));
    show(search, el('div', { class: 'filters' }, ...filters), el('div', { class: 'card' }, total, list, more));
    let query = '';
    let offset = 0;
    let seq = 0;
    let choices = false;
    const fillChoices = (page) => {
      if (choices) return;
      choices = true;
      for (const u of page.units) fUnit.append(el('option', { value: u }, u));
      for (const b of page.buildings) fBuilding.append(el('option', { value: b }, b));
      for (const x of page.teams) fTeam.append(el('option', { value: x.id }, x.id + ' ' + x.name));
    };
    async function load(reset) {
      const mine = ++seq;
      if (reset) offset = 0;
      try {
        let page;
        if (query) {
          page = await call('members?' + new URLSearchParams({ q: query, offset: String(offset) }));
        } else {
          page = await call('overview?' + new URLSearchParams({ light: fLight.value, unit: fUnit.value, building: fBuilding.value,
            team: fTeam.value, sort: fSort.value, offset: String(offset) }));
        }
        if (mine !== seq) return;
        if (reset) list.replaceChildren();
        if (query) {
          total.textContent = t('webapp.members_total', page.total);
          for (const m of page.members) {
            list.append(el('li', {}, el('button', { class: 'row', 'data-member': m.id, onclick: () => ui.memberCard(m.id) },
              el('span', { class: 'id' }, m.id),
              el('span', { class: 'grow' }, m.name, el('div', { class: 'sub' }, [m.unit, m.building].filter(Boolean).join(' · '))),
              m.role ? el('span', { class: 'badge' }, t('role.' + m.role)) : null)));
          }
          offset = page.offset + page.members.length;
          more.hidden = offset >= page.total;
        } else {
          fillChoices(page);
          total.textContent = page.matched === page.active ? t('webapp.members_total', page.active) : t('webapp.matched', page.matched, page.active);
          for (const m of page.members) list.append(standingItem(m));
          offset = page.offset + page.members.length;
          more.hidden = offset >= page.matched;
        }
        listRendered();
      } catch (err) { message(failText(err), () => members()); }
    }
    let timer = 0;
    search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        query = search.value.trim();
        if (query) filters.forEach((f) => { f.value = ''; });
        load(true);
      }, 250);
    });
    for (const f of filters) {
      f.addEventListener('change', () => { search.value = ''; query = ''; load(true); });
    }
    more.addEventListener('click', () => load(false));
    load(true);
  }

  // when shows a time as the server wrote it (RFC 3339 in the community's
  // zone), as MM-DD HH:MM: the community's clock, not the phone's.
  function when(iso) { return iso.slice(5, 10) + ' ' + iso.slice(11, 16); }

  // The activities under way or to come, their counts updated every few
  // seconds while the page is visible, each with its roster and presenter.
  async function activities() {
    let data;
    try { data = await call('activities'); } catch (err) { message(failText(err), () => activities()); return; }
    const list = el('ul', { class: 'list', id: 'activities' });
    const root = el('div', { class: 'card' }, list);
    const items = new Map();
    const draw = (rows) => {
      if (!rows.length && !items.size) { list.replaceChildren(el('li', { class: 'hint', id: 'no-activities' }, t('webapp.no_activities'))); return; }
      for (const a of rows) {
        let it = items.get(a.id);
        if (!it) {
          const counts = el('div', { class: 'sub counts' });
          const roster = el('ul', { class: 'list roster', id: 'roster-' + a.id, hidden: true });
          const item = el('li', { 'data-activity': a.id },
            el('div', {}, el('b', {}, a.id), ' ', a.title),
            el('div', { class: 'sub' }, when(a.start), '–', when(a.end), a.place ? ' · ' + a.place : ''),
            counts,
            el('div', { class: 'actions' },
              el('button', { class: 'btn secondary', 'data-action': 'roster', onclick: () => toggleRoster(a.id) }, t('webapp.roster')),
              a.mode !== 'location' ? el('button', { class: 'btn', 'data-action': 'present', onclick: () => presenter(a.id) }, t('webapp.present')) : null),
            roster);
          it = { item, counts, roster, checked: -1, signups: -1 };
          items.set(a.id, it);
          list.append(item);
        }
        const changed = it.checked !== a.checked_in || it.signups !== a.signups;
        it.checked = a.checked_in; it.signups = a.signups;
        it.item.dataset.checkedIn = String(a.checked_in);
        it.counts.replaceChildren(t('webapp.activity_counts', a.capacity ? a.signups + '/' + a.capacity : a.signups, a.checked_in),
          a.open ? el('span', { class: 'badge ok' }, t('webapp.checkin_open')) : '');
        if (changed && !it.roster.hidden) loadRoster(a.id);
      }
    };
    const loadRoster = async (id) => {
      const it = items.get(id);
      try {
        const r = await call('activities/' + encodeURIComponent(id) + '/roster');
        it.roster.replaceChildren(...r.people.map((p) => el('li', { 'data-member': p.id, 'data-present': String(p.present) },
          el('span', { class: 'id' }, p.id), ' ', p.name, ' ',
          el('span', { class: 'badge ' + (p.present ? 'ok' : '') }, p.present ? t('webapp.present_mark') + (p.method ? ' · ' + t('method.' + p.method) : '') : t('webapp.absent')),
          p.signed_up ? '' : el('span', { class: 'sub' }, ' ' + t('webapp.walk_in')))));
        if (!r.people.length) it.roster.replaceChildren(el('li', { class: 'hint' }, t('webapp.activity_counts', 0, 0)));
      } catch (err) { toast(t(failText(err))); }
    };
    const toggleRoster = (id) => {
      const it = items.get(id);
      it.roster.hidden = !it.roster.hidden;
      if (!it.roster.hidden) loadRoster(id);
    };
    show(root);
    draw(data.activities);
    listRendered();
    poll(root, async () => { draw((await call('activities')).activities); });
  }

  // The full-screen presenter: the rotating QR code, the code in large
  // digits, the countdown to the next code and the live count. The server
  // gives the code and the QR (the same as /present); the page asks again
  // when the countdown ends and every few seconds for the count.
  async function presenter(id) {
    const title = el('h2', { id: 'present-title' });
    const qr = el('img', { id: 'qr', alt: '', width: '256', height: '256' });
    const code = el('p', { class: 'code', id: 'code' });
    const countdown = el('p', { class: 'sub', id: 'countdown' });
    const count = el('p', { class: 'big', id: 'present-count' });
    const note = el('p', { class: 'sub', id: 'present-note' });
    const close = el('button', { class: 'btn secondary', id: 'present-close' }, t('webapp.present_close'));
    const box = el('div', { id: 'presenter', role: 'dialog', 'aria-modal': 'true' }, title, qr, code, countdown, count, note, close);
    let left = 0;
    let ticker = 0;
    let last = '';
    const frame = async () => {
      let f;
      try { f = await call('activities/' + encodeURIComponent(id) + '/present', { method: 'POST' }); } catch (err) {
        note.textContent = t(err.status === 409 ? 'webapp.conflict' : failText(err));
        return;
      }
      title.textContent = f.id + ' ' + f.title;
      count.textContent = t('webapp.present_count', f.checked_in);
      count.dataset.count = String(f.checked_in);
      if (f.closed) { note.textContent = t('webapp.present_closed'); qr.hidden = true; code.textContent = ''; countdown.textContent = ''; left = 0; return; }
      if (!f.code) { note.textContent = t('webapp.present_not_open'); qr.hidden = true; return; }
      if (f.code !== last) { qr.src = f.qr; last = f.code; }
      qr.hidden = false;
      code.textContent = f.code;
      note.textContent = t('webapp.present_scan');
      left = f.changes ? f.seconds_left : 0;
      countdown.textContent = f.changes ? t('webapp.present_changes', left) : t('webapp.present_static');
    };
    const tick = () => {
      if (!box.isConnected) { clearInterval(ticker); return; }
      if (left > 0) {
        left--;
        countdown.textContent = t('webapp.present_changes', left);
        if (left === 0) frame();
      }
    };
    close.addEventListener('click', () => {
      box.remove();
      clearInterval(ticker);
      if (ui.tg && ui.tg.exitFullscreen && ui.tg.isFullscreen) ui.tg.exitFullscreen();
    });
    document.body.append(box);
    if (ui.tg && ui.tg.requestFullscreen && ui.tg.isVersionAtLeast && ui.tg.isVersionAtLeast('8.0')) { try { ui.tg.requestFullscreen(); } catch (e) { /* not on this client */ } }
    await frame();
    ticker = setInterval(tick, 1000);
    poll(box, frame);
  }

  // why words a refusal of a needs action: by its detail when the page has
  // words for it (webapp.err.<detail>), else by its code.
  let bounds = { max_helpers: 20, max_days: 90 };
  function why(err) {
    const d = err.body && err.body.detail;
    if (d && ui.hasText('webapp.err.' + d)) return t('webapp.err.' + d, bounds.max_helpers, bounds.max_days);
    return t(err.status === 409 ? 'webapp.conflict' : failText(err));
  }

  // needItem is one need of the board with the buttons its state allows:
  // [Publish] (a form: helpers, due date, audience, skills) and [Decline]
  // (a reason) on a new one, [Announce again] and [Decline] on a published
  // one, [Release] on one with takers, [Approve] on one done and awaiting
  // the committee. Each action answers with the need's new row, drawn in
  // place; its buttons are disabled while it is in flight.
  function needItem(n0, form) {
    const li = el('li', {});
    const draw = (n) => {
      const state = n.pending ? 'pending' : n.status;
      li.dataset.need = n.id;
      li.dataset.status = state;
      const actions = el('div', { class: 'actions' });
      li.replaceChildren(
        el('div', {}, el('b', {}, n.id), ' ', el('span', { class: 'badge' + (state === 'new' || state === 'pending' ? ' no' : '') }, t('webapp.need.' + state))),
        el('div', {}, n.text),
        el('div', { class: 'sub' }, t('webapp.need_line', n.created, n.takers ? n.takers.length : 0, n.helpers), n.due ? ' · ' + t('webapp.need_due', n.due) : '',
          n.skills && n.skills.length ? ' · ' + n.skills.join(', ') : ''),
        ...(n.reason ? [el('div', { class: 'sub' }, t('webapp.nb.reason_shown', n.reason))] : []),
        actions);
      // act posts verb; the answer's row (or the 409's) is drawn.
      const act = async (verb, body, busy, done) => {
        busy.forEach((b) => { b.disabled = true; });
        try {
          const res = await call('needs/' + encodeURIComponent(n.id) + '/' + verb, { method: 'POST', body });
          draw(res.need);
          toast(res.changed ? done(res) : t('webapp.nb.unchanged', n.id, t('webapp.need.' + (res.need.pending ? 'pending' : res.need.status))));
        } catch (err) {
          if (err.status === 409 && err.body.record) draw(err.body.record);
          else busy.forEach((b) => { b.disabled = false; });
          toast(why(err));
        }
      };
      const btn = (action, label, kind, onclick) => el('button', { class: 'btn' + (kind ? ' ' + kind : ''), 'data-action': action, onclick }, t(label));
      const buttons = () => {
        const row = [];
        if (state === 'new' || state === 'published') {
          row.push(btn('publish', state === 'new' ? 'webapp.nb.publish' : 'webapp.nb.again', state === 'new' ? '' : 'secondary', () => publishForm(state === 'published')));
          row.push(btn('decline', 'webapp.nb.decline', 'secondary', declineForm));
        }
        if ((state === 'published' || state === 'taken') && n.takers && n.takers.length) row.push(btn('release', 'webapp.nb.release', 'secondary', releaseAsk));
        if (state === 'pending') {
          const ok = btn('approve', 'webapp.approve', '', () => act('approve', undefined, [ok], () => t('webapp.nb.approved', n.id)));
          row.push(ok);
        }
        actions.replaceChildren(...row);
      };
      const cancel = () => el('button', { class: 'btn secondary', 'data-action': 'cancel', onclick: buttons }, t('webapp.cancel'));
      const field = (label, input) => el('label', { class: 'field' }, el('span', { class: 'sub' }, label), input);
      const publishForm = (again) => {
        const helpers = el('input', { type: 'number', name: 'helpers', min: '1', max: String(form.max_helpers), step: '1', value: String(n.helpers || 1), inputmode: 'numeric' });
        const due = el('input', { type: 'date', name: 'due', min: form.today, max: form.max_due, value: again && n.due && n.due >= form.today ? n.due : form.default_due });
        const audience = el('input', { type: 'text', name: 'audience', maxlength: '64', autocomplete: 'off' });
        const skills = el('input', { type: 'text', name: 'skills', maxlength: '200', autocomplete: 'off', value: (n.skills || []).join(', ') });
        const send = btn('send-publish', again ? 'webapp.nb.send_again' : 'webapp.nb.send', '', null);
        const no = cancel();
        send.addEventListener('click', () => {
          const body = { helpers: Number(helpers.value) || 0, due: due.value, audience: audience.value.trim(), skills: skills.value.trim(), again, round: again ? n.round || 0 : 0 };
          act('publish', body, [send, no], (r) => t('webapp.nb.published', r.need.id, r.sent, r.audience));
        });
        actions.replaceChildren(el('div', { class: 'form', 'data-form': 'publish' },
          field(t('webapp.nb.helpers', form.max_helpers), helpers), field(t('webapp.nb.due'), due),
          field(t('webapp.nb.audience'), audience), field(t('webapp.nb.skills'), skills),
          el('div', { class: 'actions' }, send, no)));
        helpers.focus();
      };
      const declineForm = () => {
        const reason = el('textarea', { id: 'reason-' + n.id, maxlength: '200', placeholder: t('webapp.reason'), 'aria-label': t('webapp.reason') });
        const go = btn('confirm-decline', 'webapp.nb.confirm_decline', 'danger', null);
        const no = cancel();
        go.addEventListener('click', () => {
          if (!reason.value.trim()) { reason.focus(); toast(t('webapp.err.reason')); return; }
          act('decline', { reason: reason.value.trim() }, [go, no], () => t('webapp.nb.declined', n.id));
        });
        actions.replaceChildren(reason, go, no);
        reason.focus();
      };
      const releaseAsk = () => {
        const go = btn('confirm-release', 'webapp.nb.confirm_release', 'danger', null);
        const no = cancel();
        go.addEventListener('click', () => act('release', {}, [go, no], () => t('webapp.nb.released', n.id)));
        actions.replaceChildren(el('span', { class: 'sub' }, t('webapp.nb.release_sure', n.id)), go, no);
      };
      buttons();
    };
    draw(n0);
    return li;
  }

  // formOf keeps the publish form's bounds of a board answer.
  function formOf(data) {
    const days = Math.round((Date.parse(data.max_due) - Date.parse(data.today)) / 86400000);
    bounds = { max_helpers: data.max_helpers, max_days: days };
    return data;
  }

  // The needs board: the open needs, new ones and those awaiting the
  // committee first, each with the actions its state allows (needItem).
  async function needs() {
    let data;
    try { data = await call('needs'); } catch (err) { message(failText(err), () => needs()); return; }
    const form = formOf(data);
    const list = el('ul', { class: 'list', id: 'needs' }, data.needs.map((n) => needItem(n, form)));
    show(el('div', { class: 'card' }, el('p', { class: 'hint', id: 'needs-total' }, data.total ? t('webapp.needs_total', data.total) : t('webapp.no_needs')), list));
    listRendered();
  }

  // pendingNeeds is the Approvals page's card of the needs done and
  // awaiting the committee (from the board), each with [Approve]; empty,
  // it stays hidden.
  function pendingNeeds() {
    const list = el('ul', { class: 'list', id: 'pending-needs' });
    const card = el('div', { class: 'card', hidden: true }, el('h2', {}, t('webapp.need.pending')), list);
    call('needs').then((data) => {
      const form = formOf(data);
      for (const n of data.needs.filter((x) => x.pending)) list.append(needItem(n, form));
      card.hidden = !list.children.length;
    }).catch(() => { /* the board's own page says why */ });
    return card;
  }

  return { overview, members, activities, presenter, needs, pendingNeeds };
}
