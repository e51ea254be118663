// The playground page: pick a simulated person, chat with the bot through
// the fake Bot API, pay invoices from a simulated wallet, and watch the
// engine's actors. Plain DOM, no framework, nothing fetched from elsewhere.
"use strict";

(() => {
  const POLL_MS = 500;
  const ACTORS_MS = 2000;

  const $ = (sel) => document.querySelector(sel);
  const st = {
    people: [],
    user: null,         // the person chatting
    version: 0,         // the chat's cursor
    sigs: new Map(),    // message key -> what it looked like, to flash edits
    paid: new Set(),    // invoice codes paid from this page
    actors: new Map(),  // "kind/id" -> processed, to flash activity
    entity: null,       // {kind, id} shown below the actors
  };

  // --- API -----------------------------------------------------------------

  async function api(method, path, body) {
    const opt = { method, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      opt.headers["Content-Type"] = "application/json";
      opt.body = JSON.stringify(body);
    }
    const r = await fetch(path, opt);
    const j = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(j.error || r.status + " " + r.statusText);
    return j;
  }

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
    return e;
  }

  // --- people --------------------------------------------------------------

  async function loadState() {
    const s = await api("GET", "/play/api/state");
    st.people = s.people || [];
    document.title = "Allot playground — " + s.bot;
    $("#where").textContent = "Bot " + s.bot + " · wallet " + s.wallet + " · files in " + s.dir;
    renderPeople();
    const fromHash = Number(location.hash.slice(1));
    if (fromHash && st.people.some((p) => p.id === fromHash)) select(fromHash);
  }

  function renderPeople() {
    const ul = $("#people");
    ul.replaceChildren(...st.people.map((p) =>
      el("li", {},
        el("button", { type: "button", class: p.id === st.user ? "current" : "", "data-id": p.id, onclick: () => select(p.id) },
          el("span", { class: "name", text: p.name }),
          el("span", { class: "role " + p.role, text: p.role }),
          el("br"),
          el("span", { class: "handle", text: "@" + p.username + " · " + p.id + " · " + p.lang })))));
  }

  function select(id) {
    const p = st.people.find((q) => q.id === id);
    if (!p) return;
    st.user = id;
    st.version = 0;
    st.sigs.clear();
    location.hash = String(id);
    $("#who").textContent = p.name + " (@" + p.username + ")";
    $("#role").replaceChildren(el("span", { class: "role " + p.role, text: p.role }));
    $("#messages").replaceChildren(el("p", { class: "empty", text: "No messages yet: send /start." }));
    $("#commands").replaceChildren(commandChip({ command: "start", description: "start the bot" }));
    $("#reply-keyboard").replaceChildren();
    $("#text").disabled = false;
    $("#send").disabled = false;
    $("#text").focus();
    renderPeople();
    poll();
  }

  $("#new-person").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const p = await api("POST", "/play/api/people",
        { name: $("#np-name").value, role: $("#np-role").value, lang: $("#np-lang").value });
      st.people.push(p);
      $("#np-name").value = "";
      select(p.id);
    } catch (e) {
      toast(e.message, false);
    }
  });

  // --- chat ----------------------------------------------------------------

  $("#composer").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("#text").value.trim();
    if (!text || !st.user) return;
    $("#text").value = "";
    send(text);
  });

  async function send(text) {
    try {
      await api("POST", "/play/api/send", { user: String(st.user), text });
      poll();
    } catch (e) {
      toast(e.message, false);
    }
  }

  async function press(msgID, data, btn) {
    btn.disabled = true;
    try {
      await api("POST", "/play/api/press", { user: String(st.user), message: msgID, data });
    } catch (e) {
      toast(e.message, false);
    } finally {
      setTimeout(() => { btn.disabled = false; }, 800);
    }
  }

  async function pay(inv, btn) {
    btn.disabled = true;
    try {
      const r = await api("POST", "/play/api/pay", { user: String(st.user), code: inv.code });
      st.paid.add(inv.code);
      btn.textContent = "Sent " + money(r) + " ✓ — the watcher is reading the chain";
      toast("Sent " + money(r) + " with the comment " + r.code + " from " + r.from, false);
    } catch (e) {
      btn.disabled = false;
      toast(e.message, false);
    }
  }

  let timer = null;
  let inflight = false;

  async function poll() {
    clearTimeout(timer);
    if (st.user === null) return;
    if (inflight) { timer = setTimeout(poll, POLL_MS); return; }
    inflight = true;
    const user = st.user;
    try {
      const v = await api("GET", "/play/api/chat?user=" + user + "&after=" + st.version);
      if (user === st.user && v.changed) {
        const first = st.version === 0;
        st.version = v.version;
        renderChat(v, first);
      }
    } catch (e) {
      $("#who").title = e.message;
    } finally {
      inflight = false;
      timer = setTimeout(poll, POLL_MS);
    }
  }

  // renderChat draws the chat as it is now; the toasts of a chat just
  // opened are old news and are not shown.
  function renderChat(v, first) {
    const box = $("#messages");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
    const msgs = v.messages || [];
    const seen = new Map();
    const nodes = msgs.map((m) => {
      const key = (m.from_user ? "u" : "b") + m.id;
      const sig = JSON.stringify([m.text, m.edited, m.keyboard, m.photo]);
      const old = st.sigs.get(key);
      seen.set(key, sig);
      const cls = old === undefined ? "fresh" : old !== sig ? "edited-now" : "";
      return message(m, cls);
    });
    st.sigs = seen;
    box.replaceChildren(...(nodes.length ? nodes : [el("p", { class: "empty", text: "No messages yet: send /start." })]));
    if (atBottom || msgs.length === 0) box.scrollTop = box.scrollHeight;
    if (v.commands && v.commands.length) $("#commands").replaceChildren(...v.commands.map(commandChip));
    const last = [...msgs].reverse().find((m) => !m.from_user);
    renderReplyKeyboard(last && last.reply_keyboard);
    if (!first) for (const t of v.toasts || []) toast(t.text, t.alert);
  }

  function message(m, cls) {
    const div = el("div", { class: "msg " + (m.from_user ? "user" : "bot") + (cls ? " " + cls : ""), "data-id": m.id });
    if (m.photo) div.append(el("img", { class: "photo", src: m.photo.url, alt: "picture from the bot", width: m.photo.width || null }));
    if (m.document) div.append(el("a", { class: "doc", href: m.document.url, download: m.document.name || "file", text: "📎 " + (m.document.name || "file") }));
    if (m.text) div.append(richText(m.text, m.entities || []));
    const when = new Date(m.date).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    div.append(el("div", { class: "meta", text: when + (m.edited ? " · edited" : "") }));
    if (m.keyboard) div.append(keyboard(m));
    if (m.invoice) div.append(walletBox(m.invoice));
    return div;
  }

  function keyboard(m) {
    return el("div", { class: "kb" }, ...m.keyboard.map((row) => el("div", { class: "row" }, ...row.map((b) => {
      if (b.url) return el("a", { class: "kbbtn url", href: safeURL(b.url), target: "_blank", rel: "noopener noreferrer", text: b.text + " ↗" });
      const btn = el("button", { type: "button", class: "kbbtn", "data-data": b.data, text: b.text });
      btn.addEventListener("click", () => press(m.id, b.data, btn));
      return btn;
    }))));
  }

  // money is an invoice's or a payment's amount with its currency: "25 USDT".
  // An answer without a currency is from before USDT, when all was TON.
  function money(x) {
    return x.amount + " " + (x.currency || "TON");
  }

  function walletBox(inv) {
    const btn = el("button", { type: "button", class: "pay", "data-code": inv.code,
      text: "💎 Pay " + money(inv) + " from the simulated wallet" });
    if (st.paid.has(inv.code)) {
      btn.disabled = true;
      btn.textContent = "Sent " + money(inv) + " ✓";
    }
    btn.addEventListener("click", () => pay(inv, btn));
    const how = inv.currency === "USDT" ? " (a jetton transfer: our USDT jetton wallet notifies the bot's wallet)" : "";
    return el("div", { class: "wallet" },
      el("span", { text: "Simulated wallet: sends exactly " + money(inv) + " with the comment " + inv.code + " on the fake chain" + how + "." }),
      btn);
  }

  function commandChip(c) {
    return el("button", { type: "button", title: c.description, text: "/" + c.command, onclick: () => send("/" + c.command) });
  }

  function renderReplyKeyboard(rows) {
    const box = $("#reply-keyboard");
    if (!rows) { box.replaceChildren(); return; }
    box.replaceChildren(...rows.flat().map((t) => el("button", { type: "button", text: t, onclick: () => send(t) })));
  }

  // richText draws Telegram's entities; their offsets count UTF-16 units,
  // as JavaScript strings do.
  function richText(text, entities) {
    const out = el("div", { class: "text" });
    const cuts = new Set([0, text.length]);
    for (const e of entities) { cuts.add(e.offset); cuts.add(Math.min(e.offset + e.length, text.length)); }
    const points = [...cuts].filter((n) => n >= 0 && n <= text.length).sort((a, b) => a - b);
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i], b = points[i + 1];
      let node = document.createTextNode(text.slice(a, b));
      for (const e of entities) {
        if (e.offset <= a && e.offset + e.length >= b) node = wrap(node, e, text.slice(e.offset, e.offset + e.length));
      }
      out.append(node);
    }
    return out;
  }

  function wrap(node, e, whole) {
    const tags = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "code" };
    let w;
    if (tags[e.type]) w = el(tags[e.type]);
    else if (e.type === "text_link") w = el("a", { href: safeURL(e.url), target: "_blank", rel: "noopener noreferrer" });
    else if (e.type === "url") w = el("a", { href: safeURL(whole), target: "_blank", rel: "noopener noreferrer" });
    else if (e.type === "spoiler") w = el("span", { class: "spoiler" });
    else if (e.type === "blockquote" || e.type === "expandable_blockquote") w = el("span", { class: "quote" });
    else return node;
    w.append(node);
    return w;
  }

  function safeURL(u) {
    return /^(https?|tg|ton):/i.test(u || "") ? u : "#";
  }

  function toast(text, alert) {
    const t = el("div", { class: "toast" + (alert ? " alert" : ""), role: alert ? "alertdialog" : "status" },
      el("div", { text }));
    if (alert) t.append(el("button", { type: "button", text: "OK", onclick: () => t.remove() }));
    else setTimeout(() => t.remove(), 4000);
    $("#toasts").append(t);
  }

  // --- the engine's actors -------------------------------------------------

  async function pollActors() {
    try {
      const r = await fetch("/actors?format=json&limit=500", { headers: { Accept: "application/json" } });
      if (r.status === 401 || r.status === 403) {
        $("#actors-status").textContent = "Introspection needs INTROSPECTION_TOKEN: open /actors to sign in.";
        return;
      }
      const j = await r.json();
      renderActors(j.actors || []);
      if (st.entity) await showEntity(st.entity.kind, st.entity.id, false);
    } catch (e) {
      $("#actors-status").textContent = "The engine does not answer: " + e.message;
    } finally {
      setTimeout(pollActors, ACTORS_MS);
    }
  }

  function renderActors(list) {
    const filter = $("#actors-filter").value.trim().toLowerCase();
    const active = list.filter((a) => a.active).length;
    $("#actors-status").textContent = list.length + " entities, " + active + " with a running actor. Click one for its state.";
    const next = new Map();
    const rows = [];
    for (const a of list) {
      const key = a.kind + "/" + a.id;
      next.set(key, a.processed);
      if (filter && !key.toLowerCase().includes(filter)) continue;
      const before = st.actors.get(key);
      const hot = st.actors.size > 0 && before !== a.processed;
      const sel = st.entity && st.entity.kind === a.kind && st.entity.id === a.id;
      rows.push(el("tr", { class: [hot ? "hot" : "", sel ? "selected" : ""].join(" ").trim(), "data-key": key,
        onclick: () => showEntity(a.kind, a.id, true) },
        el("td", { text: a.kind }), el("td", { text: a.id, title: a.id }),
        el("td", { class: "num", text: String(a.processed) }), el("td", { class: "num", text: String(a.mailbox) })));
    }
    st.actors = next;
    $("#actors tbody").replaceChildren(...rows);
  }

  async function showEntity(kind, id, clicked) {
    st.entity = { kind, id };
    if (clicked) {
      for (const tr of document.querySelectorAll("#actors tr.selected")) tr.classList.remove("selected");
      const tr = document.querySelector('#actors tr[data-key="' + CSS.escape(kind + "/" + id) + '"]');
      if (tr) tr.classList.add("selected");
    }
    try {
      const r = await fetch("/actors/" + encodeURIComponent(kind) + "/" + encodeURIComponent(id) + "?format=json",
        { headers: { Accept: "application/json" } });
      const body = await r.json();
      $("#entity-title").textContent = kind + " " + id;
      $("#entity").textContent = JSON.stringify(body, null, 2);
    } catch (e) {
      $("#entity").textContent = e.message;
    }
  }

  $("#actors-filter").addEventListener("input", () => { st.actors.clear(); });

  // --- the simulated Telegram app and Fragment ------------------------------

  const FRAGMENT_MS = 1500;
  const fragmentSeen = new Map(); // number -> what its row showed, to flash changes

  async function pollFragment() {
    try {
      const j = await api("GET", "/play/api/fragment");
      renderFragment(j.numbers || []);
    } catch (e) {
      // the chat's poll already says when the playground does not answer
    } finally {
      setTimeout(pollFragment, FRAGMENT_MS);
    }
  }

  function renderFragment(list) {
    const pick = $("#app-number");
    const chosen = pick.value;
    const options = list.map((n) => el("option", { value: n.number, text: n.number + " (" + n.status + ")" }));
    pick.replaceChildren(...options);
    if (list.some((n) => n.number === chosen)) pick.value = chosen;
    const rows = list.map((n) => {
      const sig = [n.status, n.codes_on, n.sessions, n.ended].join("/");
      const hot = fragmentSeen.has(n.number) && fragmentSeen.get(n.number) !== sig;
      fragmentSeen.set(n.number, sig);
      return el("tr", { class: hot ? "hot" : undefined, "data-number": n.number },
        el("td", { text: n.number }), el("td", { text: n.status }),
        el("td", { class: n.codes_on ? "on" : "off", text: n.codes_on ? "on" : "off" }),
        el("td", { class: "num", text: String(n.sessions), title: "ended " + n.ended + " times" }));
    });
    $("#fragment tbody").replaceChildren(...rows);
  }

  $("#app-login").addEventListener("click", async () => {
    const number = $("#app-number").value;
    if (!number) return;
    try {
      await api("POST", "/play/api/login", { number });
      toast("Telegram sent a login code to " + number + " on Fragment. Its renter reads it with «🔑 Login code».");
      pollFragmentOnce();
    } catch (e) {
      toast(e.message, true);
    }
  });

  async function pollFragmentOnce() {
    try { renderFragment((await api("GET", "/play/api/fragment")).numbers || []); } catch (e) { /* next poll */ }
  }

  loadState().catch((e) => toast("The playground does not answer: " + e.message, true));
  pollActors();
  pollFragment();
})();
