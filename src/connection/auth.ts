// The HMAC challenge both ways, in CPython's two forms: raw HMAC-MD5 over a 20-byte message
// (Python ≤ 3.11) and '{digest}'-prefixed HMACs (3.12+, SHA-256 by default). We deliver the
// modern form and accept both; we answer whichever form we are asked. Comparison is constant-time.
// CPython: deliver_challenge / answer_challenge in Lib/multiprocessing/connection.py (gh-61460).

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthenticationError } from '../errors.js';

export const CHALLENGE = Buffer.from('#CHALLENGE#');
export const WELCOME = Buffer.from('#WELCOME#');
export const FAILURE = Buffer.from('#FAILURE#');
const HANDSHAKE_MAX = 256;

// Python's names → Node's.
const DIGESTS: Record<string, string> = { md5: 'md5', sha256: 'sha256', sha384: 'sha384', sha3_256: 'sha3-256', sha3_384: 'sha3-384' };

/** The two operations the handshake needs from a connection. */
export interface HandshakeIO {
  sendBytes(data: Uint8Array): void;
  recvBytes(maxlength?: number): Promise<Uint8Array>;
}

function hmac(digest: string, key: Uint8Array, data: Uint8Array): Buffer {
  return createHmac(digest, key).update(data).digest();
}

function parsePrefixed(data: Buffer): { name: string; rest: Buffer } | undefined {
  if (data[0] !== 0x7b) return undefined; // '{'
  const close = data.subarray(0, 10).indexOf(0x7d); // '}' within the first 10 bytes, as CPython looks
  if (close < 0) return undefined;
  const name = data.subarray(1, close).toString('latin1');
  if (!(name in DIGESTS)) return undefined;
  return { name, rest: data.subarray(close + 1) };
}

/** The answer to a challenge `message` (the bytes after '#CHALLENGE#'). */
export function createResponse(authkey: Uint8Array, message: Buffer): Buffer {
  if (message.length < 20) throw new AuthenticationError(`The challenge is too short (${message.length} bytes): the peer is not a multiprocessing peer`, { code: 'ERR_MP_AUTH' });
  if (message.length === 20) return hmac('md5', authkey, message);
  const parsed = parsePrefixed(message);
  if (parsed === undefined) throw new AuthenticationError('The challenge names no digest this side supports', { code: 'ERR_MP_AUTH' });
  return Buffer.concat([Buffer.from(`{${parsed.name}}`), hmac(DIGESTS[parsed.name]!, authkey, message)]);
}

/** Whether `response` proves knowledge of `authkey` for our `message`. */
export function verifyResponse(authkey: Uint8Array, message: Buffer, response: Buffer): boolean {
  let expected: Buffer;
  let mac: Buffer;
  if (response.length === 16 || response.length === 20) {
    expected = hmac('md5', authkey, message);
    mac = response;
  } else {
    const parsed = parsePrefixed(response);
    if (parsed === undefined) return false;
    expected = hmac(DIGESTS[parsed.name]!, authkey, message);
    mac = parsed.rest;
  }
  return mac.length === expected.length && timingSafeEqual(mac, expected);
}

/** Send a challenge and check the answer; replies #WELCOME# or #FAILURE#. */
export async function deliverChallenge(io: HandshakeIO, authkey: Uint8Array): Promise<void> {
  const message = Buffer.concat([Buffer.from('{sha256}'), randomBytes(40)]);
  io.sendBytes(Buffer.concat([CHALLENGE, message]));
  const response = Buffer.from(await io.recvBytes(HANDSHAKE_MAX));
  if (verifyResponse(authkey, message, response)) {
    io.sendBytes(WELCOME);
    return;
  }
  io.sendBytes(FAILURE);
  throw new AuthenticationError('digest received was wrong: the peer does not have the same authkey', { code: 'ERR_MP_AUTH' });
}

/** Answer the peer's challenge; throws if the peer rejects the answer. */
export async function answerChallenge(io: HandshakeIO, authkey: Uint8Array): Promise<void> {
  const challenge = Buffer.from(await io.recvBytes(HANDSHAKE_MAX));
  if (!challenge.subarray(0, CHALLENGE.length).equals(CHALLENGE)) {
    throw new AuthenticationError('The peer did not send a challenge: it is not a multiprocessing peer, or expects no authkey', { code: 'ERR_MP_AUTH' });
  }
  io.sendBytes(createResponse(authkey, challenge.subarray(CHALLENGE.length)));
  const verdict = Buffer.from(await io.recvBytes(HANDSHAKE_MAX));
  if (!verdict.equals(WELCOME)) {
    throw new AuthenticationError('digest sent was rejected: the peer has a different authkey', { code: 'ERR_MP_AUTH' });
  }
}
