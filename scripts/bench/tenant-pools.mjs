// The many-tenant scenario's pool ids, shared by the bench and its server child.

/** `us-east-1_Tenant0001` … : `count` pool ids. */
export function tenantPoolIds(count) {
  return Array.from({ length: count }, (_, index) => `us-east-1_Tenant${String(index + 1).padStart(4, '0')}`);
}
