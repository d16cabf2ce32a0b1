// A local server speaking the providers' APIs the tests use (Telegram Bot API first), recording
// every request so tests can assert what the server sent. GET /_requests lists them.
import { createServer, type IncomingMessage, type Server } from "node:http";

export type Recorded = { method: string; path: string; contentType: string; body: string };

export function startFakeProvider(): Promise<{ url: string; server: Server }> {
  const requests: Recorded[] = [];
  const server = createServer(async (req, res) => {
    const body = await read(req);
    const path = req.url ?? "/";
    if (path === "/_requests") {
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify(requests));
      return;
    }
    // ---- Refusals (channels.spec.ts) ----
    if (path === "/_refuse") {
      refused.push(body.toString());
      res.end();
      return;
    }
    // ---- end of refusals ----
    requests.push({ method: req.method ?? "", path, contentType: req.headers["content-type"] ?? "", body: body.toString("latin1") });
    const json = (v: unknown) => {
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify(v));
    };
    // ---- Refusals (channels.spec.ts) ----
    const refusal = refused.some((r) => path.includes(r)) ? refusalOf(path) : null;
    if (refusal) {
      res.statusCode = 401;
      return json(refusal);
    }
    // ---- end of refusals ----
    // Telegram: /bot<token>/<method>, files at /file/bot<token>/<path>.
    const tg = /^\/bot[^/]+\/(\w+)/.exec(path);
    if (tg) {
      const method = tg[1];
      if (method === "getMe") return json({ ok: true, result: { id: 42, is_bot: true, first_name: "Test Bot", username: "test_bot" } });
      if (method === "getFile") {
        const id = JSON.parse(body.toString() || "{}").file_id ?? "file";
        return json({ ok: true, result: { file_id: id, file_unique_id: id, file_size: png.length, file_path: `photos/${id}.png` } });
      }
      if (method.startsWith("send")) return json({ ok: true, result: { message_id: requests.length, date: Math.floor(Date.now() / 1000), chat: { id: 1, type: "private" } } });
      return json({ ok: true, result: true });
    }
    // WhatsApp Cloud API under /wa (a channel's api_base_url is <fake>/wa).
    if (path.startsWith("/wa/")) {
      const [, , id, edge] = path.split("?")[0].split("/");
      // Numbers starting 4990 are down: every send to them fails and is retried.
      if (edge === "messages" && body.includes('"to":"4990')) {
        res.statusCode = 503;
        return json({ error: { message: "Service temporarily unavailable", code: 2 } });
      }
      if (edge === "messages") return json({ messaging_product: "whatsapp", contacts: [], messages: [{ id: "wamid.fake" + requests.length }] });
      if (edge === "message_templates") return json({ data: id.includes("rich") ? [...whatsappTemplates, ...richTemplates] : whatsappTemplates, paging: {} });
      if (edge === "media") return json({ id: "media" + requests.length });
      return json({ id, display_phone_number: "+1 555 0100", verified_name: "E2E Shop" });
    }
    // Twilio: the account check of a new channel, and a call's recording.
    if (path.startsWith("/2010-04-01/Accounts/")) {
      if (path.includes("/Recordings/")) {
        res.setHeader("Content-Type", "audio/wav");
        res.end(silentWav);
        return;
      }
      return json({ sid: path.split("/")[3].replace(".json", ""), status: "active", friendly_name: "E2E" });
    }
    if (/^\/file\/bot[^/]+\//.test(path)) {
      const f = fakeFile(path);
      res.setHeader("Content-Type", f.type);
      res.end(f.body);
      return;
    }
    res.statusCode = 404;
    json({ error: "not faked: " + path });
  });
  // Node closes a connection idle for 5 s by default, a second after the server's provider
  // client drops its own (4 s): keep them far apart, so no test depends on which side closes
  // first.
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    const a = server.address() as { port: number };
    resolve({ url: `http://127.0.0.1:${a.port}`, server });
  }));
}

function read(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

// The templates the fake WhatsApp Business Account has.
const whatsappTemplates = [
  {
    id: "tpl1",
    name: "order_update",
    language: "en_US",
    status: "APPROVED",
    category: "UTILITY",
    components: [{ type: "BODY", text: "Hi {{1}}, your order {{2}} has shipped.", example: { body_text: [["Maria", "A-1001"]] } }],
  },
];

// ---- Refusals and rich templates (channels.spec.ts, templates.spec.ts) ----

// Texts set with POST /_refuse: a request whose path holds one is refused as its provider
// refuses bad credentials (a bot token, a phone number id, an account SID).
const refused: string[] = [];

function refusalOf(path: string): unknown {
  if (path.startsWith("/bot")) return { ok: false, error_code: 401, description: "Unauthorized" };
  if (path.startsWith("/wa/")) return { error: { message: "Error validating access token: Session has expired", type: "OAuthException", code: 190 } };
  if (path.startsWith("/2010-04-01/")) return { code: 20003, message: "Authenticate", status: 401 };
  return null;
}

// More templates for a business account whose id holds "rich": a text header, a footer,
// buttons (one URL with a parameter), and ones Meta has not approved.
const richTemplates = [
  {
    id: "tpl2",
    name: "appointment_reminder",
    language: "de",
    status: "APPROVED",
    category: "UTILITY",
    components: [
      { type: "HEADER", format: "TEXT", text: "Reminder for {{1}}", example: { header_text: ["Maria"] } },
      { type: "BODY", text: "Your appointment is on {{1}} at {{2}}.", example: { body_text: [["May 3", "10:00"]] } },
      { type: "FOOTER", text: "Reply STOP to opt out" },
      { type: "BUTTONS", buttons: [{ type: "URL", text: "Manage booking", url: "https://shop.example/b/{{1}}" }, { type: "QUICK_REPLY", text: "Cancel" }] },
    ],
  },
  { id: "tpl3", name: "summer_sale", language: "en_US", status: "PENDING", category: "MARKETING", components: [{ type: "BODY", text: "Sale!" }] },
  { id: "tpl4", name: "win_back", language: "en_US", status: "REJECTED", category: "MARKETING", components: [{ type: "BODY", text: "Come back" }] },
];

// ---- end of refusals and rich templates ----

// A 2×2 red PNG: what the fake serves for photos.
const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==", "base64");

// A Telegram file by its file_id's prefix: "voice…" a short silent WAV, "video…" a WebM,
// "doc…" a PDF, a photo otherwise.
function fakeFile(path: string): { type: string; body: Buffer } {
  const id = path.split("/").pop() ?? "";
  if (id.startsWith("voice")) return { type: "audio/wav", body: silentWav };
  if (id.startsWith("video")) return { type: "video/webm", body: tinyWebm };
  if (id.startsWith("doc")) return { type: "application/pdf", body: Buffer.from("%PDF-1.4\n%%EOF\n") };
  return { type: "image/png", body: png };
}

// 0.8 s of a 16×16 picture alternating red and blue, VP8 in WebM (recorded by Chromium's
// MediaRecorder from a canvas): video any browser plays.
const tinyWebm = Buffer.from(
  "GkXfo59ChoEBQveBAULygQRC84EIQoKEd2VibUKHgQRChYECGFOAZwEAAAAAAAOWEU2bdLlNu4tTq4QVSalmU6yBbk27i1OrhBZUrmtTrIGTTbuLU6uEH0O2dVOsgdRNu4xTq4QcU7trU6yCA4TsrgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAVSalmoCrXsYMPQkBEiYREMuEXTYCGQ2hyb21lV0GGQ2hyb21lFlSua7yuuteBAXPFhy2yiNRM+B6DgQFV7oEBhoVWX1ZQOOCdsIEQuoEQU8CBAVWwkFWxgQFVuYECVbqBDVW7gQEfQ7Z1AQAAAAAAAqTngQCg6KG9gQAAALACAJ0BKhAAEAAABwiFhYiZhIgBJBATrVAfwBBn79j+/6d5P//J7v/J7v/J7v/8nu//OwbEu14AAHWhpqak7oEBpZ8QAgCdASoQABAAAYcIhYWImYSICAIADA1gAP7+TeAAoM+hr4EAYwCxAQAAEBQAGAAwP/QMAO8A/v61oX/taH1aH1aH8t3/+LCv4sK/iwr/4qIAdaGYppbugQGlkbEBAAYQXAAYABhYL/QACAAA+4EAoM6hroEAxwCxAQAAEAkgAMABgf+gYAd4/v+neT//ye7/ye7/ye7//J7v/zsGxLteAAB1oZimlu6BAaWRsQEABhBUABgAGFgv9AAIAAD7gWOgz6GvgQEsAPEBAAAQCSAAwDnAQan/lmoIeP7+67y/+U9jivo/8p+//5PdnjSmiX/5OAB1oZimlu6BAaWRsQEABhBMABgAGFgv9AAIAAD7gcegz6GugQGYALEBAAAQCSAAwAGB/6BgB3j+/6d5P//J7s8aU0S//J7v/zr5rqOLqb1EAHWhmKaW7oEBpZGxAQAGEDQAGAAYWC/0AAgAAPuCASygzqGtgQH/ALEBAAAQCSAAwAGB/6BgB3j+/uu8v/lPY4r6P/Kfv/+T3Z40pol/+TgAdaGYppbugQGlkbEBAAYQLAAYABhYL/QACAAA+4IBmKDPoa6BAmQAsQEAABAJIADAAYH/oGAHeP7/p3k//8nuzxpTRL/8nu//Ovmuo4upvUQAdaGYppbugQGlkbEBAAYQJAAYABhYL/QACAAA+4IB/6DRobCBAssAsQEAABAQFGAAwP/QMAO8AP7+67y/93lJf95SX/eb/ho//z18sbG48/+eZAB1oZimlu6BAaWRsQEABhAsFGAAYWC/0AAgAAD7ggJkHFO7a427i7OBALeG94EB8YHU",
  "base64",
);

// Half a second of silence, 8 kHz, 8-bit mono: audio any browser plays.
const silentWav = (() => {
  const samples = 4000;
  const b = Buffer.alloc(44 + samples, 128);
  b.write("RIFF", 0);
  b.writeUInt32LE(36 + samples, 4);
  b.write("WAVEfmt ", 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(8000, 28);
  b.writeUInt16LE(1, 32);
  b.writeUInt16LE(8, 34);
  b.write("data", 36);
  b.writeUInt32LE(samples, 40);
  return b;
})();
