// Python's pickle format, restricted to data: what multiprocessing connections and managers send.
// CPython: Lib/pickle.py, Modules/_pickle.c. Wire facts: shared/spec/python-wire.md, section 4.
//
// loads() never executes anything from its input: Python globals resolve only through an
// allowlist (a fixed table of builtins and exception classes, plus registerClass) to JS code of
// this package. dumps() writes protocol 4 the way CPython does, so Python peers read it natively.

export { loads, type LoadOptions } from './unpickler.js';
export { dumps, type DumpOptions } from './pickler.js';
export { registerClass, registerGlobal, type ClassBuilder, type Reduction, type Reducer } from './globals.js';
export { Tuple, tuple, FrozenSet, PyObject, PyException, PyGlobal, PyRange, PyIterator } from './types.js';
