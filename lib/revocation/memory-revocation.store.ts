import { RevocationUnavailableError } from '../errors/cognito-auth.errors.js';
import type {
  CognitoRevocableClaims,
  CognitoRevocationStore,
  CognitoRevocationStoreContext,
} from '../interfaces/cognito-revocation.interface.js';
import { type RevocationEntry, RevocationList } from './revocation-list.js';

/** Seconds a client is told to wait when the list is full: entries leave as their tokens expire. */
export const FULL_RETRY_AFTER_SECONDS = 60;

export function listFullError(maxEntries: number): RevocationUnavailableError {
  return new RevocationUnavailableError(
    FULL_RETRY_AFTER_SECONDS,
    `The deny-list holds its maximum of ${maxEntries} revocations in force; nothing was revoked`,
  );
}

/** The default store: one process, bounded by `maxEntries`. */
export class MemoryRevocationStore implements CognitoRevocationStore {
  readonly name = 'memory';
  readonly isCurrent = true;
  private readonly list = new RevocationList();
  private notify: CognitoRevocationStoreContext['notify'] = () => undefined;

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.list.size;
  }

  isRevoked(claims: CognitoRevocableClaims): boolean {
    return this.list.isRevoked(claims);
  }

  async add(entry: RevocationEntry): Promise<void> {
    if (!this.list.tryAdd(entry, this.maxEntries, Date.now())) throw listFullError(this.maxEntries);
  }

  sweep(nowMs: number): void {
    const before = this.list.size;
    this.list.sweep(nowMs);
    if (this.list.size < before) this.notify('pruned');
  }

  start(context: CognitoRevocationStoreContext): void {
    this.notify = context.notify;
  }
}
