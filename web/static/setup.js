// The first-run setup form: POST /v1/setup with the token of the link, then a link to log in.
import { call, linkToken } from "./form.js";

const form = document.getElementById("setup-form");
const zone = form.elements.time_zone;
zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const body = { token: linkToken() };
  for (const name of ["business_name", "first_name", "last_name", "email", "password", "time_zone"]) {
    body[name] = form.elements[name].value;
  }
  const err = document.getElementById("setup-error");
  err.textContent = "";
  try {
    await call("POST", "/v1/setup", body);
  } catch (e) {
    err.textContent = e.message;
    return;
  }
  form.hidden = true;
  document.getElementById("setup-done").hidden = false;
});
