import {
  mayPlayLesson,
  PREVIEW_CHANGE_MESSAGES,
  previewChangeViolation,
  previewDurationSeconds,
  PUBLISH_RULE_MESSAGES,
  publishRuleViolation,
  publishTransition,
  resolvePricing,
  totalDurationMinutes,
  type PublishableLesson,
} from '../../src/domain/courses';

describe('resolvePricing', () => {
  it('keeps the model’s own price and clears the other', () => {
    expect(resolvePricing({ pricingModel: 'one_time', priceCents: 7900, subscriptionPriceCents: 999 })).toEqual({
      ok: true,
      price_cents: 7900,
      subscription_price_cents: null,
    });
    expect(resolvePricing({ pricingModel: 'subscription', priceCents: 7900, subscriptionPriceCents: 999 })).toEqual({
      ok: true,
      price_cents: null,
      subscription_price_cents: 999,
    });
  });

  it.each([
    ['one_time', 900, true],
    ['one_time', 49_900, true],
    ['one_time', 899, false],
    ['one_time', 49_901, false],
    ['subscription', 499, true],
    ['subscription', 4999, true],
    ['subscription', 498, false],
    ['subscription', 5000, false],
  ] as const)('%s at %i cents: ok=%s', (pricingModel, cents, ok) => {
    const input =
      pricingModel === 'one_time'
        ? { pricingModel, priceCents: cents }
        : { pricingModel, subscriptionPriceCents: cents };
    expect(resolvePricing(input).ok).toBe(ok);
  });

  it('names the missing or fractional price', () => {
    expect(resolvePricing({ pricingModel: 'subscription', priceCents: 7900 })).toEqual({
      ok: false,
      field: 'subscriptionPriceCents',
      message: 'subscriptionPriceCents is required for subscription courses',
    });
    expect(resolvePricing({ pricingModel: 'one_time', priceCents: 1999.5 })).toMatchObject({
      ok: false,
      field: 'priceCents',
    });
  });
});

describe('publishing rules', () => {
  const ready = (isPreview = false, durationSeconds = 300): PublishableLesson => ({
    isPreview,
    videoStatus: 'ready',
    durationSeconds,
  });

  it('needs at least 3 lessons', () => {
    expect(publishRuleViolation([ready(), ready()])).toBe(PUBLISH_RULE_MESSAGES.tooFewLessons);
    expect(publishRuleViolation([ready(), ready(), ready()])).toBeUndefined();
  });

  it('needs every video processed successfully', () => {
    for (const videoStatus of ['awaiting_upload', 'processing', 'failed'] as const) {
      expect(publishRuleViolation([ready(), ready(), { ...ready(), videoStatus }])).toBe(
        PUBLISH_RULE_MESSAGES.videosNotReady,
      );
    }
  });

  it('allows at most 15 minutes of previews', () => {
    expect(publishRuleViolation([ready(true, 450), ready(true, 450), ready()])).toBeUndefined();
    expect(publishRuleViolation([ready(true, 450), ready(true, 451), ready(false, 3600)])).toBe(
      PUBLISH_RULE_MESSAGES.previewTooLong,
    );
    expect(
      previewDurationSeconds([ready(true, 10), ready(false, 99), { isPreview: true, durationSeconds: null }]),
    ).toBe(10);
  });

  it('reports the lesson count before anything else', () => {
    expect(publishRuleViolation([{ ...ready(true, 5000), videoStatus: 'failed' }])).toBe(
      PUBLISH_RULE_MESSAGES.tooFewLessons,
    );
  });
});

describe('previewChangeViolation', () => {
  const lessons = [
    { id: 'a', isPreview: true, durationSeconds: 600 },
    { id: 'b', isPreview: false, durationSeconds: 300 },
    { id: 'c', isPreview: false, durationSeconds: 301 },
  ];
  const ready = (id: string, durationSeconds: number) => ({ id, videoStatus: 'ready' as const, durationSeconds });

  it('leaves a draft to the check at submission', () => {
    expect(previewChangeViolation('draft', lessons, ready('c', 301))).toBeUndefined();
    expect(
      previewChangeViolation('draft', [], { videoStatus: 'awaiting_upload', durationSeconds: null }),
    ).toBeUndefined();
  });

  it('past draft, keeps the previews within 15 minutes, the candidate counted once', () => {
    for (const status of ['under_review', 'published', 'archived'] as const) {
      expect(previewChangeViolation(status, lessons, ready('b', 300))).toBeUndefined(); // exactly 15 minutes
      expect(previewChangeViolation(status, lessons, ready('c', 301))).toBe(PREVIEW_CHANGE_MESSAGES.tooLong);
      expect(previewChangeViolation(status, lessons, ready('a', 600))).toBeUndefined(); // already a preview
    }
  });

  it('past draft, needs the lesson’s length: a video processed', () => {
    for (const videoStatus of ['awaiting_upload', 'processing', 'failed'] as const) {
      expect(previewChangeViolation('published', lessons, { id: 'b', videoStatus, durationSeconds: null })).toBe(
        PREVIEW_CHANGE_MESSAGES.lengthUnknown,
      );
    }
    expect(
      previewChangeViolation('published', lessons, { videoStatus: 'awaiting_upload', durationSeconds: null }),
    ).toBe(PREVIEW_CHANGE_MESSAGES.lengthUnknown);
  });
});

describe('publishTransition', () => {
  const owner = { isAdmin: false, autoApprove: false };
  const admin = { isAdmin: true, autoApprove: false };
  it('follows draft → under_review → published', () => {
    expect(publishTransition('draft', owner)).toEqual({ ok: true, to: 'under_review' });
    expect(publishTransition('under_review', owner)).toEqual({ ok: false, reason: 'awaiting_review' });
    expect(publishTransition('under_review', admin)).toEqual({ ok: true, to: 'published' });
    expect(publishTransition('published', admin)).toEqual({ ok: false, reason: 'already_published' });
    expect(publishTransition('archived', admin)).toEqual({ ok: false, reason: 'archived' });
  });
  it('publishes a submission at once with auto-approval', () => {
    expect(publishTransition('draft', { isAdmin: false, autoApprove: true })).toEqual({ ok: true, to: 'published' });
    expect(publishTransition('under_review', { isAdmin: false, autoApprove: true })).toEqual({
      ok: true,
      to: 'published',
    });
  });
});

describe('mayPlayLesson', () => {
  const course = { instructorId: 'owner', viewerEnrolled: false };
  it('lets anyone play a preview', () => {
    expect(mayPlayLesson({ isPreview: true }, undefined, course)).toBe(true);
  });
  it('lets the owner, admins and enrolled students play paid lessons, nobody else', () => {
    const paid = { isPreview: false };
    expect(mayPlayLesson(paid, undefined, course)).toBe(false);
    expect(mayPlayLesson(paid, { id: 'someone', role: 'student' }, course)).toBe(false);
    expect(mayPlayLesson(paid, { id: 'other', role: 'instructor' }, course)).toBe(false);
    expect(mayPlayLesson(paid, { id: 'owner', role: 'instructor' }, course)).toBe(true);
    expect(mayPlayLesson(paid, { id: 'root', role: 'admin' }, course)).toBe(true);
    expect(mayPlayLesson(paid, { id: 'someone', role: 'student' }, { ...course, viewerEnrolled: true })).toBe(true);
  });
});

describe('totalDurationMinutes', () => {
  it('rounds the sum up to whole minutes, ignoring unknown durations', () => {
    expect(totalDurationMinutes([])).toBe(0);
    expect(totalDurationMinutes([1])).toBe(1);
    expect(totalDurationMinutes([60, null, 60])).toBe(2);
    expect(totalDurationMinutes([300, 300, 3, 3, 3])).toBe(11);
  });
});
