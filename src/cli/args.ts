// Option parsing shared by the mpts commands: node's parseArgs, with errors that name the command.

import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A usage error: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parse `argv` for `command`; throws UsageError with a readable message. */
export function parse<O extends Options>(command: string, argv: string[], options: O): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (err) {
    throw new UsageError(`mpts ${command}: ${(err as Error).message}`);
  }
}

/** A positive integer option, or its default. */
export function intOption(command: string, name: string, value: string | boolean | undefined, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < 1) throw new UsageError(`mpts ${command}: --${name} must be a positive integer, got ${String(value)}`);
  return n;
}

/** A required string option. */
export function required(command: string, name: string, value: string | boolean | undefined): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`mpts ${command}: --${name} is required`);
  return value;
}
