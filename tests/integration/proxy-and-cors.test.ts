import { randomInt } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { applyBucketCors, readBucketCors } from '../../src/storage/bucket-cors';
import { startTestApi, type TestApi } from '../support/api';
import { completeCheckout, type CheckoutAnswer } from '../support/checkout';
import { createCourse, createUser } from '../support/fixtures';

/** A documentation address (RFC 5737) per call, so buckets never collide between runs on one database. */
const clientIp = () => `203.0.113.${randomInt(1, 255)}`;
const APP = 'https://app.edustream.example';

describe('behind a proxy (TRUST_PROXY) and in a browser (CORS_ORIGINS, security headers)', () => {
  const common = { RATE_LIMITS_ENABLED: 'true', CORS_ORIGINS: `${APP}, https://admin.edustream.example` };
  let trusted: TestApi; // the peer (127.0.0.1) is the trusted proxy
  let untrusted: TestApi; // only 10.0.0.0/8 is trusted: our loopback peer is a client, its header a claim
  beforeAll(async () => {
    trusted = await startTestApi({ env: { ...common, TRUST_PROXY: '127.0.0.1, ::1' } });
    untrusted = await startTestApi({ env: { ...common, TRUST_PROXY: '10.0.0.0/8' } });
  });
  afterAll(async () => {
    await trusted.close();
    await untrusted.close();
  });

  const login = (api: TestApi, forwardedFor: string) =>
    api.request
      .post('/api/auth/login')
      .set('X-Forwarded-For', forwardedFor)
      .send({ email: 'nobody@example.test', password: 'wrong password 123' });

  it('counts rate limits per client address from a trusted proxy (X-Forwarded-For)', async () => {
    const [a, b] = [clientIp(), clientIp().replace('203.0.113', '198.51.100')];
    // The client's entry is the last one: what the proxy appended; anything before it is the client's own claim.
    for (let i = 0; i < 10; i++) expect((await login(trusted, `10.9.9.9, ${a}`)).status).toBe(401);
    const limited = await login(trusted, a);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await login(trusted, b)).status).toBe(401); // another client behind the same proxy: its own budget
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    // Every claimed address is the same caller (the socket's): a new header does not buy a new budget.
    for (let i = 0; i < 10; i++) expect((await login(untrusted, clientIp())).status).toBe(401);
    expect((await login(untrusted, clientIp())).status).toBe(429);
  });

  async function purchase(api: TestApi, forwardedFor: string): Promise<string> {
    const { knex, config } = api.deps;
    const instructor = await createUser(knex, config, 'instructor');
    const course = await createCourse(knex, instructor.id, { priceCents: 7900 });
    const buyer = await createUser(knex, config, 'student');
    const res = await api.request
      .post('/api/checkout/create')
      .set(buyer.auth)
      .set('X-Forwarded-For', forwardedFor)
      .send({ courseId: course.id });
    expect([200, 201]).toContain(res.status);
    const checkout = res.body as CheckoutAnswer;
    await completeCheckout(api, checkout, 7900);
    return checkout.checkoutId;
  }

  const auditIps = async (api: TestApi, transactionId: string) =>
    (await api.deps.knex('transaction_audit_logs').where({ transaction_id: transactionId, action: 'purchase' })).map(
      (r: { ip_address: string | null }) => r.ip_address,
    );

  it("records the client's address from a trusted proxy on the purchase audit row", async () => {
    const ip = clientIp();
    const transactionId = await purchase(trusted, `192.0.2.1, ${ip}`);
    expect(await auditIps(trusted, transactionId)).toEqual([ip]);
  });

  it("records the peer's address, not the claimed one, when the peer is not trusted", async () => {
    const transactionId = await purchase(untrusted, clientIp());
    expect(await auditIps(untrusted, transactionId)).toEqual(['127.0.0.1']);
  });

  it('answers a CORS preflight from an allowed origin, exposing the headers browser apps read', async () => {
    const res = await trusted.request
      .options('/api/checkout/create')
      .set('Origin', APP)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization, content-type, idempotency-key');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-methods']).toMatch(/POST/);
    expect(res.headers['access-control-allow-headers']).toMatch(/Idempotency-Key/i);

    const get = await trusted.request.get('/healthz').set('Origin', APP);
    expect(get.headers['access-control-allow-origin']).toBe(APP);
    expect(get.headers['access-control-expose-headers'].split(',')).toEqual([
      'X-Request-Id',
      'Retry-After',
      'Idempotent-Replayed',
    ]);
  });

  it('gives a refused origin no CORS grant (the browser keeps the response from the page)', async () => {
    const res = await trusted.request
      .options('/api/checkout/create')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
    const get = await trusted.request.get('/healthz').set('Origin', 'https://evil.example');
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('sends security headers with a CSP that keeps scripts to this origin', async () => {
    const res = await trusted.request.get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
  });

  it("applies the bucket's CORS rule for browser uploads, exposing ETag", async () => {
    const config = loadConfig({ ...process.env, CORS_ORIGINS: APP, FRONTEND_URL: 'https://edustream.example/app' });
    await applyBucketCors(trusted.deps.s3, config);
    expect(await readBucketCors(trusted.deps.s3, config.S3_BUCKET)).toEqual([
      expect.objectContaining({
        AllowedOrigins: [APP, 'https://edustream.example'],
        AllowedMethods: ['GET', 'HEAD', 'PUT'],
        ExposeHeaders: ['ETag'],
      }),
    ]);
  });
});
