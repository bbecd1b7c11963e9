// How much shared memory one segment may take: no more than the machine can give now. A memfd has
// no size limit of its own and posix_fallocate commits every page, so a segment larger than the
// free memory would bring the kernel's OOM killer (which may pick another process); this turns
// it into a MemoryError before anything is reserved. MPTS_SHM_MAX_BYTES sets the limit instead.

import { freemem } from 'node:os';
import { MemoryError, ValueError } from '../errors.js';

const ENV = 'MPTS_SHM_MAX_BYTES';

function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${n.toFixed(1)} ${units[i]}`;
}

// Below this a segment is not checked against the free memory (reading it costs more than making
// a small segment): no machine that runs Node lacks that much.
const ALWAYS_FITS = 16 << 20;

// The limit and where it comes from, or undefined when `size` needs no check.
function limit(size: number): { bytes: number; source: string } | undefined {
  const configured = process.env[ENV];
  if (configured !== undefined && configured !== '') {
    const bytes = Number(configured);
    if (!Number.isSafeInteger(bytes) || bytes <= 0) {
      throw new ValueError(`${ENV} must be a positive whole number of bytes, got ${JSON.stringify(configured)}`, { code: 'ERR_MP_BAD_VALUE' });
    }
    return { bytes, source: `the limit set by ${ENV}` };
  }
  if (size < ALWAYS_FITS) return undefined;
  // availableMemory() counts a cgroup's limit too (containers); Node 20 before 20.13 lacks it.
  const available = (process as { availableMemory?: () => number }).availableMemory?.() ?? freemem();
  return { bytes: available, source: 'the memory available now' };
}

/** Throws MemoryError when a segment of `size` bytes is more than the machine can give. */
export function checkSegmentSize(size: number): void {
  const found = limit(size);
  if (found === undefined || size <= found.bytes) return;
  const { bytes, source } = found;
  throw new MemoryError(
    `A shared memory segment of ${formatBytes(size)} (${size} bytes) is more than ${source} (${formatBytes(bytes)}), so nothing was reserved. ` +
      `Ask for less, or set ${ENV} to the number of bytes one segment may take`,
    { code: 'ERR_MP_NO_MEMORY' },
  );
}
