import { Controller, type ExecutionContext, Get } from '@nestjs/common';
import { AllGroups, type CognitoUser, NotGroups, Policy, RequireClaim } from 'nestjs-cognito-auth';

/** Ownership check: the `:sub` in the path must be the caller's own (Express and Fastify both parse `params`). */
export function isOwner(user: CognitoUser, context: ExecutionContext): boolean {
  return user.sub === context.switchToHttp().getRequest<{ params: { sub?: string } }>().params.sub;
}

/** One route for each kind of policy; every refusal is a 403 without a challenge. */
@Controller('policies')
export class PoliciesController {
  @AllGroups('admin', 'ops')
  @Get('all-groups')
  allGroups() {
    return { ok: true };
  }

  @NotGroups('suspended')
  @Get('not-suspended')
  notSuspended() {
    return { ok: true };
  }

  @RequireClaim('custom:tenant', 'acme')
  @Get('tenant')
  tenant() {
    return { ok: true };
  }

  @Policy(isOwner)
  @Get('owner/:sub')
  owner() {
    return { ok: true };
  }
}
