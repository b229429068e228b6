import type { KeyObject } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import { InvalidTokenError, KeySetUnavailableError } from '../errors/cognito-auth.errors.js';
import { withTimeout } from '../errors/with-timeout.js';
import type { CognitoJwksEvent } from '../events/cognito-channels.js';
import { CHANNELS_ONLY, type EventOutlet } from '../events/cognito-events.js';
import { fetchKeySet } from './fetch-key-set.js';
import { KeySetError, type KeySetErrorType, keySetErrorTypeOf } from './key-set-error.js';
import { toRsaSigningKeys } from './rsa-signing-keys.js';

export interface JwksKeyStoreOptions {
  /** The pool whose keys these are: named in diagnostics events and the health check. */
  userPoolId: string;
  /** Where the key set is downloaded from; ignored when `keys` is given. */
  jwksUri: string;
  /** A key set given directly (`{ keys: [...] }`): nothing is ever downloaded. */
  keys?: unknown;
  timeoutMs: number;
  refetchIntervalMs: number;
  maxAgeMs: number;
  logger: LoggerService;
  /** Where each download is published: the app's events, or else the diagnostics channel alone. */
  events?: EventOutlet<CognitoJwksEvent>;
}

type KeySetDownloader = () => Promise<unknown>;

/** Why a download started: at boot, for a store with no keys yet, for an unknown kid, or because the keys aged. */
export type KeySetTrigger = CognitoJwksEvent['trigger'];

/** What the health check reads of a store. */
export interface KeyStoreState {
  readonly userPoolId: string;
  readonly keys: number;
  /** When the keys were last downloaded (epoch ms); undefined if never, or when given in the options. */
  readonly loadedAt?: number;
  /** The kind of failure of the last download, undefined when it succeeded (or none ran). */
  readonly lastError?: KeySetErrorType;
}

/**
 * The signing keys of one issuer. Downloads go through jwks-rsa; the policy is here:
 * one download in flight at a time, at most one download per `refetchIntervalMs` for unknown
 * kids or after a failure, background refresh after `maxAgeMs`, and the last good keys kept
 * when a download fails (stale keys are better than none).
 */
export class JwksKeyStore {
  private keys = new Map<string, KeyObject>();
  private loadedAt = 0;
  private inFlight?: Promise<void>;
  /** Unknown-kid refetches and retries after a failure wait until then. */
  private nextFetchAllowedAt = 0;
  private lastFetchFailed = false;
  private lastErrorType?: KeySetErrorType;
  private downloader?: Promise<KeySetDownloader>;

  constructor(private readonly options: JwksKeyStoreOptions) {
    if (options.keys !== undefined) {
      this.keys = toRsaSigningKeys((options.keys as { keys?: unknown })?.keys);
      this.loadedAt = Infinity;
    }
  }

  /** The key if it is already cached: the synchronous fast path. */
  peekKey(kid: string): KeyObject | undefined {
    const key = this.keys.get(kid);
    if (key && Date.now() - this.loadedAt >= this.options.maxAgeMs) this.refreshInBackground();
    return key;
  }

  /**
   * Whether `key` is still the key published under `kid`. A verified token is only reused
   * while this holds: not after its key left the set or was republished with other material.
   */
  isCurrent(kid: string, key: KeyObject): boolean {
    return this.keys.get(kid) === key;
  }

  async getKey(kid: string): Promise<KeyObject> {
    const cached = this.peekKey(kid);
    if (cached) return cached;
    await (this.inFlight ?? (this.mayFetchNow() ? this.refetchForUnknownKid() : undefined));
    const key = this.keys.get(kid);
    if (key) return key;
    if (this.lastFetchFailed) throw new KeySetUnavailableError(this.retryAfterSeconds());
    throw new InvalidTokenError('unknown_key', 'The token kid is not in the key set of its issuer');
  }

  /** Downloads the key set now; rejects if no keys could be had (for `preloadKeys`). */
  async load(): Promise<void> {
    await (this.inFlight ?? this.fetch('preload'));
    if (this.keys.size === 0) {
      throw new Error(`no signing keys could be loaded from ${this.options.jwksUri}`);
    }
  }

  get state(): KeyStoreState {
    return {
      userPoolId: this.options.userPoolId,
      keys: this.keys.size,
      loadedAt: this.isStatic || this.loadedAt === 0 ? undefined : this.loadedAt,
      lastError: this.lastFetchFailed ? this.lastErrorType : undefined,
    };
  }

  private get isStatic(): boolean {
    return this.options.keys !== undefined;
  }

  private mayFetchNow(): boolean {
    return !this.isStatic && Date.now() >= this.nextFetchAllowedAt;
  }

  private refetchForUnknownKid(): Promise<void> {
    // The first download of a cold store is not rate-limited; later ones for unknown kids are.
    if (this.loadedAt === 0) return this.fetch('cold');
    this.nextFetchAllowedAt = Date.now() + this.options.refetchIntervalMs;
    return this.fetch('unknown_kid');
  }

  private refreshInBackground(): void {
    if (!this.inFlight && this.mayFetchNow()) void this.fetch('refresh');
  }

  private fetch(trigger: KeySetTrigger): Promise<void> {
    if (this.isStatic) return Promise.resolve();
    const startedAt = performance.now();
    this.inFlight = this.download()
      .then(
        (keys) => {
          this.replaceKeys(keys);
          this.publish(trigger, startedAt);
        },
        (error: unknown) => {
          this.recordFailure(error);
          this.publish(trigger, startedAt);
        },
      )
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  private async download(): Promise<Map<string, KeyObject>> {
    const download = await (this.downloader ??= this.createDownloader());
    const { timeoutMs } = this.options;
    const keySet = await withTimeout(
      download(),
      timeoutMs,
      () => new KeySetError('timeout', `timed out after ${timeoutMs} ms`),
    );
    return toRsaSigningKeys(keySet, this.keys);
  }

  /**
   * jwks-rsa is loaded on the first download, not when the module loads: apps whose key sets
   * are given in the options (air-gapped apps, unit tests under jest) never load it or jose.
   */
  private async createDownloader(): Promise<KeySetDownloader> {
    const { JwksClient } = await import('jwks-rsa');
    const { jwksUri, timeoutMs } = this.options;
    const client = new JwksClient({
      jwksUri,
      timeout: timeoutMs,
      cache: false,
      rateLimit: false,
      fetcher: (uri) => fetchKeySet(uri, timeoutMs) as Promise<never>,
    });
    return () => client.getKeys();
  }

  private replaceKeys(keys: Map<string, KeyObject>): void {
    this.keys = keys;
    this.loadedAt = Date.now();
    this.lastFetchFailed = false;
  }

  private recordFailure(error: unknown): void {
    this.lastFetchFailed = true;
    this.lastErrorType = keySetErrorTypeOf(error);
    this.nextFetchAllowedAt = Date.now() + this.options.refetchIntervalMs;
    const reason = error instanceof Error ? error.message : String(error);
    const fallback = this.keys.size > 0 ? 'keeping the cached keys' : 'no keys are cached';
    this.options.logger.error(`Could not download the key set ${this.options.jwksUri} (${reason}); ${fallback}`);
  }

  /** One event per download, for subscribers only: the pool, never a key or the URL's answer. */
  private publish(trigger: KeySetTrigger, startedAt: number): void {
    const events = this.options.events ?? CHANNELS_ONLY.jwks;
    if (!events.observed) return;
    const failed = this.lastFetchFailed;
    const event: CognitoJwksEvent = {
      userPoolId: this.options.userPoolId,
      trigger,
      result: failed ? 'failure' : 'success',
      ...(failed ? { errorType: this.lastErrorType } : {}),
      durationMs: performance.now() - startedAt,
      keyCount: failed ? 0 : this.keys.size,
    };
    events.publish(event);
  }

  private retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.nextFetchAllowedAt - Date.now()) / 1000));
  }
}
