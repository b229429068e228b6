import type { Channel } from 'node:diagnostics_channel';
import { Injectable } from '@nestjs/common';
import {
  authenticateChannel,
  authorizeChannel,
  type CognitoAuthenticateEvent,
  type CognitoAuthorizeEvent,
  type CognitoJwksEvent,
  jwksChannel,
} from './cognito-channels.js';

type Listener<E> = (event: E) => void;

/**
 * One kind of event of one app: published on its process-wide diagnostics channel when someone
 * subscribes there, and handed to the app's own listeners (its metrics), which therefore see
 * this app's events only, however many apps share the process.
 */
export class EventOutlet<E> {
  private listeners: readonly Listener<E>[] = [];

  constructor(private readonly channel: Channel) {}

  /** Whether anyone would see an event: only then is it worth building. */
  get observed(): boolean {
    return this.listeners.length > 0 || this.channel.hasSubscribers;
  }

  publish(event: E): void {
    if (this.channel.hasSubscribers) this.channel.publish(event);
    for (const listener of this.listeners) listener(event);
  }

  listen(listener: Listener<E>): void {
    this.listeners = [...this.listeners, listener];
  }

  unlisten(listener: Listener<E>): void {
    this.listeners = this.listeners.filter((kept) => kept !== listener);
  }
}

/** The events an app's metrics count, per app (see `EventOutlet`). */
@Injectable()
export class CognitoEvents {
  readonly authenticate = new EventOutlet<CognitoAuthenticateEvent>(authenticateChannel);
  readonly authorize = new EventOutlet<CognitoAuthorizeEvent>(authorizeChannel);
  readonly jwks = new EventOutlet<CognitoJwksEvent>(jwksChannel);
}

/** Where events go from code without an app of its own (the Lambda authorizer): the diagnostics channels alone. */
export const CHANNELS_ONLY = new CognitoEvents();
