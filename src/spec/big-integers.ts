import type { ConfigProblem } from './problems';

const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);

/**
 * JSON.parse rounds integers beyond 2^53, so 2^64 would pass as 18446744073709551615.
 * This scans the raw text of an already-parsed document for integer literals of 16 or
 * more digits and reports those outside int64/uint64, with their JSON pointer, the
 * way Go's decoder (and so runc) refuses them.
 */
export function oversizedIntegers(text: string): ConfigProblem[] {
  if (!/\d{16}/.test(text)) return [];
  const problems: ConfigProblem[] = [];
  let i = 0;
  const path: string[] = [];

  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const pointer = () => path.map((t) => `/${t.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const key = str();
        ws();
        i++; // ':'
        path.push(key);
        value();
        path.pop();
        ws();
        if (text[i++] === '}') return;
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        path.push(String(n));
        value();
        path.pop();
        ws();
        if (text[i++] === ']') return;
      }
    } else if (c === '"') {
      str();
    } else {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?|^true|^false|^null/.exec(text.slice(i, i + 400));
      const token = m ? m[0] : '';
      i += token.length || 1;
      if (/^-?\d{16,}$/.test(token)) {
        const n = BigInt(token);
        if (n > UINT64_MAX || n < INT64_MIN) problems.push({ pointer: pointer(), reason: `${token} does not fit in 64 bits` });
      }
    }
  };
  value();
  return problems;
}
