import {
  type CaseContext,
  CaseSetupError,
  type CaseVerdict,
  type ConformCase,
  describeAnswer,
  truncate,
} from './conform-case.ts';
import type { ConformEra } from './conform-results.ts';
import type { CallAnswer } from './recording-client.ts';

// The suite, in the order it runs. Every case makes its own bucket under its own name (`<prefix>-<suffix>`), so
// a case never depends on another's outcome, and a rule in front of a driver can aim at exactly one case.

const pass = (answer: string): CaseVerdict => ({ outcome: 'pass', answer });
const fail = (answer: string): CaseVerdict => ({ outcome: 'fail', answer });

/** Passes when the answer's code is one of `codes`. */
function expectCode(answer: CallAnswer, codes: readonly string[]): CaseVerdict {
  return codes.includes(answer.call.code) ? pass(describeAnswer(answer)) : fail(describeAnswer(answer));
}

/** Creates the case's bucket with the user's parameters; the case is not checked if that fails. */
async function setupBucket(ctx: CaseContext, suffix: string): Promise<{ bucketId: string; name: string }> {
  const name = ctx.name(suffix);
  const answer = await ctx.client.create(name, ctx.parameters, ctx.protocol, ctx.calls);
  const bucketId = answer.response?.bucket_id;
  if (answer.call.code !== 'OK' || typeof bucketId !== 'string' || bucketId === '')
    throw new CaseSetupError(`create ${name}`, answer);
  return { bucketId, name };
}

async function setupAccess(
  ctx: CaseContext,
  suffix: string,
): Promise<{ bucketId: string; accountId: string }> {
  const { bucketId } = await setupBucket(ctx, suffix);
  const account = ctx.name(`${suffix}-acct`);
  const answer = await ctx.client.grant(bucketId, account, ctx.accessParameters, ctx.protocol, ctx.calls);
  const accountId = answer.response?.account_id;
  if (answer.call.code !== 'OK' || typeof accountId !== 'string' || accountId === '')
    throw new CaseSetupError(`grant ${account}`, answer);
  return { bucketId, accountId };
}

// A name of `length` characters under the run prefix ('a' padding: only its length is wrong for S3).
const nameOfLength = (ctx: CaseContext, suffix: string, length: number) => {
  const head = ctx.name(suffix);
  return head + 'a'.repeat(Math.max(0, length - head.length));
};

// S3's bucket naming rules: 3-63 characters of lower-case letters, digits, '.' and '-', alphanumeric at both ends.
const S3_BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The S3 bucket an OK create hands out: v1alpha2's S3 bucket info names it, v1alpha1 has only the bucket id. */
function s3BucketOf(answer: CallAnswer): string {
  const r = answer.response ?? {};
  const s3 = (r.protocols as { s3?: { bucket_id?: unknown } | null } | undefined)?.s3;
  return typeof s3?.bucket_id === 'string' && s3.bucket_id !== '' ? s3.bucket_id : String(r.bucket_id ?? '');
}

/**
 * An invalid name: InvalidArgument if the driver refuses it. OK passes only when the driver mapped it to a bucket
 * the protocol can have (for S3: the bucket it answers is a valid S3 name), since the name COSI sends is a
 * suggestion.
 */
function invalidNameCase(id: string, title: string, name: (ctx: CaseContext) => string): ConformCase {
  return {
    id,
    title,
    rule: 'createInvalidName',
    expected: () => 'InvalidArgument (or OK with a bucket the protocol can have: the name mapped)',
    phase: 'main',
    run: async (ctx) => {
      const answer = await ctx.client.create(name(ctx), ctx.parameters, ctx.protocol, ctx.calls);
      if (answer.call.code !== 'OK') return expectCode(answer, ['InvalidArgument']);
      const bucket = s3BucketOf(answer);
      if (ctx.protocol === 'S3' && (!S3_BUCKET_NAME.test(bucket) || bucket.includes('..')))
        return fail(`${describeAnswer(answer)}: accepted, and the bucket it answers is not a name S3 allows`);
      return pass(`${describeAnswer(answer)} (accepted: mapped to a bucket name of its own)`);
    },
  };
}

const okAgain = (era: ConformEra) =>
  era === 'v1alpha1' ? 'OK or AlreadyExists' : 'OK with the same account_id';

export const CONFORM_CASES: readonly ConformCase[] = [
  {
    id: 'get-info-name',
    title: 'DriverGetInfo: a name in domain-name notation, at most 63 characters',
    rule: 'getInfoName',
    expected: (era) =>
      era === 'v1alpha1'
        ? 'OK, name valid'
        : 'OK, name valid, supported_protocols lists the protocol under test',
    phase: 'main',
    run: async (ctx) => {
      const answer = await ctx.client.getInfo(ctx.calls);
      if (answer.call.code !== 'OK') return fail(describeAnswer(answer));
      const problems = ctx.client.messages.getInfoProblems(answer.response ?? {}, ctx.protocol);
      return problems.length
        ? fail(`${describeAnswer(answer)}: ${problems.join('; ')}`)
        : pass(describeAnswer(answer));
    },
  },
  {
    id: 'create-valid',
    title: 'DriverCreateBucket, valid request: OK with a bucket id and the protocol bucket info',
    rule: 'createValid',
    expected: () => 'OK, bucket_id set, bucket info for the protocol',
    phase: 'main',
    run: async (ctx) => {
      const answer = await ctx.client.create(ctx.name('valid'), ctx.parameters, ctx.protocol, ctx.calls);
      if (answer.call.code !== 'OK') return fail(describeAnswer(answer));
      const problems = ctx.client.messages.createProblems(answer.response ?? {}, ctx.protocol);
      return problems.length
        ? fail(`${describeAnswer(answer)}: ${problems.join('; ')}`)
        : pass(describeAnswer(answer));
    },
  },
  {
    id: 'create-idempotent',
    title: 'DriverCreateBucket, the identical request again: OK with the same bucket id',
    rule: 'createIdempotent',
    expected: () => 'OK with the same bucket_id',
    phase: 'main',
    run: async (ctx) => {
      const { bucketId, name } = await setupBucket(ctx, 'idem');
      const again = await ctx.client.create(name, ctx.parameters, ctx.protocol, ctx.calls);
      if (again.call.code !== 'OK') return fail(describeAnswer(again));
      const id = again.response?.bucket_id;
      return id === bucketId
        ? pass(describeAnswer(again))
        : fail(`${describeAnswer(again)}: the first create answered bucket_id=${bucketId}`);
    },
  },
  {
    id: 'create-conflict',
    title: 'DriverCreateBucket, same name with other parameters: AlreadyExists',
    rule: 'createConflict',
    expected: () => 'AlreadyExists',
    phase: 'main',
    run: async (ctx) => {
      const name = ctx.name('conflict');
      const first = await ctx.client.create(
        name,
        { ...ctx.parameters, 'cosi-chaos.io/conform': 'first' },
        ctx.protocol,
        ctx.calls,
      );
      if (first.call.code !== 'OK') throw new CaseSetupError(`create ${name}`, first);
      const second = await ctx.client.create(
        name,
        { ...ctx.parameters, 'cosi-chaos.io/conform': 'second' },
        ctx.protocol,
        ctx.calls,
      );
      return expectCode(second, ['AlreadyExists']);
    },
  },
  {
    id: 'create-name-empty',
    title: 'DriverCreateBucket, name missing (empty): InvalidArgument',
    rule: 'requiredField',
    expected: () => 'InvalidArgument',
    phase: 'main',
    run: async (ctx) =>
      expectCode(await ctx.client.create('', ctx.parameters, ctx.protocol, ctx.calls), ['InvalidArgument']),
  },
  invalidNameCase('create-name-64', 'DriverCreateBucket, 64-character name (S3 allows 63)', (ctx) =>
    nameOfLength(ctx, 'n64-', 64),
  ),
  invalidNameCase('create-name-98', "DriverCreateBucket, 98-character name (COSI-86's name length)", (ctx) =>
    nameOfLength(ctx, 'n98-', 98),
  ),
  invalidNameCase(
    'create-name-chars',
    'DriverCreateBucket, characters S3 refuses (upper case, underscore)',
    (ctx) => `${ctx.name('chars')}-Upper_Case`,
  ),
  {
    id: 'create-concurrent',
    title: 'DriverCreateBucket, 5 identical requests at once: one bucket',
    rule: 'createConcurrent',
    expected: (era) =>
      `every answer ${era === 'v1alpha1' ? 'OK or AlreadyExists' : 'OK or Aborted'}, at least one OK, one bucket_id`,
    phase: 'main',
    run: async (ctx) => {
      const name = ctx.name('concurrent');
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => ctx.client.create(name, ctx.parameters, ctx.protocol, ctx.calls)),
      );
      const allowed = ['OK', ctx.era === 'v1alpha1' ? 'AlreadyExists' : 'Aborted'];
      const codes = answers.map((a) => a.call.code);
      const ids = new Set(
        answers.filter((a) => a.call.code === 'OK').map((a) => String(a.response?.bucket_id)),
      );
      const summary = `${codes.join(', ')}; bucket ids: ${[...ids].join(', ') || 'none'}`;
      const bad = answers.find((a) => !allowed.includes(a.call.code));
      if (bad) return fail(`${summary} (${describeAnswer(bad)})`);
      return ids.size === 1 ? pass(summary) : fail(summary);
    },
  },
  {
    id: 'get-existing-missing',
    title: 'DriverGetExistingBucket, a bucket that does not exist: NotFound',
    rule: 'getExistingMissing',
    expected: () => 'NotFound',
    phase: 'main',
    run: async (ctx) => {
      const request = ctx.client.messages.getExisting?.(ctx.name('no-such-bucket'), {}, ctx.protocol) ?? {};
      return expectCode(await ctx.client.call('DriverGetExistingBucket', request, ctx.calls), ['NotFound']);
    },
  },
  {
    id: 'delete-existing',
    title: 'DriverDeleteBucket, an existing bucket: OK',
    rule: 'deleteExisting',
    expected: () => 'OK',
    phase: 'main',
    run: async (ctx) => {
      const { bucketId } = await setupBucket(ctx, 'delete');
      return expectCode(await ctx.client.remove(bucketId, ctx.calls), ['OK']);
    },
  },
  {
    id: 'delete-again',
    title: 'DriverDeleteBucket, the same bucket again: OK',
    rule: 'deleteGone',
    expected: () => 'OK',
    phase: 'main',
    run: async (ctx) => {
      const { bucketId, name } = await setupBucket(ctx, 'delete-twice');
      const first = await ctx.client.remove(bucketId, ctx.calls);
      if (first.call.code !== 'OK') throw new CaseSetupError(`delete ${name}`, first);
      return expectCode(await ctx.client.remove(bucketId, ctx.calls), ['OK']);
    },
  },
  {
    id: 'delete-never-created',
    title: 'DriverDeleteBucket, a bucket never created: OK',
    rule: 'deleteGone',
    expected: () => 'OK',
    phase: 'main',
    run: async (ctx) => expectCode(await ctx.client.remove(ctx.name('never-created'), ctx.calls), ['OK']),
  },
  {
    id: 'delete-id-empty',
    title: 'DriverDeleteBucket, bucket_id missing (empty): InvalidArgument',
    rule: 'requiredField',
    expected: () => 'InvalidArgument',
    phase: 'main',
    run: async (ctx) => expectCode(await ctx.client.remove('', ctx.calls), ['InvalidArgument']),
  },
  {
    id: 'delete-non-empty',
    title: 'DriverDeleteBucket, a bucket that holds an object: FailedPrecondition, bucket kept',
    rule: 'deleteNonEmpty',
    expected: () => 'FailedPrecondition',
    phase: 'main',
    run: async (ctx) => {
      const control = ctx.backend;
      if (!control?.makeBucketNonEmpty)
        return { outcome: 'skip', answer: ctx.noBackendControlReason, backendControl: 'none' };
      const bucket = await setupBucket(ctx, 'non-empty');
      const evidence = await control.makeBucketNonEmpty(bucket);
      const answer = await ctx.client.remove(bucket.bucketId, ctx.calls);
      // Emptied again so the cleanup can remove it (what cannot be is listed as left over).
      const emptied = control.emptyBucket ? await control.emptyBucket(bucket) : '';
      const verdict = expectCode(answer, ['FailedPrecondition']);
      const note = [evidence, emptied].filter(Boolean).join('; ');
      return {
        ...verdict,
        answer: `${verdict.answer} (${note})`,
        backendControl: control.source,
      };
    },
  },
  {
    id: 'grant-credentials',
    title: 'DriverGrantBucketAccess: OK with an account id and credentials with the protocol fields',
    rule: 'grantCredentials',
    expected: () => 'OK, account_id set, credentials with the protocol fields',
    phase: 'main',
    run: async (ctx) => {
      const { bucketId } = await setupBucket(ctx, 'grant');
      const answer = await ctx.client.grant(
        bucketId,
        ctx.name('grant-acct'),
        ctx.accessParameters,
        ctx.protocol,
        ctx.calls,
      );
      if (answer.call.code !== 'OK') return fail(describeAnswer(answer));
      const problems = ctx.client.messages.grantProblems(answer.response ?? {}, bucketId, ctx.protocol);
      return problems.length
        ? fail(`${describeAnswer(answer)}: ${problems.join('; ')}`)
        : pass(describeAnswer(answer));
    },
  },
  {
    id: 'grant-again',
    title: 'DriverGrantBucketAccess, the identical request again',
    rule: 'grantAgain',
    expected: okAgain,
    phase: 'main',
    run: async (ctx) => {
      const { bucketId } = await setupBucket(ctx, 'grant-twice');
      const account = ctx.name('grant-twice-acct');
      const first = await ctx.client.grant(bucketId, account, ctx.accessParameters, ctx.protocol, ctx.calls);
      if (first.call.code !== 'OK') throw new CaseSetupError(`grant ${account}`, first);
      const again = await ctx.client.grant(bucketId, account, ctx.accessParameters, ctx.protocol, ctx.calls);
      if (ctx.era === 'v1alpha1') return expectCode(again, ['OK', 'AlreadyExists']);
      if (again.call.code !== 'OK') return fail(describeAnswer(again));
      const [a, b] = [first.response?.account_id, again.response?.account_id];
      return a === b
        ? pass(describeAnswer(again))
        : fail(`${describeAnswer(again)}: the first grant answered account_id=${String(a)}`);
    },
  },
  {
    id: 'grant-missing-bucket',
    title: 'DriverGrantBucketAccess on a bucket that does not exist: NotFound',
    rule: 'grantMissingBucket',
    expected: () => 'NotFound',
    phase: 'main',
    run: async (ctx) =>
      expectCode(
        await ctx.client.grant(
          ctx.name('no-bucket'),
          ctx.name('no-bucket-acct'),
          ctx.accessParameters,
          ctx.protocol,
          ctx.calls,
        ),
        ['NotFound'],
      ),
  },
  {
    id: 'grant-fields-empty',
    title: 'DriverGrantBucketAccess, bucket and account name missing (empty): InvalidArgument',
    rule: 'requiredField',
    expected: () => 'InvalidArgument',
    phase: 'main',
    run: async (ctx) =>
      expectCode(await ctx.client.grant('', '', ctx.accessParameters, ctx.protocol, ctx.calls), [
        'InvalidArgument',
      ]),
  },
  {
    id: 'revoke-ok',
    title: 'DriverRevokeBucketAccess, a granted access: OK',
    rule: 'revokeOk',
    expected: () => 'OK',
    phase: 'main',
    run: async (ctx) => {
      const { bucketId, accountId } = await setupAccess(ctx, 'revoke');
      return expectCode(await ctx.client.revoke(bucketId, accountId, ctx.protocol, ctx.calls), ['OK']);
    },
  },
  {
    id: 'revoke-again',
    title: 'DriverRevokeBucketAccess, the same access again: OK',
    rule: 'revokeGone',
    expected: () => 'OK',
    phase: 'main',
    run: async (ctx) => {
      const { bucketId, accountId } = await setupAccess(ctx, 'revoke-twice');
      const first = await ctx.client.revoke(bucketId, accountId, ctx.protocol, ctx.calls);
      if (first.call.code !== 'OK') throw new CaseSetupError(`revoke ${accountId}`, first);
      return expectCode(await ctx.client.revoke(bucketId, accountId, ctx.protocol, ctx.calls), ['OK']);
    },
  },
  {
    id: 'revoke-never-granted',
    title: 'DriverRevokeBucketAccess, an account never granted: OK',
    rule: 'revokeGone',
    expected: () => 'OK',
    phase: 'main',
    run: async (ctx) => {
      const { bucketId } = await setupBucket(ctx, 'never-granted');
      return expectCode(
        await ctx.client.revoke(bucketId, ctx.name('never-granted-acct'), ctx.protocol, ctx.calls),
        ['OK'],
      );
    },
  },
  {
    id: 'revoke-fields-empty',
    title: 'DriverRevokeBucketAccess, bucket and account id missing (empty): InvalidArgument',
    rule: 'requiredField',
    expected: () => 'InvalidArgument',
    phase: 'main',
    run: async (ctx) =>
      expectCode(await ctx.client.revoke('', '', ctx.protocol, ctx.calls), ['InvalidArgument']),
  },
  {
    id: 'deadline',
    title: "Every answer of the run within the call's deadline",
    rule: 'deadline',
    expected: () => 'no DeadlineExceeded, every latency under the deadline',
    phase: 'main',
    run: async (ctx) => {
      // Its own round trip first, then every call the run has made so far on every era.
      const probe = await ctx.client.create(ctx.name('deadline'), ctx.parameters, ctx.protocol, ctx.calls);
      if (probe.call.code === 'OK' && typeof probe.response?.bucket_id === 'string')
        await ctx.client.remove(probe.response.bucket_id, ctx.calls);
      const all = ctx.runCalls();
      const late = all.filter((c) => c.code === 'DeadlineExceeded' || c.latencyMs >= c.deadlineMs);
      const slowest = all.reduce((a, b) => (b.latencyMs > a.latencyMs ? b : a), all[0] ?? probe.call);
      const slow = `slowest ${slowest.method} ${slowest.latencyMs} ms of ${all.length} calls (deadline ${slowest.deadlineMs} ms)`;
      if (late.length === 0) return pass(slow);
      return fail(
        `${late.length} call(s) past the deadline: ${late
          .slice(0, 3)
          .map((c) => `${c.method} ${c.code} after ${c.latencyMs} ms`)
          .join('; ')}`,
      );
    },
  },
  {
    id: 'canonical-codes',
    title: 'Canonical codes: no Unknown for a known failure',
    rule: 'canonicalCodes',
    expected: () => 'no answer of the run is Unknown (or a code outside the 17)',
    phase: 'main',
    run: async (ctx) => {
      // Its own known failure (a name past the spec's 128-byte string limit), then every answer of the run.
      const probe = await ctx.client.create(
        nameOfLength(ctx, 'n129-', 129),
        ctx.parameters,
        ctx.protocol,
        ctx.calls,
      );
      const all = ctx.runCalls();
      const unknown = all.filter((c) => c.code === 'Unknown');
      if (unknown.length === 0)
        return pass(`${all.length} answers, none Unknown (129-character name: ${describeAnswer(probe)})`);
      return fail(
        `${unknown.length} Unknown answer(s): ${unknown
          .slice(0, 3)
          .map((c) => `${c.method} "${truncate(c.message ?? '', 80)}"`)
          .join('; ')}`,
      );
    },
  },
  {
    id: 'backend-stopped',
    title: 'DriverCreateBucket with the backend stopped: Unavailable',
    rule: 'backendStopped',
    expected: () => 'Unavailable',
    phase: 'after-cleanup',
    run: async (ctx) => {
      const control = ctx.backend;
      if (!control?.stopBackend)
        return { outcome: 'skip', answer: ctx.noBackendControlReason, backendControl: 'none' };
      const evidence = await control.stopBackend();
      const answer = await ctx.client.create(
        ctx.name('unreachable'),
        ctx.parameters,
        ctx.protocol,
        ctx.calls,
      );
      const verdict = expectCode(answer, ['Unavailable']);
      return { ...verdict, answer: `${verdict.answer} (${evidence})`, backendControl: control.source };
    },
  },
];

/** Case ids in suite order (what --only and --skip accept). */
export const CONFORM_CASE_IDS: readonly string[] = CONFORM_CASES.map((c) => c.id);
