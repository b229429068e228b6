export * from './current-user.decorator.js';
export * from './groups.decorator.js';
export * from './public.decorator.js';
export * from './scopes.decorator.js';
