import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import { CognitoFallbackGuard } from '../cognito-fallback.guard.js';
import { InvalidRequestError } from '../errors/cognito-auth.errors.js';
import { logOnce } from '../errors/log-once.js';
import { loadWebSocketSupport, websocketContext } from './websocket.context.js';
import { toAnswer } from '../errors/failure-answer.js';

/** What `@WebSocketGateway()` marks a class with (`@nestjs/websockets`' `GATEWAY_METADATA`). */
const GATEWAY_METADATA = 'websockets:is_gateway';
/** Where `@UseGuards()` keeps a class's guards (`@nestjs/common`'s `GUARDS_METADATA`). */
const GUARDS_METADATA = '__guards__';

/** Each running app's global guard (null: the app binds the guard per route), by its HTTP server. */
const guardsByServer = new Map<object, CanActivate | null>();
const logger = new Logger('CognitoAuth');

/**
 * The guard put on gateway classes. Class metadata is shared by every app of the process, so it
 * holds no app of its own: it hands each message to the guard of the app whose server received
 * it (socket.io keeps that server on every socket).
 */
const gatewayGuard: CanActivate = {
  canActivate(context: ExecutionContext) {
    const server: object | undefined = context.getArgByIndex(0)?.nsp?.server?.httpServer;
    let guard = server && guardsByServer.get(server);
    // A gateway on a port of its own, or an adapter that keeps no server: unambiguous with one app.
    if (guard === undefined && guardsByServer.size === 1) guard = guardsByServer.values().next().value;
    if (guard === null) return true;
    if (guard) return guard.canActivate(context);
    logOnce(logger, 'gateway:no-app', 'A gateway message came from a connection no app can be told for; refused');
    throw websocketContext.refuse(toAnswer(new InvalidRequestError('The connection is not known to the app')), context);
  },
};

/**
 * Puts the module's guard on every WebSocket gateway class, as `@UseGuards()` would, so every
 * message goes through it whatever Nest's version: Nest 11 builds its gateways' guard contexts
 * without the app's global guards (`APP_GUARD` never runs on a message there), Nest 12 applies
 * them. It runs while the app's providers are created, before `app.init()` wires the gateways.
 * Where both apply, the app's guard checks a message once (see `CognitoFallbackGuard`).
 */
@Injectable()
export class GatewayGuardBinder implements OnModuleInit, OnModuleDestroy {
  private server?: object;
  private readonly hasGateways: boolean;

  constructor(
    modules: ModulesContainer,
    private readonly adapterHost: HttpAdapterHost,
    @Optional() private readonly guard?: CognitoFallbackGuard,
  ) {
    const gateways = gatewayClassesOf(modules);
    this.hasGateways = gateways.size > 0;
    if (guard) for (const gateway of gateways) bindGuard(gateway);
  }

  /**
   * The HTTP server exists once the app does: after the providers, before the first message.
   * An app with gateways gets `WsException` now, for refusals rendered synchronously later.
   */
  async onModuleInit(): Promise<void> {
    this.server = this.adapterHost.httpAdapter?.getHttpServer?.();
    if (this.server) guardsByServer.set(this.server, this.guard ?? null);
    if (this.hasGateways) await loadWebSocketSupport();
  }

  onModuleDestroy(): void {
    if (this.server) guardsByServer.delete(this.server);
  }
}

function gatewayClassesOf(modules: ModulesContainer): Set<object> {
  const gateways = new Set<object>();
  for (const module of modules.values()) {
    for (const wrapper of module.providers.values()) {
      const metatype = wrapper.metatype as object | null | undefined;
      if (typeof metatype === 'function' && Reflect.getMetadata(GATEWAY_METADATA, metatype)) gateways.add(metatype);
    }
  }
  return gateways;
}

function bindGuard(gateway: object): void {
  const guards: unknown[] = Reflect.getMetadata(GUARDS_METADATA, gateway) ?? [];
  if (guards.includes(gatewayGuard)) return;
  Reflect.defineMetadata(GUARDS_METADATA, [gatewayGuard, ...guards], gateway);
}
