export * from './all-groups.decorator.js';
export * from './current-user.decorator.js';
export * from './groups.decorator.js';
export * from './not-groups.decorator.js';
export * from './policy.decorator.js';
export * from './public.decorator.js';
export * from './require-claim.decorator.js';
export * from './scopes.decorator.js';
