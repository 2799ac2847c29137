/**
 * Faults a test can inject; each makes the kubelet or scheduler of the test server behave as a real one
 * does when that goes wrong, for the pods started while it is set (optionally only those whose container
 * image is `image`):
 *
 * - `imagePull`: the pull fails — container waiting ErrImagePull, then ImagePullBackOff; events Failed, BackOff.
 * - `crashLoop`: the container exits with `exitCode` (1) every time, without running its command; with
 *   restartPolicy Always/OnFailure it restarts with a short back-off (waiting CrashLoopBackOff, restartCount grows).
 * - `jobFailed`: the same exit for Job pods (restartPolicy Never): each retry fails, so the Job ends Failed
 *   with BackoffLimitExceeded once backoffLimit is used up.
 * - `deadlineExceeded`: the container never ends by itself, so a Job's activeDeadlineSeconds fires
 *   (pods killed, Job Failed with DeadlineExceeded). A Job without a deadline then runs until deleted.
 * - `unschedulable`: no node fits — Pending, PodScheduled False/Unschedulable, event FailedScheduling.
 * - `readinessNever`: containers run but the readiness probe never passes (Deployments never become available).
 *
 * A missing service account is not injected: the Job controller really fails to create the pod.
 */
export type FaultKind =
  'imagePull' | 'crashLoop' | 'jobFailed' | 'deadlineExceeded' | 'unschedulable' | 'readinessNever';

export interface Fault {
  readonly kind: FaultKind;
  /** Only pods with a container of this image; absent: every pod. */
  readonly image?: string;
  /** crashLoop and jobFailed: the exit code of each run (default 1). */
  readonly exitCode?: number;
}

export class Faults {
  private readonly active = new Map<FaultKind, Fault>();

  /** Sets a fault, replacing one of the same kind. */
  set(fault: Fault): void {
    this.active.set(fault.kind, fault);
  }

  /** Clears one kind, or every fault. */
  clear(kind?: FaultKind): void {
    if (kind) this.active.delete(kind);
    else this.active.clear();
  }

  list(): Fault[] {
    return [...this.active.values()];
  }

  /** The fault of this kind that applies to a container with this image, if any. */
  affecting(kind: FaultKind, image: string): Fault | undefined {
    const fault = this.active.get(kind);
    return fault && (!fault.image || fault.image === image) ? fault : undefined;
  }
}
