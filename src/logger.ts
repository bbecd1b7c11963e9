// The library's logger: Python's multiprocessing.get_logger() and log_to_stderr(), with the levels
// of Python's logging (and multiprocessing's SUBDEBUG, SUBWARNING). CPython: Lib/multiprocessing/util.py.
// The library's own messages check the level before they format anything, so that a program
// that does not log pays one comparison.

import { ValueError } from './errors.js';

/** Python's level names: logging's, and multiprocessing's SUBDEBUG and SUBWARNING. */
export type LogLevelName = 'NOTSET' | 'SUBDEBUG' | 'DEBUG' | 'INFO' | 'SUBWARNING' | 'WARNING' | 'ERROR' | 'CRITICAL';

/** A level as Python's logging takes it: a number (`10` is DEBUG) or a name (`'DEBUG'`). */
export type LogLevel = number | LogLevelName;

const LEVELS: Readonly<Record<LogLevelName, number>> = {
  NOTSET: 0, SUBDEBUG: 5, DEBUG: 10, INFO: 20, SUBWARNING: 25, WARNING: 30, ERROR: 40, CRITICAL: 50,
};
// Python's logging names only its own levels: SUBDEBUG and SUBWARNING show as `Level 5`, `Level 25`.
const NAMES = new Map(Object.entries(LEVELS).filter(([name]) => !name.startsWith('SUB')).map(([name, level]) => [level, name]));

export const SUBDEBUG = LEVELS.SUBDEBUG;
export const DEBUG = LEVELS.DEBUG;
export const INFO = LEVELS.INFO;
const WARNING = LEVELS.WARNING;

/** One message, as a handler receives it. Python: logging.LogRecord (the fields the format uses). */
export interface LogRecord {
  /** The logger's name: 'multiprocessing'. */
  readonly name: string;
  /** The level as a number. Python: levelno */
  readonly levelno: number;
  /** The level's name ('DEBUG'), or `Level <n>` for a number without one (SUBDEBUG and SUBWARNING too), as Python's. */
  readonly levelname: string;
  /** The text logged. Python: `LogRecord.getMessage()` */
  readonly message: string;
  /** The name of the process (or worker thread) that logged: `currentProcess().name`. */
  readonly processName: string;
  /** Its pid. */
  readonly process: number;
  /** When, in ms since the epoch. */
  readonly created: number;
}

/** What receives the records a logger lets through. Python: logging.Handler */
export type LogHandler = (record: LogRecord) => void;

/** Python's multiprocessing.util.DEFAULT_LOGGING_FORMAT, the format of {@link logToStderr}. */
export const DEFAULT_LOGGING_FORMAT = '[%(levelname)s/%(processName)s] %(message)s';

/** `record` in a Python %-style format that names its fields: `%(levelname)s`, `%(message)s`, ... */
export function formatRecord(record: LogRecord, format = DEFAULT_LOGGING_FORMAT): string {
  return format.replace(/%\(([a-zA-Z]+)\)[sd]/g, (whole, key: string) => (key in record ? String(record[key as keyof LogRecord]) : whole));
}

/** `level` as a number. @throws {ValueError} ERR_MP_BAD_VALUE for a name Python's logging does not know */
function levelNumber(level: LogLevel): number {
  if (typeof level === 'number') {
    if (!Number.isInteger(level) || level < 0) throw new ValueError(`A log level is a whole number ≥ 0 or a name like 'DEBUG', got ${level}`, { code: 'ERR_MP_BAD_VALUE' });
    return level;
  }
  const number = (LEVELS as Record<string, number | undefined>)[level];
  if (number === undefined) throw new ValueError(`Unknown log level ${JSON.stringify(level)}: use one of ${Object.keys(LEVELS).join(', ')}`, { code: 'ERR_MP_BAD_VALUE' });
  return number;
}

let processName = (): string => 'MainProcess';

/** @internal Where records find the current process's name (set by process/current.ts). */
export function setProcessNameSource(source: () => string): void {
  processName = source;
}

/**
 * The logger of multiprocessing-ts, named 'multiprocessing'. Its level is NOTSET until set, which
 * lets WARNING and above through (Python's root default); it has no handler until one is added,
 * so nothing is written until someone asks. Python: the logger multiprocessing.get_logger() returns
 */
export class Logger {
  /** Always 'multiprocessing', as the logger Python's get_logger() returns. Python: `Logger.name` */
  readonly name = 'multiprocessing';
  #level = LEVELS.NOTSET;
  #handlers: LogHandler[] = [];

  /** The level set, 0 (NOTSET) if none. */
  get level(): number {
    return this.#level;
  }

  /** Let through messages at `level` and above. Python: Logger.setLevel */
  setLevel(level: LogLevel): void {
    this.#level = levelNumber(level);
  }

  /** The level in force: the one set, or WARNING. Python: Logger.getEffectiveLevel */
  getEffectiveLevel(): number {
    return this.#level === LEVELS.NOTSET ? WARNING : this.#level;
  }

  /** Whether a message at `level` would reach the handlers. Python: Logger.isEnabledFor */
  isEnabledFor(level: number): boolean {
    return level >= (this.#level === LEVELS.NOTSET ? WARNING : this.#level);
  }

  /** The handlers, in the order added. Python: Logger.handlers */
  get handlers(): readonly LogHandler[] {
    return this.#handlers;
  }

  /** Send the records let through to `handler` too (once, however often added). Python: Logger.addHandler */
  addHandler(handler: LogHandler): void {
    if (!this.#handlers.includes(handler)) this.#handlers = [...this.#handlers, handler];
  }

  /** Stop sending records to `handler`. Python: Logger.removeHandler */
  removeHandler(handler: LogHandler): void {
    this.#handlers = this.#handlers.filter((h) => h !== handler);
  }

  /** Log `message` at `level`. Python: Logger.log */
  log(level: LogLevel, message: string): void {
    const levelno = levelNumber(level);
    if (!this.isEnabledFor(levelno) || this.#handlers.length === 0) return;
    const record: LogRecord = {
      name: this.name, levelno, levelname: NAMES.get(levelno) ?? `Level ${levelno}`, message,
      processName: processName(), process: process.pid, created: Date.now(),
    };
    for (const handler of this.#handlers) handler(record);
  }

  /** Python: multiprocessing.util.sub_debug */
  subdebug(message: string): void {
    this.log(LEVELS.SUBDEBUG, message);
  }

  /** Python: Logger.debug */
  debug(message: string): void {
    this.log(LEVELS.DEBUG, message);
  }

  /** Python: Logger.info */
  info(message: string): void {
    this.log(LEVELS.INFO, message);
  }

  /** Python: multiprocessing.util.sub_warning */
  subwarning(message: string): void {
    this.log(LEVELS.SUBWARNING, message);
  }

  /** Python: Logger.warning */
  warning(message: string): void {
    this.log(WARNING, message);
  }

  /** Python: Logger.error */
  error(message: string): void {
    this.log(LEVELS.ERROR, message);
  }

  /** Python: Logger.critical */
  critical(message: string): void {
    this.log(LEVELS.CRITICAL, message);
  }
}

const logger = new Logger();

/** The package's logger ('multiprocessing'), the same object on every call. Python: multiprocessing.get_logger() */
export function getLogger(): Logger {
  return logger;
}

/** The handler {@link logToStderr} adds: one line per record on stderr. */
export const stderrHandler: LogHandler = (record) => {
  process.stderr.write(`${formatRecord(record)}\n`);
};

/**
 * Write the logger's messages to stderr as `[LEVEL/ProcessName] message`, and set its level if
 * `level` is given; returns the logger. Children started afterwards log to their stderr at the
 * same level, as in Python. Unlike Python, a second call adds no second handler.
 * Python: multiprocessing.log_to_stderr(level=None)
 */
export function logToStderr(level?: LogLevel): Logger {
  logger.addHandler(stderrHandler);
  if (level !== undefined) logger.setLevel(level);
  return logger;
}

/** @internal What a child inherits: whether it logs to stderr, and the level set (Python's spawn passes both). */
export interface LogSettings {
  readonly stderr: boolean;
  readonly level: number;
}

/** @internal This process's settings, for a child's start message; null when they are the defaults. */
export function logSettings(): LogSettings | null {
  const stderr = logger.handlers.includes(stderrHandler);
  return stderr || logger.level !== LEVELS.NOTSET ? { stderr, level: logger.level } : null;
}

/** @internal Apply the settings a parent passed on. */
export function applyLogSettings(settings: LogSettings | null | undefined): void {
  if (settings == null) return;
  if (settings.stderr) logger.addHandler(stderrHandler);
  logger.setLevel(settings.level);
}
