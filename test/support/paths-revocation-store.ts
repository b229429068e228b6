/**
 * A revocation store of the suites' own, as an app would write one over its database: a deny-list
 * that several apps (or an app and a Lambda authorizer) can share, with switches for the troubles
 * a real store meets (a list that is not current, reads that throw).
 */
import type { CognitoRevocableClaims, CognitoRevocationEntry, CognitoRevocationStore } from 'nestjs-cognito-auth';

export class SwitchableRevocationStore implements CognitoRevocationStore {
  readonly name = 'switchable';
  /** false: the list is stale (answered 503 under `failurePolicy: 'refuse'`). */
  isCurrent = true;
  /** true: `isRevoked` throws, as a store whose local copy is broken would. */
  failing = false;
  private readonly entries = new Map<string, number>();

  get size(): number {
    return this.entries.size;
  }

  isRevoked(claims: CognitoRevocableClaims): boolean {
    if (this.failing) throw new Error('deny-list unreadable');
    const now = Date.now();
    return [`session:${claims.origin_jti}`, `token:${claims.jti}`].some((key) => (this.entries.get(key) ?? 0) > now);
  }

  async add(entry: CognitoRevocationEntry): Promise<void> {
    this.entries.set(`${entry.kind}:${entry.id}`, entry.expiresAtMs);
  }
}
