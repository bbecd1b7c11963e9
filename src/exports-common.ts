// Names that are the same on every backend: errors, target helpers, process introspection.
export * from './errors.js';
export { fromModule, moduleTargets, isModuleTarget } from './codec/targets.js';
export type { Target, ModuleTarget, ModuleTargets, TargetArgs, TargetResult, TargetFunction, AnyFunction } from './codec/targets.js';
export { registerHandleType } from './codec/handles.js';
export type { HandleType } from './codec/handles.js';
export { BaseProcess } from './process/process.js';
export type { ProcessOptions } from './process/process.js';
export { activeChildren } from './process/process.js';
export { currentProcess, parentProcess, cpuCount, isMain } from './process/current.js';
export type { ProcessInfo, ParentInfo } from './process/current.js';
export { getContext } from './context.js';
export type { Context } from './context.js';
export type { BackendKind } from './backends/index.js';
export { BasePool } from './pool/pool.js';
export type { PoolOptions, ApplyOptions, MapOptions } from './pool/pool.js';
export { AsyncResult } from './pool/async-result.js';
export type { PoolStats, TimeSummary } from './pool/stats.js';
