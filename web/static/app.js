// teaminbox agents' page: REST for reads and writes, one WebSocket for live updates.
// Every string from the server is put into the page with textContent, never as HTML.
"use strict";

const $ = (sel) => document.querySelector(sel);
const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; };
const fmtTime = (s) => s ? new Date(s).toLocaleString() : "";

const state = {
  token: localStorage.getItem("teaminbox.token"),
  me: null, users: [], teams: [], tags: [],
  filter: { status: "", search: "", mine: false }, page: 1, pages: 1,
  convs: new Map(), order: [],
  current: null, messages: [],
  ws: null, lastSeq: 0, retry: 0, reqId: 0, typingSent: 0,
  typing: new Map(), viewers: new Map(), online: new Map(),
};

async function api(method, path, body) {
  const res = await fetch(path, {
    method, headers: { "Authorization": "Bearer " + state.token, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (res.status === 401) { logout(); throw new Error("signed out"); }
  const ct = res.headers.get("Content-Type") || "";
  if (!ct.includes("json")) { if (!res.ok) throw new Error(res.statusText); return res; }
  const json = await res.json();
  if (!json.success) {
    const e = json.error || {};
    throw new Error(e.message + (e.details ? ": " + Object.values(e.details).join("; ") : ""));
  }
  return json.data ?? json;
}

const canWrite = () => state.me && state.me.role !== "viewer";

// ---- sign in ----
async function login(ev) {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const res = await fetch("/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: f.get("email"), password: f.get("password") }) });
  const json = await res.json();
  if (!json.success) { $("#login-error").textContent = json.error.message; return; }
  state.token = json.data.token;
  localStorage.setItem("teaminbox.token", state.token);
  boot();
}

function logout() {
  localStorage.removeItem("teaminbox.token");
  state.token = null;
  if (state.ws) state.ws.close();
  $("#app").hidden = true; $("#login").hidden = false;
}

async function boot() {
  if (!state.token) { $("#login").hidden = false; return; }
  try {
    state.me = (await api("GET", "/v1/auth/me")).user;
  } catch { return; }
  $("#login").hidden = true; $("#app").hidden = false;
  $("#me").textContent = `${state.me.first_name} ${state.me.last_name} (${state.me.role})`;
  $("#composer").hidden = !canWrite();
  const [u, t, g] = await Promise.all([api("GET", "/v1/users"), api("GET", "/v1/teams"), api("GET", "/v1/tags")]);
  state.users = u.users; state.teams = t.teams; state.tags = g.tags;
  await loadList(true);
  loadStats();
  connect();
}

// ---- conversation list ----
async function loadList(reset) {
  if (reset) { state.page = 1; state.convs.clear(); state.order = []; }
  const q = new URLSearchParams({ page: state.page, limit: 30 });
  if (state.filter.status) q.set("status", state.filter.status);
  if (state.filter.search) q.set("search", state.filter.search);
  if (state.filter.mine) q.set("assigned_to", state.me.id);
  const data = await api("GET", "/v1/conversations?" + q);
  for (const c of data.conversations) { if (!state.convs.has(c.id)) state.order.push(c.id); state.convs.set(c.id, c); }
  state.pages = data.pagination.pages;
  $("#more").hidden = state.page >= state.pages;
  renderList();
}

function matchesFilter(c) {
  return (!state.filter.status || c.status === state.filter.status) &&
    (!state.filter.mine || (c.assigned_user && c.assigned_user.id === state.me.id));
}

function upsertConversation(c) {
  if (!matchesFilter(c) || state.filter.search) { if (state.convs.has(c.id)) state.convs.set(c.id, c); renderList(); return; }
  state.convs.set(c.id, c);
  state.order = [c.id, ...state.order.filter((id) => id !== c.id)];
  renderList();
}

function renderList() {
  const ul = $("#conversations");
  ul.replaceChildren();
  for (const id of state.order) {
    const c = state.convs.get(id);
    if (!c || !matchesFilter(c)) continue;
    const li = el("li", state.current && state.current.id === id ? "sel" : "");
    const name = el("span", "name", `${c.end_user.first_name} ${c.end_user.last_name}`.trim() || c.end_user.phone);
    const head = el("div");
    head.append(el("span", "chip", c.channel.name), name);
    li.append(head);
    li.append(c.unread_count ? el("span", "badge", String(c.unread_count)) : el("span"));
    li.append(el("span", "last", c.last_message ? c.last_message.content : "(no messages)"));
    li.onclick = () => openConversation(id);
    ul.append(li);
  }
}

// ---- thread ----
async function openConversation(id) {
  const data = await api("GET", `/v1/conversations/${id}?latest=true&limit=100`);
  state.current = data.conversation;
  state.messages = data.conversation.messages;
  state.convs.set(id, { ...state.convs.get(id), ...data.conversation });
  $("#empty").hidden = true; $("#thread").hidden = false;
  renderThread(); renderList();
  send("view", { conversation_id: id });
  if (canWrite() && state.current.unread_count > 0) api("POST", `/v1/conversations/${id}/read`).catch(() => {});
}

function renderThread() {
  const c = state.current;
  $("#t-name").textContent = `${c.end_user.first_name} ${c.end_user.last_name}`.trim() || c.end_user.phone;
  $("#t-meta").textContent = [c.channel.name, c.end_user.phone, c.end_user.email, `since ${fmtTime(c.created_at)}`].filter(Boolean).join(" · ");
  const w = c.reply_window;
  $("#t-window").textContent = w ? (w.open ? `Reply window open until ${fmtTime(w.expires_at)}` : "Reply window closed: only templates can be sent") : "";
  $("#t-status").value = c.status;
  fillAssignee(); fillTagPicker(); renderTags(); renderViewers();
  for (const s of ["#t-status", "#t-assignee", "#t-tag"]) $(s).disabled = !canWrite();
  const ol = $("#messages");
  ol.replaceChildren(...state.messages.map(messageItem));
  ol.scrollTop = ol.scrollHeight;
}

function messageItem(m) {
  const cls = m.sender_type === "system" ? "system" : m.is_internal ? "note" : m.sender_type === "end_user" ? "in" : "out";
  const li = el("li", cls);
  li.dataset.id = m.id;
  if (m.is_internal) li.append(el("strong", "", "Internal note: "));
  li.append(document.createTextNode(m.content));
  for (const a of m.attachments || []) li.append(attachmentItem(m, a));
  if (m.reactions && m.reactions.length) li.append(el("div", "meta", m.reactions.map((r) => r.emoji).join(" ")));
  const status = cls === "out" ? ` · ${m.status}${m.error ? " (" + m.error + ")" : ""}` : "";
  li.append(el("span", "when", fmtTime(m.created_at) + status));
  return li;
}

function attachmentItem(m, a) {
  const label = "📎 " + (a.file_name || a.mime_type || a.url || "attachment");
  if (!a.url) return el("div", "meta", label);
  const link = el("a", "", label);
  link.href = a.url; link.target = "_blank"; link.rel = "noopener";
  if (a.url.startsWith("/v1/media/")) link.onclick = (ev) => openMedia(ev, m, a);
  const div = el("div", "meta");
  div.append(link);
  return div;
}

// Media links from the REST API are signed and short-lived, and the socket's copies are not
// signed: past its expiry, or unsigned, a link is asked for again before it is opened.
const mediaLinkFresh = (u) => Number(new URL(u, location.href).searchParams.get("exp")) * 1000 > Date.now() + 5000;

async function openMedia(ev, m, a) {
  if (mediaLinkFresh(a.url)) return; // the browser follows the link
  ev.preventDefault();
  const w = window.open("", "_blank");
  try {
    const data = await api("GET", `/team-inbox/api/messages/${m.id}/`);
    const fresh = (data.message.content.attachments || []).find((x) => x.media_id === a.media_id);
    if (!fresh) throw new Error("The file is no longer on this message");
    a.url = fresh.url;
    w.location = fresh.url;
  } catch (e) { if (w) w.close(); alert(e.message); }
}

function fillAssignee() {
  const s = $("#t-assignee");
  s.replaceChildren(el("option", "", "Unassigned"));
  s.firstChild.value = "";
  for (const u of state.users) { const o = el("option", "", `${u.first_name} ${u.last_name}`); o.value = u.id; s.append(o); }
  s.value = state.current.assigned_user ? state.current.assigned_user.id : "";
}

function fillTagPicker() {
  const s = $("#t-tag");
  s.replaceChildren(el("option", "", "+ tag"));
  s.firstChild.value = "";
  for (const t of state.tags) if (!state.current.tags.includes(t.name)) { const o = el("option", "", t.name); o.value = t.id; s.append(o); }
}

function renderTags() {
  const box = $("#t-tags");
  box.replaceChildren();
  for (const name of state.current.tags) {
    const t = state.tags.find((x) => x.name === name);
    const span = el("span", "tag", name);
    span.style.background = t ? t.color : "#6b7280";
    if (t && canWrite()) {
      const x = el("button", "", "×");
      x.title = "remove tag";
      x.onclick = () => api("DELETE", `/v1/conversations/${state.current.id}/tags/${t.id}`).catch(alert);
      span.append(x);
    }
    box.append(span);
  }
}

function renderViewers() {
  const c = state.current;
  if (!c) return;
  const others = [...(state.viewers.get(c.id) || [])].filter((u) => u !== state.me.id).map(userName);
  $("#t-viewers").textContent = others.length ? `Also here: ${others.join(", ")}` : "";
  const typing = [...(state.typing.get(c.id) || new Map())].filter(([u]) => u !== state.me.id).map(([u, name]) => name || userName(u));
  $("#typing").textContent = typing.length ? `${typing.join(", ")} typing…` : "";
}

const userName = (id) => { const u = state.users.find((x) => x.id === id); return u ? `${u.first_name} ${u.last_name}` : "someone"; };

async function submit(ev) {
  ev.preventDefault();
  const text = $("#text").value.trim();
  if (!text || !state.current) return;
  const note = $("#as-note").checked;
  $("#composer-error").textContent = "";
  try {
    const path = `/v1/conversations/${state.current.id}/${note ? "notes" : "messages"}`;
    const data = await api("POST", path, note ? { content: text } : { content: text, content_type: "text" });
    addMessage(data.message);
    $("#text").value = "";
  } catch (e) { $("#composer-error").textContent = e.message; }
}

function addMessage(m) {
  if (!state.current || m.conversation_id !== state.current.id) return;
  if (state.messages.some((x) => x.id === m.id)) return;
  state.messages.push(m);
  const ol = $("#messages");
  ol.append(messageItem(m));
  ol.scrollTop = ol.scrollHeight;
}

async function exportPDF(ev) {
  ev.preventDefault();
  const res = await api("GET", `/team-inbox/api/export-pdf/?contact_id=${state.current.end_user.id}`);
  const a = el("a");
  a.href = URL.createObjectURL(await res.blob());
  a.download = `conversation-${state.current.end_user.id}.pdf`;
  a.click();
  URL.revokeObjectURL(a.href);
}

// ---- statistics ----
let statsTimer = 0;
// At most once a second: restarting the timer on every event would starve it while events keep coming.
function loadStatsSoon() { if (!statsTimer) statsTimer = setTimeout(() => { statsTimer = 0; loadStats(); }, 1000); }
async function loadStats() {
  const s = await api("GET", "/team-inbox/api/stats/");
  const dl = $("#stats");
  dl.replaceChildren();
  const rows = [["Conversations", s.total_conversations], ["Open tickets", s.open_tickets], ["Unread messages", s.unread_count], ["Unassigned open", s.unassigned_open],
    ...Object.entries(s.conversations_by_channel).map(([k, v]) => [k, v])];
  for (const [k, v] of rows) dl.append(el("dt", "", k), el("dd", "", String(v)));
  $("#workload tbody").replaceChildren(...s.agent_workload.map((a) => {
    const tr = el("tr");
    tr.append(el("td", "", `${a.agent.first_name} ${a.agent.last_name}`), el("td", "", String(a.open_assigned)), el("td", "", String(a.unread)));
    return tr;
  }));
}

// ---- real time ----
async function connect() {
  try {
    const info = await api("GET", "/team-inbox/websocket/info/");
    const url = new URL(info.url || info.ws_url);
    url.searchParams.set("token", info.token);
    if (state.lastSeq) url.searchParams.set("since", state.lastSeq);
    const ws = new WebSocket(url);
    state.ws = ws;
    ws.onopen = () => { state.retry = 0; setConn(true); if (state.current) send("view", { conversation_id: state.current.id }); };
    ws.onmessage = (e) => onFrame(JSON.parse(e.data));
    ws.onclose = (e) => {
      setConn(false);
      if (!state.token || e.code === 4001 || e.code === 4003) return;
      setTimeout(connect, Math.min(30000, 500 * 2 ** state.retry++));
    };
  } catch { setTimeout(connect, 5000); }
}

function setConn(on) { const c = $("#conn"); c.className = "conn " + (on ? "on" : "off"); c.textContent = on ? "live" : "offline"; }

function send(type, data) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify({ type, id: String(++state.reqId), data }));
}

function onFrame(f) {
  if (f.seq) state.lastSeq = Math.max(state.lastSeq, f.seq);
  const d = f.data || {};
  switch (f.type) {
    case "hello":
      // A fresh socket: what changed before it was registered is in a reload, what changes
      // after arrives live, and a drop resumes from here.
      if (!state.lastSeq) { state.lastSeq = d.seq || 0; loadList(true); loadStats(); }
      break;
    case "new_message":
      upsertConversation(d.conversation);
      if (state.current && d.conversation.id === state.current.id) { state.current = { ...state.current, ...d.conversation }; addMessage(d.message); }
      loadStatsSoon();
      break;
    case "message_status": {
      const m = state.current && state.messages.find((x) => x.id === d.message_id);
      if (m) { m.status = d.status; m.error = d.error; const li = document.querySelector(`#messages li[data-id="${m.id}"]`); if (li) li.replaceWith(messageItem(m)); }
      break;
    }
    case "message_reaction": {
      const m = state.current && state.messages.find((x) => x.id === d.message_id);
      if (m) { m.reactions = d.reactions; const li = document.querySelector(`#messages li[data-id="${m.id}"]`); if (li) li.replaceWith(messageItem(m)); }
      break;
    }
    case "ticket_update": case "assignment_update": case "tag_update": case "conversation_update": case "reply_window":
      refreshConversation(d.conversation ? d.conversation.id : (d.conversation_id || d.id));
      loadStatsSoon();
      break;
    case "typing_indicator": { // an agent's (user) or, as its provider reports it, the contact's
      const byConv = state.typing.get(d.conversation_id) || new Map();
      const who = d.contact ? "contact:" + d.contact.id : d.user_id || (d.user && d.user.id);
      const name = d.contact ? `${d.contact.first_name} ${d.contact.last_name}`.trim() || d.contact.phone : "";
      if (d.is_typing) byConv.set(who, name); else byConv.delete(who);
      state.typing.set(d.conversation_id, byConv);
      renderViewers();
      break;
    }
    case "presence":
      if (d.conversation_id) state.viewers.set(d.conversation_id, new Set(d.viewers || []));
      if (d.online) $("#online").textContent = `${d.online.length} online`;
      renderViewers();
      break;
    case "reload_required":
      state.lastSeq = 0; loadList(true); if (state.current) openConversation(state.current.id);
      break;
  }
}

async function refreshConversation(id) {
  if (!id) return;
  if (state.current && state.current.id === id) { await openConversation(id); return; }
  try { const data = await api("GET", `/v1/conversations/${id}?limit=1`); upsertConversation(data.conversation); } catch { /* gone or not visible */ }
}

// ---- wiring ----
document.addEventListener("DOMContentLoaded", () => {
  $("#login-form").onsubmit = login;
  $("#logout").onclick = logout;
  $("#composer").onsubmit = submit;
  $("#t-pdf").onclick = exportPDF;
  $("#more").onclick = () => { state.page++; loadList(false); };
  let searchTimer = 0;
  $("#search").oninput = (e) => { clearTimeout(searchTimer); searchTimer = setTimeout(() => { state.filter.search = e.target.value.trim(); loadList(true); }, 300); };
  $("#mine").onchange = (e) => { state.filter.mine = e.target.checked; loadList(true); };
  for (const b of document.querySelectorAll("#status-tabs button")) b.onclick = () => {
    document.querySelectorAll("#status-tabs button").forEach((x) => x.classList.toggle("on", x === b));
    state.filter.status = b.dataset.status; loadList(true);
  };
  $("#t-status").onchange = (e) => api("PATCH", `/v1/conversations/${state.current.id}/status`, { status: e.target.value }).catch((x) => { alert(x.message); renderThread(); });
  $("#t-assignee").onchange = (e) => api("PATCH", `/v1/conversations/${state.current.id}/assign`, { assigned_user_id: e.target.value || null }).catch((x) => alert(x.message));
  $("#t-tag").onchange = (e) => { if (e.target.value) api("POST", `/v1/conversations/${state.current.id}/tags`, { tag_id: e.target.value }).catch((x) => alert(x.message)); };
  $("#text").oninput = () => { const now = Date.now(); if (state.current && now - state.typingSent > 2000) { state.typingSent = now; send("typing", { conversation_id: state.current.id }); } };
  boot();
});
