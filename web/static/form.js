// Shared by the pages a link opens (setup, invitation, password reset): the link's token and
// the JSON calls, whose errors are thrown in the words of the v1 error envelope (its
// details, or else its message).

export const linkToken = () => new URLSearchParams(location.search).get("token") || "";

export async function call(method, path, body) {
  const res = await fetch(path, {
    method, headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const out = await res.json().catch(() => ({}));
  if (res.ok) return out.data ?? out;
  const e = out.error || {};
  // Field errors say more than the envelope's message; the link's token needs no field name.
  const fields = Object.entries(e.details || {}).map(([k, v]) => k === "token" ? v : k.replaceAll("_", " ") + ": " + v);
  throw new Error(fields.join("; ") || e.message || `The server answered ${res.status}`);
}
