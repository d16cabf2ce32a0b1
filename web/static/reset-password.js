// The password reset link's page: POST /v1/auth/password-reset/confirm with the link's token,
// then a link to log in.
import { call, linkToken } from "./form.js";

const form = document.getElementById("reset-form");
const err = document.getElementById("reset-error");
const token = linkToken();
if (!token) err.textContent = "This link has no reset token: open the whole link from the email, or ask for a new one";

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  err.textContent = "";
  const password = form.elements.new_password.value;
  if (password !== form.elements.again.value) {
    err.textContent = "The two passwords differ";
    return;
  }
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    await call("POST", "/v1/auth/password-reset/confirm", { token, new_password: password });
  } catch (e) {
    err.textContent = e.message;
    button.disabled = false;
    return;
  }
  form.hidden = true;
  document.getElementById("reset-done").hidden = false;
});
