// The browser's synclog client: the person's spaces on this device, their records and edits,
// and the engine that keeps them in step with the server. Reads and writes go to IndexedDB at
// once and work offline; sync() follows the person's feed, then syncs each space on its own
// (one space's failure never holds the others up); listen() keeps the change stream of spaces
// open so another device's edit arrives without polling; failures back off exponentially with
// jitter and honour Retry-After.

import { purgeSpace } from './apply.js';
import { deleteRecord, deviceSide, dismissRejection, putRecord, resolveConflict, type EditContext, type PutOptions } from './edits.js';
import { Api, ApiError, NetworkError } from './http.js';
import { SseParser } from './sse.js';
import { DeviceStore } from './store.js';
import { SpaceGone, syncSpace, type SpaceSyncContext } from './space_sync.js';
import type { Fields, RecordRow, Resolution, SchemaDocument, SpaceRow, SpaceState, SyncEvent } from './types.js';

export interface ClientOptions {
  token: string;
  baseUrl?: string;          // default: the page's origin
  clientId?: string;         // default: one minted for this browser and kept
  now?: () => number;
}

interface FeedEntry {
  type: 'CREATE' | 'UPDATE' | 'DELETE';
  resourceId: string;
  timestamp: number;
  data?: { name?: string; schema?: string; role?: SpaceRow['role'] };
}

const MAX_BACKOFF_MS = 60_000;

// The token's subject, read without checking the signature (the server checks it): it names
// the person's database on this browser. An expired token still opens it: a week offline must
// not lock a person out of what they typed; the server's 401 asks for a new token at the next
// sync, and the same person's new token opens the same database.
export function tokenSubject(token: string): string {
  const part = token.split('.')[1];
  if (!part) throw new Error('that is not an access token');
  let claims: { sub?: unknown };
  try {
    claims = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=')));
  } catch {
    throw new Error('that is not an access token');
  }
  if (typeof claims.sub !== 'string' || !claims.sub) throw new Error('the token names no person');
  return claims.sub;
}

export class SyncClient {
  private listeners = new Set<(e: SyncEvent) => void>();
  private running: Promise<void> | null = null;
  private again = false;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private notBefore = 0;     // after a failure: automatic syncs wait until then (backoff, Retry-After)
  private stream: AbortController | null = null;
  private syncing = new Set<string>();
  private progressOf = new Map<string, { pulled: number; total: number }>();
  private readonly now: () => number;
  private readonly onOnline = () => { this.notBefore = 0; this.failures = 0; this.syncSoon(); };

  private constructor(readonly person: string, private readonly store: DeviceStore, readonly api: Api, options: ClientOptions) {
    this.now = options.now ?? Date.now;
  }

  static async open(options: ClientOptions): Promise<SyncClient> {
    const person = tokenSubject(options.token);
    const baseUrl = options.baseUrl ?? '';
    const store = await DeviceStore.open(baseUrl || location.origin, person);
    let clientId = options.clientId ?? await store.meta<string>('clientId', '');
    if (!clientId) {
      clientId = `web-${crypto.randomUUID().slice(0, 13)}`;
      await store.setMeta('clientId', clientId);
    }
    return new SyncClient(person, store, new Api({ baseUrl, token: options.token, clientId }), options);
  }

  get clientId(): string { return this.api.headers()['x-client-id']; }

  on(listener: (e: SyncEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: SyncEvent): void {
    for (const l of this.listeners) l(e);
  }

  // ---- what the person sees ----

  spaces(): Promise<SpaceRow[]> { return this.store.spaces(); }
  space(spaceId: string): Promise<SpaceRow | undefined> { return this.store.space(spaceId); }

  async spaceStates(): Promise<SpaceState[]> {
    const out: SpaceState[] = [];
    for (const space of await this.store.spaces()) {
      const queue = await this.store.queue(space.spaceId);
      out.push({
        space,
        pending: queue.length,
        inFlight: queue.filter((e) => e.batch).length,
        conflicts: (await this.store.conflicts(space.spaceId)).length,
        rejections: (await this.store.rejections(space.spaceId)).length,
        syncing: this.syncing.has(space.spaceId),
        progress: this.progressOf.get(space.spaceId) ?? null,
      });
    }
    return out.sort((a, b) => a.space.name.localeCompare(b.space.name));
  }

  async schemaOf(spaceId: string): Promise<SchemaDocument | undefined> {
    const space = await this.store.space(spaceId);
    return space ? this.store.schema(space.schema, space.schemaVersion || undefined) : undefined;
  }

  records(spaceId: string, type: string): Promise<RecordRow[]> { return this.store.records(spaceId, type); }
  record(spaceId: string, type: string, id: string) { return this.store.record(spaceId, type, id); }
  queue(spaceId: string) { return this.store.queue(spaceId); }
  conflicts(spaceId: string) { return this.store.conflicts(spaceId); }
  conflict(seq: number) { return this.store.conflict(seq); }

  // A conflict's device side as the person has it now: the refused edit and the edits made
  // since, which wait with it (what "Keep mine" sends).
  async deviceSideOf(seq: number): Promise<{ fields: Fields; deleted: boolean } | undefined> {
    const c = await this.store.conflict(seq);
    if (!c) return undefined;
    const held = (await this.store.queue(c.space)).filter((e) => e.held === seq).sort((a, b) => a.seq! - b.seq!);
    return deviceSide(c, held);
  }
  rejections(spaceId: string) { return this.store.rejections(spaceId); }
  quarantine() { return this.store.quarantine(); }
  discardQuarantine() { return this.store.discardQuarantine(); }
  lastSync(): Promise<number> { return this.store.meta('lastSyncMs', 0); }

  // ---- what the person does (offline or not) ----

  private async editContext(spaceId: string): Promise<EditContext> {
    const space = await this.store.space(spaceId);
    if (!space) throw new Error(`no space ${spaceId} on this device`);
    const schema = await this.schemaOf(spaceId);
    if (!schema) throw new Error(`the schema of ${space.name} has not arrived yet: sync once online`);
    return { schema, role: space.role, now: this.now };
  }

  // Saves a record on the device (checked against the schema first; EditRefused names each
  // problem). `options.basis` is what the person's form was built from.
  async put(spaceId: string, type: string, id: string | null, values: Fields, options: PutOptions = {}): Promise<string> {
    const ctx = await this.editContext(spaceId);
    const exists = async (t: string, rid: string) => {
      const r = await this.store.record(spaceId, t, rid);
      return !!r && r.data !== null;
    };
    const saved = await putRecord(this.store, ctx, spaceId, type, id, values, exists, options);
    this.soon();
    return saved;
  }

  async remove(spaceId: string, type: string, id: string): Promise<void> {
    await deleteRecord(this.store, await this.editContext(spaceId), spaceId, type, id);
    this.soon();
  }

  async resolve(seq: number, resolution: Resolution): Promise<void> {
    const c = await this.store.conflict(seq);
    if (!c) throw new Error('that conflict is already resolved');
    await resolveConflict(this.store, await this.editContext(c.space), seq, resolution);
    this.soon();
  }

  async dismiss(seq: number): Promise<void> { await dismissRejection(this.store, seq); }

  // ---- the engine ----

  private soon(): void {
    if (navigator.onLine) this.syncSoon();
  }

  // What an edit, a stream event or coming online asks for: a sync, but never before the
  // backoff after a failure allows (the server's Retry-After included).
  private syncSoon(): void {
    const wait = this.notBefore - Date.now();
    if (wait <= 0) { void this.sync(); return; }
    if (!this.retryTimer) {
      this.retryTimer = setTimeout(() => { this.retryTimer = null; if (navigator.onLine) void this.sync(); }, wait);
    }
  }

  // One round for the feed and every space, now (the person asked, or the backoff has passed).
  // Calls while a round runs fold into one more round.
  sync(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          // Two tabs of the app on one database take turns: one sync engine at a time.
          if (navigator.locks) await navigator.locks.request(`${this.store.name}:sync`, () => this.round());
          else await this.round();
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private context(): SpaceSyncContext {
    return {
      api: this.api, store: this.store, now: this.now, emit: (e) => this.emit(e),
      progress: (spaceId, pulled, total) => {
        this.progressOf.set(spaceId, { pulled, total });
        this.emit({ kind: 'progress', space: spaceId, pulled, total, message: `${pulled} of ${total}` });
      },
      feedLists: (spaceId) => this.feedLists(spaceId),
    };
  }

  private async round(): Promise<void> {
    if (this.retryTimer) { clearTimeout(this.retryTimer); this.retryTimer = null; }
    let failure: unknown = null;
    try {
      await this.syncFeed();
    } catch (e) {
      failure = e;
    }
    if (!failure) {
      for (const space of await this.store.spaces()) {
        this.syncing.add(space.spaceId);
        try {
          await syncSpace(this.context(), space.spaceId);
        } catch (e) {
          if (!(e instanceof SpaceGone)) {
            failure ??= e;
            const row = await this.store.space(space.spaceId);
            if (row) await this.store.putSpace({ ...row, lastError: (e as Error).message });
          }
        } finally {
          this.syncing.delete(space.spaceId);
          this.progressOf.delete(space.spaceId);
        }
      }
    }
    if (!failure) {
      this.failures = 0;
      this.notBefore = 0;
      await this.store.setMeta('lastSyncMs', this.now());
      this.emit({ kind: 'synced', message: 'Everything is synced' });
      return;
    }
    this.failures++;
    if (failure instanceof ApiError && failure.status === 401) {
      this.emit({ kind: 'error', message: `Sign in again: ${failure.message}` });
      return;
    }
    const offline = failure instanceof NetworkError || !navigator.onLine;
    this.emit({ kind: offline ? 'offline' : 'error',
      message: offline ? 'Offline: your edits are kept on this device' : (failure as Error).message });
    this.scheduleRetry(failure instanceof ApiError ? failure.retryAfterMs : 0);
  }

  private scheduleRetry(retryAfterMs: number): void {
    const exp = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(this.failures - 1, 6));
    const delay = Math.max(retryAfterMs, exp * (0.5 + Math.random() / 2));
    this.notBefore = Date.now() + delay;
    this.retryTimer = setTimeout(() => { this.retryTimer = null; if (navigator.onLine) void this.sync(); }, delay);
  }

  private async syncFeed(): Promise<void> {
    let cursor = await this.store.meta<number>('feedCursor', 0);
    for (;;) {
      const page = await this.api.get<{ mutations: FeedEntry[]; hasMore: boolean; lastMutationAt: number }>(
        `/v1/spaces?mutationsSince=${cursor}`);
      for (const e of page.data.mutations ?? []) await this.applyFeedEntry(e);
      const entries = page.data.mutations ?? [];
      cursor = page.data.hasMore && entries.length ? entries.at(-1)!.timestamp
        : page.data.lastMutationAt;
      await this.store.setMeta('feedCursor', cursor);
      if (!page.data.hasMore || !entries.length) return;
    }
  }

  private async applyFeedEntry(e: FeedEntry): Promise<void> {
    const existing = await this.store.space(e.resourceId);
    if (e.type === 'DELETE') {
      if (!existing) return;
      const kept = await purgeSpace(this.store, e.resourceId, 'removed', this.now());
      this.emit({ kind: 'space-removed', space: e.resourceId,
        message: `You no longer belong to ${existing.name}` +
          (kept ? `; ${kept} unsynced edit${kept === 1 ? ' is' : 's are'} kept on this device` : '') });
      return;
    }
    const role = e.data?.role ?? existing?.role ?? 'viewer';
    const row: SpaceRow = existing ? { ...existing, role, name: e.data?.name ?? existing.name } : {
      spaceId: e.resourceId, name: e.data?.name ?? e.resourceId, schema: e.data?.schema ?? '', role,
      cursor: 0, firstPullDone: false, schemaVersion: 0, neededVersion: 0, resyncEpoch: 0, lastSyncMs: 0, lastError: '',
    };
    await this.store.putSpace(row);
    if (!existing) this.emit({ kind: 'space-added', space: row.spaceId, message: `You were added to ${row.name}` });
    else if (existing.role !== role) {
      this.emit({ kind: 'role-changed', space: row.spaceId, message: `Your role in ${row.name} is now ${role}` });
    }
  }

  // A 404 for a space is what a stranger hears, but also what a proxy may say: the space is
  // purged only when the person's whole feed no longer lists it.
  private async feedLists(spaceId: string): Promise<boolean> {
    const page = await this.api.get<{ mutations: FeedEntry[] }>('/v1/spaces?mutationsSince=0');
    return (page.data.mutations ?? []).some((e) => e.resourceId === spaceId && e.type !== 'DELETE');
  }

  // Keeps the change stream of spaces open until stop(): a moved space is synced at once, a
  // changed feed costs one round. Opening the stream costs a round, as its events cannot be
  // resumed. Coming back online reconnects and syncs.
  start(): void {
    if (this.stream) return;
    this.stream = new AbortController();
    addEventListener('online', this.onOnline);
    void this.listen(this.stream.signal);
  }

  stop(): void {
    this.stream?.abort();
    this.stream = null;
    removeEventListener('online', this.onOnline);
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private async listen(signal: AbortSignal): Promise<void> {
    let delay = 1000;
    let failures = 0;
    while (!signal.aborted) {
      if (!navigator.onLine) {
        await new Promise<void>((resolve) => {
          const done = () => { removeEventListener('online', done); signal.removeEventListener('abort', done); resolve(); };
          addEventListener('online', done);
          signal.addEventListener('abort', done);
        });
        continue;
      }
      try {
        const res = await fetch(this.api.url('/v1/spaces/events'), { headers: this.api.headers(), signal, cache: 'no-store' });
        if (res.status === 401) { this.emit({ kind: 'error', message: 'Sign in again: the server refused the token' }); return; }
        if (!res.ok || !res.body) throw new Error(`the change stream answered ${res.status}`);
        failures = 0;
        this.syncSoon();
        const parser = new SseParser((ev) => this.onServerEvent(ev.event, ev.data), (ms) => { delay = ms; });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.push(value);
          if (parser.buffered > 64 * 1024) throw new Error('the change stream sent a line too long');
        }
      } catch {
        if (signal.aborted) return;
        failures++;
      }
      const wait = failures ? Math.min(MAX_BACKOFF_MS, delay * 2 ** Math.min(failures, 6)) * (0.5 + Math.random() / 2) : delay;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private onServerEvent(event: string, data: string): void {
    if (event === 'spaces') { this.syncSoon(); return; }
    if (event !== 'space') return;
    try {
      const { spaceId, lastMutationAt } = JSON.parse(data) as { spaceId: string; lastMutationAt: number };
      void this.store.space(spaceId).then((s) => { if (!s || s.cursor !== lastMutationAt) this.syncSoon(); });
    } catch { /* an event we cannot read costs nothing */ }
  }
}

export { ApiError, NetworkError };
