import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type {
  Counter,
  Histogram,
  Meter,
  MeterProvider,
  MetricOptions,
  ObservableCallback,
  ObservableCounter,
  ObservableUpDownCounter,
} from '@opentelemetry/api';
import { VerifiedTokenCache } from '../cache/verified-token.cache.js';
import { COGNITO_AUTH_CONFIG } from '../cognito-auth.constants.js';
import type { CognitoAuthConfig } from '../cognito-auth.config.js';
import { CognitoRevocationService } from '../revocation/cognito-revocation.service.js';
import { CognitoEvents, type EventOutlet } from '../events/cognito-events.js';
import { BatchedHistogram } from './batched-histogram.js';
import {
  type CognitoAuthenticateEvent,
  type CognitoAuthorizeEvent,
  type CognitoJwksEvent,
} from '../events/cognito-channels.js';
import { type MetricAttributes, MetricAttributeSets } from './metric-attributes.js';

/** The meter's name: the module's package. */
export const METER_NAME = 'nestjs-cognito-auth';

/**
 * Histogram buckets in seconds. A token served from the cache takes microseconds and a new one
 * a fraction of a millisecond, so the buckets reach further down than OpenTelemetry's defaults.
 */
const AUTHENTICATE_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
/** Key-set downloads kept until the app boots: one per pool with preloadKeys; past this many, none are kept. */
const MAX_EARLY_DOWNLOADS = 1_000;
const JWKS_FETCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Instruments {
  readonly authenticateDuration: Histogram;
  readonly authorizationAttempts: ObservableCounter;
  readonly jwksFetches: Counter;
  readonly jwksFetchDuration: Histogram;
  readonly tokenCacheEntries: ObservableUpDownCounter;
  readonly revocationEntries: ObservableUpDownCounter;
}

/** Each instrument's name, unit and description, as an exporter shows them. */
const INSTRUMENT_INFO: Record<keyof Instruments, readonly [name: string, unit: string, description: string]> = {
  authenticateDuration: [
    'cognito_auth.authenticate.duration',
    's',
    'Duration of authentication attempts: a request, a message, a handshake or a verify() call',
  ],
  authorizationAttempts: [
    'cognito_auth.authorization.attempts',
    '{attempt}',
    "Authorization decisions on routes' rules, allowed or denied",
  ],
  jwksFetches: ['cognito_auth.jwks.fetches', '{fetch}', 'Key-set (JWKS) downloads'],
  jwksFetchDuration: ['cognito_auth.jwks.fetch.duration', 's', 'Duration of key-set (JWKS) downloads'],
  tokenCacheEntries: ['cognito_auth.token_cache.entries', '{entry}', 'Verified tokens kept in the token cache'],
  revocationEntries: ['cognito_auth.revocation.entries', '{entry}', 'Revocations in force that this instance knows of'],
};

/** An instrument's name and options, with its histogram buckets if it has some. */
function instrument(key: keyof Instruments, buckets?: number[]): [string, MetricOptions] {
  const [name, unit, description] = INSTRUMENT_INFO[key];
  return [name, buckets ? { unit, description, advice: { explicitBucketBoundaries: buckets } } : { unit, description }];
}

/**
 * OpenTelemetry metrics of the module, recorded from its diagnostics_channel events: the code
 * that authenticates publishes events and knows nothing of metrics.
 *
 * `@opentelemetry/api` is an optional peer, loaded with `import()` when the app boots and only
 * when `metrics` is not `false` and an SDK has registered something on the API's globals;
 * without it nothing is recorded. The global meter provider is looked up when the app boots,
 * not when this class is built: a meter taken before the SDK has registered its provider stays
 * a no-op for ever
 * (https://github.com/open-telemetry/opentelemetry-js/issues/3622).
 */
@Injectable()
export class CognitoMetricsService implements OnApplicationBootstrap, OnModuleDestroy {
  /** What this service listens to, to stop listening when the app closes. */
  private readonly unlisteners: Array<() => void> = [];
  /** Key-set downloads made before the app booted (`preloadKeys`), recorded once the meter exists. */
  private earlyDownloads?: CognitoJwksEvent[];
  private meter?: Meter;
  private instruments?: Instruments;
  /** The attempts' durations, handed to the SDK in batches (see BatchedHistogram). */
  private authenticateDurations?: BatchedHistogram;
  private attributes?: MetricAttributeSets;
  /**
   * Decisions counted here and reported when the metrics are collected: a count kept by the
   * module costs a map update per request, where a synchronous counter's `add` hashes its
   * attributes on every call. Keyed by the (shared, frozen) attribute sets.
   */
  private readonly authorizations = new Map<MetricAttributes, { count: number }>();

  constructor(
    @Inject(COGNITO_AUTH_CONFIG) private readonly config: CognitoAuthConfig,
    private readonly tokenCache: VerifiedTokenCache,
    private readonly revocation: CognitoRevocationService,
    private readonly events: CognitoEvents,
  ) {
    if (config.metrics === false) return;
    const earlyDownloads: CognitoJwksEvent[] = [];
    this.earlyDownloads = earlyDownloads;
    // Bounded, for a module that is built but never booted (a testing module that is not initialised).
    this.listen(events.jwks, (event) => {
      if (earlyDownloads.length < MAX_EARLY_DOWNLOADS) earlyDownloads.push(event);
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.metrics === false) return;
    const given = this.config.metrics.meterProvider as MeterProvider | undefined;
    const meter = given ? given.getMeter(METER_NAME) : await globalMeter();
    const early = this.earlyDownloads ?? [];
    this.unlistenAll();
    this.earlyDownloads = undefined;
    if (!meter) return;
    this.meter = meter;
    this.instruments = this.createInstruments(meter);
    this.authenticateDurations = new BatchedHistogram(this.instruments.authenticateDuration);
    this.attributes = new MetricAttributeSets([...this.config.poolsByIssuer.values()].map((pool) => pool.userPoolId));
    // This app's events only: another app in the process has metrics (or none) of its own.
    this.listen(this.events.authenticate, (event) => this.onAuthenticate(event));
    this.listen(this.events.authorize, (event) => this.onAuthorize(event));
    this.listen(this.events.jwks, (event) => this.onJwks(event));
    for (const event of early) this.onJwks(event);
  }

  onModuleDestroy(): void {
    this.unlistenAll();
    this.earlyDownloads = undefined;
    if (!this.instruments) return;
    this.authenticateDurations?.flush();
    this.authenticateDurations = undefined;
    this.meter?.removeBatchObservableCallback(this.recordPendingDurations, [this.instruments.authorizationAttempts]);
    this.instruments.authorizationAttempts.removeCallback(this.observeAuthorizations);
    this.instruments.tokenCacheEntries.removeCallback(this.observeTokenCache);
    this.instruments.revocationEntries.removeCallback(this.observeRevocations);
    this.instruments = undefined;
    this.meter = undefined;
  }

  private createInstruments(meter: Meter): Instruments {
    const instruments: Instruments = {
      authenticateDuration: meter.createHistogram(...instrument('authenticateDuration', AUTHENTICATE_BUCKETS)),
      authorizationAttempts: meter.createObservableCounter(...instrument('authorizationAttempts')),
      jwksFetches: meter.createCounter(...instrument('jwksFetches')),
      jwksFetchDuration: meter.createHistogram(...instrument('jwksFetchDuration', JWKS_FETCH_BUCKETS)),
      tokenCacheEntries: meter.createObservableUpDownCounter(...instrument('tokenCacheEntries')),
      revocationEntries: meter.createObservableUpDownCounter(...instrument('revocationEntries')),
    };
    instruments.authorizationAttempts.addCallback(this.observeAuthorizations);
    instruments.tokenCacheEntries.addCallback(this.observeTokenCache);
    instruments.revocationEntries.addCallback(this.observeRevocations);
    // Called at every collection, before the SDK reads its histograms: the batches reach it first.
    meter.addBatchObservableCallback(this.recordPendingDurations, [instruments.authorizationAttempts]);
    return instruments;
  }

  private readonly recordPendingDurations = (): void => this.authenticateDurations?.flush();

  private readonly observeAuthorizations: ObservableCallback = (result) => {
    for (const [attributes, tally] of this.authorizations) result.observe(tally.count, attributes);
  };
  private readonly observeTokenCache: ObservableCallback = (result) => result.observe(this.tokenCache.size);
  private readonly observeRevocations: ObservableCallback = (result) => result.observe(this.revocation.size);

  private onAuthenticate(event: CognitoAuthenticateEvent): void {
    this.authenticateDurations?.record(event.durationMs / 1000, this.attributes!.authenticate(event));
  }

  private onAuthorize(event: CognitoAuthorizeEvent): void {
    if (!this.attributes) return;
    const attributes = this.attributes.authorize(event);
    const tally = this.authorizations.get(attributes);
    if (tally) tally.count += 1;
    else this.authorizations.set(attributes, { count: 1 });
  }

  private onJwks(event: CognitoJwksEvent): void {
    if (!this.instruments) return;
    const attributes = this.attributes!.jwks(event);
    this.instruments.jwksFetches.add(1, attributes);
    this.instruments.jwksFetchDuration.record(event.durationMs / 1000, attributes);
  }

  private listen<E>(outlet: EventOutlet<E>, listener: (event: E) => void): void {
    outlet.listen(listener);
    this.unlisteners.push(() => outlet.unlisten(listener));
  }

  private unlistenAll(): void {
    for (const unlisten of this.unlisteners.splice(0)) unlisten();
  }
}

/**
 * The meter of the global meter provider, or undefined when `@opentelemetry/api` is not
 * installed or no SDK has registered a provider: the API alone (often installed by other
 * packages) gives a no-op meter, and recording on it would only cost the requests time.
 */
async function globalMeter(): Promise<Meter | undefined> {
  if (!openTelemetryGlobalsExist()) return undefined;
  let api: typeof import('@opentelemetry/api');
  try {
    api = await import('@opentelemetry/api');
  } catch {
    return undefined;
  }
  const meter = api.metrics.getMeterProvider().getMeter(METER_NAME);
  return meter instanceof api.createNoopMeter().constructor ? undefined : meter;
}

/**
 * `@opentelemetry/api` keeps what an SDK registers (a meter provider among them) on `globalThis`,
 * under the symbol `opentelemetry.js.api.<major version>`, which the first registration creates.
 * Without it no copy of the API has a provider to give, and an app without an SDK (on Lambda
 * above all) need not load the API at start-up to learn that.
 */
function openTelemetryGlobalsExist(): boolean {
  return Object.getOwnPropertySymbols(globalThis).some((symbol) =>
    symbol.description?.startsWith('opentelemetry.js.api.'),
  );
}
