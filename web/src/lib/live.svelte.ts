// The one WebSocket of the workspace: connects with a WebSocket token, resumes with the last
// sequence number it saw (so no event is lost or seen twice across reconnects), and answers
// requests by id. See docs/websocket.md.
import { api, unwrap } from "./api";

export type Frame = {
  type: string;
  seq?: number;
  ts?: string;
  conversation_id?: string;
  id?: string;
  // The frame's event; its shape depends on type (docs/websocket.md).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
  error?: { code: string; reason?: string; message: string };
};

type Handler = (f: Frame) => void;

class Live {
  /** Whether the socket is open; false while reconnecting. */
  connected = $state(false);
  /** Whether it has ever connected: the offline banner shows only after that. */
  started = $state(false);
  private ws: WebSocket | null = null;
  private lastSeq = 0;
  private retry = 0;
  private reqId = 0;
  private stopped = true;
  private connecting = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private handlers = new Map<string, Set<Handler>>();
  private pending = new Map<string, { resolve: (d: unknown) => void; reject: (e: Error) => void }>();

  /** Subscribes fn to frames of type ("*" for all; "fresh" for the hello of a connection that
   * does not resume, whose socket never sends the events stored before it: what was read
   * before it may miss some); returns the unsubscribe. */
  on(type: string, fn: Handler): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.lastSeq = 0;
    addEventListener("online", this.onOnline);
    addEventListener("offline", this.onOffline);
    void this.connect();
  }

  stop() {
    this.stopped = true;
    removeEventListener("online", this.onOnline);
    removeEventListener("offline", this.onOffline);
    clearTimeout(this.timer);
    this.ws?.close(1000);
    this.ws = null;
    this.connected = false;
    this.started = false;
  }

  /** Sends a request and resolves with its ack's data (rejects on an error frame or a closed socket). */
  request<T = unknown>(type: string, data?: unknown): Promise<T> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error("offline"));
    const id = String(++this.reqId);
    ws.send(JSON.stringify({ type, id, data }));
    return new Promise<T>((resolve, reject) => this.pending.set(id, { resolve: resolve as (d: unknown) => void, reject }));
  }

  /** Sends a request whose answer does not matter (view, typing). */
  tell(type: string, data?: unknown) {
    this.request(type, data).catch(() => {});
  }

  // The browser knows before the socket does: a dropped network may leave a socket open with
  // nobody on the other end until the server's ping times out, and a reconnect waiting out its
  // back-off need not wait once the network is back.
  private onOffline = () => {
    if (this.ws) this.lost(this.ws, true);
  };
  private onOnline = () => {
    if (this.ws || this.connecting || this.stopped) return;
    clearTimeout(this.timer);
    this.retry = 0;
    void this.connect();
  };

  private async connect() {
    if (this.stopped) return;
    let info;
    this.connecting = true;
    try {
      info = await unwrap(api.GET("/team-inbox/websocket/info/"));
    } catch {
      this.scheduleReconnect();
      return;
    } finally {
      this.connecting = false;
    }
    if (this.stopped) return;
    const url = new URL(info.url, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    url.host = location.host;
    url.searchParams.set("token", info.token);
    if (this.lastSeq > 0) url.searchParams.set("since", String(this.lastSeq));
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 0;
    };
    ws.onmessage = (ev) => this.receive(JSON.parse(ev.data as string) as Frame);
    ws.onclose = (ev) => {
      if (this.ws === ws) this.lost(ws, ev.code !== 4003 && ev.code !== 1000);
    };
  }

  /** Forgets the socket ws (closing it if it is not yet), then reconnects when retry. */
  private lost(ws: WebSocket, retry: boolean) {
    this.ws = null;
    this.connected = false;
    ws.close();
    for (const p of this.pending.values()) p.reject(new Error("offline"));
    this.pending.clear();
    if (retry) this.scheduleReconnect();
  }

  private scheduleReconnect() {
    if (this.stopped) return;
    const delay = Math.min(15000, 500 * 2 ** this.retry++);
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  private receive(f: Frame) {
    if (f.type === "ack" || f.type === "error") {
      const p = f.id ? this.pending.get(f.id) : undefined;
      if (!p) return;
      this.pending.delete(f.id!);
      if (f.type === "ack") p.resolve(f.data);
      else p.reject(new Error(f.error?.message ?? "request failed"));
      return;
    }
    const keys = [f.type, "*"];
    if (f.type === "hello") {
      // A fresh connection's live frames start after hello's seq; a resumed one replays from
      // since=, so its hello must not move lastSeq forward.
      if (this.lastSeq === 0) {
        this.lastSeq = f.data.seq ?? 0;
        keys.push("fresh");
      }
      this.connected = true;
      this.started = true;
    } else if (f.seq !== undefined) {
      if (f.seq <= this.lastSeq) return; // seen before a reconnect
      this.lastSeq = f.seq;
    }
    for (const key of keys) for (const fn of this.handlers.get(key) ?? []) fn(f);
  }
}

export const live = new Live();
