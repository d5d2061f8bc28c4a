// A record's values as a person reads and types them: one form control per field type (the
// schema's), the value it holds read back into the wire form, and a value shown as text.
// Master data offered as choices comes from the device's own cache, so forms work offline.

import type { FieldSpec, FieldValue, RecordRow } from '../client/index.js';
import { h } from './dom.js';

export function show(v: FieldValue | undefined): string {
  if (v === undefined || v === null || v === '') return '—';
  if (Array.isArray(v)) return v.length ? v.join(', ') : '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

// How a record is named in lists and choices: a naming field when it has one, else its id.
export function labelOf(row: Pick<RecordRow, 'id' | 'data'>): string {
  const d = row.data ?? {};
  for (const key of ['name', 'title', 'tag', 'code']) {
    if (typeof d[key] === 'string' && d[key]) return `${d[key]}`;
  }
  return row.id;
}

function toLocalInput(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const d = new Date(t);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function control(name: string, spec: FieldSpec, value: FieldValue | undefined, id: string,
                        choices: RecordRow[] = []): HTMLElement {
  const common = { id, name, 'data-field': name, 'aria-required': spec.required ? 'true' : null };
  switch (spec.type) {
    case 'boolean':
      return h('input', { ...common, type: 'checkbox', checked: value === true });
    case 'integer':
    case 'number':
      return h('input', { ...common, type: 'number', inputmode: spec.type === 'integer' ? 'numeric' : 'decimal',
        step: spec.type === 'integer' ? 1 : 'any', min: spec.min, max: spec.max,
        value: typeof value === 'number' ? value : '' });
    case 'datetime':
      return h('input', { ...common, type: 'datetime-local', step: 1, value: typeof value === 'string' ? toLocalInput(value) : '' });
    case 'enum':
      return h('select', common, h('option', { value: '' }, '—'),
        (spec.values ?? []).map((v) => h('option', { value: v, selected: v === value }, v)));
    case 'reference': {
      const options = choices.map((r) => h('option', { value: r.id, selected: r.id === value }, `${labelOf(r)} (${r.id})`));
      if (typeof value === 'string' && value && !choices.some((r) => r.id === value)) {
        options.unshift(h('option', { value, selected: true }, `${value} (not on this device)`));
      }
      return h('select', common, h('option', { value: '' }, '—'), options);
    }
    case 'stringList':
      return h('textarea', { ...common, rows: 3, 'aria-description': 'one item per line' },
        Array.isArray(value) ? value.join('\n') : '');
    default:
      return (spec.maxLength ?? 4096) > 200
        ? h('textarea', { ...common, rows: 3, maxlength: spec.maxLength }, typeof value === 'string' ? value : '')
        : h('input', { ...common, type: 'text', maxlength: spec.maxLength, value: typeof value === 'string' ? value : '' });
  }
}

// The control's value in the wire form; null when it is empty.
export function read(spec: FieldSpec, el: HTMLElement): FieldValue {
  if (spec.type === 'boolean') return (el as HTMLInputElement).checked;
  const raw = (el as HTMLInputElement).value;
  if (raw.trim() === '') return null;
  switch (spec.type) {
    case 'integer':
    case 'number':
      return Number(raw);
    case 'datetime': {
      const t = Date.parse(raw);
      return Number.isNaN(t) ? raw : new Date(t).toISOString();
    }
    case 'stringList':
      return raw.split('\n').map((s) => s.trim()).filter(Boolean);
    default:
      return raw;
  }
}
