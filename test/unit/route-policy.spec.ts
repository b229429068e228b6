import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Groups, Public } from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import { RoutePolicyReader } from '../../lib/policies/route-policy.js';

/** What the reader asks of a context: the handler and its controller. */
const contextOf = (handler: object, controller: object) =>
  ({ getHandler: () => handler, getClass: () => controller }) as unknown as ExecutionContext;

class BaseController {
  list() {
    return [];
  }
}

/** Two controllers that inherit one handler function, each with rules of its own. */
@Groups('admin')
class AdminController extends BaseController {}

@Public()
class PublicController extends BaseController {}

describe("a route's policy is read once per handler and controller", () => {
  it('one handler inherited by two controllers keeps each controller’s policy', () => {
    const reader = new RoutePolicyReader(new Reflector());
    const handler = BaseController.prototype.list;
    for (let round = 0; round < 2; round++) {
      const admin = reader.of(contextOf(handler, AdminController));
      const open = reader.of(contextOf(handler, PublicController));
      expect({ groups: admin.groups, isPublic: admin.isPublic }).toEqual({ groups: ['admin'], isPublic: false });
      expect({ groups: open.groups, isPublic: open.isPublic }).toEqual({ groups: [], isPublic: true });
    }
  });

  it('gives the same policy object on every request of a route', () => {
    const reader = new RoutePolicyReader(new Reflector());
    const context = contextOf(BaseController.prototype.list, AdminController);
    expect(reader.of(context)).toBe(reader.of(context));
  });
});
