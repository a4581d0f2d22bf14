// The student page's live preview: while the student types, ask the service how it reads
// the answer (debounced; a newer keystroke cancels the older request) and show it as MathML.
// Without JavaScript the form still works: it posts and the feedback page comes back.
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  var answer = document.getElementById("answer");
  var preview = document.getElementById("preview");
  if (!form || !answer || !preview || !window.fetch) { return; }
  var lang = form.getAttribute("data-lang") || "en";
  var timer = null;
  var pending = null;
  var asked = 0;

  function chosen() {
    return form.querySelector("input[name=problem]:checked");
  }

  function show(label, body, isError) {
    preview.hidden = false;
    preview.classList.toggle("error", !!isError);
    preview.textContent = "";
    var head = document.createElement("span");
    head.className = "label";
    head.textContent = label + " ";
    preview.appendChild(head);
    preview.appendChild(body);
  }

  function text(s, cls) {
    var el = document.createElement("span");
    if (cls) { el.className = cls; }
    el.textContent = s;
    return el;
  }

  function render(status, data) {
    if (status === 200) {
      var math = document.createElement("span");
      math.className = "math";
      // the service's own MathML (sympy's printer, every character escaped)
      math.innerHTML = data.mathml;
      show(preview.getAttribute("data-label"), math, false);
      (data.warnings || []).forEach(function (w) { preview.appendChild(text(w, "warning")); });
    } else if (data && data.error) {
      var box = document.createElement("span");
      box.appendChild(text(data.error.message, "message"));
      if (data.error.hint) { box.appendChild(text(data.error.hint, "hint")); }
      show(preview.getAttribute("data-error-label"), box, true);
    }
  }

  function ask() {
    var typed = answer.value;
    if (!typed.trim()) { preview.hidden = true; return; }
    var problem = chosen();
    var body = { answer: typed, lang: lang };
    if (problem) {
      body.variable = problem.getAttribute("data-variable");
      body.variables = problem.getAttribute("data-variables").split(",");
    }
    if (pending) { pending.abort(); }
    pending = new AbortController();
    var mine = ++asked;
    fetch("/api/read", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept-Language": lang },
      body: JSON.stringify(body),
      signal: pending.signal
    }).then(function (r) {
      return r.json().then(function (data) { return [r.status, data]; });
    }).then(function (res) {
      if (mine === asked) { render(res[0], res[1]); }
    }).catch(function () { /* aborted or offline: the form still submits */ });
  }

  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(ask, 250);
  }

  answer.addEventListener("input", later);
  form.addEventListener("change", function (e) {
    if (e.target && e.target.name === "problem") { later(); }
  });
  if (answer.value) { later(); }
  var feedback = document.getElementById("feedback");
  if (feedback) { feedback.focus(); }
})();
