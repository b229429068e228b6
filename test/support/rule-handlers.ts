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

const OK = () => ({ ok: true });

/** A controller at `prefix`: one GET route per entry (its key is the path), answering `{ ok: true }`. */
export const okController = (prefix: string, routes: Record<string, HandlerRules>, ...classRules: ClassDecorator[]) =>
  handlersClass(routes, { name: `OkController(${prefix})`, kind: Controller(prefix), classRules, answer: OK }, Get);

/** A socket.io gateway on `namespace`: one message per entry (its key is the event), answering `{ ok: true }`. */
export const okGateway = (namespace: string, messages: Record<string, HandlerRules>, ...classRules: ClassDecorator[]) =>
  handlersClass(
    messages,
    { name: `OkGateway(${namespace})`, kind: WebSocketGateway({ namespace }), classRules, answer: OK },
    SubscribeMessage,
  );

/** A GraphQL resolver: one Boolean query per entry (its key is the field), answering `true`. */
export const trueResolver = (fields: Record<string, HandlerRules>, ...classRules: ClassDecorator[]) =>
  handlersClass(fields, { name: 'TrueResolver', kind: Resolver(), classRules, answer: () => true }, () =>
    Query(() => Boolean),
  );

interface HandlersClass {
  /** The class's name, for Nest's logs. */
  readonly name: string;
  /** What the class is: `Controller(prefix)`, `WebSocketGateway(...)`, `Resolver()`. */
  readonly kind: ClassDecorator;
  /** The decorators written above the class, above `kind`. */
  readonly classRules: readonly ClassDecorator[];
  /** What every handler returns. */
  readonly answer: () => unknown;
}

function handlersClass(
  handlers: Record<string, HandlerRules>,
  { name, kind, classRules, answer }: HandlersClass,
  route: (key: string) => MethodDecorator,
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
