// The invitation link's page: GET /v1/invitations/accept shows what the link invites to, then
// POST /v1/invitations/accept creates the account and answers a login token, which is kept
// where the agents' page (app.js) reads it before opening it.
import { call, linkToken } from "./form.js";

const $ = (id) => document.getElementById(id);
const form = $("accept-form");
const token = linkToken();

async function show() {
  try {
    if (!token) throw new Error("This link has no invitation token: open the whole link from the invitation email");
    const { invitation } = await call("GET", "/v1/invitations/accept?token=" + encodeURIComponent(token));
    $("accept-business").textContent = invitation.business_name;
    $("accept-role").textContent = invitation.role.replaceAll("_", " ");
    $("accept-email").textContent = invitation.email;
    form.elements.email.value = invitation.email;
    form.hidden = false;
  } catch (e) {
    $("accept-reason").textContent = e.message;
    $("accept-failed").hidden = false;
  } finally {
    $("accept-wait").hidden = true;
  }
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const err = $("accept-error");
  const button = form.querySelector("button");
  err.textContent = "";
  button.disabled = true;
  try {
    const login = await call("POST", "/v1/invitations/accept", {
      token, first_name: form.elements.first_name.value, last_name: form.elements.last_name.value,
      password: form.elements.password.value,
    });
    localStorage.setItem("teaminbox.token", login.token);
    location.replace("/");
  } catch (e) {
    err.textContent = e.message;
    button.disabled = false;
  }
});

show();
