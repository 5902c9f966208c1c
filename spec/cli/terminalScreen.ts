// A small model of a terminal of fixed rows and columns, enough to replay what cli-progress draws: text, line
// feeds (with a carriage return, as a terminal's default `onlcr` setting makes of them) and carriage returns, cursor moves, erasing, the cursor's visibility and line wrapping. It notes every
// request a real terminal could not honour: moving the cursor above the top of the screen (a terminal stops at
// its first row, and the next frame lands on the wrong lines) and writing past the last column.

export interface ScreenReport {
  /** What a terminal could not do, in the order asked. */
  readonly violations: readonly string[];
  /** The most lines one redraw went back over (the largest cursor-up, plus the line it started from). */
  readonly tallestRedraw: number;
  /** Every cursor-up asked for, in order, in lines. */
  readonly cursorUps: readonly number[];
  /** The visible screen at the end, each line without trailing spaces. */
  readonly screen: readonly string[];
  /** Every line ever written (scrollback and screen). */
  readonly allLines: readonly string[];
  readonly cursorVisible: boolean;
  readonly lineWrapping: boolean;
}

const CSI = /^\x1B\[([?]?)([\d;]*)([@-~])/;

export class TerminalScreen {
  private readonly lines: string[][] = [[]];
  private row = 0;
  private column = 0;
  /** The buffer line shown at the top of the screen; lines above it have scrolled away. */
  private top = 0;
  private cursorVisible = true;
  private lineWrapping = true;
  private readonly cursorUps: number[] = [];
  private readonly violations: string[] = [];

  constructor(
    private rows: number,
    private columns: number,
  ) {}

  /**
   * What a terminal does when it loses rows: it keeps the cursor's line on
   * screen, and the lines above go to the scrollback. (Lines are not
   * re-wrapped to a new width: drawn with line wrapping off, they are not
   * wrapped lines.)
   */
  resize({ rows, columns }: { rows: number; columns: number }): void {
    this.rows = rows;
    this.columns = columns;
    this.top = Math.max(this.top, this.row - rows + 1);
  }

  write(text: string): void {
    let rest = text;
    while (rest.length > 0) {
      const escape = CSI.exec(rest);
      if (escape !== null) {
        this.control(escape[1] === '?', (escape[2] ?? '').split(';').map((n) => (n === '' ? undefined : Number(n))), escape[3] as string);
        rest = rest.slice(escape[0].length);
        continue;
      }
      const char = rest[0] as string;
      rest = rest.slice(1);
      if (char === '\n') {
        this.lineFeed();
        this.column = 0;
      }
      else if (char === '\r') this.column = 0;
      else if (char === '\b') this.column = Math.max(0, this.column - 1);
      else if (char === '\x1B') this.violations.push(`unknown escape ${JSON.stringify(rest.slice(0, 6))}`);
      else this.print(char);
    }
  }

  report(): ScreenReport {
    const text = (line: string[] | undefined) => (line ?? []).map((cell) => cell ?? ' ').join('').trimEnd();
    return {
      violations: this.violations,
      tallestRedraw: Math.max(0, ...this.cursorUps) + 1,
      cursorUps: [...this.cursorUps],
      screen: Array.from({ length: this.rows }, (_, index) => text(this.lines[this.top + index])),
      allLines: this.lines.map(text),
      cursorVisible: this.cursorVisible,
      lineWrapping: this.lineWrapping,
    };
  }

  private control(private_: boolean, params: Array<number | undefined>, final: string): void {
    const n = params[0] ?? 1;
    if (private_) {
      if (params[0] === 25) this.cursorVisible = final === 'h';
      if (params[0] === 7) this.lineWrapping = final === 'h';
      return;
    }
    switch (final) {
      case 'A':
        this.cursorUps.push(n);
        if (this.row - n < this.top) this.violations.push(`cursor up ${n} from screen row ${this.row - this.top + 1} of ${this.rows}`);
        this.row = Math.max(this.top, this.row - n);
        break;
      case 'B':
        this.row = Math.min(this.top + this.rows - 1, this.row + n);
        break;
      case 'C':
        this.column = Math.min(this.columns - 1, this.column + n);
        break;
      case 'D':
        this.column = Math.max(0, this.column - n);
        break;
      case 'G':
        this.column = Math.min(this.columns - 1, n - 1);
        break;
      case 'H':
        this.row = this.top + (params[0] ?? 1) - 1;
        this.column = (params[1] ?? 1) - 1;
        break;
      case 'K':
        this.erase(params[0] ?? 0);
        break;
      case 'J':
        if ((params[0] ?? 0) !== 0) this.violations.push(`unexpected erase of the screen (${params[0]})`);
        this.erase(0);
        this.lines.length = this.row + 1;
        break;
      case 'm':
        break;
      default:
        this.violations.push(`unknown control ${final}`);
    }
  }

  private erase(mode: number): void {
    const line = this.line();
    if (mode === 0) line.length = Math.min(line.length, this.column);
    else if (mode === 1) line.fill(' ', 0, this.column + 1);
    else line.length = 0;
  }

  private print(char: string): void {
    if (this.column >= this.columns) {
      if (this.lineWrapping) {
        this.lineFeed();
        this.column = 0;
      } else {
        this.violations.push(`text past column ${this.columns} on screen row ${this.row - this.top + 1}`);
        this.column = this.columns - 1;
      }
    }
    const line = this.line();
    while (line.length < this.column) line.push(' ');
    line[this.column] = char;
    this.column += 1;
  }

  private lineFeed(): void {
    this.row += 1;
    if (this.row > this.top + this.rows - 1) this.top += 1;
    while (this.lines.length <= this.row) this.lines.push([]);
  }

  private line(): string[] {
    while (this.lines.length <= this.row) this.lines.push([]);
    return this.lines[this.row] as string[];
  }
}

/** Replays `output` on a terminal of `rows` × `columns`. */
export function replay(output: string, { rows, columns }: { rows: number; columns: number }): ScreenReport {
  const screen = new TerminalScreen(rows, columns);
  screen.write(output);
  return screen.report();
}
