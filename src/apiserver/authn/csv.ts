/**
 * @module apiserver/authn/csv
 *
 * A CSV reader with the exact rules of Go's `encoding/csv` as kube-apiserver configures it for
 * `--token-auth-file` (comma separator, variable field counts, no comments, no lazy quotes), so a
 * file upstream accepts is read the same way here and one it rejects is rejected:
 *  - blank lines are skipped; `\r\n` reads as `\n`;
 *  - a field starting with `"` is quoted: `""` is a literal quote, commas and newlines are data,
 *    and the closing quote must be followed by a comma or the end of the line;
 *  - a `"` inside an unquoted field is an error; spaces are never trimmed.
 * One deliberate difference: a leading UTF-8 byte-order mark is dropped (Go keeps it, silently
 * making the first token unmatchable).
 */

export interface CsvRecord {
  /** 1-based line the record starts on. */
  readonly line: number;
  readonly fields: readonly string[];
}

export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';

  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(reason);
  }
}

export function parseCsv(text: string): CsvRecord[] {
  const input = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n').replace(/\r$/, '');
  const records: CsvRecord[] = [];
  let pos = 0;
  let line = 1;
  while (pos < input.length) {
    if (input[pos] === '\n') {
      pos++;
      line++;
      continue;
    }
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field: string;
      if (input[pos] === '"') {
        ({ field, pos, line } = readQuoted(input, pos + 1, line, start));
        const next = input[pos];
        if (next !== ',' && next !== '\n' && next !== undefined) {
          throw new CsvSyntaxError(line, 'extraneous or missing " in quoted-field');
        }
      } else {
        let end = pos;
        while (end < input.length && input[end] !== ',' && input[end] !== '\n') end++;
        field = input.slice(pos, end);
        if (field.includes('"')) throw new CsvSyntaxError(line, 'bare " in non-quoted-field');
        pos = end;
      }
      fields.push(field);
      if (input[pos] !== ',') break;
      pos++;
    }
    if (input[pos] === '\n') {
      pos++;
      line++;
    }
    records.push({ line: start, fields });
  }
  return records;
}

/** Reads a quoted field whose opening quote is just before `pos`. */
function readQuoted(
  input: string,
  pos: number,
  line: number,
  recordLine: number,
): { field: string; pos: number; line: number } {
  let field = '';
  for (;;) {
    const quote = input.indexOf('"', pos);
    if (quote === -1) throw new CsvSyntaxError(recordLine, 'extraneous or missing " in quoted-field');
    const chunk = input.slice(pos, quote);
    field += chunk;
    line += chunk.split('\n').length - 1;
    pos = quote + 1;
    if (input[pos] !== '"') return { field, pos, line };
    field += '"';
    pos++;
  }
}
