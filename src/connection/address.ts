// Address and authkey checks shared by everything that listens: Listener, the manager server.

import { isIP } from 'node:net';

/** True for a host name that only this machine can reach: no authkey is needed to listen there. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** An authkey as bytes: strings are taken as UTF-8. */
export function keyOf(authkey: string | Uint8Array | undefined): Uint8Array | undefined {
  if (authkey === undefined) return undefined;
  if (typeof authkey === 'string') return Buffer.from(authkey);
  if (authkey instanceof Uint8Array) return authkey;
  throw new TypeError('Expected "authkey" to be a string or a Uint8Array');
}
