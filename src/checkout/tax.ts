/**
 * Sales tax (spec MKT-031) through Stripe Tax. Checkout Sessions collect it themselves (`automatic_tax`);
 * `calculateTax` quotes it beforehand for display. Tax is collected for the state and is never revenue.
 * When Stripe Tax is unavailable the sale goes ahead without tax and the failure is logged for finance.
 */
import type pino from 'pino';
import Stripe from 'stripe';

export interface BuyerLocation {
  /** ISO 3166-1 alpha-2, e.g. 'US'. */
  country: string;
  postalCode: string;
  /** State or province code, e.g. 'CA'. */
  state?: string;
}

export interface TaxQuote {
  /** False when Stripe Tax could not be asked: the quote is then tax-free and the checkout proceeds without tax. */
  available: boolean;
  taxCents: number;
  /** The amount before tax (what the buyer pays us). */
  subtotalCents: number;
  totalCents: number;
  /** The combined rate as Stripe states it, e.g. '9.875' (percent); null without tax. */
  taxRatePercent: string | null;
  /** Where the tax is owed, e.g. 'US-CA'; null without tax. */
  jurisdiction: string | null;
}

/** The location cannot be resolved to a tax jurisdiction: the buyer must correct it (400), nothing else helps. */
export class TaxLocationError extends Error {
  constructor() {
    super('Unable to determine tax jurisdiction');
    this.name = 'TaxLocationError';
  }
}

/** Stripe's catalogue code for the product: "General – Electronically Supplied Services" (online courses). */
export const COURSE_TAX_CODE = 'txcd_10000000';

export async function calculateTax(
  stripe: Stripe,
  log: pino.Logger,
  quote: { amountCents: number; reference: string; location: BuyerLocation },
): Promise<TaxQuote> {
  const { amountCents, reference, location } = quote;
  try {
    const calculation = await stripe.tax.calculations.create({
      currency: 'usd',
      line_items: [{ amount: amountCents, reference, tax_behavior: 'exclusive', tax_code: COURSE_TAX_CODE }],
      customer_details: {
        address: {
          country: location.country,
          postal_code: location.postalCode,
          ...(location.state && { state: location.state }),
        },
        address_source: 'billing',
      },
    });
    const taxCents = calculation.tax_amount_exclusive;
    const owed = calculation.tax_breakdown?.find((b) => b.amount > 0)?.tax_rate_details;
    return {
      available: true,
      taxCents,
      subtotalCents: amountCents,
      totalCents: amountCents + taxCents,
      taxRatePercent: owed?.percentage_decimal ?? null,
      jurisdiction: owed ? [owed.country, owed.state].filter(Boolean).join('-') : null,
    };
  } catch (err) {
    if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'customer_tax_location_invalid') {
      throw new TaxLocationError();
    }
    log.error({ err, reference }, 'Stripe Tax unavailable: quoting without tax (finance: tax will not be collected)');
    return {
      available: false,
      taxCents: 0,
      subtotalCents: amountCents,
      totalCents: amountCents,
      taxRatePercent: null,
      jurisdiction: null,
    };
  }
}

/**
 * Whether Stripe refused a Checkout Session only because of `automatic_tax` (Stripe Tax not activated, no
 * origin address, ...). Such a session is created again without tax; any other failure is retried as usual.
 */
export function isStripeTaxUnavailable(err: unknown): boolean {
  if (!(err instanceof Stripe.errors.StripeInvalidRequestError)) return false;
  if (err.param?.startsWith('automatic_tax')) return true;
  return /stripe tax|automatic tax|tax settings|head office|origin address/i.test(err.message);
}
