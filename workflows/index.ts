// Every workflow the core worker runs. This file and everything it imports is bundled for the workflow sandbox.
export * from './notifications';
export * from './escrow';
export * from './refund';
export * from './ingest';
export * from './checkout';
export * from './payouts';
export * from './housekeeping';
