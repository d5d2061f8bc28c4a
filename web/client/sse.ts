// A Server-Sent Events reader over fetch, for the change streams. EventSource cannot send an
// Authorization header, and tokens must never travel in a URL (they end up in logs), so the
// stream is read from a fetch body and parsed here, per the HTML standard's rules: lines end in
// CR, LF or CRLF; a blank line dispatches; `:` starts a comment; `data` lines join with LF.

export interface ServerEvent {
  event: string;
  data: string;
  id: string;
}

export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id = '';
  private pendingCR = false;

  constructor(private readonly onEvent: (e: ServerEvent) => void, private readonly onRetry?: (ms: number) => void) {}

  push(chunk: string): void {
    let text = chunk;
    if (this.pendingCR && text.startsWith('\n')) text = text.slice(1);
    this.pendingCR = false;
    this.buffer += text;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer);
      if (!m) break;
      if (m[0] === '\r' && m.index === this.buffer.length - 1) this.pendingCR = true;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      this.line(line);
    }
    // A line without its end is kept; a peer that never ends one is bounded by the caller.
  }

  get buffered(): number { return this.buffer.length; }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length) this.onEvent({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'event') this.event = value;
    else if (name === 'data') this.data.push(value);
    else if (name === 'id' && !value.includes('\0')) this.id = value;
    else if (name === 'retry' && /^\d+$/.test(value)) this.onRetry?.(Number(value));
  }
}
