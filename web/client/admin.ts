// What owners and leads do online: create a space, see and change its members and their
// roles, and import master data from a CSV file (through the space's sync, in batches of 100
// CREATEs, each under an Idempotency-Key derived from the file, so an import cut short can
// simply be run again without duplicates).

import { csvRecords } from './csv.js';
import type { Api } from './http.js';
import type { Role, SchemaDocument } from './types.js';

const enc = encodeURIComponent;

export interface Member {
  person: string;
  role: Role;
  since: string;
  addedBy: string;
}

export interface ImportReport {
  records: number;
  applied: number;
  refused: { line: number; message: string }[];
}

export class SpaceAdmin {
  constructor(private readonly api: Api) {}

  async createSpace(name: string, schema: string, spaceId?: string): Promise<string> {
    const r = await this.api.post<{ spaceId: string }>('/v1/spaces', { name, schema, ...(spaceId ? { spaceId } : {}) });
    return r.data.spaceId;
  }

  async schemas(): Promise<{ name: string; version: number }[]> {
    const r = await this.api.get<{ schemas: { name: string; version: number }[] }>('/v1/schemas');
    return r.data.schemas ?? [];
  }

  async members(spaceId: string): Promise<Member[]> {
    const r = await this.api.get<{ members: Member[] }>(`/v1/spaces/${enc(spaceId)}/members`);
    return r.data.members ?? [];
  }

  async setRole(spaceId: string, person: string, role: Role): Promise<void> {
    await this.api.put(`/v1/spaces/${enc(spaceId)}/members`, { person, role });
  }

  async removeMember(spaceId: string, person: string): Promise<void> {
    await this.api.delete(`/v1/spaces/${enc(spaceId)}/members?person=${enc(person)}`);
  }

  // Checks the whole file first (nothing is sent from a file with a mistake), then pushes it.
  async importCsv(spaceId: string, schema: SchemaDocument, type: string, text: string,
                  onProgress: (done: number, total: number) => void = () => {}): Promise<ImportReport> {
    const spec = schema.types[type];
    if (!spec) throw new Error(`the schema has no type ${type}`);
    const rows = csvRecords(text, type, spec);
    const digest = await sha256(`${spaceId}\n${type}\n${text}`);
    const head = await this.api.get<{ lastMutationAt: number }>(
      `/v1/spaces/${enc(spaceId)}/sync?mutationsSince=0&metadataOnly=true`);
    const report: ImportReport = { records: rows.length, applied: 0, refused: [] };
    for (let start = 0; start < rows.length; start += 100) {
      const part = rows.slice(start, start + 100);
      const mutations = part.map((r) => ({ type: 'CREATE', resource: type,
        resourceId: r.id ?? `${type}-${digest.slice(0, 8)}-${r.line}`, data: r.fields }));
      const answer = await this.api.post<{ mutations: { outcome?: string; rejection?: { message?: string } }[] }>(
        `/v1/spaces/${enc(spaceId)}/sync?conflictMode=field&lastMutationAt=${head.data.lastMutationAt}`,
        { mutations }, { 'idempotency-key': `import-${digest.slice(0, 32)}-${start / 100}`,
          'x-schema-version': String(schema.version) });
      (answer.data.mutations ?? []).forEach((ack, i) => {
        if (ack.outcome === 'rejected' || ack.outcome === 'conflict') {
          report.refused.push({ line: part[i].line, message: ack.rejection?.message ?? ack.outcome });
        } else {
          report.applied++;
        }
      });
      onProgress(Math.min(start + 100, rows.length), rows.length);
    }
    return report;
  }
}

async function sha256(text: string): Promise<string> {
  const bytes = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
