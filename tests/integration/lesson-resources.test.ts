/**
 * Lesson resources (spec MKT-004/MKT-006 `resources[]`): instructors attach files to a lesson, streamed to
 * the S3 server; whoever may play the lesson downloads them; removing a resource or the lesson removes the
 * objects. Real Postgres and the S3 server, through HTTP.
 */
import { MAX_RESOURCES_PER_LESSON } from '../../src/domain/resources';
import { startTestApi, type TestApi } from '../support/api';
import { createCourse, createReadyLessons, createSale, createUser, type FixtureUser } from '../support/fixtures';
import { expectProblem } from '../support/problems';
import { keysUnder } from '../support/videos';

let api: TestApi;
let owner: FixtureUser;
let enrolled: FixtureUser;
let stranger: FixtureUser;

const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2048, 0x20), Buffer.from('\n%%EOF\n')]);

beforeAll(async () => {
  api = await startTestApi();
  const { knex, config } = api.deps;
  owner = await createUser(knex, config, 'instructor');
  enrolled = await createUser(knex, config, 'student');
  stranger = await createUser(knex, config, 'student');
});
afterAll(() => api?.close());

/** A published course with a free preview lesson and a paid one; `enrolled` bought it. */
async function course() {
  const { knex } = api.deps;
  const c = await createCourse(knex, owner.id);
  const [preview, paid] = await createReadyLessons(knex, c.id, 2, { previews: 1, durationSeconds: 120 });
  await createSale(knex, { buyerId: enrolled.id, courseId: c.id, grossCents: c.priceCents });
  return { id: c.id, preview: preview.id, paid: paid.id };
}

const attach = (courseId: string, lessonId: string, file: Buffer, filename: string, who: FixtureUser = owner) =>
  api.request
    .post(`/api/courses/${courseId}/lessons/${lessonId}/resources`)
    .set(who.auth)
    .attach('file', file, { filename });

const lessonAs = async (courseId: string, lessonId: string, who?: FixtureUser) => {
  const req = api.request.get(`/api/courses/${courseId}/lessons/${lessonId}`);
  const res = await (who ? req.set(who.auth) : req);
  expect(res.status).toBe(200);
  return res.body as {
    resources: {
      id: string;
      filename: string;
      contentType: string;
      sizeBytes: number;
      sizeMb: number;
      downloadUrl: string | null;
    }[];
  };
};

const stored = (courseId: string) =>
  keysUnder(api.deps.s3, api.deps.config.S3_BUCKET, `courses/${courseId}/resources/`);

describe('POST /api/courses/:id/lessons/:lessonId/resources', () => {
  it('stores the file, lists it on the lesson as the spec records it, and downloads it under its name', async () => {
    const c = await course();
    const res = await attach(c.id, c.paid, PDF, 'Week 1 — slides.pdf');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      filename: 'Week 1 — slides.pdf',
      contentType: 'application/pdf',
      sizeBytes: PDF.length,
      sizeMb: 0,
    });

    const row = await api.deps.knex('course_lessons').where({ id: c.paid }).first('resource_urls');
    expect(row.resource_urls).toEqual([
      expect.objectContaining({
        id: res.body.id,
        filename: 'Week 1 — slides.pdf',
        url: `s3://${api.deps.config.S3_BUCKET}/courses/${c.id}/resources/${res.body.id}`,
        size_mb: 0,
      }),
    ]);

    const download = await fetch((await lessonAs(c.id, c.paid, enrolled)).resources[0].downloadUrl!);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(PDF);
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="Week 1 ? slides.pdf"; filename*=UTF-8''Week%201%20%E2%80%94%20slides.pdf`,
    );
  });

  it('tells kinds apart by their bytes: office files by their container and name, text, images; refuses the rest', async () => {
    const c = await course();
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(600, 1)]);
    const accepted = [
      [zip, 'deck.pptx', 'application/vnd.openxmlformats-officedocument.presentationml.presentation'],
      [zip, 'code.zip', 'application/zip'],
      [Buffer.from('print("hello")\n'), 'hello.py', 'text/plain; charset=utf-8'],
      [
        Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100)]),
        'diagram.png',
        'image/png',
      ],
    ] as const;
    for (const [bytes, name, type] of accepted) {
      const res = await attach(c.id, c.preview, bytes, name);
      expect([res.status, res.body.contentType]).toEqual([201, type]);
    }
    const refused = [
      [Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]), 'tool.pdf'], // an ELF executable, whatever its name
      [Buffer.alloc(0), 'empty.txt'],
    ] as const;
    for (const [bytes, name] of refused) {
      expectProblem(
        await attach(c.id, c.preview, bytes, name),
        400,
        'Resource must be a PDF, an office document or slides, a ZIP archive, an image (PNG, JPEG, GIF) or a UTF-8 text file',
      );
    }
    expect(await stored(c.id)).toHaveLength(accepted.length);
  });

  it('refuses other instructors and students (403), unknown lessons (404), extra fields (400) — storing nothing', async () => {
    const c = await course();
    const other = await createUser(api.deps.knex, api.deps.config, 'instructor');
    expectProblem(
      await attach(c.id, c.paid, PDF, 'a.pdf', other),
      403,
      'Only the course instructor can change this course',
    );
    expectProblem(await attach(c.id, c.paid, PDF, 'a.pdf', enrolled), 403, 'Only instructors can add lesson resources');
    const unknown = await attach(c.id, '00000000-0000-4000-8000-000000000000', PDF, 'a.pdf');
    expectProblem(unknown, 404, 'Lesson not found');
    const extra = await api.request
      .post(`/api/courses/${c.id}/lessons/${c.paid}/resources`)
      .set(owner.auth)
      .field('note', 'x')
      .attach('file', PDF, { filename: 'a.pdf' });
    expect(extra.status).toBe(400);
    const noFile = await api.request
      .post(`/api/courses/${c.id}/lessons/${c.paid}/resources`)
      .set(owner.auth)
      .field('x', 'y');
    expect(noFile.status).toBe(400);
    const json = await api.request
      .post(`/api/courses/${c.id}/lessons/${c.paid}/resources`)
      .set(owner.auth)
      .send({ file: 'x' });
    expect(json.status).toBe(415);
    expect(await stored(c.id)).toEqual([]);
    expect((await lessonAs(c.id, c.paid, owner)).resources).toEqual([]);
  });

  it(`holds at most ${MAX_RESOURCES_PER_LESSON} files per lesson (409), also when they arrive at once`, async () => {
    const c = await course();
    const results = await Promise.all(
      Array.from({ length: MAX_RESOURCES_PER_LESSON + 3 }, (_, i) => attach(c.id, c.paid, PDF, `part-${i}.pdf`)),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(MAX_RESOURCES_PER_LESSON);
    for (const r of results.filter((r) => r.status !== 201))
      expectProblem(r, 409, `A lesson has at most ${MAX_RESOURCES_PER_LESSON} resources`);
    expect((await lessonAs(c.id, c.paid, owner)).resources).toHaveLength(MAX_RESOURCES_PER_LESSON);
    expect(await stored(c.id)).toHaveLength(MAX_RESOURCES_PER_LESSON); // the refused ones left nothing behind
  });
});

describe('who downloads', () => {
  it('gives download URLs to those who may play the lesson: anyone for a preview, the enrolled, the owner', async () => {
    const c = await course();
    await attach(c.id, c.preview, PDF, 'intro.pdf');
    await attach(c.id, c.paid, PDF, 'paid.pdf');
    const urls = async (lessonId: string, who?: FixtureUser) =>
      (await lessonAs(c.id, lessonId, who)).resources.map((r) => r.downloadUrl !== null);
    expect(await urls(c.preview)).toEqual([true]);
    expect(await urls(c.paid)).toEqual([false]);
    expect(await urls(c.paid, stranger)).toEqual([false]);
    expect(await urls(c.paid, enrolled)).toEqual([true]);
    expect(await urls(c.paid, owner)).toEqual([true]);
    const listed = (await lessonAs(c.id, c.paid)).resources[0];
    expect(listed).toMatchObject({ filename: 'paid.pdf', sizeBytes: PDF.length, downloadUrl: null });
  });
});

describe('removal', () => {
  it('DELETE removes the file from the lesson and the store; a second DELETE is 404', async () => {
    const c = await course();
    const kept = (await attach(c.id, c.paid, PDF, 'keep.pdf')).body;
    const gone = (await attach(c.id, c.paid, PDF, 'remove.pdf')).body;
    const path = `/api/courses/${c.id}/lessons/${c.paid}/resources/${gone.id}`;
    expect((await api.request.delete(path).set(enrolled.auth)).status).toBe(403);
    expect((await api.request.delete(path).set(owner.auth)).status).toBe(204);
    expectProblem(await api.request.delete(path).set(owner.auth), 404, 'Resource not found');
    expect((await lessonAs(c.id, c.paid, owner)).resources.map((r) => r.id)).toEqual([kept.id]);
    expect(await stored(c.id)).toEqual([`courses/${c.id}/resources/${kept.id}`]);
  });

  it('deleting the lesson deletes its resource files', async () => {
    const c = await course();
    await attach(c.id, c.paid, PDF, 'a.pdf');
    await attach(c.id, c.paid, PDF, 'b.pdf');
    const other = (await attach(c.id, c.preview, PDF, 'c.pdf')).body;
    expect((await api.request.delete(`/api/courses/${c.id}/lessons/${c.paid}`).set(owner.auth)).status).toBe(204);
    expect(await stored(c.id)).toEqual([`courses/${c.id}/resources/${other.id}`]);
  });
});
