// Type tests, compiled by `npm run typecheck`: wrong calls must not compile.
import { Process, moduleTargets, fromModule, getWarmChildren, setForkserverPreload, setWarmChildren, stopWarmChildren, warmChildrenReady } from 'multiprocessing-ts';

const tasks = moduleTargets<typeof import('../fixtures/tasks.js')>(new URL('../fixtures/tasks.ts', import.meta.url));

new Process({ target: (n: number, s: string) => `${n}${s}`, args: [1, 'a'] });
new Process({ target: () => {} });
new Process();
new Process({ target: tasks.exitWith, args: [3] });
new Process({ target: fromModule<(n: number) => void>('./x.js', 'f'), args: [1] });
// Untyped: any arguments.
new Process({ target: fromModule('./x.js', 'f'), args: [1, 'two'] });

// @ts-expect-error: wrong argument type
new Process({ target: (n: number) => n, args: ['one'] });
// @ts-expect-error: arguments missing
new Process({ target: (n: number) => n });
// @ts-expect-error: too many arguments
new Process({ target: (n: number) => n, args: [1, 2] });
// @ts-expect-error: a module export with the wrong argument type
new Process({ target: tasks.exitWith, args: ['3'] });
// @ts-expect-error: not a function export
void tasks.notAFunction;
// @ts-expect-error: args must be an array
new Process({ target: () => {}, args: 1 });

setWarmChildren(2);
const warm: number = getWarmChildren();
const stopped: Promise<void> = stopWarmChildren();
const ready: Promise<void> = warmChildrenReady();
void [warm, stopped, ready];
// @ts-expect-error: a count, not a string
setWarmChildren('2');
// @ts-expect-error: a count is required
setWarmChildren();
setForkserverPreload(['./tasks.ts', new URL('file:///app/work.js'), 'lodash-es']);
// @ts-expect-error: a list of modules, not one
setForkserverPreload('./tasks.ts');
