/**
 * Controllers, gateways and resolvers whose handlers only answer, and differ by the rules written
 * above them: the suites declare them as a table of handlers instead of writing the class out.
 * Each entry's decorators are applied the way TypeScript applies the ones written above a method
 * (the route decorator first, then the others from the last to the first), so stacked decorators
 * behave as they do in a hand-written class.
 */
import 'reflect-metadata';
import { Controller, Get, type Type } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';

/** The decorators of one handler, in the order they would be written above it. */
export type HandlerRules = readonly MethodDecorator[];

/** A controller at `prefix`: one GET route per entry (its key is the path), answering `{ ok: true }`. */
export function okController(
  prefix: string,
  routes: Record<string, HandlerRules>,
  ...classRules: ClassDecorator[]
): Type<unknown> {
  return handlersClass(
    `OkController(${prefix})`,
    routes,
    (path) => Get(path),
    Controller(prefix),
    classRules,
    () => ({
      ok: true,
    }),
  );
}

/** A socket.io gateway on `namespace`: one message per entry (its key is the event), answering `{ ok: true }`. */
export function okGateway(
  namespace: string,
  messages: Record<string, HandlerRules>,
  ...classRules: ClassDecorator[]
): Type<unknown> {
  return handlersClass(
    `OkGateway(${namespace})`,
    messages,
    (event) => SubscribeMessage(event),
    WebSocketGateway({ namespace }),
    classRules,
    () => ({ ok: true }),
  );
}

/** A GraphQL resolver: one Boolean query per entry (its key is the field), answering `true`. */
export function trueResolver(fields: Record<string, HandlerRules>, ...classRules: ClassDecorator[]): Type<unknown> {
  return handlersClass(
    `TrueResolver(${Object.keys(fields).join(',')})`,
    fields,
    () => Query(() => Boolean),
    Resolver(),
    classRules,
    () => true,
  );
}

function handlersClass(
  name: string,
  handlers: Record<string, HandlerRules>,
  route: (key: string) => MethodDecorator,
  kind: ClassDecorator,
  classRules: readonly ClassDecorator[],
  answer: () => unknown,
): Type<unknown> {
  const type = class {};
  Object.defineProperty(type, 'name', { value: name });
  for (const [key, rules] of Object.entries(handlers)) {
    // A function of its own per handler: Nest keeps a handler's metadata on the function itself.
    const handler = { [key]: () => answer() }[key];
    const written = { value: handler, writable: true, enumerable: false, configurable: true };
    Object.defineProperty(type.prototype, key, Reflect.decorate([...rules, route(key)], type.prototype, key, written));
  }
  return Reflect.decorate([...classRules, kind], type) as Type<unknown>;
}
