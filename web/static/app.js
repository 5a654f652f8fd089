// Lamplighter's Mini App (SPEC section 12): a plain ES module, no framework,
// no build step. Every request carries Authorization: tma <initData>; the
// server decides everything (who may see what), the page only shows it.
// Text from the server is always set with textContent, never as HTML.

import { memberPages } from './member.js';
import { committeePages } from './committee.js';

const texts = JSON.parse(document.getElementById('texts').textContent);
const tg = window.Telegram && window.Telegram.WebApp;
const hash = new URLSearchParams(location.hash.slice(1));
// initData from Telegram's script, or from the launch parameters Telegram
// puts in the URL's hash (#tgWebAppData=…) when the script did not load.
const initData = (tg && tg.initData) || hash.get('tgWebAppData') || '';
const api = new URL('../api/', import.meta.url);
const main = document.getElementById('main');
const tabs = document.getElementById('tabs');
let lang = guessLang();
let me = null;
let firstList = false;

function guessLang() {
  let code = '';
  try { code = JSON.parse(new URLSearchParams(initData).get('user') || '{}').language_code || ''; } catch (e) { /* no user */ }
  code = (code || navigator.language || '').toLowerCase();
  if (code.startsWith('zh')) return 'zh';
  if (code.startsWith('en')) return 'en';
  return document.documentElement.lang === 'en' ? 'en' : 'zh';
}

// t formats a catalog message: Go's %[n]d / %[n]s and plain %d / %s.
function t(id, ...args) {
  const msg = (texts[lang] && texts[lang][id]) || (texts.en && texts.en[id]) || id;
  let i = 0;
  return msg.replace(/%(?:\[(\d+)\])?[sdv]/g, (_, n) => String(args[n ? Number(n) - 1 : i++] ?? ''));
}

// el builds an element: el('p', {class: 'hint'}, 'text', child…).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function show(...nodes) { main.replaceChildren(...nodes); }

function message(id, retry) {
  const box = el('div', { class: 'message', id: 'message', 'data-message': id }, el('p', {}, t(id)));
  if (retry) box.append(el('button', { class: 'btn', onclick: retry }, t('webapp.retry')));
  show(box);
}

let toastTimer = 0;
function toast(text) {
  const box = document.getElementById('toast');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 4000);
}

// ApiError is a refusal of the API: status and the server's error code.
class ApiError extends Error {
  constructor(status, body) { super(body.error || String(status)); this.status = status; this.body = body; }
}

// The first screen's request after `me`, asked for again at once on the
// next opening (beside `me`, not after it): a secretary's members page
// comes one round trip sooner. The server decides as always; a guess that
// no longer fits (another role now, another page) is one wasted request,
// and its answer is used only if the page asks for that same path.
const firstKey = 'll-first:' + (new URLSearchParams(location.search).get('page') || '');
const early = new Map();
let recordFirst = false;

function callEarly(path) {
  const p = request(path);
  p.catch(() => { /* used or dropped by call */ });
  early.set(path, p);
}

function call(path, options = {}) {
  if (!options.method || options.method === 'GET') {
    const p = early.get(path);
    if (p) { early.delete(path); return p; }
    if (recordFirst && path !== 'me') {
      recordFirst = false;
      try { localStorage.setItem(firstKey, path); } catch (e) { /* no storage */ }
    }
  }
  return request(path, options);
}

async function request(path, options = {}) {
  const headers = { Authorization: 'tma ' + initData };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(new URL(path, api), { method: options.method || 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  } catch (e) {
    throw new ApiError(0, { error: 'unavailable' });
  }
  let body = {};
  try { body = await res.json(); } catch (e) { /* not JSON: a proxy's page */ }
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

// failText words a refusal in the user's language.
function failText(err) {
  const code = err.body && err.body.error;
  if (err.status === 503 || err.status === 0 || code === 'unavailable') return 'webapp.unavailable';
  return {
    unauthorized: 'webapp.unauthorized', forbidden: 'webapp.forbidden', not_member: 'webapp.not_member',
    not_found: 'webapp.not_found', invalid: 'webapp.invalid',
  }[code] || 'webapp.error';
}

function theme() {
  const root = document.documentElement.style;
  let params = tg && tg.themeParams;
  if (!params || !Object.keys(params).length) {
    try { params = JSON.parse(hash.get('tgWebAppThemeParams') || '{}'); } catch (e) { params = {}; }
  }
  for (const [k, v] of Object.entries(params)) {
    if (/^#[0-9a-f]{3,8}$/i.test(v)) root.setProperty('--tg-theme-' + k.replace(/_/g, '-'), v);
  }
}

function listRendered() {
  if (firstList) return;
  firstList = true;
  if (recordFirst) { recordFirst = false; try { localStorage.removeItem(firstKey); } catch (e) { /* no storage */ } }
  performance.mark('ll-first-list');
}

// The card and ledger of a member, with the evidence of each entry.
function cardView(c) {
  const s = c.standing;
  const head = el('div', { class: 'card', id: 'card', 'data-member': c.id },
    el('p', { class: 'sub' }, t('webapp.community', c.community_name || c.community, c.id), c.role ? ' · ' + t('role.' + c.role) : ''),
    el('h2', {}, c.name),
    c.unit || c.building ? el('p', { class: 'sub' }, [c.unit, c.building].filter(Boolean).join(' · ')) : null,
    el('p', { class: 'big', id: 'standing' }, s.total + '/' + s.minimum),
    el('p', {}, t('webapp.standing', c.year, s.total, s.minimum), ' ',
      el('span', { class: 'badge ' + (s.compliant ? 'ok' : 'no') }, t(s.compliant ? 'webapp.compliant' : 'webapp.not_compliant'))),
    el('p', { class: 'sub' }, t('webapp.posts', s.posts, s.post_minimum), ' · ', t('webapp.days_left', c.days_left, c.year)));
  if (c.methods.length) {
    head.append(el('p', { class: 'sub' }, t('webapp.methods') + ': ',
      c.methods.flatMap((m, i) => [i ? ' · ' : '', el('span', { class: m.strong ? 'strong' : '' }, (m.strong ? '✓ ' : '') + t('method.' + m.method) + ' ' + m.count)])));
  }
  if (c.posts.length) head.append(el('p', { class: 'sub' }, t('webapp.posts_title') + ': ' + c.posts.map((p) => p.id + ' ' + p.name).join(', ')));
  if (c.teams.length) head.append(el('p', { class: 'sub' }, t('webapp.teams_title') + ': ' + c.teams.map((x) => x.id + ' ' + x.name).join(', ')));
  const entries = el('ul', { class: 'list', id: 'entries' });
  for (const e of c.entries) {
    entries.append(el('li', { class: e.voided ? 'voided' : '', 'data-ref': e.ref },
      el('div', {}, el('b', {}, e.ref), ' ', e.title),
      el('div', { class: 'sub' }, e.date, ' · ',
        el('span', { class: e.strong ? 'strong' : '' }, (e.strong ? '✓ ' : '') + t('method.' + e.method)),
        e.verified_by ? ' · ' + t('webapp.by', e.verified_by) : '',
        e.note ? ' — ' + e.note : '',
        e.voided ? ' · ' + t('webapp.voided', e.voided_by || '—', e.void_reason || '') : '')));
  }
  const ledger = el('div', { class: 'card' }, el('h2', {}, t('webapp.entries')),
    c.entries.length ? entries : el('p', { class: 'hint', id: 'entries' }, t('webapp.no_entries')));
  return [head, ledger];
}

function myLedger() {
  if (!me.member) { message('webapp.not_member'); return; }
  show(...cardView(me.member));
  listRendered();
}

// The committee's members: search, filters and sorting (committee.js).
function membersPage() { cm.members(); }

async function memberCard(id) {
  try {
    const c = await call('members/' + encodeURIComponent(id));
    show(el('button', { class: 'link', id: 'back', onclick: () => membersPage() }, t('webapp.back')), ...cardView(c));
    window.scrollTo(0, 0);
  } catch (err) { message(failText(err), () => memberCard(id)); }
}

// Approvals: pending service records with Approve / Reject, updated in
// place after a decision.
async function approvalsPage() {
  let data;
  try { data = await call('approvals'); } catch (err) { message(failText(err), () => approvalsPage()); return; }
  const total = el('p', { class: 'hint', id: 'pending-total' });
  const list = el('ul', { class: 'list', id: 'approvals' });
  let left = data.total;
  const count = () => { total.textContent = left ? t('webapp.pending_total', left) : t('webapp.none_pending'); };
  count();
  for (const r of data.records) list.append(approvalItem(r, () => { left--; count(); }));
  show(el('div', { class: 'card' }, total, list), cm.pendingNeeds());
  listRendered();
}

function approvalItem(r, onDecided) {
  const actions = el('div', { class: 'actions' });
  const item = el('li', { 'data-record': r.id },
    el('div', {}, el('b', {}, r.id), ' ', r.name || r.member, ' ', el('span', { class: 'sub' }, r.member + ' · ' + r.date)),
    el('div', {}, r.text), actions);
  const done = (rec, key) => {
    actions.replaceChildren(el('span', { class: 'badge' }, t('webapp.status.' + rec.status)));
    item.dataset.status = rec.status;
    toast(t(key, rec.id, rec.name || r.name || r.member, t('webapp.status.' + rec.status)));
    onDecided();
  };
  const decide = async (verb, body, buttons) => {
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const res = await call('approvals/' + encodeURIComponent(r.id) + '/' + verb, { method: 'POST', body });
      done(res.record, verb === 'approve' ? 'webapp.approved' : 'webapp.rejected');
    } catch (err) {
      if (err.status === 409 && err.body.record) { done(err.body.record, 'webapp.decided'); return; }
      buttons.forEach((b) => { b.disabled = false; });
      toast(t(failText(err)));
    }
  };
  const buttonsRow = () => {
    if (!r.may_decide) { actions.replaceChildren(el('span', { class: 'sub' }, t('webapp.own_record'))); return; }
    const ok = el('button', { class: 'btn', 'data-action': 'approve' }, t('webapp.approve'));
    const no = el('button', { class: 'btn secondary', 'data-action': 'reject' }, t('webapp.reject'));
    ok.addEventListener('click', () => decide('approve', undefined, [ok, no]));
    no.addEventListener('click', () => {
      const reason = el('textarea', { id: 'reason-' + r.id, maxlength: '200', placeholder: t('webapp.reason'), 'aria-label': t('webapp.reason') });
      const confirm = el('button', { class: 'btn danger', 'data-action': 'confirm-reject' }, t('webapp.confirm_reject'));
      const cancel = el('button', { class: 'btn secondary', onclick: buttonsRow }, t('webapp.cancel'));
      confirm.addEventListener('click', () => {
        if (!reason.value.trim()) { reason.focus(); return; }
        decide('reject', { reason: reason.value.trim() }, [confirm, cancel]);
      });
      actions.replaceChildren(reason, confirm, cancel);
      reason.focus();
    });
    actions.replaceChildren(ok, no);
  };
  buttonsRow();
  return item;
}

function tabBar() {
  const pages = [];
  if (me.member) pages.push(['me', 'webapp.tab.me', myLedger]);
  pages.push(...memberPages(me, { el, t, call, show, message, toast, failText, listRendered, hasText: (id) => Boolean(texts[lang] && texts[lang][id]) }));
  if (me.committee) {
    pages.push(['overview', 'webapp.tab.overview', cm.overview], ['members', 'webapp.tab.members', membersPage],
      ['activities', 'webapp.tab.activities', cm.activities], ['approvals', 'webapp.tab.approvals', approvalsPage], ['needs', 'webapp.tab.needs', cm.needs]);
  }
  if (pages.length < 2) { tabs.hidden = true; return pages[0]; }
  const buttons = pages.map(([key, label, open]) => {
    const b = el('button', { role: 'tab', id: 'tab-' + key, 'aria-selected': 'false' }, t(label));
    b.addEventListener('click', () => {
      buttons.forEach((x) => x.setAttribute('aria-selected', String(x === b)));
      reveal(b);
      open();
    });
    return b;
  });
  tabs.replaceChildren(...buttons);
  tabs.hidden = false;
  // ?page=me (the button of /me) opens that page; else the members.
  const wanted = new URLSearchParams(location.search).get('page') || 'members';
  let first = pages.findIndex((p) => p[0] === wanted);
  if (first < 0) first = Math.max(0, pages.findIndex((p) => p[0] === 'members'));
  buttons[first].setAttribute('aria-selected', 'true');
  reveal(buttons[first]);
  return pages[first];
}

// reveal scrolls the tab row (one row that scrolls sideways on a narrow
// phone) so that tab b is wholly in view, without moving the page.
function reveal(b) {
  const r = b.getBoundingClientRect(), n = tabs.getBoundingClientRect(), pad = 8;
  if (r.left < n.left + pad) tabs.scrollLeft -= n.left + pad - r.left;
  else if (r.right > n.right - pad) tabs.scrollLeft += r.right - n.right + pad;
}

async function start() {
  theme();
  if (tg) { tg.ready(); tg.expand(); }
  document.getElementById('title').textContent = t('webapp.title');
  document.title = t('webapp.title');
  if (!initData) { message('webapp.open_in_telegram'); return; }
  show(el('p', { class: 'hint', id: 'status' }, t('webapp.loading')));
  let remembered = null;
  try { remembered = localStorage.getItem(firstKey); } catch (e) { /* no storage */ }
  // Only a path of this API (never another origin: the request carries
  // initData), whatever the storage holds.
  if (remembered && /^[a-z][a-z0-9/_?=&%.-]*$/i.test(remembered) && !remembered.includes('//') && !firstList) callEarly(remembered);
  try {
    me = await call('me');
  } catch (err) { message(failText(err), () => start()); return; }
  recordFirst = !firstList;
  lang = me.lang === 'en' ? 'en' : 'zh';
  document.documentElement.lang = lang;
  document.getElementById('title').textContent = t('webapp.title');
  document.title = t('webapp.title');
  const who = document.getElementById('who');
  who.textContent = me.committee ? t('webapp.community', me.committee.name, t('role.' + me.committee.role))
    : me.member ? t('webapp.community', me.member.community_name, me.member.id) : me.name;
  const page = tabBar();
  if (!page) { message('webapp.not_member'); return; }
  page[2]();
}

const cm = committeePages({ el, t, call, show, message, failText, toast, listRendered, memberCard, api, initData, ApiError, tg, hasText: (id) => Boolean(texts[lang] && texts[lang][id]) });

start();
