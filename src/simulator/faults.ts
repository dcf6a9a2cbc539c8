/** Faults the simulator can inject, each as a probability per API request (0..1). */
export interface FaultRates {
  rateLimited: number;
  serverError: number;
  badGateway: number;
  unavailable: number;
  reset: number;
  truncate: number;
  hang: number;
  wrongShape: number;
  /** HTTP 401 with an HTML body, as a proxy or a locked account answers. */
  unauthorized: number;
  /** HTTP 403 with an HTML body. */
  forbidden: number;
  /** A reply that starts and then dribbles a byte at a time, never finishing. */
  trickle: number;
}

export type Fault = keyof FaultRates;

export const NO_FAULTS: FaultRates = {
  rateLimited: 0,
  serverError: 0,
  badGateway: 0,
  unavailable: 0,
  reset: 0,
  truncate: 0,
  hang: 0,
  wrongShape: 0,
  unauthorized: 0,
  forbidden: 0,
  trickle: 0,
};

/** A small seeded generator so a failing chaos run can be replayed exactly. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}

export function pickFault(rates: FaultRates, random: () => number): Fault | undefined {
  let r = random();
  for (const [fault, p] of Object.entries(rates) as Array<[Fault, number]>) {
    if (r < p) return fault;
    r -= p;
  }
  return undefined;
}
