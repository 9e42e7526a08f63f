import type { ConformEra, SpecCitation } from './conform-results.ts';

// The sentences the cases check, verbatim from each era's spec module (comment line breaks joined with spaces).
// v1alpha1: the spec repository the v0.1 sidecars were built against (its spec.md and cosi.proto; the monorepo's
// proto/spec.md of v0.2.x has the same text). v1alpha2: the monorepo's proto module at the commit the harness pins.

const V1A1 = 'sigs.k8s.io/container-object-storage-interface-spec@v0.1.0';
const V1A2 = 'sigs.k8s.io/container-object-storage-interface/proto@v0.0.0-20260305170820-ee00c2690b87';
// Where the COSI spec names no code, gRPC's own code guide is the reference both specs point to.
const GRPC_CODES = 'google.golang.org/grpc@v1 (codes/codes.go, the canonical codes both COSI specs link to)';

const cite = (module: string, file: string, section: string, text: string): SpecCitation => ({
  module,
  file,
  section,
  text,
});

const GET_INFO_NAME =
  "The name MUST follow domain name notation format (https://tools.ietf.org/html/rfc1035#section-2.3.1). It SHOULD include the plugin's host company name and the plugin name, to minimize the possibility of collisions. It MUST be 63 characters or less, beginning and ending with an alphanumeric character ([a-z0-9A-Z]) with dashes (-), dots (.), and alphanumerics between.";
const CANONICAL =
  'The status `code` MUST contain a [canonical error code](https://github.com/grpc/grpc-go/blob/master/codes/codes.go). ... Each RPC defines a set of gRPC error codes that MUST be returned by the plugin when specified conditions are encountered.';
const TIMEOUTS = 'Any of the RPCs defined in this spec MAY timeout and MAY be retried.';

/** Citation keys: one per rule the suite checks. */
export type RuleKey =
  | 'getInfoName'
  | 'createValid'
  | 'createIdempotent'
  | 'createConflict'
  | 'createInvalidName'
  | 'requiredField'
  | 'createConcurrent'
  | 'getExistingMissing'
  | 'deleteExisting'
  | 'deleteGone'
  | 'deleteNonEmpty'
  | 'grantCredentials'
  | 'grantAgain'
  | 'grantMissingBucket'
  | 'revokeOk'
  | 'revokeGone'
  | 'deadline'
  | 'canonicalCodes'
  | 'backendStopped';

/** A rule as one era's spec words it, and how strong it is there. */
export interface EraRule {
  level: 'MUST' | 'SHOULD';
  spec: SpecCitation;
}

const grpcGuide = (section: string, text: string): EraRule => ({
  level: 'SHOULD',
  spec: cite(GRPC_CODES, 'codes/codes.go', section, text),
});

/** Every rule per era; a rule absent from an era (getExistingMissing in v1alpha1) is not checked there. */
export const SPEC_RULES: Record<ConformEra, Partial<Record<RuleKey, EraRule>>> = {
  v1alpha1: {
    getInfoName: {
      level: 'MUST',
      spec: cite(V1A1, 'cosi.proto', 'DriverGetInfoResponse.name', GET_INFO_NAME),
    },
    createValid: {
      level: 'MUST',
      spec: cite(
        V1A1,
        'cosi.proto',
        'DriverCreateBucketResponse',
        'bucket_id returned here is expected to be the globally unique identifier for the bucket in the object storage provider. bucket_info returned here stores the data specific to the bucket required by the object storage provider to connect to the bucket.',
      ),
    },
    createIdempotent: {
      level: 'MUST',
      spec: cite(
        V1A1,
        'cosi.proto',
        'service Provisioner, DriverCreateBucket',
        'This call is idempotent 1. If a bucket that matches both name and parameters already exists, then OK (success) must be returned.',
      ),
    },
    createConflict: {
      level: 'MUST',
      spec: cite(
        V1A1,
        'cosi.proto',
        'service Provisioner, DriverCreateBucket',
        '2. If a bucket by same name, but different parameters is provided, then the appropriate error code ALREADY_EXISTS must be returned.',
      ),
    },
    createInvalidName: {
      level: 'MUST',
      spec: cite(
        V1A1,
        'spec.md',
        'CreateBucket Errors',
        'If the conditions defined below are encountered, the plugin MUST return the specified gRPC error code. ... Bucket Name invalid | 3 INVALID_ARGUMENT | Besides the general cases, this code MUST also be used to indicate when plugin cannot create a bucket due to parameter check on the backend.',
      ),
    },
    requiredField: {
      level: 'MUST',
      spec: cite(
        V1A1,
        'spec.md',
        'Error Scheme',
        'In addition to those, if the conditions defined below are encountered, the plugin MUST return the associated gRPC error code. ... Missing required field | 3 MISSING_ARGUMENT | Indicates that a required field is missing from the request.',
      ),
    },
    createConcurrent: {
      level: 'MUST',
      spec: cite(
        V1A1,
        'spec.md',
        'DriverCreateBucket; Concurrency',
        "This operation MUST be idempotent. ... Multiple calls to CreateBucket may result in error 'ALREADY_EXISTS' if the call succeeded early.",
      ),
    },
    deleteExisting: {
      level: 'MUST',
      spec: cite(
        V1A1,
        'spec.md',
        'Solution Overview',
        'The interface declares the RPCs that a plugin MUST expose: this is the **primary focus** of the COSI specification.',
      ),
    },
    deleteGone: {
      level: 'SHOULD',
      spec: cite(
        V1A1,
        'cosi.proto',
        'service Provisioner, DriverDeleteBucket',
        'This call is made to delete the bucket in the backend. If the bucket has already been deleted, then no error should be returned.',
      ),
    },
    deleteNonEmpty: grpcGuide(
      'FailedPrecondition',
      "FailedPrecondition indicates operation was rejected because the system is not in a state required for the operation's execution. For example, directory to be deleted may be non-empty, an rmdir operation is applied to a non-directory, etc.",
    ),
    grantCredentials: {
      level: 'MUST',
      spec: cite(
        V1A1,
        'cosi.proto',
        'DriverGrantBucketAccessResponse',
        'This field is REQUIRED This is the account_id that is being provided access. ... This field is REQUIRED Credentials supplied for accessing the bucket ex: aws access key id and secret, etc.',
      ),
    },
    grantAgain: {
      level: 'SHOULD',
      spec: cite(
        V1A1,
        'spec.md',
        'Concurrency',
        "Multiple calls to CreateBucket may result in error 'ALREADY_EXISTS' if the call succeeded early. Similarly DeleteBucket, GrantBucketAccess, RevokeBucketAccess will behave the same.",
      ),
    },
    grantMissingBucket: grpcGuide(
      'NotFound',
      'NotFound means some requested entity (e.g., file or directory) was not found.',
    ),
    revokeOk: {
      level: 'MUST',
      spec: cite(
        V1A1,
        'spec.md',
        'Solution Overview',
        'The interface declares the RPCs that a plugin MUST expose: this is the **primary focus** of the COSI specification.',
      ),
    },
    revokeGone: {
      level: 'SHOULD',
      spec: cite(
        V1A1,
        'spec.md',
        'Timeouts',
        'Idempotency requirements ensure that a retried call with the same fields continues where it left off when retried.',
      ),
    },
    deadline: { level: 'SHOULD', spec: cite(V1A1, 'spec.md', 'Timeouts', TIMEOUTS) },
    canonicalCodes: { level: 'MUST', spec: cite(V1A1, 'spec.md', 'Error Scheme', CANONICAL) },
    backendStopped: grpcGuide(
      'Unavailable',
      'Unavailable indicates the service is currently unavailable. This is a most likely a transient condition and may be corrected by retrying with a backoff.',
    ),
  },
  v1alpha2: {
    getInfoName: {
      level: 'MUST',
      spec: cite(
        V1A2,
        'spec.md',
        'DriverGetInfo',
        `${GET_INFO_NAME} ... A list of all object storage protocols supported by the driver. At least one protocol is REQUIRED.`,
      ),
    },
    createValid: {
      level: 'MUST',
      spec: cite(
        V1A2,
        'spec.md',
        'DriverCreateBucketResponse',
        'REQUIRED. The unique identifier for the backend bucket known to the Provisioner. ... REQUIRED: At least one protocol bucket info result MUST be non-nil. ... The Provisioner MUST indicate support for the protocols in the request.',
      ),
    },
    createIdempotent: {
      level: 'MUST',
      spec: cite(
        V1A2,
        'spec.md',
        'DriverCreateBucket',
        'This operation MUST be idempotent. If a bucket corresponding to the specified name already exists and is compatible with the given parameters, the Plugin MUST reply OK.',
      ),
    },
    createConflict: {
      level: 'MUST',
      spec: cite(
        V1A2,
        'spec.md',
        'service Provisioner, DriverCreateBucket',
        'MUST return ALREADY_EXISTS if a backend bucket with matching identity exists but with incompatible parameters.',
      ),
    },
    createInvalidName: {
      level: 'MUST',
      spec: cite(
        V1A2,
        'spec.md',
        'DriverCreateBucket; Error Scheme',
        '`InvalidArgument` (not retryable) if any parameters are invalid for the backend. ... if the conditions defined below are encountered, the plugin MUST return the associated gRPC error code. ... Invalid or unsupported field in the request | 3 INVALID_ARGUMENT',
      ),
    },
    requiredField: {
      level: 'MUST',
      spec: cite(
        V1A2,
        'spec.md',
        'REQUIRED vs. OPTIONAL; Error Scheme',
        'A field noted as `REQUIRED` MUST be specified ... if the conditions defined below are encountered, the plugin MUST return the associated gRPC error code. ... Invalid or unsupported field in the request | 3 INVALID_ARGUMENT | One or more fields in this field is either not allowed by the Plugin or has an invalid value.',
      ),
    },
    createConcurrent: {
      level: 'SHOULD',
      spec: cite(
        V1A2,
        'spec.md',
        'DriverCreateBucketRequest.name; Concurrency',
        'The Plugin SHOULD ensure that multiple DriverCreateBucket calls for the same name do not result in more than one Bucket being provisioned corresponding to the name. ... The error code `ABORTED` MAY be returned by the Plugin in this case',
      ),
    },
    getExistingMissing: {
      level: 'MUST',
      spec: cite(
        V1A2,
        'spec.md',
        'service Provisioner, DriverGetExistingBucket',
        'MUST return NOT_FOUND if a bucket with matching identity does not exist.',
      ),
    },
    deleteExisting: {
      level: 'MUST',
      spec: cite(V1A2, 'spec.md', 'DriverDeleteBucket', 'A Plugin MUST implement this RPC call.'),
    },
    deleteGone: {
      level: 'MUST',
      spec: cite(
        V1A2,
        'spec.md',
        'DriverDeleteBucket',
        'This operation MUST be idempotent. If a bucket corresponding to the specified name does not exist, the Plugin MUST reply OK.',
      ),
    },
    deleteNonEmpty: grpcGuide(
      'FailedPrecondition',
      "FailedPrecondition indicates operation was rejected because the system is not in a state required for the operation's execution. For example, directory to be deleted may be non-empty, an rmdir operation is applied to a non-directory, etc.",
    ),
    grantCredentials: {
      level: 'MUST',
      spec: cite(
        V1A2,
        'spec.md',
        'DriverGrantBucketAccessResponse',
        'REQUIRED. The unique identifier for the backend access account known to the Provisioner. ... The Provisioner MUST fill in all required bucket info for the requested protocol. ... REQUIRED. The Provisioner MUST return info for all `buckets` in the request. ... CredentialInfo credentials = 3; (REQUIRED)',
      ),
    },
    grantAgain: {
      level: 'MUST',
      spec: cite(
        V1A2,
        'spec.md',
        'DriverGrantBucketAccess',
        'This operation MUST be idempotent. If an access corresponding to the specified name already exists and is compatible with the given parameters, the Plugin MUST reply OK.',
      ),
    },
    grantMissingBucket: grpcGuide(
      'NotFound',
      'NotFound means some requested entity (e.g., file or directory) was not found.',
    ),
    revokeOk: {
      level: 'MUST',
      spec: cite(V1A2, 'spec.md', 'DriverRevokeBucketAccess', 'A Plugin MUST implement this RPC call.'),
    },
    revokeGone: {
      level: 'MUST',
      spec: cite(
        V1A2,
        'spec.md',
        'DriverRevokeBucketAccess',
        "This operation MUST be idempotent. If an access corresponding to the specified name already doesn't exist, the Plugin MUST reply OK.",
      ),
    },
    deadline: { level: 'SHOULD', spec: cite(V1A2, 'spec.md', 'Timeouts', TIMEOUTS) },
    canonicalCodes: { level: 'MUST', spec: cite(V1A2, 'spec.md', 'Error Scheme', CANONICAL) },
    backendStopped: grpcGuide(
      'Unavailable',
      'Unavailable indicates the service is currently unavailable. This is a most likely a transient condition and may be corrected by retrying with a backoff.',
    ),
  },
};
