// The sandbox page: shows what the server renders for the current person; every action is a POST that the
// server turns into a real signed Slack request to the bot. Updates arrive as server-sent events.
"use strict";

const $ = (sel) => document.querySelector(sel);
const ui = { user: localStorage.getItem("sandbox-user") || "U1", conversation: "C1", thread: "", state: null, opener: null };
const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), textarea:not([disabled]), select:not([disabled]), [tabindex]:not([tabindex='-1'])";

async function post(path, body) {
  const resp = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return resp.ok ? resp.json() : {};
}

async function refresh() {
  const resp = await fetch(`/api/state?user=${encodeURIComponent(ui.user)}`);
  if (!resp.ok) return;
  ui.state = await resp.json();
  render();
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

// One time format everywhere on the page: 24-hour HH:MM, in the reader's time zone (as Slack shows times).
const pad = (n) => String(n).padStart(2, "0");
const day = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const hhmm = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;

function clock(ts) {
  const d = new Date(parseFloat(ts) * 1000);
  return `<time class="time" datetime="${d.toISOString()}" title="${day(d)} ${hhmm(d)}">${hhmm(d)}</time>`;
}

function localTimes(container) {
  // <!date^ts^tokens|fallback>: the tokens in the reader's time; the fallback stays as the tooltip
  container.querySelectorAll("time[data-ts]").forEach((el) => {
    const d = new Date(Number(el.dataset.ts) * 1000);
    if (Number.isNaN(d.getTime())) return;
    if (!el.title) el.title = el.textContent;
    const shown = (el.dataset.format || "{date} {time}")
      .replace(/\{date[a-z_]*\}/g, day(d)).replace(/\{time_secs\}/g, `${hhmm(d)}:${pad(d.getSeconds())}`).replace(/\{time\}/g, hhmm(d));
    el.textContent = /\{/.test(shown) ? `${day(d)} ${hhmm(d)}` : shown;
  });
}

function messageHtml(m, { inThread }) {
  const badges = (m.bot ? ' <span class="app-badge">APP</span>' : "") +
    (m.ephemeral ? ' <span class="eph-badge">Only visible to you</span>' : "") +
    (m.edited ? ' <span class="edited">(edited)</span>' : "");
  const reactions = m.reactions.map((r) => `<span class="reaction" title=":${escapeHtml(r.name)}:">${r.emoji} ${r.count}</span>`).join("");
  const replies = !inThread && m.reply_count
    ? `<button type="button" class="open-thread" data-thread="${m.ts}">${plural(m.reply_count, "reply", "replies")}</button>` : "";
  const tools = m.ephemeral ? "" :
    `<button type="button" class="react" data-react="ticket" aria-label="React with :ticket: to ${escapeHtml(m.name)}'s message">🎫 ticket</button>` +
    (!inThread && !m.reply_count ? `<button type="button" class="open-thread subtle" data-thread="${m.ts}">Reply in thread</button>` : "");
  return `<article class="msg${m.ephemeral ? " ephemeral" : ""}" data-ts="${m.ts}" data-testid="message">
    <div class="meta"><b class="author">${escapeHtml(m.name)}</b>${badges} ${clock(m.ts)}</div>
    <div class="body">${m.html}</div>
    <div class="after">${reactions ? `<span class="reactions">${reactions}</span>` : ""}${replies}<span class="tools">${tools}</span></div>
  </article>`;
}

function keepFocus(container, draw) {
  const active = document.activeElement;
  const article = active && container.contains(active) ? active.closest("article") : null;
  const index = article ? [...article.querySelectorAll("button")].indexOf(active) : -1;
  const ts = article ? article.dataset.ts : null;
  draw();
  if (ts) {
    const again = container.querySelector(`article[data-ts="${ts}"]`);
    const buttons = again ? again.querySelectorAll("button") : [];
    if (buttons.length) buttons[Math.min(Math.max(index, 0), buttons.length - 1)].focus();
  }
}

function render() {
  const s = ui.state;
  const users = $("#user");
  if (!users.options.length) {
    users.innerHTML = s.people.map((p) => `<option value="${p.id}">${escapeHtml(p.name)} (${escapeHtml(p.role)})</option>`).join("");
  }
  users.value = ui.user;
  $("#conversations").innerHTML = s.conversations.map((c) =>
    `<li><button type="button" data-conversation="${c.id}" ${c.id === ui.conversation ? 'aria-current="true"' : ""}>${c.kind === "dm" ? "✉️ " : ""}${escapeHtml(c.name)}</button></li>`).join("");
  if (!s.messages[ui.conversation]) ui.conversation = s.conversations[0].id;
  const conv = s.conversations.find((c) => c.id === ui.conversation);
  $("#channel-title").textContent = conv.kind === "dm" ? `Direct message with ${conv.name}` : conv.name;
  const all = s.messages[ui.conversation];
  const top = all.filter((m) => !m.thread_ts || m.thread_ts === m.ts);
  const list = $("#messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  keepFocus(list, () => { list.innerHTML = top.map((m) => messageHtml(m, { inThread: false })).join("") || '<p class="empty">No messages yet.</p>'; });
  localTimes(list);
  if (atBottom) list.scrollTop = list.scrollHeight;
  renderThread(all);
  renderGitHub(s.github);
  renderDemos(s.demos || {});
  renderModal(s.modal);
}

function renderDemos(demos) {
  // A demo that would act on a real system (GITHUB_TOKEN, TRYTON_URL or ODOO_URL set) is shown, disabled, with why.
  document.querySelectorAll("button[data-demo]").forEach((button) => {
    const why = demos[button.dataset.demo];
    button.disabled = Boolean(why);
    button.setAttribute("aria-disabled", String(Boolean(why)));
    button.title = why || "";
    const note = button.parentElement.querySelector("small.unavailable");
    if (why && !note) button.insertAdjacentHTML("afterend", `<small class="unavailable">${escapeHtml(why)}</small>`);
    if (!why && note) note.remove();
  });
}

function renderThread(all) {
  const pane = $("#thread");
  const parent = all.find((m) => m.ts === ui.thread);
  pane.hidden = !parent;
  const box = $("#thread-messages");
  if (!parent) { box.innerHTML = ""; return; }
  const replies = all.filter((m) => m.thread_ts === ui.thread && m.ts !== ui.thread);
  keepFocus(box, () => {
    box.innerHTML = messageHtml(parent, { inThread: true }) +
      `<p class="reply-count">${plural(replies.filter((m) => !m.ephemeral).length, "reply", "replies")}</p>` +
      replies.map((m) => messageHtml(m, { inThread: true })).join("");
  });
  localTimes(box);
  box.scrollTop = box.scrollHeight;
}

function openThread(ts) {
  ui.thread = ts;
  render();
  $("#thread-text").focus();
}

function closeThread({ focus = true } = {}) {
  // The pane is hidden for real (sandbox.css: [hidden]); what was typed in it is dropped, never sent elsewhere.
  ui.thread = "";
  $("#thread-text").value = "";
  render();
  if (focus) $("#composer-text").focus();
}

function renderGitHub(gh) {
  const panel = $("#github");
  if (!gh.demo) { panel.innerHTML = "<h2>GitHub</h2><p>Your real GitHub (GITHUB_TOKEN is set).</p>"; return; }
  panel.innerHTML = `<h2>GitHub <span class="demo-badge">demo</span></h2><p><b>${escapeHtml(gh.repo)}</b></p>
    <ul class="pulls">${gh.pulls.map((p) => `<li data-testid="pr-${p.number}">#${p.number} ${escapeHtml(p.title)} <span class="state ${p.state}">${p.state}</span></li>`).join("")}</ul>
    <ul class="runs">${gh.runs.map((r) => `<li>run ${r.id} ${escapeHtml(r.name)} on ${escapeHtml(r.branch)}: <span class="state ${r.conclusion}">${r.conclusion}</span></li>`).join("")}</ul>
    <p data-testid="github-counts">merges: ${gh.merges} · issues created: ${gh.issues.length} · dispatches: ${gh.dispatches} · re-runs: ${gh.reruns}</p>`;
}

function behindModal(inert) {
  // While a modal is open the page behind it cannot be reached (inert), and focus stays in it (trapFocus).
  document.querySelectorAll("body > :not(#modal-root):not(script)").forEach((el) => { el.inert = inert; });
}

function restoreFocus() {
  // Back to what opened the modal (its button, re-drawn since), else the composer.
  const o = ui.opener;
  ui.opener = null;
  const again = o && o.ts
    ? document.querySelector(`${o.where} article[data-ts="${CSS.escape(o.ts)}"] button[data-action-id="${CSS.escape(o.actionId)}"]`) : null;
  (again && !again.disabled ? again : $(o && o.where === "#thread-messages" && ui.thread ? "#thread-text" : "#composer-text")).focus();
}

function renderModal(modal) {
  const root = $("#modal-root");
  const shown = root.querySelector("[role=dialog]");
  if (!modal) {
    if (shown) { root.innerHTML = ""; behindModal(false); restoreFocus(); }
    return;
  }
  if (shown && shown.dataset.viewId === modal.id && shown.dataset.errors === JSON.stringify(modal.errors)) return;
  const errors = Object.entries(modal.errors).map(([k, v]) => `<p class="error" role="alert">${escapeHtml(k)}: ${escapeHtml(v)}</p>`).join("");
  root.innerHTML = `<div class="backdrop"><form role="dialog" aria-modal="true" aria-labelledby="modal-title" class="modal" data-view-id="${modal.id}" data-errors='${escapeHtml(JSON.stringify(modal.errors))}'>
    <h2 id="modal-title">${modal.title}</h2>${errors}<div class="modal-body">${modal.html}</div>
    <div class="modal-actions"><button type="button" class="bk-button" data-modal-close>${modal.close}</button><button type="submit" class="bk-button primary">${modal.submit}</button></div>
  </form></div>`;
  behindModal(true);
  const first = root.querySelector("input, textarea, button");
  if (first) first.focus();
}

function trapFocus(e) {
  const dialog = document.querySelector("#modal-root [role=dialog]");
  if (!dialog) return;
  const inside = [...dialog.querySelectorAll(FOCUSABLE)].filter((el) => el.getClientRects().length);
  if (!inside.length) { e.preventDefault(); return; }
  const first = inside[0], last = inside[inside.length - 1], at = document.activeElement;
  if (!dialog.contains(at)) { e.preventDefault(); (e.shiftKey ? last : first).focus(); }
  else if (e.shiftKey && at === first) { e.preventDefault(); last.focus(); }
  else if (!e.shiftKey && at === last) { e.preventDefault(); first.focus(); }
}

async function send(textarea, threadTs, inThread) {
  if (inThread && (!threadTs || $("#thread").hidden)) { textarea.value = ""; return; }  // a closed pane posts nothing
  const text = textarea.value.trim();
  if (!text) return;
  textarea.value = "";
  ui.opener = null;
  const answer = await post("/api/send", { user: ui.user, channel: ui.conversation, text, thread_ts: threadTs });
  if (answer.open_thread) ui.thread = answer.open_thread;
  await refresh();
}

function composer(formSel, textSel, threadTs, inThread) {
  $(formSel).addEventListener("submit", (e) => { e.preventDefault(); send($(textSel), threadTs(), inThread); });
  $(textSel).addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); send($(textSel), threadTs(), inThread); }
  });
}

document.addEventListener("click", async (e) => {
  const target = e.target.closest("button");
  if (!target) return;
  const article = target.closest("article.msg");
  if (target.dataset.conversation) { ui.conversation = target.dataset.conversation; closeThread({ focus: false }); }
  else if (target.dataset.demo) {
    if (target.getAttribute("aria-disabled") === "true") return;
    ui.conversation = "C1"; closeThread({ focus: false });
    target.disabled = true;
    await post("/api/demo", { user: ui.user, name: target.dataset.demo });
    target.disabled = false;  // refresh() below disables it again if it cannot run
  }
  else if (target.dataset.thread) { openThread(target.dataset.thread); }
  else if (target.dataset.react && article) {
    await post("/api/react", { user: ui.user, channel: ui.conversation, ts: article.dataset.ts, name: target.dataset.react });
  } else if (target.dataset.actionId !== undefined && article) {
    ui.opener = { where: `#${article.parentElement.id}`, ts: article.dataset.ts, actionId: target.dataset.actionId };
    target.disabled = true;
    await post("/api/click", { user: ui.user, channel: ui.conversation, ts: article.dataset.ts,
      action_id: target.dataset.actionId, value: target.dataset.value, block_id: target.dataset.blockId });
    target.disabled = false;
  } else if (target.hasAttribute("data-modal-close")) {
    await post("/api/close", { view_id: target.closest("form").dataset.viewId });
  } else return;
  refresh();
});

document.addEventListener("submit", async (e) => {
  const form = e.target.closest("form.modal");
  if (!form) return;
  e.preventDefault();
  const values = {};
  form.querySelectorAll("[data-block-id][data-action-id]").forEach((el) => {
    values[el.dataset.blockId] = { ...(values[el.dataset.blockId] || {}), [el.dataset.actionId]: el.value };
  });
  await post("/api/submit", { user: ui.user, view_id: form.dataset.viewId, values });
  refresh();
});

document.addEventListener("keydown", (e) => {
  if (e.key === "Tab") { trapFocus(e); return; }
  if (e.key !== "Escape") return;
  const modal = document.querySelector("form.modal");
  if (modal) { e.preventDefault(); post("/api/close", { view_id: modal.dataset.viewId }).then(refresh); }
  else if (ui.thread) { e.preventDefault(); closeThread(); }
});

$("#user").addEventListener("change", (e) => { ui.user = e.target.value; localStorage.setItem("sandbox-user", ui.user); refresh(); });
$("#thread-close").addEventListener("click", () => closeThread());
$(".skip-link").addEventListener("click", (e) => { e.preventDefault(); $("#composer-text").focus(); });
composer("#composer", "#composer-text", () => "", false);
composer("#thread-composer", "#thread-text", () => ui.thread, true);
new EventSource("/api/events").onmessage = () => refresh();
refresh();
