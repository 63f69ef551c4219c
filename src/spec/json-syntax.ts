// Locates the first JSON syntax error in a text, to report it as line and column.
// Only used after JSON.parse has failed; V8's messages do not always carry a position.

interface SyntaxFault {
  offset: number;
  message: string;
}

class Fault extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

function describeChar(ch: string | undefined): string {
  if (ch === undefined) return 'end of input';
  const code = ch.codePointAt(0)!;
  if (code === 0xfeff) return 'a byte order mark (U+FEFF)';
  if (code < 0x20 || code === 0x7f) return `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${ch}'`;
}

class Scanner {
  private pos = 0;
  constructor(private readonly text: string) {}

  scan(): void {
    this.value();
    this.skipSpace();
    if (this.pos < this.text.length) this.fail(`unexpected ${describeChar(this.peek())} after the JSON value`);
  }

  private peek(): string | undefined {
    return this.pos < this.text.length ? this.text[this.pos] : undefined;
  }

  private fail(message: string, offset = this.pos): never {
    throw new Fault(offset, message);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos])) this.pos++;
  }

  private value(): void {
    this.skipSpace();
    const ch = this.peek();
    if (ch === undefined) this.fail('unexpected end of input');
    if (ch === '{') return this.object();
    if (ch === '[') return this.array();
    if (ch === '"') return this.string();
    if (ch === '-' || (ch >= '0' && ch <= '9')) return this.number();
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return;
      }
    }
    if (ch === "'") this.fail("unexpected ''' (strings must use double quotes)");
    this.fail(`unexpected ${describeChar(ch)}`);
  }

  private object(): void {
    this.pos++;
    this.skipSpace();
    if (this.peek() === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipSpace();
      const ch = this.peek();
      if (ch !== '"') {
        if (ch === '}') this.fail("unexpected '}' after ',' (trailing comma)");
        if (ch === "'") this.fail("unexpected ''' (property names must use double quotes)");
        this.fail(`expected a property name in double quotes, found ${describeChar(ch)}`);
      }
      this.string();
      this.skipSpace();
      if (this.peek() !== ':') this.fail(`expected ':' after property name, found ${describeChar(this.peek())}`);
      this.pos++;
      this.value();
      this.skipSpace();
      const next = this.peek();
      this.pos++;
      if (next === '}') return;
      if (next !== ',') this.fail(`expected ',' or '}' after property value, found ${describeChar(next)}`, this.pos - 1);
    }
  }

  private array(): void {
    this.pos++;
    this.skipSpace();
    if (this.peek() === ']') {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipSpace();
      if (this.peek() === ']') this.fail("unexpected ']' after ',' (trailing comma)");
      this.value();
      this.skipSpace();
      const next = this.peek();
      this.pos++;
      if (next === ']') return;
      if (next !== ',') this.fail(`expected ',' or ']' after array element, found ${describeChar(next)}`, this.pos - 1);
    }
  }

  private string(): void {
    const start = this.pos++;
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) this.fail('unterminated string', start);
      if (ch === '"') {
        this.pos++;
        return;
      }
      if (ch < ' ') this.fail(`${describeChar(ch)} in string (it must be escaped)`);
      if (ch === '\\') {
        const esc = this.text[this.pos + 1];
        if (esc === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) this.fail('invalid \\u escape in string');
          this.pos += 6;
          continue;
        }
        if (esc === undefined || !'"\\/bfnrt'.includes(esc)) this.fail(`invalid escape '\\${esc ?? ''}' in string`);
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
  }

  private number(): void {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!match || match[0] === '-') this.fail('invalid number');
    this.pos += match[0].length;
  }
}

function findFault(text: string): SyntaxFault | undefined {
  try {
    new Scanner(text).scan();
    return undefined;
  } catch (err) {
    if (err instanceof Fault) return { offset: err.offset, message: err.message };
    return undefined; // e.g. stack overflow on absurd nesting: fall back to V8's message
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** "not valid JSON: expected ',' or '}' after property value, found '\"' at line 3 column 5" */
export function describeJsonSyntaxError(text: string, parseError: unknown): string {
  const fault = findFault(text);
  if (!fault) {
    const msg = parseError instanceof Error ? parseError.message : String(parseError);
    return `not valid JSON: ${msg}`;
  }
  const { line, column } = lineAndColumn(text, fault.offset);
  return `not valid JSON: ${fault.message} at line ${line} column ${column}`;
}
