// Save-time checks of an edit against the schema the device holds, so a person hears at once
// what the server would refuse, while they still have the form in front of them: the role may
// write the type, every field is known and valid, required fields are there on creation, and
// references name records in the local cache (master data, or records created on this device).
// The server checks again; these rules mirror docs/api.md "Schemas".

import type { FieldSpec, Fields, FieldValue, Role, SchemaDocument, TypeSpec } from './types.js';

export const RESERVED = ['id', 'clientCreatedAt', 'clientUpdatedAt', 'updatedBy'];

export interface FieldProblem {
  field: string;             // '' for the record as a whole
  message: string;
}

export function writersOf(spec: TypeSpec): Role[] {
  return spec.writers ?? (spec.masterData ? ['owner', 'lead'] : ['owner', 'lead', 'member']);
}

export function mayWrite(spec: TypeSpec, role: Role): boolean {
  return role === 'owner' || (role !== 'viewer' && writersOf(spec).includes(role));
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

export function checkValue(spec: FieldSpec, value: FieldValue): string {
  if (value === null) return spec.required ? 'is required' : '';
  const chars = (s: string) => [...s].length;
  const lengthProblem = (s: string, what: string) => {
    const max = spec.maxLength ?? 4096;
    if (chars(s) > max) return `${what} is longer than ${max} characters`;
    if (spec.minLength !== undefined && chars(s) < spec.minLength) return `${what} is shorter than ${spec.minLength} characters`;
    return '';
  };
  switch (spec.type) {
    case 'string':
      return typeof value === 'string' ? lengthProblem(value, 'it') : 'must be text';
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      if (spec.type === 'integer' && !Number.isSafeInteger(value)) return 'must be a whole number';
      if (spec.min !== undefined && value < spec.min) return `must be at least ${spec.min}`;
      if (spec.max !== undefined && value > spec.max) return `must be at most ${spec.max}`;
      return '';
    }
    case 'boolean':
      return typeof value === 'boolean' ? '' : 'must be yes or no';
    case 'datetime':
      return typeof value === 'string' && ISO_DATETIME.test(value) && !Number.isNaN(Date.parse(value))
        ? '' : 'must be a date and time';
    case 'enum':
      return typeof value === 'string' && (spec.values ?? []).includes(value)
        ? '' : `must be one of ${(spec.values ?? []).join(', ')}`;
    case 'stringList': {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) return 'must be a list of text';
      if (value.length > (spec.maxItems ?? 100)) return `has more than ${spec.maxItems ?? 100} items`;
      for (const item of value) {
        const p = lengthProblem(item, 'an item');
        if (p) return p;
      }
      return '';
    }
    case 'reference':
      return typeof value === 'string' && value.length > 0 ? '' : `must name a ${spec.to}`;
  }
  return 'has an unknown field type';
}

// `exists(type, id)` says whether the device holds a live record of that type.
export function checkEdit(schema: SchemaDocument, type: string, role: Role, fields: Fields, creating: boolean,
                          exists: (type: string, id: string) => boolean): FieldProblem[] {
  const spec = schema.types[type];
  if (!spec) return [{ field: '', message: `the schema ${schema.name} v${schema.version} has no type ${type}` }];
  if (!mayWrite(spec, role)) return [{ field: '', message: `a ${role} may not write ${type} records` }];
  const problems: FieldProblem[] = [];
  for (const [name, value] of Object.entries(fields)) {
    const f = spec.fields[name];
    if (!f) {
      problems.push({ field: name, message: `${type} has no field ${name}` });
      continue;
    }
    const p = checkValue(f, value);
    if (p) problems.push({ field: name, message: `${name} ${p}` });
    else if (f.type === 'reference' && typeof value === 'string' && !exists(f.to ?? '', value)) {
      problems.push({ field: name, message: `${name}: no ${f.to} ${value} on this device` });
    }
  }
  if (creating) {
    for (const [name, f] of Object.entries(spec.fields)) {
      if (f.required && f.default === undefined && (fields[name] === undefined || fields[name] === null)) {
        if (!problems.some((p) => p.field === name)) problems.push({ field: name, message: `${name} is required` });
      }
    }
  }
  return problems;
}

// The fields of `next` that differ from `current`, compared by value (lists item by item).
export function changedFields(current: Fields | null, next: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(next)) {
    if (!current || JSON.stringify(current[k] ?? null) !== JSON.stringify(v ?? null)) out[k] = v;
  }
  return out;
}

export function sameValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
