import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { nonRetryableOnDomainError } from '../../activities/domain-failures';
import { loadConfig } from '../../src/config';
import { createKnex } from '../../src/db/knex';
import { recordCompletedSale } from '../../src/sales/record-sale';
import { attachToPayout, readShare, ShareTransitionError } from '../../src/sales/shares';
import { createCourse, createUser } from '../support/fixtures';

describe('shares: a transition DESIGN §9 does not allow is refused', () => {
  const config = loadConfig(process.env);
  let knex: Knex;
  beforeAll(() => {
    knex = createKnex(config.DATABASE_URL);
  });
  afterAll(() => knex.destroy());

  async function heldSale() {
    const instructor = await createUser(knex, config, 'instructor');
    const buyer = await createUser(knex, config, 'student');
    const course = await createCourse(knex, instructor.id, { priceCents: 7900 });
    return recordCompletedSale(knex, {
      stripeCheckoutSessionId: `cs_test_${randomUUID()}`,
      stripePaymentIntentId: `pi_test_${randomUUID()}`,
      buyerId: buyer.id,
      courseId: course.id,
      couponId: null,
      grossCents: 7900,
      discountCents: 0,
      taxCents: 0,
      paymentMethod: 'card',
      completedAt: new Date('2026-11-01T12:00:00Z'),
      holdMs: 7 * 24 * 3600 * 1000,
    });
  }

  it('a held share cannot go into a payout: a ShareTransitionError, the share unchanged', async () => {
    const sale = await heldSale();
    const refused = await knex
      .transaction((trx) => attachToPayout(trx, randomUUID(), { shareIds: [sale.revenueRecordId], adjustmentIds: [] }))
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ShareTransitionError);
    expect(refused).toMatchObject({ transition: 'attachToPayout', status: 'held' });
    expect(await readShare(knex, sale.transactionId)).toMatchObject({ status: 'held' });
  });

  it('the activity adapter turns the refusal into a non-retryable ApplicationFailure', async () => {
    const sale = await heldSale();
    const failure = await nonRetryableOnDomainError(() =>
      knex.transaction((trx) =>
        attachToPayout(trx, randomUUID(), { shareIds: [sale.revenueRecordId], adjustmentIds: [] }),
      ),
    ).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ nonRetryable: true, type: 'ShareTransitionError' });
    expect((failure as Error).message).toBe(`attachToPayout refused: share ${sale.revenueRecordId} is held`);
  });
});
