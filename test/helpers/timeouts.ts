// Every test has a timeout, so that a hang fails instead of stalling CI. Generous: the machine is shared.
export const SHORT = 20_000;
export const LONG = 60_000;
export const HUGE = 180_000;
