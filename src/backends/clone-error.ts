// Turns a structured-clone failure into the PicklingError the API promises.
import { PicklingError } from '../errors.js';

export function asPicklingError(err: unknown, what: string): unknown {
  if (err instanceof Error && (err.name === 'DataCloneError' || /could not be cloned|DataCloneError/.test(err.message))) {
    return new PicklingError(
      `Cannot send ${what} to another process or thread: ${err.message}. ` +
        'Arguments must be structured-clone data (no functions or class instances) or library objects such as Queue and Lock',
      { code: 'ERR_MP_UNPICKLABLE_ARGS', cause: err },
    );
  }
  return err;
}
