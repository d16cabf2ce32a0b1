// What each provider's channel needs, field by field, in words for the admin who connects it:
// what the setting is and where the provider's console shows it. Keys and which are secret
// mirror the server's specs (docs/channels.md, internal/channels/*/build.go).
import type { components } from "../../../lib/schema";

export type Kind = components["schemas"]["ChannelKind"];

export type Field = {
  key: string;
  label: string;
  /** What it is and where to find it at the provider. */
  help: string;
  secret?: boolean;
  optional?: boolean;
  multiline?: boolean;
  placeholder?: string;
  /** Chosen by the admin rather than copied from the provider: offer to generate one. */
  generate?: boolean;
};

export type Provider = {
  kind: Kind;
  label: string;
  summary: string;
  fields: Field[];
  /** Whether its conversations come through a webhook the provider must be told about. */
  webhook: boolean;
};

const twilioAccount: Field[] = [
  { key: "account_sid", label: "Account SID", placeholder: "AC…", help: "Twilio Console home page, under Account Info. It starts with AC." },
  { key: "auth_token", label: "Auth token", secret: true, help: "Next to the Account SID (click Show). Twilio also signs its webhooks with it." },
];

/** api_base_url: every provider takes it, for a proxy or a regional endpoint. */
export const apiBaseURL: Field = {
  key: "api_base_url",
  label: "API base URL",
  optional: true,
  placeholder: "https://…",
  help: "Only to reach the provider through a proxy or a regional endpoint that speaks its API. Leave empty to use the provider's own API.",
};

export const providers: Provider[] = [
  {
    kind: "whatsapp",
    label: "WhatsApp Cloud API",
    summary: "A WhatsApp Business number through Meta's Cloud API.",
    webhook: true,
    fields: [
      { key: "phone_number_id", label: "Phone number ID", placeholder: "1234567890", help: "Meta App Dashboard → WhatsApp → API Setup, under the number you send from (the ID, not the phone number)." },
      { key: "waba_id", label: "WhatsApp Business Account ID", placeholder: "1029384756", help: "Same page (WhatsApp → API Setup), above the phone number ID. Message templates are read from it." },
      {
        key: "access_token",
        label: "Access token",
        secret: true,
        placeholder: "EAAG…",
        help: "A permanent token: Business Settings → Users → System users → Generate new token, for your app, with whatsapp_business_messaging and whatsapp_business_management. The temporary token on API Setup expires within a day.",
      },
      { key: "app_secret", label: "App secret", secret: true, help: "App Dashboard → App settings → Basic → App secret (click Show). Meta signs every webhook with it." },
      { key: "verify_token", label: "Verify token", secret: true, generate: true, help: "A string you choose. You paste the same into Meta's webhook configuration, which checks it once." },
    ],
  },
  {
    kind: "telegram",
    label: "Telegram",
    summary: "A Telegram bot. Its webhook is registered for you.",
    webhook: true,
    fields: [
      { key: "bot_token", label: "Bot token", secret: true, placeholder: "123456789:AA…", help: "@BotFather gives it when you create the bot (/newbot); /token shows it again for an existing one." },
      {
        key: "webhook_secret",
        label: "Webhook secret",
        secret: true,
        generate: true,
        help: "A string you choose, 1–256 of A–Z a–z 0–9 _ -. Telegram sends it with every update, so the server knows the update is Telegram's.",
      },
      { key: "bot_username", label: "Bot username", optional: true, placeholder: "my_shop_bot", help: "The bot's @name, shown to agents. Optional." },
    ],
  },
  {
    kind: "sms",
    label: "SMS via Twilio",
    summary: "Text messages to and from a Twilio number.",
    webhook: true,
    fields: [
      ...twilioAccount,
      { key: "from_number", label: "From number", optional: true, placeholder: "+15551234567", help: "The Twilio number replies are sent from, as +country code and number (Console → Phone Numbers → Active numbers). Give it or a Messaging Service SID." },
      { key: "messaging_service_sid", label: "Messaging Service SID", optional: true, placeholder: "MG…", help: "Console → Messaging → Services; it starts with MG. Instead of, or besides, a From number." },
    ],
  },
  {
    kind: "voice",
    label: "Voice via Twilio",
    summary: "Calls to a Twilio number: a greeting, then a voicemail in the inbox.",
    webhook: true,
    fields: [...twilioAccount, { key: "greeting", label: "Greeting", optional: true, multiline: true, help: "What callers hear before they leave a message. Optional." }],
  },
  {
    kind: "rcs",
    label: "RCS Business Messaging",
    summary: "An RBM agent of Google's Business Communications.",
    webhook: true,
    fields: [
      { key: "agent_id", label: "Agent ID", help: "Business Communications Developer Console → your agent → Agent information." },
      { key: "client_token", label: "Client token", secret: true, generate: true, help: "A string you choose and enter in the console's webhook configuration; every event carries a signature made with it." },
      {
        key: "service_account_key",
        label: "Service account key",
        secret: true,
        optional: true,
        multiline: true,
        placeholder: '{"type": "service_account", …}',
        help: "The agent's service account key: in the console, Service account → Create key, then paste the whole JSON file here. The server gets its hourly tokens with it.",
      },
      { key: "access_token", label: "Fixed access token", secret: true, optional: true, help: "For trials only, instead of a key: a token expires within an hour, and the channel stops sending then." },
    ],
  },
  {
    kind: "web",
    label: "Web chat",
    summary: "Conversations your own site or app starts through the API; no provider, nothing to set.",
    webhook: false,
    fields: [],
  },
];

export function providerOf(kind: string): Provider | undefined {
  return providers.find((p) => p.kind === kind);
}

/** What to do at the provider once the channel exists, in steps. */
export function webhookSteps(kind: string): string[] {
  switch (kind) {
    case "whatsapp":
      return [
        "In the Meta App Dashboard, open WhatsApp → Configuration and click Edit next to Webhook.",
        "Paste the webhook URL above as the Callback URL, and the verify token you chose as the Verify token; click Verify and save.",
        "Under Webhook fields, subscribe to messages.",
      ];
    case "telegram":
      return ["Nothing to do: the server registered this URL with Telegram (setWebhook), with your webhook secret."];
    case "sms":
      return [
        "In the Twilio Console, open Phone Numbers → Active numbers → your number.",
        "Under Messaging configuration, set “A message comes in” to Webhook, paste the URL above, HTTP POST; save.",
        "With a Messaging Service, paste it instead under the service's Integration → “Send a webhook”.",
      ];
    case "voice":
      return [
        "In the Twilio Console, open Phone Numbers → Active numbers → your number.",
        "Under Voice configuration, set “A call comes in” to Webhook, paste the URL above, HTTP POST.",
        "Set “Call status changes” to the same URL, or missed calls do not show; save.",
      ];
    case "rcs":
      return [
        "In the Business Communications Developer Console, open your agent's Integrations (or your partner account's webhook settings).",
        "Configure the webhook with the URL above and the client token you chose; the console verifies it with this server.",
      ];
    default:
      return [];
  }
}

/** A random string fit for any of the secrets the admin chooses (Telegram's alphabet). */
export function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(bytes, (b) => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"[b % 64]).join("");
}
