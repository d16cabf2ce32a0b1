// The one typed client of the v1 API. Paths, parameters and bodies are checked against
// docs/openapi.yaml through the types openapi-typescript generates from it (npm run gen).
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Schemas = components["schemas"];
export type Conversation = Schemas["Conversation"];
export type Message = Schemas["Message"];
export type Attachment = Schemas["Attachment"];
export type User = Schemas["User"];
export type UserRef = Schemas["UserRef"];
export type Tag = Schemas["Tag"];
export type Channel = Schemas["Channel"];
export type Contact = Schemas["Contact"];
export type Role = Schemas["Role"];
export type Status = Schemas["Status"];
export type Priority = Schemas["Priority"];
export type Team = { id: string; name: string; member_count?: number };

const tokenKey = "teaminbox.token";

export function storedToken(): string | null {
  return localStorage.getItem(tokenKey);
}

export function storeToken(token: string | null) {
  if (token) localStorage.setItem(tokenKey, token);
  else localStorage.removeItem(tokenKey);
}

/** An answer in the v1 error envelope, or a failure to reach the server. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly reason?: string,
    readonly details?: Record<string, string>,
  ) {
    super(details && Object.keys(details).length ? `${message}: ${Object.values(details).join("; ")}` : message);
  }
}

let onSignedOut: () => void = () => {};

/** Called when the server answers 401: the token expired, was revoked, or the user was deactivated. */
export function whenSignedOut(fn: () => void) {
  onSignedOut = fn;
}

export const api = createClient<paths>({ baseUrl: "" });

api.use({
  onRequest({ request }) {
    const token = storedToken();
    if (token && !request.headers.has("Authorization")) request.headers.set("Authorization", "Bearer " + token);
    return request;
  },
  onResponse({ response, request }) {
    if (response.status === 401 && !request.url.includes("/v1/auth/login")) onSignedOut();
    return response;
  },
});

type Envelope<T> = { success?: boolean; data?: T };
type ErrorBody = { error?: { code?: string; reason?: string; message?: string; details?: Record<string, string> } };

/** The data of a v1 answer, or an ApiError carrying the envelope's error. */
export async function unwrap<T>(
  call: Promise<{ data?: Envelope<T>; error?: unknown; response: Response }>,
): Promise<NonNullable<T>> {
  let res;
  try {
    res = await call;
  } catch (e) {
    throw new ApiError(0, "NETWORK", "The server cannot be reached" + (e instanceof Error ? ` (${e.message})` : ""));
  }
  if (res.error !== undefined || !res.response.ok) {
    const e = (res.error as ErrorBody | undefined)?.error ?? {};
    throw new ApiError(res.response.status, e.code ?? "HTTP_" + res.response.status, e.message ?? res.response.statusText, e.reason, e.details);
  }
  return res.data?.data as NonNullable<T>;
}

/** A person's display name. */
export function fullName(u: { first_name?: string; last_name?: string; email?: string; phone?: string } | null | undefined): string {
  if (!u) return "";
  return `${u.first_name ?? ""} ${u.last_name ?? ""}`.trim() || u.phone || u.email || "Unknown";
}
