/**
 * This process's serving state. `draining` turns true on SIGTERM: /readyz answers 503 from then on, so load
 * balancers stop sending new requests while the ones in flight finish.
 */
export const lifecycle = { draining: false };
