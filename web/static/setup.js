// The first-run setup form: POST /v1/setup with the token of the link, then a link to log in.
"use strict";
const form = document.getElementById("setup-form");
const zone = form.elements.time_zone;
zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const body = { token: new URLSearchParams(location.search).get("token") || "" };
  for (const name of ["business_name", "first_name", "last_name", "email", "password", "time_zone"]) {
    body[name] = form.elements[name].value;
  }
  const err = document.getElementById("setup-error");
  err.textContent = "";
  const res = await fetch("/v1/setup", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const out = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = out.error || {};
    err.textContent = [e.message, ...Object.entries(e.details || {}).map(([k, v]) => k + ": " + v)].filter(Boolean).join("; ") || "Setup failed (" + res.status + ")";
    return;
  }
  form.remove(); // "#login form" displays as a grid, hidden or not
  document.getElementById("setup-done").hidden = false;
});
