import type { CognitoRevocableClaims } from '../interfaces/cognito-revocation.interface.js';
import type { RevocationEntry } from './revocation-list.js';

/** Where revocations are kept. Every store answers `isRevoked` from memory, synchronously. */
export interface RevocationStore {
  /** Called on every request: a local lookup, never a network round trip. */
  isRevoked(claims: CognitoRevocableClaims): boolean;
  /** False while the list may miss revocations made elsewhere (Redis unreachable, not yet reloaded). */
  readonly isCurrent: boolean;
  readonly size: number;
  /** Resolves once the revocation is in force everywhere the store reaches. */
  add(entry: RevocationEntry): Promise<void>;
  /** Drops the entries whose tokens have expired. */
  sweep(nowMs: number): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}
