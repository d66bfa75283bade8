/**
 * The command line of every example, the same way: options parsed with `node:util` parseArgs;
 * `-h`/`--help` prints what the example does and its options (with their defaults) and exits 0;
 * a bad argument prints one line on stderr that names the flag, what was given and what is
 * allowed, and exits 2; an error at run time prints its message (no stack trace) and exits 1.
 *
 * @example
 * ```ts
 * const cli = parseCli({
 *   name: 'ring',
 *   command: 'pnpm example:ring',
 *   summary: 'N ranks pass a message around a ring, MPI style.',
 *   options: { ranks: { type: 'string', arg: 'N', default: '4', help: 'ranks in the ring, at least 2' } },
 * });
 * const ranks = cli.int('ranks', { min: 2 });
 * ```
 */
import { parseArgs } from 'node:util';

/** An option that takes a value, e.g. `--ranks 4`. */
export interface ValueOption {
  readonly type: 'string';
  /** The value's placeholder in the help, e.g. `N` or `URL`. */
  readonly arg: string;
  /** One line (or several, separated by `\n`) for the help. */
  readonly help: string;
  /** Used when the option is not given; the help shows it unless `defaultText` says otherwise. */
  readonly default?: string;
  /** What the help says the default is, when the plain value does not say enough. */
  readonly defaultText?: string;
  readonly short?: string;
}

/** A flag, e.g. `--json`: false unless given. */
export interface FlagOption {
  readonly type: 'boolean';
  readonly help: string;
  readonly short?: string;
}

export type CliOption = ValueOption | FlagOption;

/** What an example's command line is. */
export interface CliSpec<O extends Record<string, CliOption>> {
  /** The example's name; every message starts with it, e.g. `ring: …`. */
  readonly name: string;
  /** How users run it, e.g. `pnpm example:ring`. */
  readonly command: string;
  /** What the example does, for the help (a line or two). */
  readonly summary: string;
  /** Its options (`-h`/`--help` is added). */
  readonly options: O;
  /** Printed after the options in the help. */
  readonly notes?: string;
  /** The arguments (default: `process.argv.slice(2)`). */
  readonly args?: readonly string[];
}

/** The parsed values: flags are booleans; options with a default are strings; others may be absent. */
export type CliValues<O extends Record<string, CliOption>> = {
  readonly [K in keyof O]: O[K] extends FlagOption
    ? boolean
    : O[K] extends { default: string }
      ? string
      : string | undefined;
};

/** The names of the options that take a value. */
type ValueKeys<O extends Record<string, CliOption>> = {
  [K in keyof O]: O[K] extends ValueOption ? K : never;
}[keyof O] &
  string;

/** The parsed command line, and ways to refuse it. */
export interface Cli<O extends Record<string, CliOption>> {
  readonly values: CliValues<O>;
  /** Print `<name>: <message>` on stderr and exit with code 2 (a bad argument). */
  fail(message: string): never;
  /** The value of `--<flag>`; fails if it was not given. */
  required(flag: ValueKeys<O>): string;
  /**
   * The option `--<flag>` as a whole number from `min` to `max` (default: no upper bound); `fallback`
   * when it is not given and has no default. Anything else fails, naming the flag.
   */
  int(flag: ValueKeys<O>, range: { readonly min: number; readonly max?: number }, fallback?: number): number;
}

/** The width `--help` wraps its option lines at. */
const WIDTH = 100;

/** Split `text` into lines of at most `width` characters, at spaces and at the `\n` it has. */
function wrap(text: string, width: number): string[] {
  return text.split('\n').flatMap((paragraph) => {
    const lines: string[] = [];
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line !== '' && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line === '' ? word : `${line} ${word}`;
      }
    }
    return [...lines, line];
  });
}

/** The usage text `--help` prints. */
function usage(spec: Omit<CliSpec<Record<string, CliOption>>, 'args' | 'name'>): string {
  const rows: [string, string][] = Object.entries(spec.options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.arg}` : ''}`;
    const dflt = o.type === 'string' ? (o.defaultText ?? o.default) : undefined;
    return [flag, dflt === undefined ? o.help : `${o.help} (default: ${dflt})`];
  });
  rows.push(['-h, --help', 'print this help and exit']);
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  const lines = rows.map(([flag, help]) =>
    wrap(help, WIDTH - 2 - width)
      .map((line, i) => `  ${(i === 0 ? flag : '').padEnd(width)}${line}`)
      .join('\n'),
  );
  return [spec.summary, '', `Usage: ${spec.command} [options]`, '', 'Options:', ...lines]
    .concat(spec.notes === undefined ? [] : ['', spec.notes])
    .join('\n');
}

/** Node's parseArgs messages, said the way the rest of the messages are. */
function parseError(e: Error & { code?: string }): string {
  const first = e.message.split('\n')[0]!;
  const flag = /'(-[^ ']*)/.exec(first)?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return flag === undefined ? first : `unknown option '${flag}'`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'[^']*'/.exec(first)?.[0] ?? ''}: every argument is an --option`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (first.endsWith('does not take an argument')) return `${flag} takes no value`;
      if (first.endsWith('argument is ambiguous.'))
        return `${flag} needs a value (to give one that starts with '-', write ${flag}=-…)`;
      return `${flag} needs a value`;
    default:
      return first;
  }
}

/**
 * The message of an error thrown at run time: its name (unless a plain Error) and message, and its
 * cause when the message does not already say it.
 */
function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const text = `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}`;
  const cause = e.cause instanceof Error ? e.cause.message : e.cause;
  return cause === undefined || e.message.includes(String(cause))
    ? text
    : `${text} (cause: ${describeError(e.cause)})`;
}

/**
 * Parse the command line of an example (see the module comment). Also reports errors thrown later
 * at run time, uncaught, as `<name>: <message>` with exit code 1.
 */
export function parseCli<const O extends Record<string, CliOption>>(spec: CliSpec<O>): Cli<O> {
  const args = [...(spec.args ?? process.argv.slice(2))];
  const end = args.indexOf('--');
  if ((end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h')) {
    console.log(usage(spec));
    process.exit(0);
  }
  const hint = `Run '${spec.command} --help' for the options.`;
  const fail = (message: string, withHint = false): never => {
    console.error(`${spec.name}: ${message}${withHint ? `\n${hint}` : ''}`);
    process.exit(2);
  };
  process.on('uncaughtException', (e) => {
    console.error(`${spec.name}: ${describeError(e)}`);
    process.exit(1);
  });

  const options = Object.fromEntries(
    Object.entries(spec.options).map(([name, o]) => [
      name,
      {
        type: o.type,
        ...(o.short === undefined ? {} : { short: o.short }),
        ...(o.type === 'boolean'
          ? { default: false }
          : o.default === undefined
            ? {}
            : { default: o.default }),
      },
    ]),
  );
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args, options, strict: true, allowPositionals: false }).values as typeof values;
  } catch (e) {
    return fail(parseError(e as Error), true);
  }
  return {
    values: values as CliValues<O>,
    fail: (message) => fail(message),
    required: (flag) => (values[flag] as string | undefined) ?? fail(`--${flag} is required`, true),
    int(flag, { min, max }, fallback) {
      const raw = values[flag] as string | undefined;
      if (raw === undefined) {
        if (fallback === undefined) fail(`--${flag} is required`, true);
        return fallback!;
      }
      const n = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
        const range = max === undefined ? `≥ ${min}` : `from ${min} to ${max}`;
        fail(`--${flag} must be a whole number ${range}, got ${JSON.stringify(raw)}`);
      }
      return n;
    },
  };
}
