// A module loader hook (node:module register) that makes one package look uninstalled: any
// import of it, by name or by a path into its folder, fails as a missing package does, and is
// reported on the port given at registration.
let hidden;
let port;

export function initialize(data) {
  hidden = data.name;
  port = data.port;
}

export async function resolve(specifier, context, nextResolve) {
  if (specifier === hidden || specifier.startsWith(`${hidden}/`) || specifier.includes(`/node_modules/${hidden}/`)) {
    port.postMessage(specifier);
    const error = new Error(`Cannot find package '${hidden}' imported from ${context.parentURL}`);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return nextResolve(specifier, context);
}
