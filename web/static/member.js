// The member's and the organizer's pages of the Mini App (SPEC sections 9
// and 12): my personal check-in code, upcoming activities and open posts,
// the scan page and the liaison's unit page. app.js hands in its helpers;
// every decision is the server's, text from it is set as text only.

let ui = null;

// memberPages returns the tabs of this module for the caller (app.js's
// [key, label, open] triples).
export function memberPages(me, helpers) {
  ui = helpers;
  const pages = [];
  if (me.member) pages.push(['code', 'webapp.tab.code', codePage], ['join', 'webapp.tab.join', joinPage], ['myneeds', 'webapp.tab.myneeds', needsPage]);
  if (me.organizer) pages.push(['scan', 'webapp.tab.scan', scanPage]);
  if (me.liaison) pages.push(['unit', 'webapp.tab.unit', unitPage]);
  return pages;
}

const el = (...a) => ui.el(...a);
const t = (...a) => ui.t(...a);

// The page that is showing now: an answer for a page left is dropped.
let current = 0;
function opened() { return ++current; }

// My code: a QR of a new personal code, renewed before it expires while the
// page stays open, at most maxRenewals times (then a button brings it back).
const maxRenewals = 30;
async function codePage() {
  const mine = opened();
  const img = el('img', { id: 'mycode', class: 'qr', alt: t('webapp.code.title'), width: '240', height: '240' });
  const left = el('p', { class: 'hint', id: 'code-left' });
  const who = el('p', { class: 'sub', id: 'code-member' });
  const box = el('div', { class: 'card center' }, el('h2', {}, t('webapp.code.title')), img, who, left,
    el('p', { class: 'sub' }, t('webapp.code.hint')));
  ui.show(box);
  let renewals = 0;
  let tick = 0;
  const stop = () => { clearInterval(tick); };
  // The page is left when its image is no longer in the document (another
  // tab of this module or of app.js replaced it): the timer stops.
  const alive = () => mine === current && img.isConnected;
  async function load() {
    let c;
    try { c = await ui.call('mycode'); } catch (err) { stop(); if (alive()) ui.message(ui.failText(err), () => codePage()); return; }
    if (!alive()) return;
    img.src = c.qr;
    img.dataset.code = c.code;
    who.textContent = c.member;
    renewals++;
    stop();
    const expires = Date.now() + c.left; // the server's clock decides; count on ours
    const renewAt = expires - Math.min(10000, c.ttl / 6);
    tick = setInterval(() => {
      if (!alive()) { stop(); return; }
      const now = Date.now();
      left.textContent = t('webapp.code.expires', Math.max(0, Math.round((expires - now) / 1000)));
      if (now < renewAt) return;
      stop();
      if (renewals >= maxRenewals || document.hidden) {
        img.removeAttribute('src');
        left.replaceChildren(t('webapp.code.paused'), ' ',
          el('button', { class: 'btn', id: 'code-again', onclick: () => codePage() }, t('webapp.code.again')));
        return;
      }
      load();
    }, 1000);
    left.textContent = t('webapp.code.expires', Math.round(c.left / 1000));
    ui.listRendered();
  }
  load();
}

// Join in: upcoming activities with Sign up (a full one offers the
// waitlist) and open posts with Claim, each answered in place.
async function joinPage() {
  const mine = opened();
  let acts, posts;
  try { [acts, posts] = await Promise.all([ui.call('upcoming'), ui.call('posts')]); } catch (err) { ui.message(ui.failText(err), () => joinPage()); return; }
  if (mine !== current) return;
  const alist = el('ul', { class: 'list', id: 'activities' }, acts.activities.map(activityItem));
  const plist = el('ul', { class: 'list', id: 'posts' }, posts.posts.map(postItem));
  ui.show(
    el('div', { class: 'card' }, el('h2', {}, t('webapp.activities')),
      acts.activities.length ? alist : el('p', { class: 'hint', id: 'activities' }, t('webapp.m.no_activities'))),
    el('div', { class: 'card' }, el('h2', {}, t('webapp.posts_open')),
      posts.posts.length ? plist : el('p', { class: 'hint', id: 'posts' }, t('webapp.no_posts'))));
  ui.listRendered();
}

function seats(n, cap) { return cap ? t('webapp.seats', n, cap) : t('webapp.signups', n); }

function activityItem(a) {
  const state = el('span', { class: 'sub', 'data-seats': '' }, seats(a.signups, a.capacity));
  const actions = el('div', { class: 'actions' });
  const item = el('li', { 'data-activity': a.id },
    el('div', {}, el('b', {}, a.id), ' ', a.title, a.open ? el('span', { class: 'badge ok' }, t('webapp.m.checkin_open')) : null),
    el('div', { class: 'sub' }, a.start, a.place ? ' · ' + a.place : '', ' · ', state), actions);
  const outcome = (r) => {
    state.textContent = seats(r.signups, r.capacity);
    item.dataset.outcome = r.outcome;
    if (r.outcome === 'signed_up' || r.outcome === 'already') actions.replaceChildren(el('span', { class: 'badge ok' }, t('webapp.m.signed_up')));
    else if (r.outcome === 'waitlisted') actions.replaceChildren(el('span', { class: 'badge' }, t('webapp.waitlisted', r.position)));
    else if (r.outcome === 'offered') actions.replaceChildren(el('span', { class: 'badge' }, t('webapp.offered')));
    else if (r.outcome === 'full') {
      actions.replaceChildren(el('span', { class: 'sub' }, t('webapp.full')), press('waitlist', 'webapp.join_waitlist', 'secondary'));
    }
  };
  const press = (verb, label, kind) => {
    const b = el('button', { class: 'btn' + (kind ? ' ' + kind : ''), 'data-action': verb }, t(label));
    b.addEventListener('click', async () => {
      if (b.disabled) return;
      b.disabled = true;
      try {
        outcome(await ui.call('activities/' + encodeURIComponent(a.id) + '/' + verb, { method: 'POST', body: {} }));
      } catch (err) { b.disabled = false; ui.toast(t(ui.failText(err))); }
    });
    return b;
  };
  if (a.signed_up) outcome({ outcome: 'already', signups: a.signups, capacity: a.capacity });
  else actions.replaceChildren(press('signup', 'webapp.signup'));
  return item;
}

function postItem(p) {
  const count = el('span', { 'data-claims': '' }, p.capacity ? t('webapp.claims', p.claims, p.capacity) : t('webapp.claims_any', p.claims));
  const actions = el('div', { class: 'actions' });
  const item = el('li', { 'data-post': p.id },
    el('div', {}, el('b', {}, p.id), ' ', p.title),
    p.description ? el('div', { class: 'sub' }, p.description) : null,
    el('div', { class: 'sub' }, [p.place, p.time].filter(Boolean).join(' · '), p.place || p.time ? ' · ' : '', count), actions);
  const held = () => { item.dataset.held = 'true'; actions.replaceChildren(el('span', { class: 'badge ok' }, t('webapp.held'))); };
  if (p.held) held();
  else if (p.mode === 'paired') actions.replaceChildren(el('span', { class: 'sub' }, t('webapp.paired_in_chat', p.id)));
  else {
    const b = el('button', { class: 'btn', 'data-action': 'claim' }, t('webapp.claim'));
    b.addEventListener('click', async () => {
      if (b.disabled) return;
      b.disabled = true;
      try {
        const r = await ui.call('posts/' + encodeURIComponent(p.id) + '/claim', { method: 'POST', body: {} });
        const q = r.post;
        count.textContent = q.capacity ? t('webapp.claims', q.claims, q.capacity) : t('webapp.claims_any', q.claims);
        held();
      } catch (err) {
        b.disabled = false;
        ui.toast(err.body && err.body.detail === 'awaiting' ? t('webapp.awaiting') : t(ui.failText(err)));
      }
    });
    actions.replaceChildren(b);
  }
  return item;
}

// Scan: the organizer picks an activity, then reads members' codes with
// Telegram's scanner (showScanQrPopup, kept open for a queue of members;
// each code once), or pastes one where there is no scanner.
async function scanPage() {
  const mine = opened();
  let data;
  try { data = await ui.call('scan'); } catch (err) { ui.message(ui.failText(err), () => scanPage()); return; }
  if (mine !== current) return;
  if (!data.activities.length) { ui.show(el('div', { class: 'message', id: 'scan-none' }, el('p', {}, t('webapp.scan.none')))); ui.listRendered(); return; }
  const list = el('ul', { class: 'list', id: 'scan-activities' }, data.activities.map((a) => el('li', {},
    el('button', { class: 'row', 'data-activity': a.id, onclick: () => scanner(a) },
      el('span', { class: 'id' }, a.id),
      el('span', { class: 'grow' }, a.title, el('div', { class: 'sub' }, a.start + (a.place ? ' · ' + a.place : ''))),
      a.open ? el('span', { class: 'badge ok' }, t('webapp.m.checkin_open')) : null))));
  ui.show(el('div', { class: 'card' }, el('h2', {}, t('webapp.scan.pick')), list));
  ui.listRendered();
}

function scanner(a) {
  opened();
  const log = el('ul', { class: 'list', id: 'scan-log' });
  const count = el('p', { class: 'hint', id: 'scan-count' });
  const seen = new Set();
  let n = 0;
  const paste = el('input', { type: 'search', id: 'scan-paste', placeholder: t('webapp.scan.paste'), 'aria-label': t('webapp.scan.paste'), autocomplete: 'off', maxlength: '200' });
  const send = async (code) => {
    code = (code || '').trim();
    if (!code || seen.has(code)) return;
    seen.add(code);
    let line;
    try {
      const r = await ui.call('scan/' + encodeURIComponent(a.id), { method: 'POST', body: { code } });
      if (r.changed) n++;
      line = el('li', { class: 'ok', 'data-member': r.member.id, 'data-changed': String(r.changed) },
        t(r.changed ? 'webapp.scan.ok' : 'webapp.scan.again', r.member.id, r.member.name, r.activity.name));
      const w = window.Telegram && window.Telegram.WebApp;
      if (w && w.HapticFeedback) w.HapticFeedback.notificationOccurred('success');
    } catch (err) {
      const d = err.body && err.body.detail;
      const key = 'webapp.scan.' + (d || (err.body && err.body.error));
      line = el('li', { class: 'refused', 'data-refused': d || (err.body && err.body.error) || 'error' }, ui.hasText(key) ? t(key) : t(ui.failText(err)));
    }
    count.textContent = t('webapp.scan.count', n);
    log.prepend(line);
  };
  const scan = el('button', { class: 'btn', id: 'scan-button' }, t('webapp.scan.button'));
  scan.addEventListener('click', () => {
    const w = window.Telegram && window.Telegram.WebApp;
    // Telegram's script has showScanQrPopup on every client but throws on
    // one older than Bot API 6.4: paste there.
    if (!w || typeof w.showScanQrPopup !== 'function' || !(w.isVersionAtLeast && w.isVersionAtLeast('6.4'))) { ui.toast(t('webapp.scan.no_scanner')); paste.focus(); return; }
    w.showScanQrPopup({ text: t('webapp.scan.prompt') }, (text) => { send(text); });
  });
  const submit = el('button', { class: 'btn secondary', id: 'scan-submit' }, t('webapp.scan.submit'));
  submit.addEventListener('click', () => { send(paste.value); paste.value = ''; });
  ui.show(el('button', { class: 'link', id: 'back', onclick: () => scanPage() }, t('webapp.back')),
    el('div', { class: 'card', 'data-activity': a.id }, el('h2', {}, a.id + ' ' + a.title),
      el('p', { class: 'sub' }, a.start + (a.place ? ' · ' + a.place : '')),
      el('div', { class: 'actions' }, scan), el('div', { class: 'actions' }, paste, submit), count, log));
  count.textContent = t('webapp.scan.count', 0);
}

// My unit: the liaison's view of the unit's members, those at risk first.
async function unitPage() {
  const mine = opened();
  let v;
  try { v = await ui.call('unit'); } catch (err) { ui.message(err.status === 403 ? 'webapp.mine_only' : ui.failText(err), () => unitPage()); return; }
  if (mine !== current) return;
  const list = el('ul', { class: 'list', id: 'unit-members' }, v.members.map((m) => el('li', { 'data-member': m.id },
    el('div', {}, el('b', {}, m.name), ' ', el('span', { class: 'sub' }, m.community + ' · ' + m.id)),
    el('div', { class: 'sub' }, t('webapp.unit.row', m.total, m.minimum, m.posts), ' ',
      el('span', { class: 'badge ' + (m.compliant ? 'ok' : 'no') }, t(m.compliant ? 'webapp.compliant' : 'webapp.not_compliant')),
      ' · ', t('webapp.days_left', m.days_left, v.year)))));
  ui.show(el('div', { class: 'card', id: 'unit', 'data-unit': v.unit.id }, el('h2', {}, t('webapp.unit.title', v.unit.name, v.members.length, v.at_risk)),
    v.members.length ? list : el('p', { class: 'hint' }, t('webapp.unit.none'))));
  ui.listRendered();
}

// My needs: the needs I asked (their status) and the needs I took, a taken
// one with [Mark done] (an optional note), which asks its resident to
// confirm, or the committee, as /done does.
async function needsPage() {
  const mine = opened();
  let v;
  try { v = await ui.call('needs/mine'); } catch (err) { ui.message(ui.failText(err), () => needsPage()); return; }
  if (mine !== current) return;
  const item = (n0, taker) => {
    const li = el('li', {});
    const draw = (n) => {
      li.dataset.need = n.id;
      li.dataset.status = n.status;
      const actions = el('div', { class: 'actions' });
      li.replaceChildren(el('div', {}, el('b', {}, n.id), ' ', n.text),
        el('div', { class: 'sub' }, el('span', { class: 'badge' + (n.status === 'solved' ? ' ok' : '') }, t('webapp.needst.' + n.status)),
          n.pending ? ' · ' + t('webapp.myneed.pending') : '', ' · ', t('webapp.myneed.takers', n.takers, n.helpers), n.due ? ' · ' + t('webapp.myneed.due', n.due) : ''),
        actions);
      if (!taker || (n.status !== 'taken' && n.status !== 'published')) return;
      const ask = () => {
        const note = el('textarea', { id: 'note-' + n.id, maxlength: '500', placeholder: t('webapp.myneed.note'), 'aria-label': t('webapp.myneed.note') });
        const go = el('button', { class: 'btn', 'data-action': 'confirm-done' }, t('webapp.myneed.send_done'));
        const no = el('button', { class: 'btn secondary', 'data-action': 'cancel', onclick: buttons }, t('webapp.cancel'));
        go.addEventListener('click', async () => {
          if (go.disabled) return;
          go.disabled = true; no.disabled = true;
          try {
            const r = await ui.call('needs/' + encodeURIComponent(n.id) + '/done', { method: 'POST', body: { note: note.value.trim() } });
            draw(r.need);
            ui.toast(t(!r.changed ? 'webapp.myneed.done_before' : r.committee ? 'webapp.myneed.to_committee' : 'webapp.myneed.asked_confirm', n.id));
          } catch (err) {
            go.disabled = false; no.disabled = false;
            const d = err.body && err.body.detail;
            ui.toast(d && ui.hasText('webapp.err.' + d) ? t('webapp.err.' + d) : t(ui.failText(err)));
          }
        });
        actions.replaceChildren(note, go, no);
        note.focus();
      };
      const buttons = () => actions.replaceChildren(el('button', { class: 'btn', 'data-action': 'done', onclick: ask }, t('webapp.myneed.done')));
      buttons();
    };
    draw(n0);
    return li;
  };
  const list = (id, ns, none, taker) => ns.length ? el('ul', { class: 'list', id }, ns.map((n) => item(n, taker))) : el('p', { class: 'hint', id }, t(none));
  ui.show(el('div', { class: 'card' }, el('h2', {}, t('webapp.myneed.asked')), list('needs-asked', v.asked, 'webapp.myneed.none_asked', false)),
    el('div', { class: 'card' }, el('h2', {}, t('webapp.myneed.taken')), list('needs-taken', v.taken, 'webapp.myneed.none_taken', true)));
  ui.listRendered();
}
