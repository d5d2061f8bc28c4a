// Master data from a CSV file, as `synclog import` reads it: the first row names the fields
// (and optionally `id`), an empty cell leaves the field out, a stringList cell is split on '|',
// booleans are `true`/`false`, numbers are numbers. RFC 4180 quoting.

import type { Fields, TypeSpec } from './types.js';

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  if (text.startsWith('\ufeff')) i = 1;
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') {
      quoted = true;
    } else if (c === ',') {
      row.push(cell); cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell); cell = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else {
      cell += c;
    }
  }
  if (quoted) throw new Error('the file ends inside a quoted cell');
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

export interface CsvRecord {
  line: number;
  id: string | null;
  fields: Fields;
}

// Rows as records of `type`; throws naming the line and column of the first cell that does
// not fit, so nothing is sent from a file with a mistake in it.
export function csvRecords(text: string, typeName: string, spec: TypeSpec): CsvRecord[] {
  const rows = parseCsv(text);
  if (!rows.length) throw new Error('the file is empty');
  const header = rows[0].map((h) => h.trim());
  for (const h of header) {
    if (h !== 'id' && !spec.fields[h]) throw new Error(`line 1: ${typeName} has no field ${h}`);
  }
  return rows.slice(1).map((cells, n) => {
    const line = n + 2;
    if (cells.length !== header.length) throw new Error(`line ${line}: ${cells.length} cells, the header has ${header.length}`);
    const fields: Fields = {};
    let id: string | null = null;
    header.forEach((name, c) => {
      const cell = cells[c];
      if (name === 'id') { id = cell || null; return; }
      if (cell === '') return;
      const f = spec.fields[name];
      switch (f.type) {
        case 'integer':
        case 'number': {
          const v = Number(cell);
          if (!Number.isFinite(v)) throw new Error(`line ${line}, ${name}: "${cell}" is not a number`);
          fields[name] = v;
          break;
        }
        case 'boolean':
          if (cell !== 'true' && cell !== 'false') throw new Error(`line ${line}, ${name}: "${cell}" is not true or false`);
          fields[name] = cell === 'true';
          break;
        case 'stringList':
          fields[name] = cell.split('|');
          break;
        default:
          fields[name] = cell;
      }
    });
    return { line, id, fields };
  });
}
