import type { KubernetesObject } from '@kubernetes/client-node';

export const COSI_GROUP = 'objectstorage.k8s.io';

/** What a scenario asks for, whatever the era: the harness turns it into that era's objects. */
export interface ClassRequest {
  name: string;
  driverName: string;
  deletionPolicy: 'Retain' | 'Delete';
  parameters: Record<string, string>;
}

export interface ClaimRequest {
  name: string;
  namespace: string;
  className: string;
  protocols: string[];
}

export interface AccessRequest {
  name: string;
  namespace: string;
  claimName: string;
  className: string;
}

/** A COSI object as listed by the API (only the fields the harness reads). */
export interface CosiItem {
  metadata: { name: string; namespace?: string; finalizers?: string[]; resourceVersion?: string };
  status?: Record<string, unknown>;
}

/**
 * The object shapes of one COSI API era. v1alpha1 keeps class fields at the top level and reports readiness as
 * bucketReady / accessGranted; v1alpha2 moves them under spec and reports readyToUse and status.error.
 */
export interface CosiObjects {
  readonly version: 'v1alpha1' | 'v1alpha2';
  bucketClass(r: ClassRequest): KubernetesObject;
  bucketClaim(r: ClaimRequest): KubernetesObject;
  bucketAccessClass(r: ClassRequest): KubernetesObject;
  bucketAccess(r: AccessRequest): KubernetesObject;
  claimReady(item: CosiItem): boolean;
  /**
   * The controller has put its finalizer on the claim. Deleting a ready claim before that leaves its Bucket behind
   * (nothing tells the controller to delete it), so a delete is triggered only after it.
   */
  claimProtected(item: CosiItem): boolean;
  accessGranted(item: CosiItem): boolean;
  /**
   * The Bucket itself is provisioned: ready with the driver's bucket id. The 6a5a12c sidecar marks the claim ready
   * before it puts its finalizer on the Bucket and writes the Bucket's status; a claim deleted in between deletes
   * an unprotected Bucket and no DriverDeleteBucket is ever asked.
   */
  bucketReady(item: CosiItem): boolean;
  /** The Bucket a claim is bound to, from the claim's status. */
  boundBucketName(claimStatus: Record<string, unknown>): string | undefined;
}
