// What the channel settings' tests need beyond fixtures.ts: a provider that refuses some
// credentials, a WhatsApp number whose business account has more templates, and a webhook's
// raw status.
import { createHmac, randomUUID } from "node:crypto";
import { fakeURL, type Business, type Channel } from "./fixtures";

/** Makes the fake provider refuse every request whose path holds text (a bot token, a phone number id). */
export async function refuse(text: string) {
  await fetch(fakeURL() + "/_refuse", { method: "POST", body: text });
}

/** Connects a WhatsApp number through the API; a wabaId holding "rich" has the fake's extra templates. */
export async function whatsappChannel(biz: Business, name = "WhatsApp", wabaId = "waba" + randomUUID().slice(0, 8)) {
  const secret = "app" + randomUUID().replaceAll("-", "");
  const phoneNumberId = "pn" + randomUUID().slice(0, 8);
  const d = await biz.api<{ channel: { id: string } }>("POST", "/v1/channels", {
    kind: "whatsapp",
    name,
    config: { phone_number_id: phoneNumberId, waba_id: wabaId, access_token: "tok", app_secret: secret, verify_token: "verify", api_base_url: fakeURL() + "/wa" },
  });
  return { id: d.channel.id, kind: "whatsapp", name, secret, phoneNumberId } satisfies Channel & { phoneNumberId: string };
}

/** Posts a signed WhatsApp text message to the channel's webhook and returns the HTTP answer. */
export async function whatsappWebhook(ch: Channel, text: string, waId = "4915" + String(Math.floor(Math.random() * 1e9)).padStart(9, "0")) {
  const message = { from: waId, id: "wamid.in" + randomUUID(), timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: text } };
  const body = JSON.stringify({
    object: "whatsapp_business_account",
    entry: [{ id: "waba", changes: [{ field: "messages", value: { messaging_product: "whatsapp", metadata: { display_phone_number: "15550100", phone_number_id: "pn" },
      contacts: [{ profile: { name: "Webhook Customer" }, wa_id: waId }], messages: [message] } }] }],
  });
  return fetch(`${process.env.TEAMINBOX_E2E_URL}/webhooks/whatsapp/${ch.id}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Hub-Signature-256": "sha256=" + createHmac("sha256", ch.secret).update(body).digest("hex") },
    body,
  });
}
