import { canEarnCertificate, canReview, completionPercent, ratingDistribution } from '../../src/domain/learning';
import { toPlainText } from '../../src/lib/plain-text';

describe('completionPercent', () => {
  it.each([
    [0, 10, 0],
    [5, 10, 50],
    [9, 10, 90],
    [10, 10, 100],
    [1, 3, 33],
    [2, 3, 66], // rounded down: 66.7 is not yet 67
    [17, 19, 89], // 89.47: must not be shown as 90 while the certificate is still locked
    [0, 0, 0],
    [12, 10, 100], // never above 100
  ])('%i of %i lessons → %i%%', (completed, total, percent) => {
    expect(completionPercent(completed, total)).toBe(percent);
  });
});

describe('thresholds', () => {
  it('certificate at ≥ 90% of the lessons', () => {
    expect(canEarnCertificate(9, 10)).toBe(true);
    expect(canEarnCertificate(8, 10)).toBe(false);
    expect(canEarnCertificate(17, 19)).toBe(false); // 89.5%
    expect(canEarnCertificate(18, 19)).toBe(true);
    expect(canEarnCertificate(0, 0)).toBe(false);
  });

  it('review at ≥ 50% of the lessons', () => {
    expect(canReview(5, 10)).toBe(true);
    expect(canReview(4, 10)).toBe(false);
    expect(canReview(1, 3)).toBe(false);
    expect(canReview(2, 3)).toBe(true);
    expect(canReview(0, 0)).toBe(false);
  });
});

describe('ratingDistribution', () => {
  it('maps [1★ … 5★] counts to keyed stars', () => {
    expect(ratingDistribution([5, 3, 10, 25, 57])).toEqual({ 1: 5, 2: 3, 3: 10, 4: 25, 5: 57 });
    expect(ratingDistribution([])).toEqual({ 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 });
  });
});

describe('toPlainText', () => {
  it.each([
    ['Great <b>course</b>!', 'Great course!'],
    ['Tom &amp; Jerry & friends', 'Tom & Jerry & friends'],
    ['I <3 this course', 'I <3 this course'],
    ['x < y > z', 'x < y > z'],
    ['<script>alert(1)</script>Nice', 'Nice'],
    ['<style>p{}</style><p>one</p><p>two</p>', 'onetwo'],
    ['<img src=x onerror=alert(1)>ok', 'ok'],
    ['<!-- hidden -->shown', 'shown'],
    ['  padded  ', 'padded'],
    ['Łukasz says: świetny kurs 👍', 'Łukasz says: świetny kurs 👍'],
  ])('%j → %j', (input, output) => {
    expect(toPlainText(input)).toBe(output);
  });

  it('leaves no markup behind, even when it arrives entity-encoded', () => {
    expect(toPlainText('&lt;img src=x onerror=alert(1)&gt;after')).toBe('after');
    expect(toPlainText('&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;')).toBe('');
    const deep = `${'&amp;'.repeat(1)}${'amp;'.repeat(12)}lt;b&gt;x`;
    expect(toPlainText(deep)).not.toMatch(/<[a-z]/i);
  });
});
