// A WebSocket that reconnects with exponential backoff and jitter when it
// drops (a laptop lid, flaky Wi-Fi), so the page never goes dead.
const firstDelay = 500;   // ms before the first retry
const maxDelay = 10000;   // retries never wait longer than this

export class Socket {
  constructor(url, { onMessage, onState, onOpen }) {
    this.url = url;
    this.onMessage = onMessage;
    this.onState = onState;
    this.onOpen = onOpen;
    this.attempt = 0;
    this.ws = null;
    this.timer = 0;
    this.connect();
  }

  connect() {
    clearTimeout(this.timer);
    this.onState(this.attempt === 0 ? "connecting" : "reconnecting");
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.onState("online");
      this.onOpen();
    };
    ws.onmessage = (e) => {
      let data;
      try { data = JSON.parse(e.data); } catch { return; }
      for (const m of Array.isArray(data) ? data : [data]) this.onMessage(m);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.attempt++;
      this.onState("reconnecting");
      const d = Math.min(maxDelay, firstDelay * 2 ** (this.attempt - 1));
      this.timer = setTimeout(() => this.connect(), d / 2 + Math.random() * d / 2);
    };
  }

  get open() { return this.ws && this.ws.readyState === WebSocket.OPEN; }

  send(msg) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  // When the page becomes visible again, retry now instead of waiting.
  nudge() {
    if (this.ws && this.ws.readyState === WebSocket.CLOSED) { this.attempt = Math.max(1, this.attempt); this.connect(); }
  }
}
