// Shared by the pages a link opens (setup, invitation, password reset): the link's token and
// the JSON calls, whose errors are thrown in the words of the v1 error envelope.

export const linkToken = () => new URLSearchParams(location.search).get("token") || "";

export async function call(method, path, body) {
  const res = await fetch(path, {
    method, headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const out = await res.json().catch(() => ({}));
  if (res.ok) return out.data ?? out;
  const e = out.error || {};
  const words = [e.message, ...Object.values(e.details || {})].filter(Boolean).join(": ");
  throw new Error(words || `The server answered ${res.status}`);
}
