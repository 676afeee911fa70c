// The desk's one script (/admin/desk.js). Every page works without it; it
// adds, on the Write page, saving the letter as a draft while she types
// (kept in this browser until the server says it has it) and a button
// that inserts the reader's first name; on a letter's page while it is
// sending, counts that follow the sending. It sends nothing anywhere but
// to the desk itself.
(function () {
  "use strict";

  var form = document.getElementById("compose");
  if (form) {
    insertName(form);
    if (form.dataset.autosave) autosave(form);
  }
  var panel = document.getElementById("progress-panel");
  if (panel) follow(panel);

  // insertName: the button puts {{ or .FirstName "friend" }} at the cursor.
  function insertName(form) {
    var button = document.getElementById("insert-name");
    var area = form.elements.markdown;
    if (!button || !area) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = button.dataset.insert;
      var start = area.selectionStart, end = area.selectionEnd;
      area.value = area.value.slice(0, start) + text + area.value.slice(end);
      area.focus();
      area.selectionStart = area.selectionEnd = start + text.length;
      area.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  // autosave: a second after she stops typing, the form goes to
  // /admin/drafts/autosave; until it answers that it saved, the text is
  // in localStorage under the letter's key ("new" before its first save).
  function autosave(form) {
    var status = document.getElementById("autosave-status");
    var key = "nl-desk:" + form.dataset.autosave;
    var timer = null, busy = false, again = false;
    var fields = ["subject", "preheader", "markdown"];

    function say(text, link) {
      status.textContent = text;
      if (link) {
        var a = document.createElement("a");
        a.href = link.href;
        a.textContent = link.text;
        status.appendChild(document.createTextNode(" "));
        status.appendChild(a);
      }
    }
    function current() {
      var v = { at: Date.now() };
      fields.forEach(function (f) { v[f] = form.elements[f] ? form.elements[f].value : ""; });
      return v;
    }
    function keep() {
      try { localStorage.setItem(key, JSON.stringify(current())); } catch (e) { /* full or off */ }
    }
    function forget(k) {
      try { localStorage.removeItem(k); } catch (e) { /* off */ }
    }
    function setHidden(name, value) {
      var el = form.elements[name];
      if (!el || el.type !== "hidden") {
        el = document.createElement("input");
        el.type = "hidden";
        el.name = name;
        form.insertBefore(el, form.firstChild);
      }
      el.value = value;
    }
    function save() {
      timer = null;
      if (busy) { again = true; return; }
      busy = true;
      var sent = current();
      say("Saving…");
      var body = new URLSearchParams(new FormData(form));
      body.delete("action");
      fetch("/admin/drafts/autosave", {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "Accept": "application/json" }, redirect: "manual"
      }).then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (j) { return { res: res, j: j }; });
      }).then(function (r) {
        var res = r.res, j = r.j;
        if (res.ok && j.id) {
          if (!form.elements.id || form.elements.id.value !== j.id) {
            setHidden("id", j.id);
            setHidden("draft", "yes");
            var newKey = "nl-desk:" + j.id;
            forget(key);
            key = newKey;
            form.dataset.autosave = j.id;
            history.replaceState(null, "", "/admin/compose?id=" + encodeURIComponent(j.id));
          }
          var now = current();
          if (fields.every(function (f) { return now[f] === sent[f]; })) forget(key);
          say("Saved as a draft at " + j.saved + ".");
        } else if (res.status === 401) {
          say("You were signed out. Your text is kept in this browser:", { href: "/admin", text: "sign in again" });
        } else if (res.status === 422 && j.errors) {
          var msgs = Object.keys(j.errors).map(function (k) { return j.errors[k]; });
          say("Not saved yet (kept in this browser): " + msgs.join(" "));
        } else {
          say(j.message || j.error || "Not saved just now. Your text is kept in this browser.");
        }
      }).catch(function () {
        say("Not saved: the desk can't be reached. Your text is kept in this browser.");
      }).then(function () {
        busy = false;
        if (again) { again = false; save(); }
      });
    }
    form.addEventListener("input", function () {
      keep();
      if (timer) clearTimeout(timer);
      timer = setTimeout(save, 1000);
    });
    form.addEventListener("submit", function () { keep(); });

    // Text this browser kept that the desk never confirmed: offer it back.
    var kept = null;
    try { kept = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
    var now = current();
    if (kept && fields.some(function (f) { return (kept[f] || "") !== now[f]; })) {
      var box = document.getElementById("autosave-restore");
      document.getElementById("autosave-when").textContent = "written " + new Date(kept.at).toLocaleString();
      box.hidden = false;
      document.getElementById("autosave-use").addEventListener("click", function () {
        fields.forEach(function (f) { if (form.elements[f]) form.elements[f].value = kept[f] || ""; });
        box.hidden = true;
        form.elements.markdown.dispatchEvent(new Event("input", { bubbles: true }));
      });
      document.getElementById("autosave-drop").addEventListener("click", function () {
        forget(key);
        box.hidden = true;
      });
    } else if (kept) {
      forget(key);
    }
  }

  // follow: while a letter is sending, its counts every two seconds; when
  // it is done (or stopped), the page once more.
  function follow(panel) {
    var out = document.getElementById("progress");
    function tick() {
      fetch(panel.dataset.progress, { credentials: "same-origin", headers: { "Accept": "application/json" }, redirect: "manual" })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (j) {
          if (!j) return;
          out.textContent = j.words;
          ["sent", "failed", "skipped"].forEach(function (k) {
            var el = document.getElementById("count-" + k);
            if (el) el.textContent = j[k];
          });
          if (j.status !== "sending") { location.reload(); return; }
          setTimeout(tick, 2000);
        })
        .catch(function () { setTimeout(tick, 5000); });
    }
    setTimeout(tick, 2000);
  }
})();
