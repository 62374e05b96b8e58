import { BaseModel } from './BaseModel';

/** The webhook inbox: one row per Stripe event id (evt_...), recorded before it is handed to a workflow. */
export class StripeEvent extends BaseModel {
  static override tableName = 'stripe_events';
  static override jsonAttributes = ['payload'];

  declare id: string;
  declare type: string;
  declare payload: Record<string, unknown>;
  declare received_at: Date;
  declare handled_at: Date | null;
  declare workflow_id: string | null;
}
