// Which of CPython's multiprocessing names multiprocessing-ts has: the coverage table.
//
//   node --conditions=multiprocessing-ts:source --import tsx scripts/python-coverage.ts [--write | --check]
//
// CPython's public names come from each installed CPython (3.11, 3.12, 3.13), asked at run time:
// the modules' __all__, and the public members of Process, Pool, AsyncResult, the queues,
// Connection, Listener, the synchronize classes, shared_memory, sharedctypes' wrappers, the
// managers and the proxies (their `_exposed_` names). Each is looked up in our public API (read
// from the TypeScript sources with the compiler's type checker) under its camelCase name, or
// under the name RULES gives it, or marked not applicable, with why. A name RULES claims that is
// not in our API is an error. --write puts the table in docs/python-coverage.md; --check fails when
// that file is stale; with neither, it prints the table.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const TABLE_FILE = `${ROOT}docs/python-coverage.md`;
export const PYTHONS = ['python3', 'python3.12', 'python3.13'];
const PYENV = { PYENV_VERSION: '3.11.7:3.12.1:3.13.0' };

// --- CPython's side -----------------------------------------------------------------------------

/** One group of Python names: a module's __all__ or a class's public members. */
export interface PyGroup {
  /** How the table titles it, e.g. `multiprocessing` or `Pool`. */
  readonly title: string;
  readonly names: string[];
}

const PYTHON_LISTER = String.raw`
import json, sys
import multiprocessing as mp, multiprocessing.pool as pool, multiprocessing.queues as queues
import multiprocessing.connection as connection, multiprocessing.synchronize as sync
import multiprocessing.shared_memory as shm, multiprocessing.sharedctypes as sharedctypes
import multiprocessing.managers as managers, multiprocessing.process as process

def public(cls, minus=None, extra=()):
    names = {n for n in dir(cls) if not n.startswith('_')} | set(extra)
    if minus is not None:
        names -= {n for n in dir(minus) if not n.startswith('_')}
    return sorted(names)

# Lock and its kin set acquire/release on the instance; managers set shutdown on start().
acquirer = ('acquire', 'release', '__enter__')
groups = [
    ('multiprocessing', sorted(mp.__all__)),
    ('Process', public(process.BaseProcess)),
    ('multiprocessing.pool', sorted(pool.__all__)),
    ('Pool', public(pool.Pool, extra=('__enter__',))),
    ('AsyncResult', public(pool.ApplyResult)),
    ('IMapIterator', public(pool.IMapIterator, extra=('__iter__',))),
    ('Queue', public(queues.Queue)),
    ('JoinableQueue', public(queues.JoinableQueue, queues.Queue)),
    ('SimpleQueue', public(queues.SimpleQueue)),
    ('multiprocessing.connection', sorted(connection.__all__)),
    ('Connection (Listener, Client)', public(connection.Connection)),
    ('Connection (Pipe)', public(connection.Connection)),
    ('Listener', public(connection.Listener)),
    ('Lock', public(sync.Lock, extra=acquirer)),
    ('RLock', public(sync.RLock, extra=acquirer)),
    ('Semaphore', public(sync.Semaphore, extra=acquirer)),
    ('BoundedSemaphore', public(sync.BoundedSemaphore, extra=acquirer)),
    ('Condition', public(sync.Condition, extra=acquirer)),
    ('Event', public(sync.Event)),
    ('Barrier', public(sync.Barrier)),
    ('multiprocessing.sharedctypes', sorted(sharedctypes.__all__)),
    ('Value (synchronized)', public(sharedctypes.Synchronized)),
    ('Array (synchronized)', public(sharedctypes.SynchronizedArray)),
    ('multiprocessing.shared_memory', sorted(shm.__all__)),
    ('SharedMemory', public(shm.SharedMemory)),
    ('ShareableList', public(shm.ShareableList, extra=('shm',))),
    ('multiprocessing.managers', sorted(managers.__all__)),
    ('BaseManager', public(managers.BaseManager, extra=('shutdown', '_number_of_objects', '_debug_info', '__enter__'))),
    ('SyncManager', public(managers.SyncManager, managers.BaseManager)),
    ('SharedMemoryManager', public(managers.SharedMemoryManager, managers.BaseManager)),
    ('BaseProxy', ['_callmethod', '_getvalue']),
]
for name in ('DictProxy', 'ListProxy', 'NamespaceProxy', 'ValueProxy', 'ArrayProxy', 'AcquirerProxy', 'ConditionProxy',
             'EventProxy', 'BarrierProxy', 'IteratorProxy', 'PoolProxy'):
    cls = getattr(managers, name)
    extra = ('value',) if name == 'ValueProxy' else ('parties', 'n_waiting', 'broken') if name == 'BarrierProxy' else ()
    groups.append((name, sorted(set(cls._exposed_) | set(extra))))
print(json.dumps({'version': '%d.%d' % sys.version_info[:2], 'groups': groups}))
`;

/** The version and groups one CPython reports; undefined when that CPython is not installed. */
function listPython(python: string): { version: string; groups: [string, string[]][] } | undefined {
  const ran = spawnSync(python, ['-c', PYTHON_LISTER], { env: { ...process.env, ...PYENV }, encoding: 'utf8', timeout: 60_000 });
  if (ran.status !== 0) return undefined;
  return JSON.parse(ran.stdout) as { version: string; groups: [string, string[]][] };
}

/** The groups of every installed CPython, merged; `since` notes names not in every version. */
export function pythonNames(pythons = PYTHONS): { versions: string[]; groups: PyGroup[]; since: Map<string, string[]> } {
  const versions: string[] = [];
  const byTitle = new Map<string, Map<string, string[]>>();
  for (const python of pythons) {
    const listed = listPython(python);
    if (listed === undefined) continue;
    versions.push(listed.version);
    for (const [title, names] of listed.groups) {
      const group = byTitle.get(title) ?? new Map<string, string[]>();
      byTitle.set(title, group);
      for (const name of names) group.set(name, [...(group.get(name) ?? []), listed.version]);
    }
  }
  const since = new Map<string, string[]>();
  const groups = [...byTitle].map(([title, names]) => {
    for (const [name, vs] of names) if (vs.length < versions.length) since.set(`${title}.${name}`, vs);
    return { title, names: [...names.keys()].sort() };
  });
  return { versions, groups, since };
}

// --- our side -----------------------------------------------------------------------------------

/** Where a group's names are looked up: an entry point's exports, or the members of an exported class. */
export interface Target {
  /** `index` (multiprocessing-ts) or `connection` (multiprocessing-ts/connection). */
  readonly entry: 'index' | 'connection';
  /** An exported class (its instance and static members), or undefined for the entry's exports. */
  readonly symbol?: string;
}

/** Where each group is looked up, where it is not the class of the same name in `multiprocessing-ts`. */
const TARGETS: Record<string, Target> = {
  'multiprocessing': { entry: 'index' },
  'multiprocessing.pool': { entry: 'index' },
  'multiprocessing.connection': { entry: 'connection' },
  'multiprocessing.sharedctypes': { entry: 'index' },
  'multiprocessing.shared_memory': { entry: 'index' },
  'multiprocessing.managers': { entry: 'index' },
  'IMapIterator': { entry: 'index', symbol: 'Pool' },
  'Connection (Listener, Client)': { entry: 'connection', symbol: 'Connection' },
  'Connection (Pipe)': { entry: 'index', symbol: 'Connection' },
  'Listener': { entry: 'connection', symbol: 'Listener' },
  'Value (synchronized)': { entry: 'index', symbol: 'SharedValue' },
  'Array (synchronized)': { entry: 'index', symbol: 'SharedArrayView' },
};

function targetOf(title: string): Target {
  return TARGETS[title] ?? { entry: 'index', symbol: title };
}

const ENTRIES = { index: `${ROOT}src/index.ts`, connection: `${ROOT}src/connection.ts` };

/** What the coverage needs to know of our API. */
export interface Api {
  has(target: Target, name: string): boolean;
}

/** The public names of our API, per target: read with the TypeScript checker, nothing run. */
export class OurApi implements Api {
  readonly #checker: ts.TypeChecker;
  readonly #exports = new Map<string, Map<string, ts.Symbol>>();

  constructor() {
    const program = ts.createProgram(Object.values(ENTRIES), {
      target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
      customConditions: ['multiprocessing-ts:source'], strict: true, noEmit: true, skipLibCheck: true, types: ['node'],
    });
    this.#checker = program.getTypeChecker();
    for (const [entry, file] of Object.entries(ENTRIES)) {
      const source = program.getSourceFile(file);
      const module = source === undefined ? undefined : this.#checker.getSymbolAtLocation(source);
      if (module === undefined) throw new Error(`cannot read the exports of ${file}`);
      this.#exports.set(entry, new Map(this.#checker.getExportsOfModule(module).map((s) => [s.name, s])));
    }
  }

  /** Whether `name` is an export of the target's entry, or a member (instance or static) of its class. */
  has(target: Target, name: string): boolean {
    const exports = this.#exports.get(target.entry) as Map<string, ts.Symbol>;
    if (target.symbol === undefined) return exports.has(name);
    return this.members(target).has(name);
  }

  /** The instance and static members of the target's class (empty when we have no such class). */
  members(target: Target): Set<string> {
    const exported = this.#exports.get(target.entry)?.get(target.symbol ?? '');
    if (exported === undefined) return new Set();
    const symbol = exported.flags & ts.SymbolFlags.Alias ? this.#checker.getAliasedSymbol(exported) : exported;
    const names = new Set<string>();
    const add = (type: ts.Type): void => {
      for (const p of this.#checker.getPropertiesOfType(type)) {
        if (p.name.startsWith('#') || p.name === 'prototype') continue;
        names.add(p.name.startsWith('__@') ? `[Symbol.${p.name.slice(3).replace(/@\d+$/, '')}]` : p.name);
      }
    };
    add(this.#checker.getDeclaredTypeOfSymbol(symbol));
    const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
    if (declaration !== undefined) add(this.#checker.getTypeOfSymbolAtLocation(symbol, declaration));
    return names;
  }
}

// --- the mapping ----------------------------------------------------------------------------------

type Rule =
  /** Our name for it (and how it differs), where it is not the plain camelCase one; `entry`: exported there instead. */
  | { ts: string; note?: string; entry?: Target['entry'] }
  /** Not applicable here, and why. */
  | { na: string };

const FORK = 'Node cannot fork: every child is a fresh process (Python\'s spawn) or a worker thread';
const PY_CALLABLE = 'takes Python functions: a TypeScript program has none to send';

/** Keyed `group.name`; `*.name` applies to every group. */
const RULES: Record<string, Rule> = {
  '*.__enter__': { ts: '[Symbol.asyncDispose]', note: '`await using`' },
  '*.__iter__': { ts: '[Symbol.asyncIterator]', note: '`for await`' },
  // multiprocessing
  'multiprocessing.Array': { ts: 'SharedArray', note: '`Array` is JavaScript\'s' },
  'multiprocessing.allow_connection_pickling': { na: 'connections always travel to children, as live handles' },
  'multiprocessing.freeze_support': { na: 'for frozen Windows executables' },
  'multiprocessing.get_all_start_methods': { na: `start methods are our backends ('process', 'thread'): getContext(kind). ${FORK}` },
  'multiprocessing.get_start_method': { na: 'start methods are our backends: the entry point (`multiprocessing-ts` or `/threads`) or getContext(kind) chooses' },
  'multiprocessing.set_start_method': { na: 'start methods are our backends: the entry point (`multiprocessing-ts` or `/threads`) or getContext(kind) chooses' },
  'multiprocessing.set_forkserver_preload': { ts: 'setForkserverPreload', note: 'the modules every warm child imports while it waits (warm children are our forkserver)' },
  'multiprocessing.set_executable': { na: 'children run the same Node (process.execPath), with its flags' },
  'multiprocessing.reducer': { ts: 'registerHandleType', note: 'how a class travels to children' },
  'Process.sentinel': { na: 'an fd to wait on: `await p.join()` instead' },
  'Process.authkey': { na: 'children get the keys of what they are given (managers, connections) with it' },
  ...Object.fromEntries(['Lock', 'RLock', 'Semaphore', 'BoundedSemaphore', 'Condition'].map((c) => [`${c}.__enter__`, { ts: 'withLock', note: '`withLock(fn)`, `withLockSync(fn)`' }])),
  'Pool.Process': { na: 'the pool\'s process class: pools start their workers on their backend' },
  'IMapIterator.next': { ts: 'imap', note: 'imap() and imapUnordered() return async iterables' },
  'IMapIterator.__iter__': { ts: 'imap', note: '`for await (const r of pool.imap(...))`' },
  'Queue.cancel_join_thread': { ts: 'cancelJoinThread', note: 'a process waits at exit only for its large messages (handed over in segments) to be taken' },
  'multiprocessing.connection.Pipe': { ts: 'Pipe', entry: 'index', note: 'from `multiprocessing-ts` (shared memory; Listener/Client are sockets)' },
  'Connection (Listener, Client).fileno': { na: 'an fd for select(): wait() takes the connections themselves' },
  'Connection (Pipe).fileno': { na: 'an fd for select(): wait() takes the connections themselves' },
  'multiprocessing.sharedctypes.Array': { ts: 'SharedArray', note: '`Array` is JavaScript\'s' },
  'BaseManager.join': { ts: 'join', note: 'resolves once the in-process server has stopped' },
  'BaseManager._number_of_objects': { ts: 'numberOfObjects' },
  'BaseManager._debug_info': { ts: 'debugInfo' },
  'SyncManager.Pool': { na: PY_CALLABLE },
  'BaseProxy._callmethod': { ts: 'callMethod' },
  'BaseProxy._getvalue': { ts: 'getValue' },
  'DictProxy.__contains__': { ts: 'has' },
  'DictProxy.__delitem__': { ts: 'delete' },
  'DictProxy.__getitem__': { ts: 'getItem', note: '`get(key)` is Python\'s `d.get(key)`' },
  'DictProxy.__len__': { ts: 'len' },
  'DictProxy.__setitem__': { ts: 'set' },
  'ListProxy.__add__': { ts: 'concat', note: '`l + items`, as an Array' },
  'ListProxy.__contains__': { ts: 'includes' },
  'ListProxy.__delitem__': { ts: 'delete' },
  'ListProxy.__getitem__': { ts: 'get', note: 'and `slice(start, stop, step)`' },
  'ListProxy.__imul__': { ts: 'repeatInPlace', note: '`l *= n`' },
  'ListProxy.__len__': { ts: 'len' },
  'ListProxy.__mul__': { ts: 'repeat', note: '`l * n`, as an Array' },
  'ListProxy.__rmul__': { ts: 'repeat', note: '`n * l`, as an Array' },
  'ListProxy.__reversed__': { ts: 'reversed', note: 'as an Array' },
  'ListProxy.__setitem__': { ts: 'set', note: 'and `setSlice(start, stop, items)`' },
  'NamespaceProxy.__getattribute__': { ts: 'get', note: '`ns.get(name)`' },
  'NamespaceProxy.__setattr__': { ts: 'set' },
  'NamespaceProxy.__delattr__': { ts: 'delete' },
  'ValueProxy.value': { ts: 'get', note: 'and `set(value)`' },
  'ArrayProxy.__len__': { ts: 'len' },
  'ArrayProxy.__getitem__': { ts: 'get', note: 'and `slice(start, stop, step)`' },
  'ArrayProxy.__setitem__': { ts: 'set' },
  'BarrierProxy.__getattribute__': { ts: 'parties', note: '`parties()`, `nWaiting()`, `broken()`' },
  'IteratorProxy.__next__': { ts: 'next' },
  'PoolProxy.*': { na: PY_CALLABLE },
};

/** Python's snake_case name in our camelCase. */
export function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export type Status = 'same' | 'renamed' | 'n/a' | 'missing';

export interface Row {
  readonly group: string;
  readonly python: string;
  readonly ours: string | undefined;
  readonly status: Status;
  readonly note: string;
}

/** Each Python name with what we have for it. Throws when a rule names something our API lacks. */
export function coverage(groups: readonly PyGroup[], api: Api, since = new Map<string, string[]>()): Row[] {
  const rows: Row[] = [];
  for (const group of groups) {
    const target = targetOf(group.title);
    for (const python of group.names) {
      const specific = RULES[`${group.title}.${python}`] ?? RULES[`${group.title}.*`];
      // A `*.name` rule says what such a name is called where we have it; elsewhere it is missing.
      const general = RULES[`*.${python}`];
      const rule = specific ?? (general !== undefined && 'ts' in general && api.has(target, general.ts) ? general : undefined);
      const versions = since.get(`${group.title}.${python}`);
      const only = versions === undefined ? '' : `Python ${versions.join(', ')} only. `;
      if (rule !== undefined && 'na' in rule) {
        rows.push({ group: group.title, python, ours: undefined, status: 'n/a', note: only + rule.na });
        continue;
      }
      if (rule !== undefined) {
        const where = rule.entry === undefined ? target : { entry: rule.entry };
        if (!api.has(where, rule.ts)) throw new Error(`the coverage rule for ${group.title}.${python} names ${rule.ts}, which our API does not have`);
        rows.push({ group: group.title, python, ours: rule.ts, status: 'renamed', note: only + (rule.note ?? '') });
        continue;
      }
      const name = general !== undefined && 'ts' in general ? general.ts : camel(python);
      const found = api.has(target, name);
      rows.push({ group: group.title, python, ours: found ? name : undefined, status: found ? (name === python ? 'same' : 'renamed') : 'missing', note: (only + (found ? '' : `would be \`${name}\``)).trim() });
    }
  }
  return rows;
}

const MARK: Record<Status, string> = { same: '✅', renamed: '✅', 'n/a': '—', missing: '❌' };

/** The table, as markdown. */
export function renderTable(rows: readonly Row[], versions: readonly string[]): string {
  const count = (s: Status): number => rows.filter((r) => r.status === s).length;
  const out = [
    '# CPython\'s multiprocessing API in multiprocessing-ts',
    '',
    `Generated by \`scripts/python-coverage.ts\` from CPython ${versions.join(', ')} (their public names: the modules' \`__all__\`, the public members of each class, the proxies' exposed methods) and our TypeScript API. Names are camelCase here (\`apply_async\` → \`applyAsync\`); everything that waits returns a Promise. ✅ we have it (under the name shown), — not applicable here (the note says why), ❌ missing.`,
    '',
    `**${count('same') + count('renamed')} present, ${count('n/a')} not applicable, ${count('missing')} missing** (of ${rows.length}).`,
  ];
  for (const title of [...new Set(rows.map((r) => r.group))]) {
    out.push('', `## ${title}`, '', '| Python | TypeScript | | Note |', '| --- | --- | --- | --- |');
    for (const r of rows.filter((x) => x.group === title)) {
      out.push(`| \`${r.python}\` | ${r.ours === undefined ? '' : `\`${r.ours}\``} | ${MARK[r.status]} | ${r.note.replace(/\|/g, '\\|')} |`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** Build the table now: [markdown, rows, the CPython versions asked]. */
export function build(): [string, Row[], string[]] {
  const { versions, groups, since } = pythonNames();
  if (versions.length === 0) throw new Error('no CPython found (python3, python3.12, python3.13)');
  const rows = coverage(groups, new OurApi(), since);
  return [renderTable(rows, versions), rows, versions];
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [flag, ...rest] = process.argv.slice(2);
  if (flag === '--members') {
    // (For writing rules: the members of one of our classes.)
    console.log([...new OurApi().members({ entry: (rest[1] ?? 'index') as Target['entry'], symbol: rest[0] })].sort().join(' '));
  } else {
    const [table] = build();
    if (flag === '--write') writeFileSync(TABLE_FILE, table);
    else if (flag === '--check' && readFileSync(TABLE_FILE, 'utf8') !== table) {
      console.error(`${TABLE_FILE} is stale: run node --conditions=multiprocessing-ts:source --import tsx scripts/python-coverage.ts --write`);
      process.exit(1);
    } else if (flag === undefined) process.stdout.write(table);
  }
}
